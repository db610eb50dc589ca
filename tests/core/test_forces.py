"""Force codes and the force holding a record, read from qualified ids."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

import core.forces
from core.errors import HarmgraphError
from core.forces import force_code, force_of, forces_of, holds_force


def test_the_examples_hold() -> None:
    assert doctest.testmod(core.forces).failed == 0


@pytest.mark.parametrize("bad", ["", "N", "NBRNBRNBR", "N:B", "N B", "NBR;"])
def test_a_force_code_is_two_to_eight_letters_or_digits(bad: str) -> None:
    with pytest.raises(HarmgraphError, match="2 to 8 letters or digits"):
        force_code(bad)


def test_the_force_is_the_part_before_the_first_colon() -> None:
    assert force_of("CLE:2024:17") == "CLE"
    assert force_of(":R1") is None


def test_forces_keep_the_rows_index_and_match_whole_codes() -> None:
    forces = forces_of(pd.Series(["NB:R1;NBR:R2", None], index=[7, 3]))
    assert forces.to_dict() == {7: "NB;NBR", 3: ""}
    assert holds_force(forces, "NB").tolist() == [True, False]
    assert holds_force(pd.Series(["NBR"]), "NB").tolist() == [False]  # not a prefix match


def test_more_forces_than_bits_still_join_each_persons_codes() -> None:
    record_ids = pd.Series([f"F{i}:R1;F{i + 1}:R2" for i in range(70)] + ["R9"], index=range(100, 171))
    forces = forces_of(record_ids)
    assert forces[100] == "F0;F1"
    assert forces[169] == "F69;F70"
    assert forces[170] == ""

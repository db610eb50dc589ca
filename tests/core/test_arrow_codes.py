"""core.arrow_codes' examples run as tests (core is not among the doctest paths)."""

import doctest

import numpy as np
import pyarrow as pa

import core.arrow_codes
from core.arrow_codes import positions_of


def test_the_examples_hold() -> None:
    assert doctest.testmod(core.arrow_codes).failed == 0


def test_positions_of_finds_a_few_ids_among_many_at_their_last_place() -> None:
    ids = pa.array([f"P{n}" for n in range(1000)] + ["P7"])
    found = positions_of(ids, pa.array(["P999", None, "Q1", "P7", "P0"]))
    assert found.tolist() == [999, -1, -1, 1000, 0]
    assert found.dtype == np.int64

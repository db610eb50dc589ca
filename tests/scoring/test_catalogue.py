"""The shipped offence catalogue: every weight states its source, and the VAWG keys are there.

A weight is a promise about where it came from: each row's ``source`` must give the number of
days the row carries, so a weight changed without its source (or the reverse) fails here.
"""

from __future__ import annotations

import re

import pytest

from scoring.catalogue import REQUIRED_KEYS, load_catalogue

CATALOGUE = load_catalogue()
VAWG_KEYS = ("honour_based_abuse", "forced_marriage", "fgm", "rape_child_under_13", "sexual_assault_child_under_13",
             "sexual_activity_with_child", "indecent_images_children", "intimate_image_abuse", "breach_shpo",
             "breach_sro", "breach_spo")


@pytest.mark.parametrize("offence", sorted(CATALOGUE.keys))
def test_each_source_states_the_days_the_row_weighs(offence: str) -> None:
    row = CATALOGUE.table.loc[offence]
    days = f"{row['harm_days']:g}"
    assert re.search(rf"(= |weight ){days} days?\b", row["source"]), f"{offence}: source does not give {days} days"


@pytest.mark.parametrize("offence", VAWG_KEYS)
def test_the_vawg_offences_are_required_and_name_a_guideline_or_the_analogy_used(offence: str) -> None:
    assert offence in REQUIRED_KEYS
    source = CATALOGUE.table.at[offence, "source"]
    assert "Sentencing Council" in source or "guideline" in source, source


def test_child_sexual_offences_are_sexual_and_sexual_order_breaches_are_breaches() -> None:
    table = CATALOGUE.table
    assert table.loc[["rape_child_under_13", "sexual_assault_child_under_13", "sexual_activity_with_child",
                      "indecent_images_children"], "sexual"].all()
    assert table.loc[["breach_shpo", "breach_sro", "breach_spo"], "breach"].all()
    assert table.at["rape_child_under_13", "harm_days"] > table.at["rape", "harm_days"]

"""ScoringContext: the as-of date is normalised once, and the window read from it."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from scoring.context import ScoringContext, as_of_date
from scoring.window import window_start


@pytest.mark.parametrize("given", [date(2026, 6, 30), datetime(2026, 6, 30, 17, 45), pd.Timestamp("2026-06-30 17:45"),
                                   "2026-06-30", "2026-06-30T17:45:00"])
def test_any_as_of_value_becomes_its_calendar_day(plain_force, given: object) -> None:
    context = plain_force.context(given)
    assert context.as_of == date(2026, 6, 30) and type(context.as_of) is date


def test_as_of_date_gives_the_day_of_a_value() -> None:
    assert as_of_date(pd.Timestamp("2026-10-31 23:59")) == date(2026, 10, 31)


def test_the_context_gives_the_as_of_day_its_last_instant_and_the_windows_first_day(plain_force) -> None:
    context = plain_force.context(datetime(2026, 6, 30, 17, 45))
    assert context.as_of_day == pd.Timestamp("2026-06-30")
    assert context.as_of_end == pd.Timestamp("2026-06-30 23:59:59.999999")
    assert context.window_start == window_start(date(2026, 6, 30), context.config) == pd.Timestamp("2023-06-30")


def test_a_context_is_frozen(plain_force) -> None:
    context = plain_force.context(date(2026, 6, 30))
    with pytest.raises(AttributeError):
        context.as_of = date(2020, 1, 1)  # type: ignore[misc]


def test_replacing_the_as_of_normalises_it_again(plain_force) -> None:
    from dataclasses import replace

    context = replace(plain_force.context(date(2026, 6, 30)), as_of="2025-01-02T09:00")
    assert context.as_of == date(2025, 1, 2) and context.window_start == pd.Timestamp("2022-01-02")


def test_a_context_carries_the_tables_config_and_catalogue_it_was_given(plain_force) -> None:
    plain_force.incident("I1", "2026-06-01", "abh", "S", ("V",))
    context = plain_force.context(date(2026, 6, 30))
    assert isinstance(context, ScoringContext)
    assert context.tables.incidents["incident_id"].tolist() == ["I1"]
    assert context.config.version == "plain" and context.catalogue.fingerprint == "plain"

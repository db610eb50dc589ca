"""window_start, as_of_end and with_harm: the look-back window and the harm each incident weighs."""

from __future__ import annotations

from datetime import date

import pandas as pd

from scoring.window import as_of_end, window_start, with_harm


def test_the_window_starts_whole_years_before_the_as_of_date(plain_force) -> None:
    config = plain_force.context(date(2026, 3, 1)).config  # 3 years
    assert window_start(date(2026, 3, 1), config) == pd.Timestamp("2023-03-01")


def test_a_fractional_look_back_adds_its_share_of_a_year_in_days(plain_force) -> None:
    config = plain_force.context(date(2026, 3, 1), lookback_years=2.5).config
    # two whole years, then round(0.5 x 365.25) = 183 days more
    assert window_start(date(2026, 3, 1), config) == pd.Timestamp("2024-03-01") - pd.Timedelta(days=183)


def test_a_window_from_a_leap_day_starts_on_the_last_day_of_february(plain_force) -> None:
    config = plain_force.context(date(2024, 2, 29), lookback_years=1).config
    assert window_start(date(2024, 2, 29), config) == pd.Timestamp("2023-02-28")


def test_the_window_starts_at_midnight_whatever_the_time_of_the_as_of(plain_force) -> None:
    config = plain_force.context(date(2026, 3, 1)).config
    assert window_start(pd.Timestamp("2026-03-01 17:45"), config) == pd.Timestamp("2023-03-01")


def test_the_as_of_day_ends_at_its_last_microsecond() -> None:
    end = as_of_end(date(2026, 6, 30))
    assert end == pd.Timestamp("2026-06-30 23:59:59.999999")
    assert end + pd.Timedelta(microseconds=1) == pd.Timestamp("2026-07-01")


def test_as_of_end_ignores_the_time_of_day() -> None:
    assert as_of_end(pd.Timestamp("2026-06-30 08:00")) == as_of_end(date(2026, 6, 30))


def test_with_harm_weighs_each_incident_by_catalogue_outcome_and_dash(plain_force) -> None:
    context = plain_force.context(date(2026, 6, 30))
    incidents = pd.DataFrame({
        "offence": ["abh", "abh", "abh", "da_non_crime", "breach_nmo", "unknown_offence"],
        "outcome": ["charged", "acquitted", None, None, None, None],
        "dash_risk": ["standard", "high", "medium", None, None, None],
    }, index=[10, 11, 12, 13, 14, 15])
    frame = with_harm(incidents, context.config, context.catalogue)
    assert frame["harm_days"].tolist() == [10.0, 10.0, 10.0, 0.0, 10.0, 0.0]
    assert frame["weighted_harm"].tolist() == [10.0, 7.5, 12.5, 0.0, 10.0, 0.0]
    assert frame["non_crime"].tolist() == [False, False, False, True, False, False]
    assert frame["breach"].tolist() == [False, False, False, False, True, False]
    assert list(frame.index) == list(range(6))  # a fresh index
    assert "harm_days" not in incidents  # the input is left alone

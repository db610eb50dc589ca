"""Learned weights: fitted on earlier windows only, and they find the component that matters."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from scoring.config import Weights
from scoring.learned import (POINT_COLUMNS, Target, fit_weights, learn_as_of, learn_for_dates, training_dates,
                             training_frame, weights_from_coefficients, weights_table)
from scoring.perpetrators import ScoringContext
from scoring.tables import ScoringTables, normalise_tables

TEST_AS_OF = date(2025, 6, 30)


def _tables(incidents: list[tuple[str, str, str, str, str]]) -> ScoringTables:
    """Scoring tables from (id, when, offence, suspect, victim) tuples."""
    rows = pd.DataFrame([{"incident_id": i, "occurred_at": pd.Timestamp(w), "offence": o} for i, w, o, _, _ in incidents])
    roles = pd.DataFrame([{"incident_id": i, "person_id": s, "role": "suspect", "relationship": "partner"}
                          for i, _, _, s, _ in incidents]
                         + [{"incident_id": i, "person_id": v, "role": "victim"} for i, _, _, _, v in incidents])
    people = sorted(set(roles["person_id"]))
    persons = pd.DataFrame({"person_id": people, "sex": ["F" if p.startswith("V") else "M" for p in people]})
    return normalise_tables(incidents=rows, roles=roles, persons=persons, measures=pd.DataFrame(),
                            breaches=pd.DataFrame(), referrals=pd.DataFrame())


def _history() -> list[tuple[str, str, str, str, str]]:
    """Serial abusers (S*) keep harming new women every quarter; one-off people (O*) stop."""
    rows = []
    for s in range(4):
        for q in range(12):
            when = pd.Timestamp("2022-01-15") + pd.DateOffset(months=3 * q, days=7 * s)
            rows.append((f"S{s}-{q}", when.isoformat(), "abh", f"S{s}", f"VS{s}-{q}"))
    for o in range(8):
        when = pd.Timestamp("2022-02-01") + pd.DateOffset(months=4 * o)
        rows.append((f"O{o}", when.isoformat(), "common_assault", f"O{o}", f"VO{o}"))
    return rows


@pytest.fixture
def context(config, catalogue) -> ScoringContext:
    return ScoringContext(tables=_tables(_history()), config=config, catalogue=catalogue, as_of=TEST_AS_OF)


def test_training_windows_end_before_the_date_they_are_for() -> None:
    for horizon in (90, 365):
        dates = training_dates(TEST_AS_OF, horizon, every_months=3, times=5)
        assert len(dates) == 5
        assert all(pd.Timestamp(d) + pd.Timedelta(days=horizon) <= pd.Timestamp(TEST_AS_OF) for d in dates)


def test_learned_weights_ignore_anything_after_the_test_date(context) -> None:
    wild = [(f"W{n}", f"2025-0{7 + n % 3}-1{n % 9}", "murder", f"O{n % 8}", f"VW{n}") for n in range(20)]
    wilder = replace(context, tables=_tables(_history() + wild))
    before = learn_as_of(context, TEST_AS_OF, horizon_days=180, every_months=3, times=3)
    after = learn_as_of(wilder, TEST_AS_OF, horizon_days=180, every_months=3, times=3)
    assert before == after
    assert before.rows > 0 and len(before.train_dates) == 3


def test_training_frame_pairs_points_then_with_harm_after(context) -> None:
    frame = training_frame(context, date(2024, 6, 30), 90).set_index("person_id")
    assert set(POINT_COLUMNS) <= set(frame.columns)
    # Serial abusers go on to cause ABH (10 days) in the next quarter; one-off people do not.
    assert frame.loc["S0", "future_harm"] == 10.0 and frame.loc["S0", "harmed_again"]
    assert frame.filter(like="O", axis=0)["future_harm"].eq(0).all()


def _synthetic(victims_drive: bool = True) -> pd.DataFrame:
    """Every combination of points 0..5 (6^4 rows); harm grows with victims points only."""
    grid = np.array(np.meshgrid(*[np.arange(6)] * 4)).reshape(4, -1).T.astype(float)
    frame = pd.DataFrame(grid, columns=POINT_COLUMNS)
    frame["future_harm"] = np.exp(0.8 * frame["victims_points"]) if victims_drive else 0.0
    frame["harmed_again"] = frame["victims_points"] >= 3
    return frame


@pytest.mark.parametrize("target", list(Target))
def test_the_fit_puts_the_weight_on_the_component_that_predicts_harm(target: Target) -> None:
    weights, raw, _ = fit_weights(_synthetic(), Weights(), target)
    assert max(raw, key=raw.get) == "victims"
    assert weights.victims == max(weights.model_dump().values())
    assert sum(weights.model_dump().values()) == pytest.approx(4.5, abs=0.01)  # the default total


def test_no_later_harm_keeps_the_default_weights_and_says_so() -> None:
    weights, raw, note = fit_weights(_synthetic(victims_drive=False), Weights(), Target.HARM)
    assert weights == Weights() and raw == {} and "default weights kept" in note


def test_negative_coefficients_become_zero_weights() -> None:
    assert weights_from_coefficients([-1.0, -2.0, 0.0, 0.0], 5.5) is None
    assert weights_from_coefficients([1.0, -1.0, 1.0, 0.0], 4).model_dump() == {
        "recency": 2.0, "frequency": 0.0, "gravity": 2.0, "victims": 0.0}


def test_each_test_date_gets_its_own_weights_beside_the_default(context) -> None:
    dates = [date(2025, 3, 31), TEST_AS_OF]
    fits = learn_for_dates(context, dates, horizon_days=180, every_months=3, times=2)
    table = weights_table(context.config.weights, fits)
    assert table["weights"].tolist() == ["default (points system)", "learned for 2025-03-31 (harm)",
                                         "learned for 2025-06-30 (harm)"]
    assert all(max(f.train_dates) <= (pd.Timestamp(d) - pd.Timedelta(days=180)).date() for d, f in fits.items())

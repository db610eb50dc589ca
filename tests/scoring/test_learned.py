"""Learned weights and bands: fitted on earlier windows only, and they find what matters."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from scoring.config import RFGV, PointSettings, ScoringConfig, Weights, classic_banded
from scoring.backtest import backtest, future_outcomes, rank_as_of, summary_table
from scoring.learned import (POINT_COLUMNS, VALUE_COLUMNS, Target, bands_table, fit_weights, learn_as_of,
                             learn_bands, learn_for_dates, run_backtest, training_dates, training_frame,
                             weights_from_coefficients, weights_table)
from scoring.context import ScoringContext
from core.tables import ScoringTables, normalise_tables

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
    assert sum(weights.model_dump().values()) == pytest.approx(sum(Weights().model_dump().values()), abs=0.01)


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


def _planted(rows_per_cell: int = 3) -> pd.DataFrame:
    """Raw values on a balanced grid: later harm jumps at 4+ incidents and within 30 days.

    Victims and gravity vary too but carry no signal; every level of one component sees the
    same mix of the others, so the jumps are the only structure a tree can find.
    """
    frequency, recency, gravity, victims = (a.ravel() for a in np.meshgrid(
        np.arange(1, 11), [3, 12, 25, 30, 45, 120, 400], [0.0, 3.5, 10.0, 200.0], [1, 2, 3], indexing="ij"))
    frame = pd.DataFrame({"recency": recency, "frequency": frequency, "gravity": gravity, "victims": victims})
    frame = pd.concat([frame] * rows_per_cell, ignore_index=True)
    frame["future_harm"] = 1.0 + 20.0 * (frame["frequency"] >= 4) + 10.0 * (frame["recency"] <= 30)
    frame["harmed_again"] = frame["future_harm"] >= 11  # 4+ incidents or within 30 days
    for column in POINT_COLUMNS:
        frame[column] = 0.0
    return frame


def _check_valid(bands, config: ScoringConfig) -> None:
    """Strictly increasing edges, learned points 1..n (recency: most for the fewest days), at
    most as many bands as the default, the default where nothing was learned, a valid config."""
    for component in RFGV:
        if component not in bands.learned:
            assert getattr(bands, component) == getattr(config, component)
            continue
        key = "max_days" if component == "recency" else "at_least"
        edges = [(getattr(b, key), b.points) for b in getattr(bands, component)]
        assert [e for e, _ in edges] == sorted({e for e, _ in edges})
        n = len(edges)
        assert [p for _, p in edges] == (list(range(n, 0, -1)) if component == "recency" else list(range(1, n + 1)))
        assert n <= len(getattr(config, component))
    assert all(float(b.max_days).is_integer() for b in bands.recency)
    assert all(float(b.at_least).is_integer() for c in ("frequency", "victims") for b in getattr(bands, c))
    learned_config = bands.config(config)
    assert isinstance(learned_config, ScoringConfig)
    assert learned_config.weights == bands.weights and learned_config.signals == config.signals


@pytest.mark.parametrize("target", list(Target))
def test_learned_bands_recover_a_planted_threshold(config, target: Target) -> None:
    bands = learn_bands(_planted(), config, target)
    _check_valid(bands, config)
    # One band from the default floor (1 incident), one from 4: the planted jump.
    assert [(b.at_least, b.points) for b in bands.frequency] == [(1, 1), (4, 2)]
    # The jump lies between 30 and 45 days (no one in between): the edge is their midpoint.
    assert [(b.max_days, b.points) for b in bands.recency] == [(37, 2), (100000, 1)]
    assert set(bands.learned) == {"recency", "frequency"}
    assert bands.gravity == config.gravity and bands.victims == config.victims
    assert "no split found for gravity, victims: default bands kept" in bands.note
    # The refitted weights lean on the two components that carry the signal.
    w = bands.weights.model_dump()
    assert min(w["recency"], w["frequency"]) > max(w["gravity"], w["victims"])


def test_learned_bands_are_readable_whole_days_counts_and_rounded_harm(config) -> None:
    frame = _planted()
    rng = np.random.default_rng(7)
    frame["gravity"] = rng.gamma(0.5, 80.0, len(frame)).round(2)
    frame["future_harm"] = frame["future_harm"] + 15.0 * (frame["gravity"] >= 37.3)
    bands = learn_bands(frame, config)
    _check_valid(bands, config)
    edges = [b.at_least for b in bands.gravity]
    assert edges[0] == config.gravity[0].at_least  # the default floor: no harm, no points
    assert any(30 <= e <= 45 for e in edges)
    assert all(e < 10 and (2 * e).is_integer() or e < 100 and e.is_integer() or e == float(f"{e:.2g}")
               for e in edges)


def test_no_split_keeps_the_default_bands_and_says_so(config) -> None:
    flat = _planted().assign(future_harm=5.0, harmed_again=True)
    bands = learn_bands(flat, config)
    assert bands.bands() == {c: getattr(config, c) for c in RFGV}
    assert bands.learned == ()
    assert "no split found for recency, frequency, gravity, victims: default bands kept" in bands.note
    # Too few rows for two leaves of the minimum size: no split either.
    tiny = learn_bands(_planted().iloc[:40], config)
    assert tiny.learned == () and tiny.bands() == bands.bands()


def _crowd() -> list[tuple[str, str, str, str, str]]:
    """Enough people for bands to be learned: 30 serial abusers with varied pace, 90 one-offs."""
    rows = []
    for s in range(30):
        step = 1 + s % 4  # every 1-4 months
        for n in range(0, 54, step):  # to mid-2026: some after the test date
            when = pd.Timestamp("2022-01-03") + pd.DateOffset(months=n, days=s)
            rows.append((f"S{s}-{n}", when.isoformat(), "abh" if s % 3 else "harassment", f"S{s}", f"VS{s}-{n % 3}"))
    for o in range(90):
        when = pd.Timestamp("2022-01-10") + pd.DateOffset(days=13 * o)
        rows.append((f"O{o}", when.isoformat(), "common_assault", f"O{o}", f"VO{o}"))
    return rows


def test_learned_bands_for_a_date_ignore_anything_after_it(config, catalogue) -> None:
    crowd = ScoringContext(tables=_tables(_crowd()), config=config, catalogue=catalogue, as_of=TEST_AS_OF)
    later = [(f"W{n}", f"2025-{7 + n % 5:02d}-{1 + n % 27:02d}", "murder" if n % 2 else "rape",
              f"O{n % 90}", f"VW{n}") for n in range(60)]
    # Alter what happened after the date too: S0's and S1's later incidents become rapes.
    altered = [(i, w, "rape" if s in ("S0", "S1") and pd.Timestamp(w) > pd.Timestamp(TEST_AS_OF) else o, s, v)
               for i, w, o, s, v in _crowd()]
    assert altered != _crowd()
    wilder = replace(crowd, tables=_tables(altered + later))
    before = learn_as_of(crowd, TEST_AS_OF, horizon_days=180, every_months=3, times=4)
    after = learn_as_of(wilder, TEST_AS_OF, horizon_days=180, every_months=3, times=4)
    assert before.bands is not None and before.bands.learned  # bands were learned, not the fallback
    assert before == after
    assert before.config(config, with_bands=True) == after.config(config, with_bands=True)
    # The same store seen from a later date does learn from those incidents.
    assert learn_as_of(wilder, date(2026, 6, 30), 180, 3, 4) != learn_as_of(crowd, date(2026, 6, 30), 180, 3, 4)


def test_training_frame_carries_the_raw_values(context) -> None:
    frame = training_frame(context, date(2024, 6, 30), 90).set_index("person_id")
    assert set(VALUE_COLUMNS) <= set(frame.columns)
    assert frame.loc["S0", "frequency"] >= 9 and frame.loc["S0", "victims"] == frame.loc["S0", "frequency"]


def test_bands_table_shows_learned_bands_beside_the_default(context) -> None:
    dates = [date(2025, 3, 31), TEST_AS_OF]
    fits = learn_for_dates(context, dates, horizon_days=180, every_months=3, times=2)
    table = bands_table(context.config, fits)
    assert table["bands"].tolist() == ["default (points system)", "learned for 2025-03-31 (harm)",
                                       "learned for 2025-06-30 (harm)"]
    assert table.loc[0, "recency"] == "<=28d:5 <=90d:4 <=180d:3 <=365d:2 <=100000d:1"
    assert table.loc[0, "refitted_weights"] == "R 1 F 1 G 2 V 1"  # the shipped weights
    # Sixteen people in this small force: too few rows for any band, so the defaults are kept.
    assert (table.loc[1:, "recency"] == table.loc[0, "recency"]).all()
    assert table.loc[1:, "note"].str.contains("no split found").all()
    no_bands = learn_for_dates(context, dates, horizon_days=180, every_months=3, times=2, bands=False)
    assert all(f.bands is None for f in no_bands.values()) and len(bands_table(context.config, no_bands)) == 1


def test_the_back_test_by_default_ends_one_horizon_before_the_as_of_date(context) -> None:
    run = run_backtest(context, horizon_days=180, every_months=3, times=2, top_k=5)
    assert run.as_ofs == (date(2024, 10, 1), date(2025, 1, 1))  # 2025-06-30 - 180 days, and 3 months before
    assert sorted(run.results["as_of"].unique()) == ["2024-10-01", "2025-01-01"]
    assert run.fits == {} and run.weights.empty and run.bands.empty
    pd.testing.assert_frame_equal(run.summary, summary_table(run.results))


def test_the_back_test_sets_the_classic_banded_matrix_beside_graded_points(context) -> None:
    graded = context.config.model_copy(update={"points": PointSettings(style="graded")})
    run = run_backtest(replace(context, config=graded), horizon_days=365, times=1, top_k=5,
                       last_as_of=date(2024, 1, 1))
    assert set(run.results["method"]) == {"rfgv", "rfgv_banded", "frequency", "random"}
    as_of = run.as_ofs[0]
    classic = rank_as_of(context, as_of, classic_banded(graded))["person_id"]
    k = int(run.results.loc[run.results["cut"] == "top 5", "k"].iloc[0])
    outcomes = future_outcomes(context, as_of, 365).set_index("person_id")["future_harm"]
    expected = classic.head(k).map(outcomes).fillna(0).sum() / outcomes.sum()
    assert expected > 0
    banded = run.results[(run.results["method"] == "rfgv_banded") & (run.results["cut"] == "top 5")]
    assert banded["harm_share"].iloc[0] == pytest.approx(expected)
    assert "share_rfgv_banded" in run.summary.columns
    already = context.config.model_copy(update={"points": PointSettings(style="banded")})
    assert "rfgv_banded" not in set(run_backtest(replace(context, config=already), horizon_days=180,
                                                 times=1, top_k=5).results["method"])


def test_a_chosen_last_date_replaces_the_default(context) -> None:
    run = run_backtest(context, horizon_days=90, times=1, last_as_of=date(2024, 6, 30))
    assert run.as_ofs == (date(2024, 6, 30),)


def test_the_back_test_with_learning_tests_the_learned_weights_and_bands_beside_the_default(context) -> None:
    stages: list[str] = []
    run = run_backtest(context, horizon_days=180, every_months=3, times=2, top_k=5, learned=True,
                       target=Target.AGAIN, progress=stages.append)
    assert stages == ["learning weights and bands from earlier windows", "back-testing as of 2024-10-01",
                      "back-testing as of 2025-01-01"]
    fits = learn_for_dates(context, list(run.as_ofs), 180, 3, target=Target.AGAIN)
    assert run.fits == fits
    expected = backtest(context, list(run.as_ofs), 180, 5, weights_for=lambda d: {"learned": fits[d].weights},
                        config_for=lambda d: {"rfgv_banded": classic_banded(context.config),
                                              "learned_bands": fits[d].config(context.config, True)})
    pd.testing.assert_frame_equal(run.results, expected)
    assert {"learned", "learned_bands"} <= set(run.results["method"])
    pd.testing.assert_frame_equal(run.weights, weights_table(context.config.weights, fits))
    pd.testing.assert_frame_equal(run.bands, bands_table(context.config, fits))

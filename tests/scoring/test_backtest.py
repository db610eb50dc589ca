"""Back-testing on a hand-built force: figures computed by hand with the shipped catalogue.

Catalogue harm days used: rape 1825, abh 10, harassment 7, common assault 3.5, non-crime 0.

As of 2025-06-30 four people are ranked, in this order: P1 (three victims), P2 (two
assaults on one victim), P4 (one non-crime incident that day), P3 (one older harassment). In the following year:
P1 rapes a new victim (1825), P2 assaults the same victim again (3.5), P5, unknown on the
as-of date, causes ABH (10), and P3 with newcomer P6 harasses a new victim (7, split 3.5 each).
Total later harm 1845.5; the ranked people caused 1825 + 3.5 + 3.5 = 1832.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from scoring.backtest import (backtest, backtest_once, cut_sizes, frequency_order, future_outcomes,
                              rank_as_of, rolling_dates, summary_table, truncate_tables)
from scoring.config import classic_banded
from scoring.context import ScoringContext
from core.tables import ScoringTables, normalise_tables

AS_OF = date(2025, 6, 30)
TOTAL = 1845.5

Incident = tuple[str, str, str, tuple[str, ...], tuple[str, ...]]

HISTORY: list[Incident] = [
    ("H1", "2024-09-01", "abh", ("P1",), ("V1",)),
    ("H2", "2025-01-10", "abh", ("P1",), ("V2",)),
    ("H3", "2025-06-01", "abh", ("P1",), ("V3",)),
    ("H4", "2025-02-01", "common_assault", ("P2",), ("V4",)),
    ("H5", "2025-03-01", "common_assault", ("P2",), ("V4",)),
    ("H6", "2024-12-01", "harassment", ("P3",), ("V5",)),
    ("H7", "2025-06-30T23:59:00", "da_non_crime", ("P4",), ("V6",)),  # last minute of the as-of day
]
FUTURE: list[Incident] = [
    ("F1", "2025-07-01T00:01:00", "rape", ("P1",), ("V7",)),
    ("F2", "2025-08-01", "common_assault", ("P2",), ("V4",)),
    ("F3", "2025-09-01", "abh", ("P5",), ("V8",)),
    ("F4", "2026-06-30T12:00:00", "harassment", ("P3", "P6"), ("V9",)),  # last day of the horizon
    ("F5", "2026-07-02", "rape", ("P4",), ("V6",)),  # after the horizon: never counted
]


def build_tables(incidents: list[Incident], referrals: list[dict[str, str]] | None = None,
                 measures: list[dict[str, str]] | None = None) -> ScoringTables:
    """Scoring tables straight from (id, when, offence, suspects, victims) tuples."""
    rows = pd.DataFrame([{"incident_id": i, "occurred_at": pd.Timestamp(when), "offence": offence}
                         for i, when, offence, _, _ in incidents])
    roles = pd.DataFrame(
        [{"incident_id": i, "person_id": s, "role": "suspect", "relationship": "partner"}
         for i, _, _, suspects, _ in incidents for s in suspects]
        + [{"incident_id": i, "person_id": v, "role": "victim"} for i, _, _, _, victims in incidents for v in victims])
    people = sorted(set(roles["person_id"]))
    persons = pd.DataFrame({"person_id": people, "display_name": people,
                            "sex": ["F" if p.startswith("V") else "M" for p in people]})
    return normalise_tables(incidents=rows, roles=roles, persons=persons,
                            measures=pd.DataFrame(measures or []), breaches=pd.DataFrame(),
                            referrals=pd.DataFrame(referrals or []))


@pytest.fixture
def context(config, catalogue) -> ScoringContext:
    # Scored the classic way (steps, R1 F1 G1 V1.5), as the hand-worked orders below assume.
    return ScoringContext(tables=build_tables(HISTORY + FUTURE), config=classic_banded(config), catalogue=catalogue,
                          as_of=AS_OF)


def _row(results: pd.DataFrame, method: str, cut: str) -> pd.Series:
    return results[(results["method"] == method) & (results["cut"] == cut)].iloc[0]


def test_truncation_drops_everything_recorded_after_the_as_of_day(context) -> None:
    referrals = [{"referral_id": "R1", "person_id": "P1", "type": "matac", "date": "2025-06-30"},
                 {"referral_id": "R2", "person_id": "P2", "type": "matac", "date": "2025-07-01"}]
    measures = [{"measure_id": "M1", "type": "dvpo", "subject_person_id": "P2", "start_date": "2025-07-05"}]
    cut = truncate_tables(build_tables(HISTORY + FUTURE, referrals, measures), AS_OF)
    assert set(cut.incidents["incident_id"]) == {i for i, *_ in HISTORY}
    assert not set(cut.roles["incident_id"]) & {i for i, *_ in FUTURE}
    assert cut.referrals["referral_id"].tolist() == ["R1"]
    assert cut.measures.empty
    assert not {"P5", "P6", "V7", "V8", "V9"} & set(cut.persons["person_id"])


def test_ranking_as_of_a_date_ignores_wild_future_incidents(context) -> None:
    wild: list[Incident] = [(f"W{n}", f"2025-{7 + n % 5:02d}-0{1 + n % 8}", "rape", ("P4",), (f"X{n}",))
                            for n in range(30)]
    wild.append(("W99", "2025-07-01", "murder", ("P3", "P2"), ("V1",)))
    wilder = replace(context, tables=build_tables(HISTORY + FUTURE + wild))
    before = rank_as_of(context, AS_OF)
    after = rank_as_of(wilder, AS_OF)
    pd.testing.assert_frame_equal(before, after)
    # P4's non-crime incident on the as-of day is recent (5 recency points): above P3's older harassment.
    assert before["person_id"].tolist() == ["P1", "P2", "P4", "P3"]


def test_ranking_as_of_a_date_equals_ranking_a_store_that_ends_there(context) -> None:
    """Truncating first gives the list a force would have drawn up on the day."""
    then = replace(context, tables=build_tables(HISTORY))
    pd.testing.assert_frame_equal(rank_as_of(context, AS_OF), rank_as_of(then, AS_OF))


def test_future_outcomes_count_only_the_horizon_and_split_shared_harm(context) -> None:
    outcomes = future_outcomes(context, AS_OF, 365).set_index("person_id")
    assert outcomes["future_harm"].to_dict() == {"P1": 1825.0, "P2": 3.5, "P3": 3.5, "P5": 10.0, "P6": 3.5}
    assert outcomes["future_harm"].sum() == TOTAL
    assert outcomes["harmed_again"].all()
    # P2 harmed the same woman again; P1 and P3 harmed someone new; P5 and P6 were not known before.
    assert outcomes["new_victim"].to_dict() == {"P1": True, "P2": False, "P3": True, "P5": True, "P6": True}


def test_harm_share_precision_and_recall_by_hand(context) -> None:
    results = backtest_once(context, AS_OF, horizon_days=365, top_k=2)
    top = _row(results, "rfgv", "top 1%")  # 1% of 4 ranked rounds up to one person: P1
    assert top["k"] == 1
    assert top["harm_share"] == pytest.approx(1825 / TOTAL)
    assert top["precision_again"] == 1.0
    assert top["recall_again"] == pytest.approx(1 / 3)  # P1, P2, P3 harmed again
    assert top["recall_new_victim"] == pytest.approx(1 / 2)  # P1, P3 harmed someone new
    two = _row(results, "rfgv", "top 2")
    assert two["harm_share"] == pytest.approx((1825 + 3.5) / TOTAL)
    assert two["precision_new_victim"] == 0.5
    assert two["ranked_harm_share"] == pytest.approx(1832 / TOTAL)
    assert two["best_possible_share"] == pytest.approx((1825 + 3.5) / TOTAL)


def test_random_baseline_is_the_expected_value(context) -> None:
    results = backtest_once(context, AS_OF, horizon_days=365, top_k=2)
    chance = _row(results, "random", "top 2")
    assert chance["harm_share"] == pytest.approx(1832 / TOTAL * 2 / 4)
    assert chance["precision_again"] == pytest.approx(3 / 4)
    assert chance["recall_again"] == pytest.approx(2 / 4)
    listed = _row(results, "rfgv", "top 2")
    assert listed["lift_vs_random"] == pytest.approx(listed["harm_share"] / chance["harm_share"])


def test_frequency_baseline_orders_by_incidents_only(context) -> None:
    ranked = rank_as_of(context, AS_OF)
    assert frequency_order(ranked).tolist() == ["P1", "P2", "P3", "P4"]
    results = backtest_once(context, AS_OF, horizon_days=365, top_k=3)
    # P3 (harassment) and P4 (non-crime) tie on one incident: the baseline takes P3 by id.
    assert _row(results, "frequency", "top 3")["harm_share"] == pytest.approx(1832 / TOTAL)
    # The list puts P4 (recent, no later harm) third instead: 1828.5 against 1832.
    assert _row(results, "rfgv", "top 3")["lift_vs_frequency"] == pytest.approx(1828.5 / 1832)


def test_cut_sizes_round_up_and_never_exceed_the_list() -> None:
    assert cut_sizes(4, 50) == {"top 1%": 1, "top 2%": 1, "top 5%": 1, "top 50": 4}
    assert cut_sizes(1000, 10)["top 2%"] == 20


def test_rolling_back_test_stacks_each_date_oldest_first(context) -> None:
    dates = rolling_dates(AS_OF, 6, 2)
    seen: list[str] = []
    results = backtest(context, dates, 365, 2, progress=seen.append)
    assert results["as_of"].unique().tolist() == ["2024-12-30", "2025-06-30"]
    assert seen == ["back-testing as of 2024-12-30", "back-testing as of 2025-06-30"]
    assert results["horizon_complete"].all()
    summary = summary_table(results)
    assert {"share_rfgv", "share_frequency", "share_random", "lift_vs_random"} <= set(summary.columns)
    assert len(summary) == 2 * 4


def test_extra_weights_are_back_tested_beside_the_list(context) -> None:
    from scoring.config import Weights

    only_recency = Weights(recency=1, frequency=0, gravity=0, victims=0)
    results = backtest_once(context, AS_OF, 365, 2, extra_weights={"learned": only_recency})
    assert set(results["method"]) == {"rfgv", "frequency", "random", "learned"}
    # By recency alone P4 (incident on the as-of day) comes first and caused no later harm.
    assert _row(results, "learned", "top 1%")["harm_share"] == 0.0


def test_an_unfinished_horizon_is_marked(context) -> None:
    results = backtest_once(context, date(2026, 1, 1), 365, 2)
    assert not results["horizon_complete"].any()


def test_a_whole_config_can_be_back_tested_beside_the_list(context, config) -> None:
    """Learned bands need a config override, not just weights; the default list is untouched."""
    from scoring.config import RecencyBand, Weights

    recency_only = config.model_copy(update={
        "weights": Weights(recency=1, frequency=0, gravity=0, victims=0),
        "recency": (RecencyBand(max_days=7, points=2), RecencyBand(max_days=100000, points=1))})
    results = backtest_once(context, AS_OF, 365, 2, extra_weights={"bands": recency_only})
    assert _row(results, "bands", "top 1%")["harm_share"] == 0.0  # P4, the only one within 7 days
    assert _row(results, "rfgv", "top 1%")["harm_share"] == pytest.approx(1825 / TOTAL)
    assert rank_as_of(context, AS_OF, recency_only)["person_id"].iloc[0] == "P4"

    seen: list[date] = []

    def configs(as_of: date) -> dict:
        seen.append(as_of)
        return {"bands": recency_only}

    both = backtest(context, [AS_OF], 365, 2, weights_for=lambda d: {"learned": Weights()}, config_for=configs)
    assert seen == [AS_OF]
    assert set(both["method"]) == {"rfgv", "learned", "bands", "frequency", "random"}
    assert {"share_learned", "share_bands"} <= set(summary_table(both).columns)


def test_a_truncated_past_knows_no_later_custody_or_release() -> None:
    tables = normalise_tables(
        incidents=pd.DataFrame({"incident_id": ["a"], "occurred_at": ["2024-01-01"]}),
        roles=pd.DataFrame({"incident_id": ["a"], "person_id": ["p"], "role": "suspect"}),
        persons=pd.DataFrame({"person_id": ["p"]}), measures=pd.DataFrame(), breaches=pd.DataFrame(),
        referrals=pd.DataFrame(),
        custody=pd.DataFrame({"custody_id": ["c1", "c2", "c3"], "person_id": ["p"] * 3,
                              "start_date": ["2024-02-01", "2024-03-01", "2025-01-01"],
                              "released_date": ["2024-04-01", "2024-09-01", None]}))
    cut = truncate_tables(tables, date(2024, 6, 30)).custody.set_index("custody_id")
    assert list(cut.index) == ["c1", "c2"]  # c3 began after the day
    assert cut.at["c1", "released_date"] == pd.Timestamp("2024-04-01")
    assert pd.isna(cut.at["c2", "released_date"])  # released after the day: still held then

"""The MATAC cohort on a hand-built force, scored by hand with the shipped bands read the classic
way (``scoring.config.classic_banded``) and the shipped catalogue.

Classic config: recency <=28d 5, <=90 4, <=180 3, <=365 2, else 1; frequency 1/2/3/5/8 ->
1..5; gravity >=0.5/10/50/365/1460 -> 1..5; victims 1/2/3/4 -> 1/3/4/5; weights R1 F1 G1
V1.5, best total 22.5 points = 100. Catalogue: abh 10 harm days, common assault 3.5.

S1 assaults two partners (I1 2025-01-10 abh, I2 2025-02-20 abh); S3 one (I4 2025-02-25
common assault); S2 appears later (I3 2025-12-01 common assault).

- First meeting, 2025-03-01: S1 9 days, 2 incidents, 20 harm days, 2 victims
  -> 5+2+2+1.5*3 = 13.5 -> 60.0, rank 1; S3 4 days, 1, 3.5, 1 -> 5+1+1+1.5 = 8.5 -> 37.78, rank 2.
- As of 2025-12-01: S1 284 days -> 2+2+2+4.5 = 10.5 -> 46.67 (change -13.33), rank 1;
  S2 0 days -> 8.5 -> 37.78, rank 2; S3 279 days -> 2+1+1+1.5 = 5.5 -> 24.44, rank 3.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from graph.decisions import InvalidDecision, MatacDecision
from graph.embedded import EmbeddedStore
from scoring.lists import rank_perpetrators
from scoring.matac import (IN_COHORT, adopted_cohort, cohort_report, current_decisions,
                           new_since_last_meeting, previous_meeting, score_snapshot)
from scoring.config import classic_banded, load_config
from scoring.context import ScoringContext

# The classic reading of the shipped bands, as config changes for the context_of fixture.
CLASSIC = {k: getattr(classic_banded(load_config()), k) for k in ("points", "weights")}

FIRST_MEETING = date(2025, 3, 1)
NOW = date(2025, 12, 1)


def cohort_force(force_factory):  # type: ignore[no-untyped-def]
    force = force_factory()
    for suspect in ("S1", "S2", "S3"):
        force.person(suspect, "Suspect", suspect, "M")
    for victim in ("V1", "V2", "V3", "V4"):
        force.person(victim, "Victim", victim, "F")
    force.incident("I1", "2025-01-10", "abh", "S1", ("V1",))
    force.incident("I2", "2025-02-20", "abh", "S1", ("V2",))
    force.incident("I4", "2025-02-25", "common_assault", "S3", ("V3",))
    force.incident("I3", "2025-12-01", "common_assault", "S2", ("V4",))
    return force


@pytest.fixture
def cohort_store(tmp_path: Path, force_factory, load):  # type: ignore[no-untyped-def]
    with EmbeddedStore(tmp_path / "cohort.duckdb") as store:
        load(cohort_force(force_factory), store)
        yield store


@pytest.fixture
def person(cohort_store: EmbeddedStore) -> dict[str, str]:
    """Record id -> person id."""
    clusters = cohort_store.clusters()
    return dict(zip(clusters["record_id"], clusters["person_id"]))


@pytest.fixture
def now_context(cohort_store: EmbeddedStore, context_of) -> ScoringContext:  # type: ignore[no-untyped-def]
    return context_of(cohort_store, NOW, **CLASSIC)


def decide(store: EmbeddedStore, context: ScoringContext, person_id: str, decision: str,
           meeting: date, at: datetime) -> MatacDecision:
    """Store a decision with the person's score and rank as of the meeting (as the CLI does)."""
    score, rank = score_snapshot(rank_perpetrators(replace(context, as_of=meeting)), person_id)
    recorded = MatacDecision(person_id, meeting, decision, f"{decision} by the panel", "chair", at,
                             score, rank, meeting, context.config.version, context.config.fingerprint())
    store.add_matac_decision(recorded)
    return recorded


def test_the_score_at_adoption_is_the_score_as_of_the_meeting(cohort_store, now_context, person) -> None:
    adopted = decide(cohort_store, now_context, person["S1"], "adopt", FIRST_MEETING, datetime(2025, 3, 1, 10))
    assert (adopted.score, adopted.rank) == (60.0, 1)
    stored = cohort_store.matac_decisions()
    assert stored.loc[0, "score"] == 60.0 and stored.loc[0, "rank"] == 1
    assert stored.loc[0, "meeting_date"] == pd.Timestamp(FIRST_MEETING)


def test_cohort_score_change_is_now_minus_at_adoption_across_two_as_of_dates(
        cohort_store, now_context, person) -> None:
    decide(cohort_store, now_context, person["S1"], "adopt", FIRST_MEETING, datetime(2025, 3, 1, 10))
    cohort = adopted_cohort(cohort_store.matac_decisions(), rank_perpetrators(now_context), NOW)
    assert len(cohort) == 1
    row = cohort.iloc[0]
    assert row["person_id"] == person["S1"] and row["adopted_meeting"] == FIRST_MEETING
    assert (row["score_at_adoption"], row["score_now"], row["change"]) == (60.0, 46.67, -13.33)
    assert (row["rank_at_adoption"], row["rank_now"]) == (1, 1)
    assert row["status"] == IN_COHORT


def test_a_person_who_leaves_the_window_scores_zero_now(cohort_store, context_of, person) -> None:
    later = context_of(cohort_store, date(2028, 6, 1), **CLASSIC)  # S1's incidents are beyond the 3-year window
    decide(cohort_store, later, person["S1"], "adopt", FIRST_MEETING, datetime(2025, 3, 1, 10))
    cohort = adopted_cohort(cohort_store.matac_decisions(), rank_perpetrators(later), later.as_of)
    assert cohort.iloc[0]["score_now"] == 0.0 and pd.isna(cohort.iloc[0]["rank_now"])
    assert cohort.iloc[0]["change"] == -60.0


def test_a_decline_after_adoption_exits_the_cohort_only_from_its_meeting(
        cohort_store, now_context, person) -> None:
    decide(cohort_store, now_context, person["S1"], "adopt", FIRST_MEETING, datetime(2025, 3, 1, 10))
    decide(cohort_store, now_context, person["S1"], "decline", date(2025, 11, 3), datetime(2025, 11, 3, 10))
    history = cohort_store.matac_decisions()
    ranked = rank_perpetrators(now_context)
    assert adopted_cohort(history, ranked, NOW).iloc[0]["status"] == "exited at the 2025-11-03 meeting"
    assert adopted_cohort(history, ranked, date(2025, 10, 1)).iloc[0]["status"] == IN_COHORT
    assert current_decisions(history)["decision"].tolist() == ["decline"]


def test_decision_history_is_append_only(cohort_store, now_context, person) -> None:
    first = decide(cohort_store, now_context, person["S1"], "defer", FIRST_MEETING, datetime(2025, 3, 1, 10))
    before = cohort_store.matac_decisions()
    decide(cohort_store, now_context, person["S1"], "adopt", date(2025, 4, 1), datetime(2025, 4, 1, 10))
    after = cohort_store.matac_decisions()
    assert len(before) == 1 and len(after) == 2
    pd.testing.assert_frame_equal(after.iloc[[0]], before)
    assert after.loc[0, "decision_id"] == first.decision_id and after.loc[0, "decision"] == "defer"
    assert not any(hasattr(cohort_store, name) for name in
                   ("update_matac_decision", "delete_matac_decision", "replace_matac_decisions"))


def test_new_since_last_meeting_leaves_out_people_already_decided(
        cohort_store, now_context, person) -> None:
    decide(cohort_store, now_context, person["S1"], "adopt", FIRST_MEETING, datetime(2025, 3, 1, 10))
    history = cohort_store.matac_decisions()
    ranked_now = rank_perpetrators(now_context)
    ranked_then = rank_perpetrators(replace(now_context, as_of=FIRST_MEETING))
    new = new_since_last_meeting(ranked_now, ranked_then, history, FIRST_MEETING, top=3)
    assert new["person_id"].tolist() == [person["S2"], person["S3"]]
    assert new["why"].tolist() == ["new to the top 3", "on the list at the last meeting, no decision yet"]
    assert new["rank_then"].tolist() == [pd.NA, 2]
    only_two = new_since_last_meeting(ranked_now, ranked_then, history, FIRST_MEETING, top=2)
    assert only_two["person_id"].tolist() == [person["S2"]]


def test_without_an_earlier_meeting_the_whole_top_n_is_new(now_context) -> None:
    empty = pd.DataFrame(columns=["person_id", "decision", "meeting_date", "at"])
    new = new_since_last_meeting(rank_perpetrators(now_context), None, empty, None, top=2)
    assert len(new) == 2 and set(new["why"]) == {"new to the top 2"}


def test_cohort_report_finds_the_last_meeting_and_uses_config_top(cohort_store, now_context, person) -> None:
    decide(cohort_store, now_context, person["S1"], "adopt", FIRST_MEETING, datetime(2025, 3, 1, 10))
    history = cohort_store.matac_decisions()
    assert previous_meeting(history, NOW) == FIRST_MEETING
    report = cohort_report(history, now_context)
    assert report.since_meeting == FIRST_MEETING and report.top == now_context.config.matac.top
    assert report.cohort["change"].tolist() == [-13.33]
    assert set(report.new["person_id"]) == {person["S2"], person["S3"]}


def test_a_decision_without_a_reason_or_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidDecision, match="needs a reason"):
        MatacDecision("P-1", FIRST_MEETING, "adopt", "   ", "chair", datetime(2025, 3, 1), 1.0, 1,
                      FIRST_MEETING, "v", "f")
    with pytest.raises(InvalidDecision, match="adopt, decline, defer"):
        MatacDecision("P-1", FIRST_MEETING, "approve", "why", "chair", datetime(2025, 3, 1), 1.0, 1,
                      FIRST_MEETING, "v", "f")


def test_the_current_decision_is_from_the_latest_meeting_not_the_latest_entry(
        cohort_store, now_context, person) -> None:
    # adopted at the September meeting; then a decline for the June meeting is typed in late
    decide(cohort_store, now_context, person["S1"], "adopt", date(2026, 9, 1), datetime(2026, 9, 1, 10))
    decide(cohort_store, now_context, person["S1"], "decline", date(2026, 6, 1), datetime(2026, 9, 2, 9))
    history = cohort_store.matac_decisions()
    ranked = rank_perpetrators(now_context)
    cohort = adopted_cohort(history, ranked, date(2026, 10, 1))
    assert cohort.iloc[0]["status"] == IN_COHORT
    assert cohort.iloc[0]["adopted_meeting"] == date(2026, 9, 1)
    current = current_decisions(history, date(2026, 10, 1))
    assert current[["decision", "meeting_date"]].values.tolist() == [["adopt", pd.Timestamp(2026, 9, 1)]]
    # as of July only the June meeting had happened: the decline stands then
    assert current_decisions(history, date(2026, 7, 1))["decision"].tolist() == ["decline"]


def test_two_decisions_at_the_same_meeting_the_one_entered_last_stands(
        cohort_store, now_context, person) -> None:
    decide(cohort_store, now_context, person["S1"], "decline", date(2026, 6, 1), datetime(2026, 6, 1, 10))
    decide(cohort_store, now_context, person["S1"], "adopt", date(2026, 6, 1), datetime(2026, 6, 1, 11))
    decide(cohort_store, now_context, person["S3"], "adopt", date(2026, 6, 1), datetime(2026, 6, 1, 10))
    decide(cohort_store, now_context, person["S3"], "defer", date(2026, 6, 1), datetime(2026, 6, 3, 9))
    history = cohort_store.matac_decisions()
    current = current_decisions(history).set_index("person_id")["decision"]
    assert current[person["S1"]] == "adopt" and current[person["S3"]] == "defer"
    cohort = adopted_cohort(history, rank_perpetrators(now_context)).set_index("person_id")["status"]
    assert cohort[person["S1"]] == IN_COHORT
    assert cohort[person["S3"]] == "deferred at the 2026-06-01 meeting"


def test_outcomes_set_harm_before_and_after_adoption_beside_similar_scores_not_adopted(
        tmp_path, force_factory, load, context_of) -> None:
    from scoring.matac import NOT_CAUSAL, outcome_comparison

    force = cohort_force(force_factory)
    force.incident("I5", "2025-06-01", "common_assault", "S3", ("V3",))  # the comparison offends again
    with EmbeddedStore(tmp_path / "outcomes.duckdb") as store:
        load(force, store)
        ids = dict(zip(store.clusters()["record_id"], store.clusters()["person_id"]))
        context = context_of(store, NOW, **CLASSIC)
        decide(store, context, ids["S1"], "adopt", FIRST_MEETING, datetime(2025, 3, 1, 10))
        report = outcome_comparison(store.matac_decisions(), context, months=12, matches=3)
    people = report.people.set_index("person_id")
    # on 2025-03-01 only S3 (37.78) was ranked and never adopted; S2 had no incident yet
    assert people["group"].to_dict() == {ids["S1"]: "adopted", ids["S3"]: "comparison"}
    # S1: abh 2025-01-10 and 2025-02-20 (10 harm days each) before, nothing after;
    # S3: common assault 2025-02-25 (3.5) before, 2025-06-01 (3.5) after
    assert (people.at[ids["S1"], "harm_before"], people.at[ids["S1"], "harm_after"]) == (20.0, 0.0)
    assert (people.at[ids["S3"], "harm_before"], people.at[ids["S3"], "harm_after"]) == (3.5, 3.5)
    assert people.at[ids["S3"], "score_at_anchor"] == 37.78
    assert set(people["follow_up_days"]) == {(NOW - FIRST_MEETING).days}  # the extract ends 2025-12-01
    summary = report.summary.set_index("group")
    assert summary.at["adopted", "change"] == -20.0 and summary.at["comparison", "change"] == 0.0
    assert report.note == NOT_CAUSAL and report.note.startswith("Not causal")

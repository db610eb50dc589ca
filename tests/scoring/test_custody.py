"""Time in custody is not desistance, and a release is a fact a panel must see.

One hand-built force as of 2026-06-30, loaded through the real ingest into a real embedded
store: four men with the same two incidents, differing only in custody.

- HELD: last incident 2026-01-01, then in custody from 2026-01-15, due out 2026-08-14.
- FREE: the same incidents, never held: quiet and at liberty, his recency decays.
- FRESH: last incident 13 days before the as-of date (as many days as HELD spent at liberty).
- OUT: held 2026-01-05 to 2026-05-01, released 60 days before the as-of date.
- LONG_AGO: held and released in 2025, long before his last incident: no custody since it.
- LATE: held from 2026-01-20, expected out 2026-06-20, no release recorded.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from ingest.load import ingest_folder
from scoring.context import ScoringContext
from scoring.explain import explain_person
from scoring.lists import rank_perpetrators

AS_OF = date(2026, 6, 30)
LAST = date(2026, 1, 1)
CUSTODY = [
    {"custody_id": "C1", "record_id": "HELD", "start_date": "2026-01-15", "expected_release_date": "2026-08-14"},
    {"custody_id": "C2", "record_id": "OUT", "start_date": "2026-01-05", "expected_release_date": "2026-05-01",
     "released_date": "2026-05-01"},
    {"custody_id": "C3", "record_id": "LONG_AGO", "start_date": "2025-01-01", "released_date": "2025-03-01"},
    {"custody_id": "C4", "record_id": "LATE", "start_date": "2026-01-20", "expected_release_date": "2026-06-20"},
]


def _day(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture(scope="module")
def ranked(tmp_path_factory: pytest.TempPathFactory, force_factory, catalogue, config):  # type: ignore[no-untyped-def]
    force = force_factory()
    held_at_liberty = (AS_OF - LAST).days - ((AS_OF - _day("2026-01-15")).days + 1)
    fresh_last = AS_OF - timedelta(days=held_at_liberty)
    for man in ("HELD", "FREE", "FRESH", "OUT", "LONG_AGO", "LATE"):
        force.person(man, man.title(), "Example", "M")
        force.person(f"V-{man}", "Victim", man.title(), "F")
        last = fresh_last if man == "FRESH" else LAST
        force.incident(f"{man}-1", "2025-10-01", "abh", man, (f"V-{man}",), outcome="charged")
        force.incident(f"{man}-2", last.isoformat(), "abh", man, (f"V-{man}",), outcome="charged")
    force.custody.extend(CUSTODY)
    folder = force.write(tmp_path_factory.mktemp("custody") / "force")
    with EmbeddedStore(tmp_path_factory.mktemp("store") / "store.duckdb") as store:
        summary = ingest_folder(folder, store, catalogue.keys)
        assert summary.per_file["custody.csv"]["loaded"] == len(CUSTODY)
        context = ScoringContext(store.scoring_tables(), config, catalogue, AS_OF)
        clusters = store.clusters().set_index("record_id")["person_id"]
    rows = rank_perpetrators(context)
    rows["record"] = rows["record_ids"]
    return context, rows.set_index("record"), clusters


def test_days_in_custody_since_the_last_incident_are_counted_from_the_rows(ranked) -> None:  # type: ignore[no-untyped-def]
    _, rows, _ = ranked
    held = rows.loc["HELD"]
    since = (AS_OF - LAST).days
    in_custody = (AS_OF - _day("2026-01-15")).days + 1  # held on the as-of day itself
    assert held["recency"] == since
    assert held["custody_days"] == in_custody
    assert held["days_at_liberty"] == since - in_custody
    out = rows.loc["OUT"]
    assert out["custody_days"] == (_day("2026-05-01") - _day("2026-01-05")).days  # the release day is at liberty
    assert rows.loc["FREE", "custody_days"] == 0
    assert rows.loc["LONG_AGO", "custody_days"] == 0  # released before his last incident


def test_a_man_quiet_because_in_custody_keeps_his_recency_and_one_at_liberty_decays(ranked) -> None:  # type: ignore[no-untyped-def]
    _, rows, _ = ranked
    held, free, fresh = rows.loc["HELD"], rows.loc["FREE"], rows.loc["FRESH"]
    assert fresh["recency"] == held["days_at_liberty"]
    assert held["recency_points"] == fresh["recency_points"]
    assert free["recency_points"] < held["recency_points"]
    assert held["score"] > free["score"]
    # Same custody-free record, same quiet time: the same recency (nothing else moves it).
    assert rows.loc["LONG_AGO", "recency_points"] == free["recency_points"]


def test_the_reason_says_how_many_quiet_days_were_spent_in_custody(ranked) -> None:  # type: ignore[no-untyped-def]
    _, rows, _ = ranked
    held = rows.loc["HELD"]
    assert (f"last incident {held['recency']} days before the as-of date, {held['custody_days']} of them in "
            f"custody (not counted as time without offending: recency reads the {held['days_at_liberty']} "
            "days at liberty)") in held["reasons"]
    for man in ("FREE", "LONG_AGO"):
        assert "custody" not in rows.loc[man, "reasons"]
        assert f"last incident {rows.loc[man, 'recency']} days before the as-of date;" in rows.loc[man, "reasons"]


def test_release_flag_says_when_due_out_or_how_long_ago_released(ranked) -> None:  # type: ignore[no-untyped-def]
    context, rows, clusters = ranked
    flagged = {man for man in rows.index if "custody_release" in rows.loc[man, "all_flags"].split(";")}
    assert flagged == {"HELD", "OUT", "LATE"}
    due = (_day("2026-08-14") - AS_OF).days
    evidence = explain_person(context, clusters["HELD"])
    assert evidence.custody["custody_id"].tolist() == ["C1"]  # his spell, shown with the evidence
    reasons = evidence.flag_reasons.set_index("flag")["reason"]
    assert reasons["custody_release"] == f"due for release from custody on 2026-08-14 (in {due} days)"
    ago = (AS_OF - _day("2026-05-01")).days
    reasons = explain_person(context, clusters["OUT"]).flag_reasons.set_index("flag")["reason"]
    assert reasons["custody_release"] == f"released from custody on 2026-05-01, {ago} days before the as-of date {AS_OF}"
    # An expected release that passed with none recorded: held still as far as the data says
    # (recency counts him held), and the flag says his release is not known.
    late = (AS_OF - _day("2026-06-20")).days
    reasons = explain_person(context, clusters["LATE"]).flag_reasons.set_index("flag")["reason"]
    assert reasons["custody_release"] == (f"expected to be released from custody on 2026-06-20, {late} days before "
                                          f"the as-of date {AS_OF}; no release is recorded: check whether they are out")


def test_the_release_window_comes_from_the_config(ranked) -> None:  # type: ignore[no-untyped-def]
    context, _, _ = ranked
    narrow = context.config.signals.model_copy(update={
        "custody": context.config.signals.custody.model_copy(update={"within_days": 30})})
    config = context.config.model_copy(update={"signals": narrow})
    rows = rank_perpetrators(ScoringContext(context.tables, config, context.catalogue, AS_OF))
    flagged = set(rows.loc[rows["all_flags"].str.contains("custody_release"), "record_ids"])
    assert flagged == {"LATE"}  # 10 days; HELD's 45 and OUT's 60 are outside 30


def test_custody_rows_referring_to_no_one_or_with_bad_dates_are_quarantined(tmp_path: Path, force_factory,
                                                                              catalogue) -> None:  # type: ignore[no-untyped-def]
    force = force_factory()
    force.person("M", "Mark", "Example", "M")
    force.person("V", "Vera", "Example", "F")
    force.incident("I1", "2026-01-01", "abh", "M", ("V",))
    force.custody.extend([
        {"custody_id": "C1", "record_id": "M", "start_date": "2026-01-02", "expected_release_date": "soon"},
        {"custody_id": "C2", "record_id": "NOBODY", "start_date": "2026-01-02"},
        {"custody_id": "C3", "record_id": "M", "start_date": "2999-01-01"},
    ])
    folder = force.write(tmp_path / "force")
    with EmbeddedStore(tmp_path / "store.duckdb") as store:
        summary = ingest_folder(folder, store, catalogue.keys)
        quarantine = store.quarantine().set_index("row")
        warnings = store.warnings()
        stored = store.export_table("custody")
    assert summary.per_file["custody.csv"]["quarantined"] == 2
    assert quarantine.loc[3, "column"] == "record_id" and quarantine.loc[3, "file"] == "custody.csv"
    assert quarantine.loc[4, "column"] == "start_date" and "future" in quarantine.loc[4, "reason"]
    blanked = warnings[warnings["file"] == "custody.csv"]
    assert blanked[["row", "column"]].values.tolist() == [[2, "expected_release_date"]]
    assert stored["custody_id"].tolist() == ["C1"] and pd.isna(stored.loc[0, "expected_release_date"])


def test_learned_bands_train_on_the_days_at_liberty(ranked) -> None:  # type: ignore[no-untyped-def]
    from scoring.learned import training_frame

    context, rows, clusters = ranked
    frame = training_frame(context, AS_OF, 30).set_index("person_id")
    held = rows.loc["HELD"]
    assert frame.at[clusters["HELD"], "recency"] == held["days_at_liberty"] < held["recency"]


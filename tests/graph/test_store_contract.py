"""Both stores keep one contract: same input, same tables, same ranking, same history.

Every ``any_store`` test runs on the embedded store and on Neo4jStore (over Bolt to a real
server: ArcadeDB here, or NEO4J_URI). Tests taking ``store`` and ``neo4j_store`` compare the
two directly.
"""

from __future__ import annotations

import json

from dataclasses import replace

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from graph import batch as cols
from graph.batch import Identity, LoadBatch, LoadSummary
from graph.decisions import MatacAction, MatacMeeting, MatacReferral
from graph.store import TABLE_COLUMNS, GraphStore
from harmgraph.cmd_graph import SYNC_SOURCE_PREFIX, sync_stores
from core.errors import StoreError
from ingest.identity import make_splink_resolver
from ingest.load import resolve_stored
from scoring.lists import rank_perpetrators

HOSTILE = [
    "O'Brien", 'say "hi"', "'}) DETACH DELETE n //", "back\\slash\\", "Zoë Ångström 山田 😀",
    "line\nbreak", "$rows", "` MATCH (n) RETURN n `",
]


def small_force(force_factory):  # type: ignore[no-untyped-def]
    force = force_factory()
    force.person("R1", "John", "Smith", "M", date_of_birth="1985-03-12", postcode="ne1 4st",
                 pnc_id="85/1234A")
    force.person("R1b", "Jon", "Smith", "M", date_of_birth="1985-03-12", pnc_id="85/1234A")
    force.person("R2", "Anne", "Jones", "F", date_of_birth="1990-01-02")
    force.person("R3", "Beth", "Brown", "F")
    force.person("R4", "Carl", "Black", "M", pnc_id="90/5555B")
    force.person("R5", "Dee", "White", "F")
    force.incident("I1", "2025-01-10T21:30:00", "common_assault", "R1", ("R2",), dash_risk="medium",
                   outcome="outcome_16", domestic_abuse="Y", postcode="NE1 4ST")
    force.incident("I2", "2025-06-01", "abh", "R1b", ("R3",), outcome="convicted", domestic_abuse="true",
                   sentence="custody", sentence_months="18.5", weapon="yes", victim_pregnant="no")
    force.incident("I3", "2025-07-01", "stalking", "R1", ("R2", "R5"), relationship="ex_partner")
    force.incident("I4", "2025-08-15", "rape", "R4", ("R5",), relationship="acquaintance")
    force.involvements.append({"incident_id": "I3", "record_id": "R1b", "role": "suspect",
                               "relationship": "acquaintance"})
    force.involvements.append({"incident_id": "I4", "record_id": "R3", "role": "witness"})
    force.measures.append({"measure_id": "M1", "type": "dvpo", "subject_record_id": "R1",
                           "protected_record_id": "R2", "start_date": "2025-01-11",
                           "end_date": "2025-02-07", "breach_incident_ids": "I2"})
    force.measures.append({"measure_id": "M2", "type": "dvpo", "subject_record_id": "R4",
                           "start_date": "2025-08-16"})
    force.referrals.append({"referral_id": "F1", "record_id": "R2", "type": "marac", "date": "2025-01-20"})
    force.custody.append({"custody_id": "C1", "record_id": "R4", "start_date": "2025-09-01",
                          "expected_release_date": "2026-03-01"})
    force.custody.append({"custody_id": "C2", "record_id": "R1b", "start_date": "2024-01-01",
                          "expected_release_date": "2024-06-01", "released_date": "2024-05-30"})
    return force


def comparable(frame: pd.DataFrame, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """Values only, store-neutral: datetimes as datetime64[us], everything else Python objects."""
    out = {}
    for column in frame.columns:
        if column in drop:
            continue
        series = frame[column].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.astype("datetime64[us]")
        else:
            out[column] = pd.Series([None if pd.isna(v) else (v.item() if isinstance(v, np.generic) else v)
                                     for v in series], dtype=object)
    return pd.DataFrame(out)


def assert_same(left: pd.DataFrame, right: pd.DataFrame, drop: tuple[str, ...] = ()) -> None:
    pd.testing.assert_frame_equal(comparable(left, drop), comparable(right, drop), check_dtype=False)


def assert_same_scoring(left: GraphStore, right: GraphStore) -> None:
    a, b = left.scoring_tables(), right.scoring_tables()
    for name in ("incidents", "roles", "persons", "measures", "breaches", "referrals", "custody"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


# --- same input, same tables -------------------------------------------------------------------
def test_a_loaded_force_gives_identical_scoring_tables(store, neo4j_store, load, force_factory) -> None:
    force = small_force(force_factory)
    load(force, store)
    load(force, neo4j_store)
    assert_same_scoring(store, neo4j_store)
    tables = neo4j_store.scoring_tables()
    assert len(tables.roles) and tables.persons["record_ids"].str.contains("R1;R1b").any()
    assert store.counts() == neo4j_store.counts()
    some = ("record_person", "person_records")
    assert store.counts(some) == neo4j_store.counts(some) == {t: store.counts()[t] for t in some}
    assert_same(store.person_records(), neo4j_store.person_records())
    assert_same(store.clusters(), neo4j_store.clusters())
    person = store.clusters().set_index("record_id").at["R1", "person_id"]
    assert_same(store.person_record_rows(person), neo4j_store.person_record_rows(person))
    assert_same(store.identity_links(person), neo4j_store.identity_links(person))


def test_same_input_gives_the_same_ranking(store, neo4j_store, load, force_factory, context_of) -> None:
    force = small_force(force_factory)
    load(force, store)
    load(force, neo4j_store)
    as_of = date(2025, 12, 31)
    embedded = rank_perpetrators(context_of(store, as_of))
    neo4j = rank_perpetrators(context_of(neo4j_store, as_of))
    assert len(embedded) > 0
    pd.testing.assert_frame_equal(embedded, neo4j)


def test_relationship_is_the_minimum_over_a_persons_records(any_store, load, force_factory) -> None:
    load(small_force(force_factory), any_store)
    roles = any_store.scoring_tables().roles
    person = any_store.clusters().set_index("record_id").at["R1", "person_id"]
    row = roles[(roles["incident_id"] == "I3") & (roles["person_id"] == person)]
    assert row["relationship"].tolist() == ["acquaintance"]  # min("ex_partner", "acquaintance")


# --- loading ----------------------------------------------------------------------------------
def test_reloading_the_same_folder_changes_nothing(any_store, load, force_factory) -> None:
    force = small_force(force_factory)
    first = load(force, any_store)
    counts, version = any_store.counts(), any_store.version()
    again = load(force, any_store)
    assert again.already_loaded and again.load_id == first.load_id
    assert any_store.counts() == counts and any_store.version() == version
    assert any_store.has_completed_load(first.content_hash) == first.load_id


def test_replaying_a_batch_is_idempotent_for_data(any_store, force_factory, load) -> None:
    load(small_force(force_factory), any_store)
    before = any_store.scoring_tables()
    records = any_store.person_records()
    batch = LoadBatch(summary=LoadSummary("L-replay", "replay", "test", datetime(2025, 1, 1)),
                      records=records, incidents=any_store.export_table("incidents"),
                      involvements=any_store.export_table("involvements"),
                      measures=any_store.export_table("measures"),
                      breaches=any_store.export_table("measure_breaches"),
                      referrals=any_store.export_table("referrals"),
                      quarantine=pd.DataFrame(columns=cols.ISSUE_COLUMNS),
                      warnings=pd.DataFrame(columns=cols.ISSUE_COLUMNS))
    any_store.apply_load(batch)
    after = any_store.scoring_tables()
    for name in ("incidents", "roles", "persons", "measures", "breaches", "referrals"):
        pd.testing.assert_frame_equal(getattr(before, name), getattr(after, name), obj=name)


def test_quarantine_warnings_and_loads_round_trip(store, neo4j_store, load, force_factory) -> None:
    force = small_force(force_factory)
    force.incident("I9", "2025-02-03", "punching", "R1", ("R2",))  # not in the catalogue
    force.incident("I10", "2025-02-30", "abh", "R4", ("R5",))  # not a date
    force.involvements.append({"incident_id": "I1", "record_id": "R404", "role": "victim"})
    summaries = [load(force, s) for s in (store, neo4j_store)]
    assert len(store.quarantine()) > 0
    for issues in ("quarantine", "warnings"):
        assert_same(getattr(store, issues)(), getattr(neo4j_store, issues)(), drop=("load_id",))
        for s, summary in zip((store, neo4j_store), summaries):
            assert set(getattr(s, issues)(summary.load_id)["load_id"]) <= {summary.load_id}
            assert getattr(s, issues)("L-none").empty
    assert_same(store.loads(), neo4j_store.loads(), drop=("load_id", "started_at", "finished_at"))
    loads = neo4j_store.loads()
    assert loads["finished_at"].notna().all() and loads.at[0, "load_id"] == summaries[1].load_id


# --- identity ---------------------------------------------------------------------------------
def _identity(records: pd.DataFrame, suffix: str = "") -> Identity:
    ids = sorted(records["record_id"])
    clusters = pd.DataFrame({"record_id": ids, "person_id": ["P-all" + suffix] * len(ids)})
    persons = pd.DataFrame([{"person_id": "P-all" + suffix, "display_name": HOSTILE[2], "n_records": len(ids),
                             "sex": "M", "date_of_birth": pd.Timestamp("1985-03-12"),
                             "postcode": None, "ethnicity": None}])
    links = pd.DataFrame([{"record_id_l": ids[0], "record_id_r": ids[1], "match_weight": 12.5,
                           "match_probability": 0.999, "method": "manual", "reasons": HOSTILE[3]},
                          {"record_id_l": ids[0], "record_id_r": ids[2], "match_weight": None,
                           "match_probability": None, "method": "manual", "reasons": None}])
    return Identity(clusters=clusters, persons=persons[cols.PERSON_COLUMNS], links=links[cols.LINK_COLUMNS])


def test_replace_identity_swaps_every_cluster_person_and_link(any_store, load, force_factory) -> None:
    load(small_force(force_factory), any_store)
    version = any_store.version()
    identity = _identity(any_store.person_records())
    any_store.replace_identity(identity)
    assert any_store.version() == version + 1
    assert_same(any_store.clusters(), identity.clusters)
    persons = any_store.scoring_tables().persons
    assert persons["person_id"].tolist() == ["P-all"] and persons.at[0, "display_name"] == HOSTILE[2]
    links = any_store.identity_links("P-all")
    assert links["match_weight"].isna().tolist() == [False, True]
    assert links.at[0, "reasons"] == HOSTILE[3]
    counts = any_store.counts()
    assert counts["persons"] == 1 and counts["record_person"] == counts["person_records"]


def test_the_resolution_model_is_kept_until_an_identity_brings_another(any_store, load, force_factory) -> None:
    load(small_force(force_factory), any_store)
    assert any_store.resolution_model() is None  # the PNC resolver has no model
    identity = _identity(any_store.person_records())
    model = '{"model": {"comparisons": [%s]}, "records": 3, "settings": "f"}' % json.dumps(HOSTILE[3])
    any_store.replace_identity(replace(identity, model=model))
    assert any_store.resolution_model() == model
    any_store.replace_identity(identity)  # none brought: the kept one stays
    assert any_store.resolution_model() == model
    any_store.replace_identity(replace(identity, model="{}"))
    assert any_store.resolution_model() == "{}"


def test_lineage_is_appended_and_the_review_queue_replaced(any_store, load, force_factory) -> None:
    load(small_force(force_factory), any_store)
    loaded = any_store.person_lineage()  # the load issued an id per person
    assert loaded["event"].eq("issued").all() and loaded["seq"].tolist() == list(range(1, len(loaded) + 1))
    base, at = len(loaded), datetime(2026, 5, 1, 9, 30)
    first = _identity(any_store.person_records())
    first.lineage = pd.DataFrame([
        {"seq": base + 1, "at": at, "event": "issued", "person_id": "P-all", "other_id": None,
         "record_id": "R1", "cause": HOSTILE[0]},
        {"seq": base + 2, "at": at, "event": "issued", "person_id": "P-old", "other_id": None,
         "record_id": "R2", "cause": "load L-1"}])
    first.review = pd.DataFrame([
        {"item_id": "RV-1", "kind": "near_threshold", "record_id_l": "R1", "record_id_r": "R2",
         "match_weight": 3.25, "match_probability": 0.6, "evidence_for": HOSTILE[1],
         "evidence_against": "dob differs (-20.0)", "note": None}])
    any_store.replace_identity(first)
    second = _identity(any_store.person_records())
    second.lineage = pd.DataFrame([
        {"seq": base + 3, "at": at, "event": "merged", "person_id": "P-old", "other_id": "P-all",
         "record_id": None, "cause": "must_link R1/R2 by analyst: same"}])
    any_store.replace_identity(second)
    every = any_store.person_lineage()
    lineage = every[every["seq"] > base].reset_index(drop=True)
    assert lineage["seq"].tolist() == [base + 1, base + 2, base + 3]
    assert lineage.at[0, "cause"] == HOSTILE[0] and pd.isna(lineage.at[2, "record_id"])
    assert lineage["at"].tolist() == [pd.Timestamp(at)] * 3
    assert any_store.review_items().empty  # the second identity brought no queue
    assert any_store.current_person_id("P-old") == "P-all"
    assert any_store.counts()["person_lineage"] == base + 3
    any_store.replace_identity(first.__class__(clusters=first.clusters, persons=first.persons,
                                               links=first.links, review=first.review))
    review = any_store.review_items()
    assert review.at[0, "evidence_for"] == HOSTILE[1] and review.at[0, "match_weight"] == 3.25
    assert_same(any_store.export_table("person_lineage"), every)


def test_overrides_persist_with_their_reasons(any_store) -> None:
    at = datetime(2025, 3, 4, 5, 6, 7)
    any_store.add_override("cannot_link", "R1", HOSTILE[2], HOSTILE[0], HOSTILE[4], at)
    any_store.add_override("must_link", "R2", "R3", "analyst", HOSTILE[3], datetime(2025, 3, 5))
    frame = any_store.overrides()
    expected = pd.DataFrame([
        {"kind": "cannot_link", "record_id_l": "R1", "record_id_r": HOSTILE[2], "by": HOSTILE[0],
         "at": pd.Timestamp(at), "reason": HOSTILE[4]},
        {"kind": "must_link", "record_id_l": "R2", "record_id_r": "R3", "by": "analyst",
         "at": pd.Timestamp("2025-03-05"), "reason": HOSTILE[3]}])
    assert_same(frame, expected)
    assert any_store.version() == 2 and any_store.counts()["identity_overrides"] == 2


def test_the_audit_log_keeps_every_entry_in_order(any_store) -> None:
    for number, text in enumerate(HOSTILE):
        any_store.record_audit(f"user{number}", "view_person", text, detail=text[::-1])
    log = any_store.audit_log()
    assert log["subject"].tolist() == HOSTILE
    assert log["detail"].tolist() == [t[::-1] for t in HOSTILE]
    assert log["at"].is_monotonic_increasing and any_store.counts()["audit_log"] == len(HOSTILE)


def _decision(person_id: str, decision: str, reason: str, at: datetime, rank: int | None):  # type: ignore[no-untyped-def]
    from graph.decisions import MatacDecision

    return MatacDecision(person_id, date(2025, 3, 1), decision, reason, HOSTILE[0], at,
                         62.5 if rank else 0.0, rank, date(2025, 2, 28), "v1", "abc123")


def test_matac_decisions_are_append_only_and_round_trip(any_store) -> None:
    first = _decision("P-1", "defer", HOSTILE[2], datetime(2025, 3, 1, 10, 0, 1), 3)
    any_store.add_matac_decision(first)
    before = any_store.matac_decisions()
    second = _decision("P-1", "adopt", HOSTILE[4], datetime(2025, 3, 1, 11), None)
    any_store.add_matac_decision(second)
    after = any_store.matac_decisions()
    assert list(after.columns) == TABLE_COLUMNS["matac_decisions"]
    assert after["decision_id"].tolist() == [first.decision_id, second.decision_id]
    assert_same(after.iloc[[0]], before)
    expected = pd.concat([first.as_frame(), second.as_frame()], ignore_index=True)
    assert_same(after, expected)
    assert pd.isna(after.loc[1, "rank"]) and after.loc[0, "rank"] == 3
    assert any_store.counts()["matac_decisions"] == 2 and any_store.version() == 2
    assert_same(any_store.export_table("matac_decisions"), after)


def test_matac_meetings_action_states_and_referrals_are_appended_and_round_trip(any_store) -> None:
    meeting = MatacMeeting(date(2025, 3, 3), "Police; " + HOSTILE[1], HOSTILE[2], HOSTILE[0], datetime(2025, 3, 3, 9))
    any_store.add_matac_meeting(meeting)
    opened = MatacAction("A-1", "P-1", date(2025, 3, 3), "dapo_dvpn", HOSTILE[3], date(2025, 3, 31), "open",
                         None, HOSTILE[4], "chair", datetime(2025, 3, 3, 10))
    done = MatacAction("A-1", "P-1", date(2025, 3, 3), "dapo_dvpn", HOSTILE[3], date(2025, 3, 31), "done",
                       date(2025, 4, 28), "granted", "chair", datetime(2025, 3, 20, 10))
    any_store.add_matac_action(done)
    any_store.add_matac_action(opened)
    assert_same(any_store.matac_meetings(), meeting.as_frame())
    actions = any_store.matac_actions()
    assert list(actions.columns) == TABLE_COLUMNS["matac_actions"]
    assert_same(actions, pd.concat([opened.as_frame(), done.as_frame()], ignore_index=True))
    assert pd.isna(actions.loc[0, "review_date"]) and actions.loc[1, "owner_agency"] == HOSTILE[3]
    counts = any_store.counts()
    assert counts["matac_meetings"] == 1 and counts["matac_actions"] == 2 and any_store.version() == 3
    referral = MatacReferral("P-1", HOSTILE[1], HOSTILE[2], date(2025, 4, 7), "analyst", datetime(2025, 3, 4, 9))
    any_store.add_matac_referral(referral)
    any_store.add_matac_referral(MatacReferral("P-2", "Health", "x", None, "analyst", datetime(2025, 3, 5, 9)))
    referrals = any_store.matac_referrals_now()
    assert_same(referrals.drop(columns="referred_person_id").iloc[:1], referral.as_frame())
    assert pd.isna(referrals.loc[1, "meeting_date"]) and any_store.counts()["matac_referrals"] == 2


def test_users_are_kept_by_both_stores_alike(any_store) -> None:
    from datetime import datetime

    any_store.put_user("ana", "analyst", "$argon2id$x", True, datetime(2025, 1, 2, 3, 4, 5))
    any_store.put_user("ana", "admin", "$argon2id$y", False, datetime(2025, 2, 2))
    any_store.put_user("sso@force", "detective", None, True, datetime(2025, 2, 3), forces="NTH;STH")
    users = any_store.users()
    assert users["name"].tolist() == ["ana", "sso@force"]
    ana = any_store.user("ana")
    assert ana["role"] == "admin" and not bool(ana["active"]) and ana["password_hash"] == "$argon2id$y"
    assert str(ana["created_at"]) == "2025-01-02 03:04:05" and str(ana["updated_at"]) == "2025-02-02 00:00:00"
    assert any_store.user("sso@force")["password_hash"] is None and any_store.user("nobody") is None
    assert any_store.user("sso@force")["forces"] == "NTH;STH" and ana["forces"] is None  # None: every force


def test_the_audit_log_is_one_verifiable_hash_chain(any_store) -> None:
    from graph.audit_chain import GENESIS, verify

    for number, text in enumerate(HOSTILE[:4]):
        any_store.record_audit(f"user{number}", "view_person", text, detail=text[::-1])
    any_store.record_audit("chair", "export", "perpetrators:overall", "csv", reason=HOSTILE[0])
    log = any_store.audit_log()
    assert log["seq"].tolist() == [1, 2, 3, 4, 5] and log.at[0, "prev_hash"] == GENESIS
    assert log.at[4, "reason"] == HOSTILE[0]
    report = verify(log)
    assert report.ok and report.head.seq == 5 and report.head.hash == log.at[4, "hash"]


def test_sync_keeps_the_audit_chain_and_users(store, neo4j_store) -> None:
    from datetime import datetime as stamp

    from graph.audit_chain import verify
    from harmgraph.cmd_graph import _sync_audit_log, _sync_users

    store.record_audit("analyst", "export", HOSTILE[2], reason="MATAC")
    store.record_audit("chair", "view_person", "P-1")
    store.put_user("ana", "analyst", "$argon2id$h", True, stamp(2025, 1, 2), forces="NTH")
    _sync_audit_log(store.audit_log(), neo4j_store)
    _sync_users(store, neo4j_store)
    assert_same(neo4j_store.audit_log(), store.audit_log())  # an empty target: the same chain
    neo4j_store.record_audit("neo", "view_person", "P-2")
    store.record_audit("later", "export", "persons")
    _sync_audit_log(store.audit_log(), neo4j_store)  # re-anchored after the target's own entry
    log = neo4j_store.audit_log()
    assert log["who"].tolist() == ["analyst", "chair", "neo", "later"] and verify(log).ok
    assert neo4j_store.user("ana")["password_hash"] == "$argon2id$h" and neo4j_store.user("ana")["forces"] == "NTH"


# --- atomicity and hostile input -------------------------------------------------------------
def test_a_load_failing_half_way_leaves_the_store_unchanged(any_store, load, force_factory) -> None:
    load(small_force(force_factory), any_store)
    counts, version, tables = any_store.counts(), any_store.version(), any_store.scoring_tables()
    records = pd.DataFrame([{"record_id": "R99", "forename": "New"}]).reindex(columns=cols.RECORD_COLUMNS)
    # Records are written first; the incident's timestamp is not a timestamp, so the second
    # step fails and the new record must vanish with it.
    incidents = pd.DataFrame([{"incident_id": "I99", "occurred_at": "not a time", "offence": "abh"}],
                             dtype=object).reindex(columns=cols.INCIDENT_COLUMNS)
    empty = {name: pd.DataFrame(columns=columns) for name, columns in (
        ("involvements", cols.INVOLVEMENT_COLUMNS), ("measures", cols.MEASURE_COLUMNS),
        ("breaches", cols.BREACH_COLUMNS), ("referrals", cols.REFERRAL_COLUMNS))}
    batch = LoadBatch(summary=LoadSummary("L-bad", "bad", "test", datetime(2025, 1, 1)),
                      records=records, incidents=incidents,
                      quarantine=pd.DataFrame(columns=cols.ISSUE_COLUMNS),
                      warnings=pd.DataFrame(columns=cols.ISSUE_COLUMNS), **empty)
    with pytest.raises(StoreError, match="rolled back"):
        any_store.apply_load(batch)
    # existing_ids first: EmbeddedStore.counts()/version() leave a DuckDB result unfetched,
    # which makes its next register() fail (reported; not this suite's to fix).
    assert not any_store.existing_ids("person_records", pd.Series(["R99"])).any()
    assert any_store.counts() == counts and any_store.version() == version
    assert any_store.has_completed_load("bad") is None
    pd.testing.assert_frame_equal(any_store.scoring_tables().persons, tables.persons)


def test_hostile_strings_round_trip_unchanged(store, neo4j_store, load, force_factory) -> None:
    force = force_factory()
    names = []
    for number, text in enumerate(HOSTILE):
        names.append(force.person(f"H{number}-{text[:12].strip()}", text, text[::-1], "F", address=text))
    force.person("S1", "Sam", "Hostile", "M")
    force.incident("I1", "2025-01-01", "abh", "S1", tuple(names))
    for s in (store, neo4j_store):
        load(force, s)
        records = s.person_records().set_index("record_id")
        assert records.loc[names, "forename"].tolist() == HOSTILE
        assert records.loc[names, "address"].tolist() == HOSTILE
        assert s.existing_ids("person_records", pd.Series(names + ["nope"])).tolist() == [True] * len(names) + [False]
        among = s.person_records(pd.Series([names[3], "nope", names[1], names[3]]))
        every = s.person_records()
        pd.testing.assert_frame_equal(among, every[every["record_id"].isin([names[1], names[3]])].reset_index(drop=True))
    assert_same_scoring(store, neo4j_store)


# --- sync ------------------------------------------------------------------------------------
def test_sync_copies_an_embedded_store_into_neo4j(store, neo4j_store, load, force_factory) -> None:
    force = small_force(force_factory)
    force.incident("I9", "2025-02-03", "punching", "R1", ("R2",))
    load(force, store)
    store.add_override("must_link", "R2", HOSTILE[2], "analyst", HOSTILE[4], datetime(2025, 1, 2))
    store.record_audit("analyst", "export", HOSTILE[2])
    store.add_matac_decision(_decision("P-1", "adopt", HOSTILE[3], datetime(2025, 3, 1, 10), 1))
    store.add_matac_meeting(MatacMeeting(date(2025, 3, 1), "Police; Probation", "", "chair", datetime(2025, 3, 1, 9)))
    store.add_matac_action(MatacAction("A-1", "P-1", date(2025, 3, 1), "drive", "Police", None, "open", None, "",
                                       "chair", datetime(2025, 3, 1, 10)))
    store.add_matac_referral(MatacReferral("P-1", "Probation", HOSTILE[4], None, "analyst", datetime(2025, 3, 2, 9)))
    counts = sync_stores(store, neo4j_store)
    assert_same_scoring(store, neo4j_store)
    for table in ("person_records", "record_person", "identity_overrides", "audit_log", "quarantine",
                  "matac_decisions", "matac_meetings", "matac_actions", "matac_referrals"):
        ordered = TABLE_COLUMNS[table]
        left = store.export_table(table).sort_values(ordered, ignore_index=True)
        right = neo4j_store.export_table(table).sort_values(ordered, ignore_index=True)
        assert_same(left, right)
    synced = neo4j_store.loads()
    copied = synced[~synced["source"].str.startswith(SYNC_SOURCE_PREFIX)].reset_index(drop=True)
    assert_same(store.loads(), copied)
    assert neo4j_store.has_completed_load(store.loads().at[0, "content_hash"]) is not None
    # Running it again copies nothing new.
    assert sync_stores(store, neo4j_store) == counts
    assert neo4j_store.counts() == counts


def test_sync_carries_the_resolution_model(store, neo4j_store, load, force_factory) -> None:
    load(small_force(force_factory), store)
    model = '{"model": {}, "records": 3, "settings": "f"}'
    store.replace_identity(replace(_identity(store.person_records()), model=model))
    sync_stores(store, neo4j_store)
    assert neo4j_store.resolution_model() == model  # its next load need not train


def test_the_sync_command_runs_from_the_cli(store, neo4j_store, load, force_factory, bolt_server,
                                            monkeypatch, tmp_path, cli_users) -> None:
    from typer.testing import CliRunner

    from harmgraph.cli import app

    load(small_force(force_factory), store)
    path = store.location
    store.close()
    cli_users(path)
    monkeypatch.setenv("HARMGRAPH_USER", "admin")  # a copy of the whole store is an admin's
    monkeypatch.setenv("NEO4J_USER", bolt_server["user"] or "")
    monkeypatch.setenv("NEO4J_PASSWORD", bolt_server["password"] or "")
    if bolt_server["database"]:
        monkeypatch.setenv("NEO4J_DATABASE", bolt_server["database"])
    result = CliRunner().invoke(app, ["sync", "--from", path, "--to", bolt_server["uri"]])
    assert result.exit_code == 0, result.output
    assert neo4j_store.counts()["person_records"] == 6


# --- Neo4j specifics ---------------------------------------------------------------------------
def test_a_server_error_mid_transaction_rolls_back_earlier_statements(neo4j_store) -> None:
    def work(tx):  # type: ignore[no-untyped-def]
        tx.run("CREATE (:PersonRecord {record_id: $id})", id="R-first").consume()
        tx.run("CREATE (:PersonRecord {record_id: $id})", id="R-first").consume()  # unique key

    with pytest.raises(StoreError, match="rolled back"):
        neo4j_store._write(work, "the test write")
    assert neo4j_store.counts()["person_records"] == 0


def test_open_store_picks_neo4j_for_bolt_uris(bolt_server, monkeypatch) -> None:
    from graph import Neo4jCredentials, open_store
    from graph.neo4j_store import Neo4jStore
    from harmgraph.cli_common import open_store as cli_open_store

    credentials = Neo4jCredentials(user=bolt_server["user"] or "neo4j", password=bolt_server["password"],
                                   database=bolt_server["database"])
    with open_store(bolt_server["uri"], credentials) as opened:
        assert isinstance(opened, Neo4jStore)
        assert not bolt_server["password"] or bolt_server["password"] not in opened.location
    # the CLI's edge reads the sign-in from the environment
    monkeypatch.setenv("NEO4J_USER", bolt_server["user"] or "")
    monkeypatch.setenv("NEO4J_PASSWORD", bolt_server["password"] or "")
    if bolt_server["database"]:
        monkeypatch.setenv("NEO4J_DATABASE", bolt_server["database"])
    with cli_open_store(bolt_server["uri"]) as opened:
        assert isinstance(opened, Neo4jStore)


def test_a_wrong_password_is_a_store_error(bolt_server) -> None:
    from graph.neo4j_store import Neo4jStore

    with pytest.raises(StoreError, match="cannot open store"):
        Neo4jStore(bolt_server["uri"], user=bolt_server["user"], password="wrong",
                   database=bolt_server["database"])


def test_a_generated_force_ranks_identically_on_both_stores(store, neo4j_store, tmp_path, catalogue) -> None:
    """Beyond the hand-built fixture: a generated force (fragmented records, measures,
    referrals, splink resolution) gives the same four lists from either store."""
    from ingest.identity import make_splink_resolver
    from ingest.load import ingest_folder
    from scoring.lists import PerpetratorList, VictimList, rank_victims
    from scoring.context import ScoringContext
    from synth.generate import generate_force
    from scoring.config import load_config

    generate_force(tmp_path / "force", people=400, seed=5)
    for into in (store, neo4j_store):
        ingest_folder(tmp_path / "force", into, catalogue.keys, resolver=make_splink_resolver())
    as_of = store.scoring_tables().incidents["occurred_at"].max().date()
    contexts = [ScoringContext(tables=s.scoring_tables(), config=load_config(), catalogue=catalogue, as_of=as_of)
                for s in (store, neo4j_store)]
    for which in PerpetratorList:
        embedded, neo4j = (rank_perpetrators(c, which) for c in contexts)
        # the serial-history list holds the few quiet in the window with a serial record
        assert len(embedded) > (0 if which is PerpetratorList.SERIAL_HISTORY else 20)
        pd.testing.assert_frame_equal(embedded, neo4j)
    for which in VictimList:
        pd.testing.assert_frame_equal(*(rank_victims(c, which) for c in contexts))


def test_a_load_of_new_records_resolves_incrementally_alike_on_both_stores(
        store, neo4j_store, tmp_path, catalogue) -> None:
    """A day with a new and a changed person record, into a store holding a kept model, is
    resolved incrementally (ingest.resolve_increment reads the stored links, persons and
    review queue back) to the same persons on either store."""
    from ingest.identity import make_splink_resolver
    from ingest.load import ingest_folder
    from ingest.resolve_config import ResolutionConfig
    from synth.generate import generate_force
    from tests.graph.conftest import store_neutral

    trains = ResolutionConfig(min_records_for_training=300, min_pairs_for_em=20)
    generate_force(tmp_path / "force", people=400, seed=5)
    people = pd.read_csv(tmp_path / "force" / "people.csv", dtype=str)
    day = tmp_path / "day"
    day.mkdir()
    pd.concat([people.head(1).assign(record_id="R-again"), people.iloc[[5]].assign(surname="Lowther")]) \
        .to_csv(day / "people.csv", index=False)
    pd.DataFrame({"incident_id": ["DAY-1"], "occurred_at": ["2026-10-30"], "offence": ["harassment"]}) \
        .to_csv(day / "incidents.csv", index=False)
    pd.DataFrame({"incident_id": ["DAY-1"], "record_id": ["R-again"], "role": ["victim"]}) \
        .to_csv(day / "involvements.csv", index=False)
    said: dict[str, list[str]] = {}
    for name, into in (("embedded", store), ("neo4j", neo4j_store)):
        ingest_folder(tmp_path / "force", into, catalogue.keys, resolver=make_splink_resolver(trains))
        said[name] = []
        ingest_folder(day, into, catalogue.keys, resolver=make_splink_resolver(trains, progress=said[name].append))
        assert any("the 2 new or changed records" in line for line in said[name]), said[name]
    clusters = [s.clusters().sort_values("record_id", ignore_index=True) for s in (store, neo4j_store)]
    pd.testing.assert_frame_equal(*clusters, check_dtype=False)
    persons = [store_neutral(s.export_table("persons")).sort_values("person_id", ignore_index=True)
               for s in (store, neo4j_store)]
    pd.testing.assert_frame_equal(*persons, check_dtype=False)
    assert clusters[0].set_index("record_id").at["R-again", "person_id"] == \
        clusters[0].set_index("record_id").at[people.at[0, "record_id"], "person_id"]


def _readme_cypher() -> list[str]:
    """The Cypher blocks of the README's "Running on Neo4j" section, without Browser's :param lines."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = text.split("```cypher\n")[1:]
    statements = ["\n".join(line for line in block.split("```")[0].splitlines() if not line.startswith(":param"))
                  for block in blocks]
    return [s for s in statements if s.strip()]


def test_the_readme_cypher_runs_on_the_bolt_server(neo4j_store, load, force_factory, bolt_server) -> None:
    """What a detective pastes into Neo4j Browser must run against the schema we write."""
    from neo4j import GraphDatabase

    load(small_force(force_factory), neo4j_store)
    clusters = neo4j_store.clusters().set_index("record_id")["person_id"]
    params = {"person": clusters["R1"], "a": clusters["R1"], "b": clusters["R4"]}
    statements = _readme_cypher()
    assert len(statements) >= 5
    auth = (bolt_server["user"], bolt_server["password"]) if bolt_server["password"] else None
    with GraphDatabase.driver(bolt_server["uri"], auth=auth) as driver:
        answers = [driver.execute_query(s, params, database_=bolt_server["database"]).records for s in statements]
    victims_of_r1 = {r["victim"] for r in answers[0]}
    assert victims_of_r1 == {clusters["R2"], clusters["R3"], clusters["R5"]}
    shared = {r["victim"] for r in answers[1]}
    assert shared == {clusters["R5"]}  # R1 and R4 both harmed Dee White


# --- records withdrawn upstream ------------------------------------------------------------------
def _without_r4(force_factory):  # type: ignore[no-untyped-def]
    """The small force's next full extract: Carl Black (R4), his incident I4 and measure M2 are gone."""
    force = small_force(force_factory)
    force.people = [p for p in force.people if p["record_id"] != "R4"]
    force.incidents = [i for i in force.incidents if i["incident_id"] != "I4"]
    force.involvements = [v for v in force.involvements if v["incident_id"] != "I4"]
    force.measures = [m for m in force.measures if m["measure_id"] != "M2"]
    force.custody = [c for c in force.custody if c["record_id"] != "R4"]
    return force


def test_a_complete_extract_withdraws_what_it_no_longer_carries_in_both_stores(
        store, neo4j_store, force_factory, tmp_path, catalogue) -> None:
    from ingest.load import ingest_folder

    full = small_force(force_factory).write(tmp_path / "full")
    later = _without_r4(force_factory).write(tmp_path / "later")
    (later / "complete.csv").write_text("table\npeople\nincidents\nmeasures\n", encoding="utf-8")
    for each in (store, neo4j_store):
        ingest_folder(full, each, catalogue.keys)
        summary = ingest_folder(later, each, catalogue.keys)
        assert summary.withdrawn == {"incidents": ["I4"], "measures": ["M2"], "people": ["R4"]}
        assert "R4" not in set(each.person_records()["record_id"]) and "R4" not in set(each.clusters()["record_id"])
        tables = each.scoring_tables()
        assert "I4" not in set(tables.incidents["incident_id"]) and "I4" not in set(tables.roles["incident_id"])
        assert "M2" not in set(tables.measures["measure_id"])
        assert each.export_table("custody")["custody_id"].tolist() == ["C2"]  # R4's spell went with him
    assert_same_scoring(store, neo4j_store)
    assert store.counts() == neo4j_store.counts()


def test_roles_on_a_name_and_address_only_record_are_marked_weak(store, neo4j_store, load,
                                                                  force_factory) -> None:
    """A record with neither a date of birth nor a PNC id, joined to a dated man on his name and
    address, marks his roles there ``weak_identity`` in both stores alike; a person whose
    records all lack both has nothing firmer to compare with, so none of his roles is weak."""
    force = force_factory()
    force.person("R1", "Kwame", "Kirk", "M", date_of_birth="1971-07-25", postcode="NE35 1ZY",
                 address="85 Cherry Avenue")
    force.person("R1w", "Kwame", "Kirk", "M", postcode="NE35 1ZY", address="85 Cherry Avenue")
    force.person("R2", "Anne", "Jones", "F", date_of_birth="1990-01-02")
    force.person("R3", "Dee", "White", "F")
    force.person("R4", "Carl", "Black", "M")
    force.incident("I1", "2025-01-10", "abh", "R1", ("R2",))
    force.incident("I2", "2025-03-01", "abh", "R1w", ("R3",))
    force.incident("I3", "2025-04-01", "abh", "R4", ("R3",))
    for target in (store, neo4j_store):
        load(force, target)
        target.replace_identity(resolve_stored(target, target.person_records(), make_splink_resolver(),
                                               "test"))
    assert_same_scoring(store, neo4j_store)
    clusters = store.clusters().set_index("record_id")["person_id"]
    assert clusters["R1"] == clusters["R1w"]
    weak = store.scoring_tables().roles.set_index(["incident_id", "role"])["weak_identity"].fillna(False)
    assert not weak["I1", "suspect"] and weak["I2", "suspect"]
    assert not weak["I3", "suspect"]  # Carl has no firmer record to tell a weak one from
    assert not weak["I2", "victim"]  # Dee's only record: nothing firmer either
    # An analyst's must-link (the review queue's "same") confirms the record.
    for target in (store, neo4j_store):
        target.add_override("must_link", "R1", "R1w", "test", "same man", datetime(2025, 5, 1))
    assert_same_scoring(store, neo4j_store)
    weak = store.scoring_tables().roles.set_index(["incident_id", "role"])["weak_identity"].fillna(False)
    assert not weak["I2", "suspect"]


def test_a_complete_custody_file_withdraws_the_spells_it_no_longer_carries_in_both_stores(
        store, neo4j_store, force_factory, tmp_path, catalogue) -> None:
    from ingest.load import ingest_folder

    full = small_force(force_factory).write(tmp_path / "full")
    later_force = small_force(force_factory)
    later_force.custody = [c for c in later_force.custody if c["custody_id"] != "C2"]
    later = later_force.write(tmp_path / "later")
    (later / "complete.csv").write_text("table\ncustody\n", encoding="utf-8")
    for each in (store, neo4j_store):
        ingest_folder(full, each, catalogue.keys)
        summary = ingest_folder(later, each, catalogue.keys)
        assert summary.withdrawn == {"custody": ["C2"]}
        assert each.export_table("custody")["custody_id"].tolist() == ["C1"]
    assert_same_scoring(store, neo4j_store)

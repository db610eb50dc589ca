"""The identity review queue through the real CLI: what the rules kept apart is listed with
the evidence for and against, and a decision is a logged link or unlink."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from graph.embedded import EmbeddedStore
from harmgraph.cli import app

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _namesakes(force_factory):  # type: ignore[no-untyped-def]
    force = force_factory()
    force.person("S1", "Steven", "Price", "M", date_of_birth="1999-08-21", postcode="NE1 1AA",
                 address="1 High Street")
    force.person("S2", "Steven", "Price", "M", postcode="NE1 1AA", address="1 High Street")
    force.person("S6", "Steven", "Price", "M", date_of_birth="2002-10-31", postcode="NE1 1AA",
                 address="1 High Street")
    force.person("V1", "Amy", "Clarke", "F", date_of_birth="1991-07-02", postcode="NE2 1AA")
    force.incident("I1", "2026-01-05", "abh", "S1", ("V1",))
    force.incident("I2", "2026-02-05", "abh", "S2", ("V1",))
    force.incident("I3", "2026-03-05", "abh", "S6", ("V1",))
    return force


def test_review_lists_what_the_rules_kept_apart_and_a_decision_links(tmp_path: Path, force_factory, cli_users) -> None:
    store = tmp_path / "store.duckdb"
    _run("ingest", str(_namesakes(force_factory).write(tmp_path / "force")), "--store", str(cli_users(store)))
    items = json.loads(_run("review", "--store", str(store), "--format", "json"))
    kinds = {item["kind"] for item in items}
    assert {"dob_conflict", "ambiguous_record"} <= kinds
    conflict = next(i for i in items if i["kind"] == "dob_conflict")
    assert conflict["evidence_against"].startswith("dates of birth conflict")
    assert "S1: Steven Price | 1999-08-21 | NE11AA" in (conflict["record_l"], conflict["record_r"])
    shown = _run("review", "--store", str(store))
    assert "to review" in shown and "against: dates of birth conflict" in shown

    # The analyst knows S2 is the man born in 1999: one decision links them.
    ambiguous = next(i for i in items if i["kind"] == "ambiguous_record"
                     and {i["record_l"][:2], i["record_r"][:2]} == {"S1", "S2"})
    _run("review", "--decide", ambiguous["item_id"], "--same", "--reason", "custody photo",
         "--store", str(store))
    with EmbeddedStore(store) as graph_store:
        clusters = graph_store.clusters().set_index("record_id")["person_id"]
        overrides = graph_store.overrides()
        log = graph_store.audit_log()
        lineage = graph_store.person_lineage()
    assert clusters["S1"] == clusters["S2"] != clusters["S6"]
    assert overrides[["kind", "record_id_l", "record_id_r"]].values.tolist() == [["must_link", "S1", "S2"]]
    assert overrides["reason"].item() == f"review {ambiguous['item_id']}: custody photo"
    assert "review_decision" in set(log["action"])
    assert lineage["cause"].str.startswith("must_link S1/S2").any()


def test_a_decision_needs_same_or_different(tmp_path: Path, force_factory, cli_users) -> None:
    store = tmp_path / "store.duckdb"
    _run("ingest", str(_namesakes(force_factory).write(tmp_path / "force")), "--store", str(cli_users(store)))
    result = runner.invoke(app, ["review", "--decide", "RV-00000000", "--store", str(store)])
    assert result.exit_code != 0


def test_a_possible_duplicate_victim_behind_a_new_partner_claim_is_queued_and_decided(
        tmp_path: Path, duplicate_victim_force, cli_users) -> None:  # type: ignore[no-untyped-def]
    store = cli_users(tmp_path / "store.duckdb")
    _run("ingest", str(duplicate_victim_force.write(tmp_path / "force")), "--store", str(store))
    with EmbeddedStore(store) as graph_store:
        person = graph_store.clusters().set_index("record_id")["person_id"]
    assert person["V1"] != person["V2"]  # resolution alone keeps them apart
    items = json.loads(_run("review", "--store", str(store), "--kind", "duplicate_victim", "--format", "json"))
    assert len(items) == 1
    item = items[0]
    assert {item["record_l"], item["record_r"]} == {"V1: Cheryl Wells | 1986-09-01 | SR265BY",
                                                   "V2: Cheril Wellls | no DOB | DH474QS"}
    assert item["evidence_for"] == "names a keying error apart"
    assert "date of birth missing on one record" in item["evidence_against"]
    assert item["note"].startswith(f"possible duplicate victim of {person['S']}")
    ranked = json.loads(_run("rank", "--store", str(store), "--format", "json", "--reason", "test"))
    steven = next(row for row in ranked["rows"] if row["person_id"] == person["S"])
    assert "uncertain: 1 pair of victim records may be one person recorded twice, counted once" in steven["reasons"]

    _run("review", "--decide", item["item_id"], "--different", "--reason", "spoke to both",
         "--store", str(store))
    assert json.loads(_run("review", "--store", str(store), "--kind", "duplicate_victim",
                           "--format", "json")) == []
    ranked = json.loads(_run("rank", "--store", str(store), "--format", "json", "--reason", "test"))
    steven = next(row for row in ranked["rows"] if row["person_id"] == person["S"])
    assert "uncertain" not in steven["reasons"] and steven["victims"] == 2
    with EmbeddedStore(store) as graph_store:
        log = graph_store.audit_log()
        overrides = graph_store.overrides()
    assert overrides[["kind", "record_id_l", "record_id_r"]].values.tolist() == [["cannot_link", "V1", "V2"]]
    decision = log[log["action"] == "review_decision"]
    assert decision[["subject", "detail", "reason"]].values.tolist() == [
        [item["item_id"], "different person", "spoke to both"]]


def _ranked(store: Path) -> list[dict[str, object]]:
    return json.loads(_run("rank", "--store", str(store), "--format", "json", "--as-of", "2026-03-31",
                           "--reason", "test"))["rows"]


def _father_and_son(force_factory):  # type: ignore[no-untyped-def]
    """Kwame KIRK (dated) harms Anne; an undated, PNC-less 'Kwame Kirk' at his address harms Dee."""
    force = force_factory()
    force.person("K1", "Kwame", "Kirk", "M", date_of_birth="1971-07-25", postcode="NE35 1ZY",
                 address="85 Cherry Avenue")
    force.person("K2", "Kwame", "Kirk", "M", postcode="NE35 1ZY", address="85 Cherry Avenue")
    force.person("A1", "Anne", "Jones", "F", date_of_birth="1990-01-02")
    force.person("D1", "Dee", "White", "F", date_of_birth="2001-04-09")
    force.incident("I1", "2026-01-05", "abh", "K1", ("A1",))
    force.incident("I2", "2026-02-05", "abh", "K1", ("A1",))
    force.incident("I3", "2026-03-05", "abh", "K2", ("D1",))
    return force


def test_an_incident_set_aside_is_queued_and_a_same_decision_counts_it(tmp_path: Path, force_factory,
                                                                      cli_users) -> None:
    store = tmp_path / "store.duckdb"
    _run("ingest", str(_father_and_son(force_factory).write(tmp_path / "force")), "--store", str(cli_users(store)))
    ranked = _ranked(store)
    kwame = next(row for row in ranked if "K1" in row["record_ids"].split(";"))
    assert "K2" in kwame["record_ids"].split(";")  # resolution joined the two records
    assert (kwame["incidents"], kwame["victims"]) == (2, 1) and "identity_to_check" in kwame["flags"]
    items = json.loads(_run("review", "--store", str(store), "--format", "json", "--kind", "weak_record"))
    assert [(i["record_l"][:2], i["record_r"][:2]) for i in items] == [("K1", "K2")]
    assert items[0]["note"].startswith(f"incident I3 not counted for {kwame['person_id']}")
    assert items[0]["evidence_for"] == f"joined to {kwame['person_id']}'s record K1 on name and address"
    _run("review", "--decide", items[0]["item_id"], "--same", "--reason", "custody record", "--store", str(store))
    ranked = _ranked(store)
    kwame = next(row for row in ranked if "K1" in row["record_ids"].split(";"))
    assert (kwame["incidents"], kwame["victims"]) == (3, 2) and "identity_to_check" not in kwame["flags"]
    assert json.loads(_run("review", "--store", str(store), "--format", "json", "--kind", "weak_record")) == []

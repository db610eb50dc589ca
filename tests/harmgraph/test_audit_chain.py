"""The access log is an append-only hash chain: tampering with any entry is found and named."""

from __future__ import annotations

import duckdb
import pandas as pd
from typer.testing import CliRunner

from graph.audit_chain import GENESIS, chain, verify
from graph.embedded import EmbeddedStore
from harmgraph.cli import app

runner = CliRunner()
ADMIN = {"HARMGRAPH_USER": "admin"}  # the access log is the admin's to read


def _store_with_entries(path, n: int = 5) -> None:  # type: ignore[no-untyped-def]
    """A store holding ``n`` entries and no users (the CLI tests add them after the tampering)."""
    with EmbeddedStore(path) as store:
        for number in range(n):
            store.record_audit(f"user{number}", "view_person", f"P-{number}", f"detail {number}",
                               reason="MATAC" if number % 2 else "")


def test_each_entry_is_chained_to_the_one_before(tmp_path) -> None:
    _store_with_entries(tmp_path / "s.duckdb")
    with EmbeddedStore(tmp_path / "s.duckdb") as store:
        log = store.audit_log()
    assert log["seq"].tolist() == [1, 2, 3, 4, 5]
    assert log.at[0, "prev_hash"] == GENESIS
    assert (log["prev_hash"].iloc[1:].to_numpy() == log["hash"].iloc[:-1].to_numpy()).all()
    assert pd.isna(log.at[0, "reason"]) and log.at[1, "reason"] == "MATAC"
    assert verify(log).ok


def test_editing_an_entry_directly_in_duckdb_is_detected_and_named(tmp_path, cli_users) -> None:
    path = tmp_path / "s.duckdb"
    _store_with_entries(path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 3")
    con.close()
    cli_users(path)
    result = runner.invoke(app, ["audit", "--verify", "--store", str(path)], env=ADMIN)
    assert result.exit_code == 1
    assert "broken" in result.output and "entry 3" in result.output and "changed" in result.output


def test_deleting_an_entry_is_detected(tmp_path) -> None:
    path = tmp_path / "s.duckdb"
    _store_with_entries(path)
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM audit_log WHERE seq = 2")
    con.close()
    with EmbeddedStore(path) as store:
        report = verify(store.audit_log())
    assert not report.ok and report.broken_seq == 3 and "missing" in report.problem


def test_rewriting_an_entry_and_its_own_hash_still_breaks_the_next_link(tmp_path) -> None:
    path = tmp_path / "s.duckdb"
    _store_with_entries(path)
    with EmbeddedStore(path) as store:
        log = store.audit_log()
    forged = log.iloc[[1]].assign(who="someone else")
    rehashed = chain(forged, type(verify(log).head)(1, log.at[0, "hash"]))
    con = duckdb.connect(str(path))
    con.execute("UPDATE audit_log SET who = ?, hash = ? WHERE seq = 2", ["someone else", rehashed.at[0, "hash"]])
    con.close()
    with EmbeddedStore(path) as store:
        report = verify(store.audit_log())
    assert not report.ok and report.broken_seq == 3 and "prev_hash" in report.problem


def test_an_intact_log_verifies_from_the_cli(tmp_path, cli_users) -> None:
    path = tmp_path / "s.duckdb"
    _store_with_entries(path)
    cli_users(path)
    result = runner.invoke(app, ["audit", "--verify", "--store", str(path)], env=ADMIN)
    assert result.exit_code == 0, result.output
    assert "intact: 6 entries" in result.output  # the five, and the admin's sign-in
    listing = runner.invoke(app, ["audit", "--store", str(path), "--format", "csv"], env=ADMIN)
    assert listing.exit_code == 0 and "view_person" in listing.output
    with EmbeddedStore(path) as store:  # verifying and listing are themselves logged, and chained
        log = store.audit_log()
    assert log["action"].tolist()[-4:] == ["sign_in", "audit_verify", "sign_in", "view_audit"] and verify(log).ok
    assert set(log["who"].tolist()[-4:]) == {"admin (admin)"}


def test_a_log_written_before_the_chain_is_chained_when_the_store_opens(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute('CREATE TABLE audit_log ("at" TIMESTAMP, who VARCHAR, action VARCHAR, subject VARCHAR, detail VARCHAR)')
    con.execute("INSERT INTO audit_log VALUES ('2025-01-01 10:00', 'a', 'load', 'L1', ''), "
                "('2025-01-02 10:00', 'b', 'export', 'persons', '3 persons')")
    con.close()
    with EmbeddedStore(path) as store:
        store.record_audit("c", "view_person", "P-1")
        log = store.audit_log()
    assert log["who"].tolist() == ["a", "b", "c"] and log["seq"].tolist() == [1, 2, 3]
    assert verify(log).ok


def test_exports_to_a_file_need_a_reason_which_is_logged(tmp_path, force_factory, load, cli_users) -> None:
    path = tmp_path / "s.duckdb"
    force = force_factory()
    force.person("R1", "John", "Smith", "M")
    force.person("R2", "Anne", "Jones", "F")
    force.incident("I1", "2025-01-10", "abh", "R1", ("R2",))
    with EmbeddedStore(path) as store:
        load(force, store)
    cli_users(path)
    out = tmp_path / "top.csv"
    refused = runner.invoke(app, ["rank", "--store", str(path), "--format", "csv", "-o", str(out)])
    assert refused.exit_code == 2 and "--reason" in refused.output and not out.exists()
    for command in (["rank"], ["victims"], ["persons"]):
        result = runner.invoke(app, [*command, "--store", str(path), "--format", "csv", "-o", str(out),
                                     "--reason", f"MATAC {command[0]}"])
        assert result.exit_code == 0, result.output
    with EmbeddedStore(path) as store:
        log = store.audit_log()
    exports = log[log["action"] == "export"]
    assert exports["reason"].tolist() == ["MATAC rank", "MATAC victims", "MATAC persons"]
    assert verify(log).ok


def test_sync_copies_the_chain_and_reanchors_onto_a_log_of_its_own(tmp_path) -> None:
    from harmgraph.cmd_graph import _sync_audit_log

    _store_with_entries(tmp_path / "a.duckdb", 3)
    with EmbeddedStore(tmp_path / "a.duckdb") as source, EmbeddedStore(tmp_path / "b.duckdb") as target:
        log = source.audit_log()
        _sync_audit_log(log, target)  # empty target: identical chain, hash for hash
        pd.testing.assert_frame_equal(target.audit_log(), log)
        _sync_audit_log(log, target)  # again: nothing new
        assert len(target.audit_log()) == 3
        target.record_audit("local", "view_person", "P-9")
        source.record_audit("later", "export", "persons")
        _sync_audit_log(source.audit_log(), target)  # re-anchored on the target's own head
        synced = target.audit_log()
    assert synced["who"].tolist() == ["user0", "user1", "user2", "local", "later"]
    assert verify(synced).ok

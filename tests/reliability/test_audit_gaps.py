"""What the access log missed, or let be rewritten (issue 19): each case passed on the old code.

Before, the candidates, victims and data-quality pages logged nothing when viewed; ``sync``
copied the whole store unlogged; ``rank -o f.csv`` without ``--format csv`` logged an export
that never happened; ``rank --format csv > file`` needed no reason; and deleting entries then
blanking the chain columns made the next open re-chain the log, which then verified "intact".
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from graph.audit_chain import verify
from graph.embedded import EmbeddedStore

HARMGRAPH = str(Path(sys.executable).parent / "harmgraph")
APP = Path(__file__).resolve().parents[2] / "harmgraph" / "app.py"


def _cli(*args: str, user: str = "analyst") -> subprocess.CompletedProcess[str]:
    return subprocess.run([HARMGRAPH, *args], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
                          env={**os.environ, "HARMGRAPH_USER": user, "COLUMNS": "200", "TERM": "dumb"})


@pytest.fixture
def store(tmp_path: Path, cli_users, force_factory) -> Path:  # type: ignore[no-untyped-def]
    force = force_factory()
    force.person("S1", "John", "Smith", "M")
    force.person("V1", "Anne", "Jones", "F")
    force.person("V2", "Beth", "Brown", "F")
    force.incident("I1", "2025-01-10", "abh", "S1", ("V1",))
    force.incident("I2", "2025-03-10", "harassment", "S1", ("V2",))
    force.incident("I3", "2025-04-10", "no_such_offence", "S1", ("V2",))  # quarantined
    path = cli_users(tmp_path / "s.duckdb")
    assert _cli("ingest", str(force.write(tmp_path / "extract")), "--store", str(path)).returncode == 0
    return path


def _log(store: Path) -> pd.DataFrame:
    with EmbeddedStore(store) as opened:
        return opened.audit_log()


@pytest.mark.parametrize(("page", "subject"), [
    ("candidates", "perpetrators:overall"), ("victims", "victims:most-offences"), ("quality", "quarantine")])
def test_a_page_that_shows_people_logs_the_view_once(store: Path, page: str, subject: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARMGRAPH_STORE", str(store))
    monkeypatch.delenv("HARMGRAPH_AUTH", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.text_input(key="signin_name").input("analyst")
    at.text_input(key="signin_password").input(os.environ["HARMGRAPH_PASSWORD"])
    at.button(key="signin_submit").click().run()
    at.switch_page(f"app_pages/{page}.py").run()
    at.run()  # a rerun (any click) is not a second view
    assert not at.exception, [e.value for e in at.exception]
    log = _log(store)
    viewed = log[(log["subject"] == subject) & log["detail"].str.startswith("app:")]
    assert len(viewed) == 1 and viewed.iloc[0]["who"] == "analyst (analyst)", log.tail(5)


def test_sync_is_an_admins_and_is_logged_before_the_copy(store: Path) -> None:
    refused = _cli("sync", "--from", str(store), "--to", "bolt://127.0.0.1:9")
    assert refused.returncode == 1 and "may not copy the whole store" in refused.stderr
    # No server listens there: the attempt fails, but the copy was asked for and is logged.
    tried = _cli("sync", "--from", str(store), "--to", "bolt://neo:secret@127.0.0.1:9", user="admin")
    assert tried.returncode != 0
    log = _log(store)
    synced = log[log["action"] == "sync"]
    assert synced["who"].tolist() == ["admin (admin)"] and synced["subject"].tolist() == ["bolt://127.0.0.1:9"]
    assert "secret" not in log.to_string()
    assert verify(log).ok


def test_an_output_file_without_a_format_is_written_as_csv_and_logged_once(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    done = _cli("rank", "--store", str(store), "-o", str(out), "--reason", "MATAC prep")
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith("rank,person_id,display_name")
    exports = _log(store).query("action == 'export'")
    assert len(exports) == 1 and exports.iloc[0]["detail"].endswith("format csv to f.csv")


def test_csv_to_standard_output_needs_a_reason_like_a_file(store: Path) -> None:
    for fmt in ("csv", "json"):
        refused = _cli("rank", "--store", str(store), "--format", fmt)
        assert refused.returncode == 2 and "needs --reason" in refused.stderr and refused.stdout == ""
    done = _cli("rank", "--store", str(store), "--format", "csv", "--reason", "weekly return")
    assert done.returncode == 0 and done.stdout.startswith("rank,person_id")
    export = _log(store).query("action == 'export'").iloc[-1]
    assert export["reason"] == "weekly return" and export["detail"].endswith("to standard output")


def test_a_blanked_chain_is_tampering_not_a_log_to_chain_again(store: Path) -> None:
    con = duckdb.connect(str(store))
    con.execute("DELETE FROM audit_log WHERE action = 'load'")  # the evidence goes...
    con.execute("UPDATE audit_log SET seq = NULL, prev_hash = NULL, hash = NULL")  # ...and the chain
    con.close()
    done = _cli("audit", "--verify", "--store", str(store), user="admin")
    assert done.returncode == 1 and "broken" in done.stderr and "chain was erased" in done.stderr


def test_a_log_rebuilt_from_scratch_fails_against_the_head_recorded_outside(store: Path) -> None:
    """An insider who also drops the chain columns and the store's record that it had a chain
    gets a log the store chains afresh, which verifies on its own; the head printed earlier
    (kept outside the store, e.g. in the force's SIEM) no longer matches it."""
    head = _cli("audit", "--head", "--store", str(store), user="admin")
    assert head.returncode == 0, head.stderr
    recorded = head.stdout.strip()
    assert _cli("audit", "--verify", "--expect-head", recorded, "--store", str(store), user="admin").returncode == 0
    con = duckdb.connect(str(store))
    con.execute("CREATE TABLE bare AS SELECT \"at\", who, action, subject, detail, reason FROM audit_log "
                "WHERE action <> 'load' ORDER BY seq")
    con.execute("DROP TABLE audit_log")
    con.execute("ALTER TABLE bare RENAME TO audit_log")
    con.execute("DELETE FROM meta WHERE key = 'audit_chain'")
    con.close()
    alone = _cli("audit", "--verify", "--store", str(store), user="admin")
    assert alone.returncode == 0  # rebuilt as if it had never had a chain: only the outside head tells
    done = _cli("audit", "--verify", "--expect-head", recorded, "--store", str(store), user="admin")
    assert done.returncode == 1 and "recorded outside the store" in done.stderr, done.stderr

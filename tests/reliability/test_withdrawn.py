"""Records deleted upstream leave the store (issue 19, item 2).

Before, ingest only inserted or updated: a person record removed from the source system for
retention or error correction stayed in the store, its lists and the profile for ever. Now
an extract declares a table complete (``complete.csv``) or names withdrawn ids
(``withdrawn.csv``); through the real ``harmgraph ingest`` the record leaves with its links,
the identities, the ranked list and the access log show it, and a damaged or contradictory
declaration deletes nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore

HARMGRAPH = str(Path(sys.executable).parent / "harmgraph")


def _ingest(folder: Path, store: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HARMGRAPH, "ingest", str(folder), "--store", str(store), *extra], capture_output=True,
                          text=True, timeout=600, env={"COLUMNS": "200", "TERM": "dumb", "PATH": "/usr/bin:/bin",
                                                       # signed in as the session's analyst (tests/conftest.py)
                                                       **{k: os.environ[k] for k in ("HARMGRAPH_USER", "HARMGRAPH_PASSWORD")}})


def _force(force_factory, with_carl: bool = True):  # type: ignore[no-untyped-def]
    force = force_factory()
    force.person("R1", "John", "Smith", "M", date_of_birth="1985-03-12")
    force.person("R2", "Anne", "Jones", "F")
    force.person("R3", "Beth", "Brown", "F")
    force.incident("I1", "2025-01-10", "common_assault", "R1", ("R2",), domestic_abuse="Y")
    force.incident("I2", "2025-06-01", "abh", "R1", ("R3",), domestic_abuse="Y")
    force.referrals.append({"referral_id": "F1", "record_id": "R2", "type": "marac", "date": "2025-01-20"})
    if with_carl:
        force.person("R4", "Carl", "Black", "M")
        force.incident("I4", "2025-08-15", "stalking", "R4", ("R3",), relationship="ex_partner")
        force.referrals.append({"referral_id": "F4", "record_id": "R4", "type": "mappa", "date": "2025-09-01"})
    return force


@pytest.fixture(scope="module")
def first_load(tmp_path_factory: pytest.TempPathFactory, cli_users) -> Path:  # type: ignore[no-untyped-def]
    """A store holding the first extract, loaded once; each test works on a copy."""
    from tests.conftest import Force

    folder = tmp_path_factory.mktemp("withdrawn")
    store = cli_users(folder / "s.duckdb")
    done = _ingest(_force(Force).write(folder / "first"), store)
    assert done.returncode == 0, done.stdout + done.stderr
    return store


@pytest.fixture
def loaded(first_load: Path, tmp_path: Path) -> Path:
    store = tmp_path / "s.duckdb"
    shutil.copyfile(first_load, store)
    return store


def _held(store: Path) -> dict[str, set[str]]:
    with EmbeddedStore(store) as graph_store:
        tables = graph_store.scoring_tables()
        return {"records": set(graph_store.person_records()["record_id"]),
                "clustered": set(graph_store.clusters()["record_id"]),
                "incidents": set(tables.incidents["incident_id"]), "roles": set(tables.roles["incident_id"]),
                "referrals": set(tables.referrals["referral_id"]),
                "names": set(tables.persons["display_name"].astype(str))}


def test_a_complete_extract_removes_what_it_no_longer_carries(loaded: Path, tmp_path: Path, force_factory) -> None:  # type: ignore[no-untyped-def]
    assert "R4" in _held(loaded)["records"]
    later = _force(force_factory, with_carl=False).write(tmp_path / "later")
    (later / "complete.csv").write_text("table\npeople\nincidents\nreferrals\n", encoding="utf-8")
    done = _ingest(later, loaded)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "removed with their links: 1 from incidents, 1 from people, 1 from referrals" in done.stderr
    held = _held(loaded)
    assert "R4" not in held["records"] | held["clustered"]
    assert "I4" not in held["incidents"] | held["roles"] and "F4" not in held["referrals"]
    assert not any("BLACK" in name.upper() for name in held["names"])
    ranked = subprocess.run([HARMGRAPH, "rank", "--store", str(loaded), "--format", "csv", "--reason", "test"], capture_output=True,
                            text=True, timeout=300)
    assert ranked.returncode == 0 and "Black" not in ranked.stdout and "BLACK" not in ranked.stdout
    with EmbeddedStore(loaded) as graph_store:
        log = graph_store.audit_log()
    assert log[log["action"] == "load"]["detail"].str.contains("withdrew 1 people: R4").any()


def test_a_withdrawn_file_removes_named_records_only(loaded: Path, tmp_path: Path, force_factory) -> None:  # type: ignore[no-untyped-def]
    later = _force(force_factory).write(tmp_path / "later")
    (later / "referrals.csv").write_text("referral_id,record_id,type,date,detail\n", encoding="utf-8")
    (later / "withdrawn.csv").write_text("table,id\nreferrals,F1\n", encoding="utf-8")
    done = _ingest(later, loaded)
    assert done.returncode == 0, done.stdout + done.stderr
    held = _held(loaded)
    assert held["referrals"] == {"F4"} and "R4" in held["records"]  # not complete: only F1 went


def test_a_damaged_file_declared_complete_deletes_nothing(loaded: Path, tmp_path: Path, force_factory) -> None:  # type: ignore[no-untyped-def]
    before = _held(loaded)
    later = _force(force_factory, with_carl=False).write(tmp_path / "later")
    with (later / "people.csv").open("a", encoding="utf-8") as handle:
        handle.write('R9,"Unclosed,Quote,M,,,,,,\n')
    (later / "complete.csv").write_text("table\npeople\n", encoding="utf-8")
    done = _ingest(later, loaded)
    assert done.returncode != 0 and "unreadable lines" in done.stdout + done.stderr
    assert _held(loaded) == before


def test_withdrawing_an_id_the_extract_carries_stops_the_load(loaded: Path, tmp_path: Path, force_factory) -> None:  # type: ignore[no-untyped-def]
    before = _held(loaded)
    later = _force(force_factory).write(tmp_path / "later")
    (later / "withdrawn.csv").write_text("table,id\npeople,R4\n", encoding="utf-8")
    done = _ingest(later, loaded)
    assert done.returncode != 0 and "also carries" in done.stdout + done.stderr
    assert _held(loaded) == before


def test_a_partial_file_declared_complete_needs_consent_to_withdraw_most(loaded: Path, tmp_path: Path,
                                                                        force_factory) -> None:  # type: ignore[no-untyped-def]
    before = _held(loaded)
    later = _force(force_factory, with_carl=False).write(tmp_path / "later")
    (later / "incidents.csv").write_text("incident_id,occurred_at,recorded_at,offence,domestic_abuse,dash_risk,"
                                         "outcome,postcode\n", encoding="utf-8")
    (later / "involvements.csv").write_text("incident_id,record_id,role,relationship\n", encoding="utf-8")
    (later / "complete.csv").write_text("table\nincidents\n", encoding="utf-8")
    done = _ingest(later, loaded)
    assert done.returncode != 0 and "would withdraw 3 of the 3" in done.stdout + done.stderr
    assert _held(loaded) == before
    done = _ingest(later, loaded, "--allow-withdrawing-most")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not _held(loaded)["incidents"]

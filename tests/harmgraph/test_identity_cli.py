"""Entity resolution inside ingest, and analyst overrides through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from harmgraph.cli import app

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def twice_recorded_force(force_factory):
    """One suspect recorded twice in two systems; one victim recorded twice."""
    force = force_factory()
    force.person("N1", "John", "Smith", "M", date_of_birth="1985-03-12", postcode="NE1 4ST",
                 source_system="niche")
    force.person("A1", "JOHN", "SMITH", "M", date_of_birth="1985-03-12", postcode="NE14ST",
                 source_system="athena")
    force.person("V1", "Amy", "Clarke", "F", date_of_birth="1991-07-02", postcode="NE2 1AA")
    force.person("V2", "Amy", "Clarke", "F", date_of_birth="1991-07-02", postcode="NE2 1AA")
    force.person("W1", "Beth", "Owens", "F", date_of_birth="1979-11-30", postcode="DH1 3LE")
    force.incident("I1", "2026-01-05", "abh", "N1", ("V1",))
    force.incident("I2", "2026-03-05", "harassment", "A1", ("V2",))
    force.incident("I3", "2026-04-05", "common_assault", "A1", ("W1",))
    return force


def _persons(store: Path) -> pd.DataFrame:
    return pd.read_csv(pd.io.common.StringIO(_run("persons", "--store", str(store), "--reason", "test")), dtype=str)


def _top(store: Path) -> dict[str, object]:
    return json.loads(_run("rank", "--store", str(store), "--format", "json", "--reason", "test"))["rows"][0]


def test_records_of_one_person_are_counted_once_with_all_victims(tmp_path: Path, force_factory, cli_users) -> None:
    folder = twice_recorded_force(force_factory).write(tmp_path / "force")
    store = tmp_path / "store.duckdb"
    _run("ingest", str(folder), "--store", str(cli_users(store)))
    top = _top(store)
    assert top["record_ids"] == "A1;N1"
    assert top["frequency"] == 3
    assert top["victims"] == 2  # Amy Clarke recorded twice is one victim, Beth Owens the other


def test_unlink_and_link_survive_re_resolving(tmp_path: Path, force_factory, cli_users) -> None:
    folder = twice_recorded_force(force_factory).write(tmp_path / "force")
    store = tmp_path / "store.duckdb"
    _run("ingest", str(folder), "--store", str(cli_users(store)))
    _run("unlink", "N1", "A1", "--store", str(store), "--reason", "different men, checked PNC")
    _run("link", "V1", "W1", "--store", str(store), "--reason", "test of a must-link")
    for _ in range(2):  # the overrides hold on every later resolve
        groups = set(_persons(store)["record_ids"])
        assert "A1" in groups and "N1" in groups
        assert "V1;V2;W1" in groups
        _run("resolve", "--store", str(store))


def test_link_names_an_unknown_record(tmp_path: Path, force_factory, cli_users) -> None:
    folder = twice_recorded_force(force_factory).write(tmp_path / "force")
    store = tmp_path / "store.duckdb"
    _run("ingest", str(folder), "--store", str(cli_users(store)))
    result = runner.invoke(app, ["link", "N1", "NOPE", "--store", str(store)])
    assert result.exit_code != 0
    assert "NOPE" in str(result.exception) or "NOPE" in result.output


def test_a_force_resolution_config_is_read_and_a_bad_one_is_named(tmp_path: Path, force_factory, cli_users) -> None:
    folder = twice_recorded_force(force_factory).write(tmp_path / "x")
    store = tmp_path / "s.duckdb"
    _run("ingest", str(folder), "--store", str(cli_users(store)))
    assert len(_persons(store)) == 3  # John and Amy each merged by default
    # Nothing short of certainty is accepted now, so both pairs stay apart.
    strict = tmp_path / "strict.yaml"
    strict.write_text("match_threshold: 0.999999999999\n", encoding="utf-8")
    _run("resolve", "--store", str(store), "--resolution-config", str(strict))
    assert len(_persons(store)) == 5
    bad = tmp_path / "bad.yaml"
    bad.write_text("match_threshold: 2\nblocking_rulez: []\n", encoding="utf-8")
    result = runner.invoke(app, ["resolve", "--store", str(store), "--resolution-config", str(bad)])
    assert result.exit_code != 0
    assert "bad.yaml: invalid resolution config: match_threshold" in " ".join(str(result.exception).split())
    assert "blocking_rulez" in str(result.exception)


def test_the_access_log_of_a_person_follows_a_merge(tmp_path: Path, force_factory, cli_users,  # type: ignore[no-untyped-def]
                                                    monkeypatch) -> None:
    store = cli_users(tmp_path / "store.duckdb")
    force = force_factory()
    force.person("S1", "Steven", "Price", "M", date_of_birth="1984-05-05", postcode="NE1 1AA")
    force.person("S2", "Steve", "Pryce", "M", date_of_birth="1990-11-23", postcode="SR2 3AF")
    force.person("V1", "Amy", "Clarke", "F", date_of_birth="1991-07-02", postcode="NE2 1AA")
    force.incident("I1", "2026-01-05", "abh", "S1", ("V1",))
    force.incident("I2", "2026-03-05", "abh", "S2", ("V1",))
    _run("ingest", str(force.write(tmp_path / "force")), "--store", str(store))
    before = _persons(store).set_index("record_ids")["person_id"]
    _run("explain", before["S1"], "--store", str(store))
    _run("explain", before["S2"], "--store", str(store))
    _run("link", "S1", "S2", "--reason", "same custody photo", "--store", str(store))
    after = _persons(store).set_index("person_id")["record_ids"]
    survivor = next(pid for pid, records in after.items() if records == "S1;S2")
    gone = ({before["S1"], before["S2"]} - {survivor}).pop()

    monkeypatch.setenv("HARMGRAPH_USER", "admin")  # the access log is the admin's to read
    log = pd.read_csv(pd.io.common.StringIO(_run("audit", "--person", gone, "--format", "csv", "--last", "0",
                                                 "--store", str(store))), dtype=str)
    views = log[log["action"] == "view_person"]
    # Both views, each under the id it was written with, and the id they mean now.
    assert sorted(views["subject"]) == sorted([before["S1"], before["S2"]])
    assert set(views["person_now"]) == {survivor}

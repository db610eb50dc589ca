"""Contract round trip: generate a force -> ingest it -> rank it, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from harmgraph.cli import app

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def unfragmented_force(tmp_path_factory: pytest.TempPathFactory, cli_users) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("roundtrip")
    force, store = root / "force", root / "store.duckdb"
    _run("generate", str(force), "--people", "6000", "--seed", "11", "--no-fragmentation")
    _run("ingest", str(force), "--store", str(cli_users(store)), "--strict")
    return force, store


def test_a_generated_force_loads_with_nothing_quarantined(unfragmented_force: tuple[Path, Path]) -> None:
    force, store = unfragmented_force
    incidents = pd.read_csv(force / "incidents.csv", dtype=str)
    exported = _run("quarantine", "--store", str(store), "--reason", "test")
    assert exported.strip().splitlines() == ["load_id,file,row,column,reason,value"]
    ranked = json.loads(_run("rank", "--store", str(store), "--top", "5", "--format", "json", "--reason", "test"))
    assert ranked["provenance"]["store_version"] >= 1
    assert len(incidents) > 1000


def test_planted_serial_perpetrators_fill_the_top_of_the_list(unfragmented_force: tuple[Path, Path]) -> None:
    force, store = unfragmented_force
    truth = pd.read_csv(force / "ground_truth_people.csv", dtype=str)
    planted = set(truth.loc[truth["planted_serial"].str.lower() == "true", "record_id"])
    csv_text = _run("rank", "--store", str(store), "--top", "20", "--format", "csv", "--reason", "test")
    top = pd.read_csv(pd.io.common.StringIO(csv_text), dtype=str)
    assert list(top.columns) == ["rank", "person_id", "display_name", "record_ids", "forces", "score", "recency",
                                 "frequency", "gravity", "victims", "last_incident", "flags", "reasons", "order_reason"]
    share = top["record_ids"].isin(planted).mean()
    assert share >= 0.75, f"only {share:.0%} of the top 20 are planted serial perpetrators"


def test_the_different_victims_list_puts_multi_victim_perpetrators_first(
        unfragmented_force: tuple[Path, Path]) -> None:
    _, store = unfragmented_force
    ranked = json.loads(_run("rank", "--store", str(store), "--top", "10", "--format", "json",
                             "--list", "different-victims", "--reason", "test"))["rows"]
    victims = [row["victims"] for row in ranked]
    assert victims == sorted(victims, reverse=True) and victims[0] >= 2


def test_the_victim_lists_hold_women_and_girls_unless_all_victims_are_asked_for(
        unfragmented_force: tuple[Path, Path]) -> None:
    _, store = unfragmented_force

    def victims(*options: str) -> dict:
        return json.loads(_run("victims", "--store", str(store), "--top", "100000", "--format", "json", "--reason", "test", *options))

    default, everyone, girls = victims(), victims("--all-victims"), victims("--under-18")
    assert default["provenance"]["victims"] == "women and girls"
    assert default["rows"] and all(row["female"] for row in default["rows"])
    assert any(not row["female"] for row in everyone["rows"])
    women = {row["person_id"] for row in default["rows"]}
    assert women == {row["person_id"] for row in everyone["rows"] if row["female"]}
    assert girls["rows"] and all(row["female"] and row["under_18"] for row in girls["rows"])
    assert {row["person_id"] for row in girls["rows"]} < women
    csv_text = _run("victims", "--store", str(store), "--format", "csv", "--all-victims", "--reason", "test")
    assert csv_text.splitlines()[0] == "rank,person_id,display_name,record_ids,forces,score,offences,offenders,last_incident,flags,reasons"


def test_strict_ingest_exits_2_when_rows_are_quarantined(tmp_path: Path, force_factory, cli_users) -> None:
    force = force_factory()
    force.person("R1", "Ann", "Lee", "F")
    force.incident("I1", "2025-01-01", "no_such_offence")
    folder = force.write(tmp_path / "bad")
    result = runner.invoke(app, ["ingest", str(folder), "--store", str(cli_users(tmp_path / "s.duckdb")), "--strict"])
    assert result.exit_code == 2
    assert "1 row(s) quarantined" in result.output


def test_the_console_command_returns_the_exit_code_a_script_checks(tmp_path: Path, force_factory, cli_users) -> None:
    """Through the installed entry point (not CliRunner): a nightly job must see the failure."""
    import subprocess
    import sys

    force = force_factory()
    force.person("R1", "Ann", "Lee", "F")
    force.incident("I1", "2025-01-01", "no_such_offence")
    folder = force.write(tmp_path / "bad")
    command = [sys.executable, "-c", "from harmgraph.cli import main; main()"]
    store = str(cli_users(tmp_path / "s.duckdb"))
    strict = subprocess.run([*command, "ingest", str(folder), "--store", store, "--strict"],
                            capture_output=True, text=True)
    assert strict.returncode == 2, strict.stderr
    lenient = subprocess.run([*command, "ingest", str(folder), "--store", store], capture_output=True, text=True)
    assert lenient.returncode == 0, lenient.stderr
    unexplained = subprocess.run([*command, "rank", "--store", store, "-o", str(tmp_path / "x.csv")],
                                 capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert unexplained.returncode != 0 and "--reason" in unexplained.stderr
    assert not (tmp_path / "x.csv").exists()
    # A mistyped option is a one-line usage error with exit code 2, not a traceback.
    mistyped = subprocess.run([*command, "rank", "--store", store, "--no-such-option"], capture_output=True, text=True)
    assert mistyped.returncode == 2
    assert "No such option: --no-such-option" in mistyped.stderr and "Traceback" not in mistyped.stderr


def test_explain_prints_the_evidence_and_is_audit_logged(unfragmented_force: tuple[Path, Path]) -> None:
    _, store = unfragmented_force
    ranked = json.loads(_run("rank", "--store", str(store), "--top", "1", "--format", "json", "--reason", "test"))["rows"]
    person_id = ranked[0]["person_id"]
    text = _run("explain", person_id, "--store", str(store))
    assert "Score components (RFGV)" in text and ranked[0]["reasons"][:30] in " ".join(text.split())
    from graph.embedded import EmbeddedStore

    with EmbeddedStore(store) as opened:
        log = opened.audit_log()
    assert ((log["action"] == "view_person") & (log["subject"] == person_id)).any()


def test_explain_shows_a_persons_spells_in_custody(unfragmented_force: tuple[Path, Path]) -> None:
    _, store = unfragmented_force
    from graph.embedded import EmbeddedStore

    with EmbeddedStore(store) as opened:
        spells = opened.export_table("custody").merge(opened.clusters(), on="record_id")
    spell = spells.sort_values("start_date").iloc[0]  # the earliest: begun by any as-of date
    text = " ".join(_run("explain", str(spell["person_id"]), "--store", str(store)).split())
    assert "Custody (time held is not counted as time without offending)" in text
    assert str(spell["custody_id"]) in text


def test_persons_export_lists_every_record_once(unfragmented_force: tuple[Path, Path]) -> None:
    force, store = unfragmented_force
    persons = pd.read_csv(pd.io.common.StringIO(_run("persons", "--store", str(store), "--reason", "test")), dtype=str)
    assert list(persons.columns) == ["person_id", "display_name", "record_ids", "forces"]
    assert persons["forces"].isna().all()  # loaded without --force: no force is named
    records = persons["record_ids"].str.split(";").explode()
    people = pd.read_csv(force / "people.csv", dtype=str)
    assert sorted(records) == sorted(people["record_id"])

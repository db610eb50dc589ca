"""Regional loads: two forces with the same ids load into one store, qualified by force."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.errors import HarmgraphError
from graph.embedded import EmbeddedStore
from harmgraph.cli import app
from ingest.contract import TABLES
from ingest.force_ids import FORCE_SCOPED

MAN = {"forename": "Mark", "surname": "Hale", "sex": "M", "date_of_birth": "1980-02-03",
       "pnc_id": "2001/0012345A"}


def _force_a(force_factory):  # type: ignore[no-untyped-def]
    force = force_factory()
    force.person("R1", **MAN)
    force.person("R2", "Ann", "Reed", "F", date_of_birth="1985-05-06")
    force.person("R3", "Olly", "Stone", "M", date_of_birth="1970-01-01")  # this force's only
    force.person("R4", "Bea", "Wood", "F", date_of_birth="1990-07-08")
    force.incident("I1", "2026-01-05", "abh", "R1", ("R2",))
    force.incident("I2", "2026-02-05", "common_assault", "R1", ("R2",))
    force.incident("I3", "2026-03-01", "abh", "R3", ("R4",))
    force.measures.append({"measure_id": "M1", "type": "dvpo", "subject_record_id": "R1",
                           "protected_record_id": "R2", "start_date": "2026-01-10",
                           "breach_incident_ids": "I2; I9"})  # I9 is not in the extract
    return force


def _force_b(force_factory):  # type: ignore[no-untyped-def]
    force = force_factory()
    force.person("R1", **MAN)  # the same man, in this force's own id space
    force.person("R2", "Cara", "Lane", "F", date_of_birth="1992-09-10")
    force.incident("I1", "2026-02-20", "abh", "R1", ("R2",))
    force.involvements.append({"incident_id": "I1", "record_id": "R9", "role": "witness"})  # no R9
    return force


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def regional(tmp_path_factory, force_factory, cli_users) -> Path:  # type: ignore[no-untyped-def]
    tmp_path = tmp_path_factory.mktemp("region")
    store = cli_users(tmp_path / "region.duckdb")
    runner = CliRunner()
    a = _force_a(force_factory).write(tmp_path / "a")
    b = _force_b(force_factory).write(tmp_path / "b")
    # B says its people file is complete: that must not withdraw A's records.
    (b / "complete.csv").write_text("table\npeople\n", encoding="utf-8")
    for folder, code in ((a, "fa"), (b, "FB")):
        result = runner.invoke(app, ["ingest", str(folder), "--store", str(store), "--force", code],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return store


def test_two_forces_share_a_store_without_collisions(regional: Path) -> None:
    with EmbeddedStore(regional) as store:
        records = store.export_table("person_records")["record_id"].tolist()
        incidents = store.export_table("incidents")["incident_id"].tolist()
        breaches = store.export_table("measure_breaches")
        measures = store.export_table("measures")
        quarantine = store.export_table("quarantine")
    assert sorted(records) == ["FA:R1", "FA:R2", "FA:R3", "FA:R4", "FB:R1", "FB:R2"]
    assert sorted(incidents) == ["FA:I1", "FA:I2", "FA:I3", "FB:I1"]
    assert measures[["measure_id", "subject_record_id", "protected_record_id"]].values.tolist() == [
        ["FA:M1", "FA:R1", "FA:R2"]]
    assert breaches[["measure_id", "incident_id"]].values.tolist() == [["FA:M1", "FA:I2"]]
    # The dangling reference still names its file, row, column and the force's own id.
    bad = quarantine[quarantine["file"] == "involvements.csv"]
    assert bad[["row", "column", "value"]].values.tolist() == [[4, "record_id", "FB:R9"]]  # header, suspect, victim, this


def test_the_same_man_in_two_forces_is_one_person_listed_under_both(regional: Path) -> None:
    runner = CliRunner()

    def run(*args: str) -> list[dict[str, str]]:
        result = runner.invoke(app, [*args, "--store", str(regional), "--format", "csv", "--reason", "test"],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return _csv(result.stdout)

    persons = {row["record_ids"]: row for row in run("persons")}
    man = persons["FA:R1;FB:R1"]
    assert man["forces"] == "FA;FB"
    assert persons["FB:R2"]["forces"] == "FB"
    as_of = ["--as-of", "2026-04-01"]
    in_a = {row["person_id"]: row for row in run("rank", "--force", "FA", *as_of)}
    in_b = {row["person_id"]: row for row in run("rank", "--force", "fb", *as_of)}
    everyone = {row["person_id"]: row for row in run("rank", *as_of)}
    olly = persons["FA:R3"]["person_id"]
    assert set(in_a) == {man["person_id"], olly}
    assert set(in_b) == {man["person_id"]}
    assert everyone[man["person_id"]]["forces"] == "FA;FB"
    assert in_b[man["person_id"]]["rank"] == everyone[man["person_id"]]["rank"]  # the regional place
    victims_in_b = {row["record_ids"]: row["forces"] for row in run("victims", "--force", "FB", *as_of)}
    assert victims_in_b == {"FB:R2": "FB"}
    assert {"FA:R2", "FB:R2"} <= {row["record_ids"] for row in run("victims", *as_of)}


def test_a_bad_force_code_is_refused(tmp_path: Path, force_factory, cli_users) -> None:  # type: ignore[no-untyped-def]
    store = cli_users(tmp_path / "s.duckdb")
    folder = _force_b(force_factory).write(tmp_path / "b")
    result = CliRunner().invoke(app, ["ingest", str(folder), "--store", str(store), "--force", "N:B"])
    assert result.exit_code != 0
    assert isinstance(result.exception, HarmgraphError)
    assert "force code 'N:B' must be 2 to 8 letters or digits" in str(result.exception)
    with EmbeddedStore(store) as opened:
        assert opened.export_table("person_records").empty  # nothing was loaded


def test_every_id_column_but_the_pnc_is_force_scoped() -> None:
    """A new id column that refers to a record is qualified too (read from the contract)."""
    scoped = {(t, c) for t, columns in FORCE_SCOPED.items() for c in columns}
    ids = {(t.name, c.name) for t in TABLES for c in t.columns if c.kind.value in ("id", "id_list")}
    assert ids - scoped == {("people", "pnc_id")}


def test_the_same_files_loaded_for_another_force_are_a_new_load(tmp_path: Path, force_factory, catalogue) -> None:  # type: ignore[no-untyped-def]
    from core.forces import forces_of
    from ingest.load import ingest_folder

    folder = _force_b(force_factory).write(tmp_path / "b")
    with EmbeddedStore(tmp_path / "s.duckdb") as store:
        first = ingest_folder(folder, store, catalogue.keys, force="FA")
        second = ingest_folder(folder, store, catalogue.keys, force="fb")
        again = ingest_folder(folder, store, catalogue.keys, force="FA")
        persons = store.scoring_tables().persons
    assert not second.already_loaded and again.already_loaded and again.load_id == first.load_id
    forces = dict(zip(persons["record_ids"], forces_of(persons["record_ids"])))
    # The man's PNC is national: his two forces' records are one person; the women stay two.
    assert forces == {"FA:R1;FB:R1": "FA;FB", "FA:R2": "FA", "FB:R2": "FB"}

"""The neo4j-admin import files hold the store exactly: read back, and loaded into a Bolt server.

neo4j-admin is not installed here, so the files are checked twice without it: DuckDB reads
them by the importer's header conventions (``name:type``, ``:ID(space)``, ``:LABEL``,
``:START_ID``/``:END_ID``/``:TYPE``; an empty unquoted field is no property, ``""`` an empty
string) into the same nodes, relationships and values as the embedded store; and the values so
read are written over Bolt (plain ``UNWIND``) into the test server, where Neo4jStore must then
read every table, the version and the scoring tables exactly as the embedded store does.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from graph.decisions import MatacAction, MatacDecision, MatacMeeting
from graph.embedded import EmbeddedStore
from graph.import_files import (COMMAND_FILE, META_FILES, NODE_FILES, RELATIONSHIP_FILES, import_command,
                                write_import_files)
from graph.store import TABLE_COLUMNS
from core.errors import StoreError
from ingest.load import ingest_folder
from synth.generate import generate_force
from tests.graph.conftest import store_neutral

# Text the CSV layer must carry unchanged: quotes, commas, line breaks, a formula, emptiness.
AWKWARD = ['say "hi", then leave', "line\nbreak\r\nand more", "=HYPERLINK(\"x\")", "", "Zoë 山田 😀", "\\"]


@pytest.fixture(scope="module")
def source(tmp_path_factory, catalogue, cli_users):  # type: ignore[no-untyped-def]
    """An embedded store: a small generated force plus every bookkeeping table, awkward text included."""
    folder = tmp_path_factory.mktemp("import-files")
    generate_force(folder / "force", people=100, seed=7)
    path = folder / "store.duckdb"
    with EmbeddedStore(path) as store:
        ingest_folder(folder / "force", store, catalogue.keys)
        cli_users.into(store)
        records = store.person_records()["record_id"].tolist()
        for number, text in enumerate(AWKWARD):
            store.add_override("cannot_link", records[0], records[number + 1], "analyst", text,
                               datetime(2025, 1, 2, 3, 4, 5, 600_000 + number))
            store.record_audit("analyst", "view_person", records[number], text)
        person = store.export_table("persons")["person_id"].iloc[0]
        store.add_matac_decision(MatacDecision(
            person, date(2025, 3, 1), "adopt", AWKWARD[1], "chair", datetime(2025, 3, 1, 10),
            12.345678901234567, 3, date(2025, 2, 28), "v1", "abc"))
        store.add_matac_meeting(MatacMeeting(date(2025, 3, 1), "Police; Probation", AWKWARD[0], "chair",
                                             datetime(2025, 3, 1, 9)))
        store.add_matac_action(MatacAction("A-1", person, date(2025, 3, 1), "drive", "Police", None, "open",
                                           None, AWKWARD[2], "chair", datetime(2025, 3, 1, 10)))
    store = EmbeddedStore(path)
    yield store
    store.close()


@pytest.fixture(scope="module")
def files(source, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("out") / "neo4j-import"
    write_import_files(source, directory)
    return directory


def _value(kind: str, text: str | None) -> object:
    """One field as the importer reads it (None: no property)."""
    if text is None:
        return None
    parse = {"string": str, "long": int, "double": float, "boolean": lambda t: {"true": True, "false": False}[t],
             "date": date.fromisoformat, "localdatetime": datetime.fromisoformat}
    return parse[kind](text)


def read_import_file(path: Path) -> tuple[list[str], list[str], list[dict[str, object]]]:
    """(header, kinds, rows) of one import file, read by DuckDB with the importer's conventions."""
    relation = duckdb.sql(
        "SELECT * FROM read_csv(?, header = true, all_varchar = true, quote = '\"', escape = '\"', "
        "allow_quoted_nulls = false, delim = ',', auto_detect = false, columns = ?)",
        params=[str(path), _header_columns(path)])
    header = [column for column in relation.columns]
    kinds = [_kind(column) for column in header]
    rows = [{column: _value(kind, text) for column, kind, text in zip(header, kinds, row)}
            for row in relation.fetchall()]
    return header, kinds, rows


def _header_columns(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as source:
        return {column: "VARCHAR" for column in source.readline().rstrip("\n").split(",")}


def _kind(column: str) -> str:
    """The value type a header column names: ids, labels and types are strings."""
    name, _, kind = column.partition(":")
    return kind if kind and "(" not in kind and kind not in ("LABEL", "TYPE") else "string"


def _property(column: str) -> str:
    return column.partition(":")[0]


def test_every_node_file_reads_back_as_the_stored_rows(source, files) -> None:
    for spec in NODE_FILES:
        header, _, rows = read_import_file(files / spec.name)
        assert header[-1] == ":LABEL" and all(row[":LABEL"] == spec.label for row in rows)
        if spec.id_column:
            assert f"{spec.id_column}:ID({spec.label})" in header
        read = pd.DataFrame([{_property(c): row[c] for c in header[:-1]} for row in rows],
                            columns=list(spec.properties))
        stored = source.export_table(spec.table)
        expected = (stored[["postcode"]].dropna().drop_duplicates() if spec.label == "Location"
                    else stored[list(spec.properties)])
        assert len(read) == len(expected), spec.label
        pd.testing.assert_frame_equal(store_neutral(read), store_neutral(expected), obj=spec.label)
    # The awkward text came back character for character, the empty string as an empty string.
    _, _, overrides = read_import_file(files / "nodes_IdentityOverride.csv")
    assert sorted(row["reason:string"] for row in overrides) == sorted(AWKWARD)
    _, _, texts = read_import_file(files / META_FILES[0])
    _, _, numbers = read_import_file(files / META_FILES[1])
    assert texts == [{"key:ID(Meta)": "schema_version", "value:string": "1", ":LABEL": "Meta"}]
    assert numbers[0]["value:long"] == source.version() > 0


def test_every_relationship_file_reads_back_as_the_stored_links(source, files) -> None:
    counts = source.counts()
    read = {}
    for spec in RELATIONSHIP_FILES:
        header, _, rows = read_import_file(files / spec.name)
        assert header[:3] == [f":START_ID({spec.start})", f":END_ID({spec.end})", ":TYPE"]
        assert all(row[":TYPE"] == spec.rel_type for row in rows)
        read[spec.rel_type] = [tuple(row[c] for c in header if c != ":TYPE") for row in rows]
    involvements = source.export_table("involvements")
    roles = {"VICTIM_IN": "victim", "SUSPECT_IN": "suspect", "OFFENDER_IN": "offender", "WITNESS_IN": "witness"}
    for rel, role in roles.items():
        these = involvements[involvements["role"] == role]
        expected = [(r, i, None if pd.isna(x) else x)
                    for r, i, x in these[["record_id", "incident_id", "relationship"]].itertuples(index=False)]
        assert sorted(read[rel], key=str) == sorted(expected, key=str), rel
    assert sum(len(read[rel]) for rel in roles) == counts["involvements"] > 0
    clusters = source.clusters()
    assert sorted(read["RESOLVES_TO"]) == sorted(clusters.itertuples(index=False, name=None))
    assert len(read["RESOLVES_TO"]) == counts["record_person"]
    incidents = source.export_table("incidents").dropna(subset=["postcode"])
    assert sorted(read["OCCURRED_AT"]) == sorted(incidents[["incident_id", "postcode"]].itertuples(index=False, name=None))
    assert len(read["BREACHED_BY"]) == counts["measure_breaches"]


def _load_over_bolt(files: Path, uri: str, auth: tuple[str, str], database: str | None) -> None:
    """Write the files' nodes and relationships with plain UNWIND (labels from our own fixed list)."""
    from neo4j import GraphDatabase

    keys = {spec.label: spec.id_column for spec in NODE_FILES} | {"Meta": "key"}
    node_files = [(spec.label, spec.name) for spec in NODE_FILES] + [("Meta", name) for name in META_FILES]
    with GraphDatabase.driver(uri, auth=auth) as driver, driver.session(database=database) as session:
        for label, name in node_files:
            header, _, rows = read_import_file(files / name)
            properties = [{_property(c): row[c] for c in header if c != ":LABEL" and row[c] is not None}
                          for row in rows]
            key = keys[label]
            statement = (f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row.{key}}}) SET n = row" if key
                         else f"UNWIND $rows AS row CREATE (n:{label}) SET n = row")
            session.execute_write(lambda tx, s=statement, p=properties: tx.run(s, rows=p).consume())
        for spec in RELATIONSHIP_FILES:
            header, _, rows = read_import_file(files / spec.name)
            extra = [c for c in header[3:]]
            assign = "".join(f" SET x.{_property(c)} = row.{_property(c)}" for c in extra)
            statement = (f"UNWIND $rows AS row MATCH (a:{spec.start} {{{keys[spec.start]}: row.start}}) "
                         f"MATCH (b:{spec.end} {{{keys[spec.end]}: row.end}}) CREATE (a)-[x:{spec.rel_type}]->(b)"
                         + assign)
            links = [{"start": row[header[0]], "end": row[header[1]], **{_property(c): row[c] for c in extra}}
                     for row in rows]
            session.execute_write(lambda tx, s=statement, p=links: tx.run(s, rows=p).consume())


def test_the_files_loaded_into_a_bolt_server_are_the_same_store(source, files, neo4j_store, bolt_server) -> None:
    _load_over_bolt(files, bolt_server["uri"], (bolt_server["user"], bolt_server["password"] or ""),
                    bolt_server["database"])
    assert neo4j_store.counts() == source.counts()
    assert neo4j_store.version() == source.version()
    for table in TABLE_COLUMNS:
        pd.testing.assert_frame_equal(store_neutral(neo4j_store.export_table(table)),
                                      store_neutral(source.export_table(table)), obj=table, check_dtype=False)
    left, right = neo4j_store.scoring_tables(), source.scoring_tables()
    for name in ("incidents", "roles", "persons", "measures", "breaches", "referrals", "custody"):
        pd.testing.assert_frame_equal(getattr(left, name), getattr(right, name), obj=name)


def test_the_command_names_every_file_and_the_database(files) -> None:
    command = import_command(files, "vawg")
    assert command.startswith("neo4j-admin database import full vawg")
    named = {spec.name for spec in NODE_FILES} | {spec.name for spec in RELATIONSHIP_FILES} | set(META_FILES)
    for name in named:
        assert f"{files / name}" in command
    assert sorted(p.name for p in files.glob("*.csv")) == sorted(named)
    assert (files / COMMAND_FILE).read_text(encoding="utf-8").count("--nodes=") == len(NODE_FILES) + len(META_FILES)
    assert oct((files / "nodes_PersonRecord.csv").stat().st_mode & 0o777) == "0o600"


def test_a_directory_already_holding_files_is_refused(source, files) -> None:
    with pytest.raises(StoreError, match="already holds CSV files"):
        write_import_files(source, files)

"""CSV files for ``neo4j-admin database import full``: the first load of a large force, offline.

Loading a force of millions of rows over Bolt takes many minutes; neo4j-admin writes the same
graph straight into the store files of a new, empty database in a fraction of that. This module
lays a store (any GraphStore: usually the embedded one a first ingest built) out as the files the
importer reads: one node file per label and one relationship file per type, each with its own
header, giving exactly the graph ``Neo4jStore`` would have written (graph/cypher.py).

Header conventions (neo4j-admin's): ``record_id:ID(PersonRecord)`` is a node's id in the
``PersonRecord`` id space, also stored as the ``record_id`` property; ``:LABEL`` is its label;
``:START_ID(PersonRecord)``, ``:END_ID(Incident)`` and ``:TYPE`` make a relationship; every
property column names its type (``occurred_at:localdatetime``, ``date_of_birth:date``,
``n_records:long``, ``match_weight:double``, ``domestic_abuse:boolean``, ``forename:string``).
A missing value is an empty, unquoted field (no property, as Neo4jStore leaves it); a string
is always quoted, doubling any quote inside it, so an empty string stays an empty string and a
line break stays inside its field (the command passes ``--multiline-fields=true``).

These are machine import files, not exports for people: values are written exactly as stored,
without the Excel guard harmgraph's human-facing exports add to text starting with ``=``, ``+``,
``-`` or ``@`` (a guard would change the data the database receives).
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from graph.cypher import ROLE_TYPES
from graph.neo4j_store import (BOOL_COLUMNS, DATE_COLUMNS, DATETIME_COLUMNS, FLOAT_COLUMNS,
                               INT_COLUMNS, SCHEMA_VERSION)
from graph.store import TABLE_COLUMNS, GraphStore
from core.errors import StoreError

IMPORT_DATABASE = "harmgraph"
COMMAND_FILE = "neo4j-admin-import.sh"


@dataclass(frozen=True)
class NodeFile:
    """One label's nodes: rows of a stored table, with ``id_column`` as the id (None: no id)."""

    label: str
    table: str
    properties: tuple[str, ...]
    id_column: str | None = None

    @property
    def name(self) -> str:
        return f"nodes_{self.label}.csv"


@dataclass(frozen=True)
class RelationshipFile:
    """One relationship type: rows of ``table`` joining ``start_column`` to ``end_column``."""

    rel_type: str
    table: str
    start: str
    start_column: str
    end: str
    end_column: str
    properties: tuple[str, ...] = ()
    role: str | None = None  # involvements: only this role's rows

    @property
    def name(self) -> str:
        return f"relationships_{self.rel_type}.csv"


def _columns(table: str, *dropped: str) -> tuple[str, ...]:
    return tuple(c for c in TABLE_COLUMNS[table] if c not in dropped)


# The graph Neo4jStore writes (graph/cypher.py), label by label and type by type.
NODE_FILES: tuple[NodeFile, ...] = (
    NodeFile("PersonRecord", "person_records", _columns("person_records"), "record_id"),
    NodeFile("Incident", "incidents", _columns("incidents"), "incident_id"),
    NodeFile("Location", "incidents", ("postcode",), "postcode"),
    NodeFile("Measure", "measures", _columns("measures", "subject_record_id", "protected_record_id"),
             "measure_id"),
    NodeFile("Referral", "referrals", _columns("referrals", "record_id"), "referral_id"),
    NodeFile("Custody", "custody", _columns("custody", "record_id"), "custody_id"),
    NodeFile("Person", "persons", _columns("persons"), "person_id"),
    NodeFile("IdentityLink", "identity_links", _columns("identity_links")),
    NodeFile("IdentityOverride", "identity_overrides", _columns("identity_overrides")),
    NodeFile("PersonIdEvent", "person_lineage", _columns("person_lineage")),
    NodeFile("ReviewItem", "identity_review", _columns("identity_review")),
    NodeFile("Load", "loads", _columns("loads"), "load_id"),
    NodeFile("QuarantinedRow", "quarantine", _columns("quarantine")),
    NodeFile("LoadWarning", "load_warnings", _columns("load_warnings")),
    NodeFile("AuditEntry", "audit_log", _columns("audit_log")),
    NodeFile("User", "users", _columns("users"), "name"),
    NodeFile("MatacDecision", "matac_decisions", _columns("matac_decisions"), "decision_id"),
    NodeFile("MatacMeeting", "matac_meetings", _columns("matac_meetings"), "meeting_id"),
    NodeFile("MatacAction", "matac_actions", _columns("matac_actions"), "entry_id"),
    NodeFile("MatacReferral", "matac_referrals", _columns("matac_referrals"), "referral_id"),
)
RELATIONSHIP_FILES: tuple[RelationshipFile, ...] = (
    RelationshipFile("OCCURRED_AT", "incidents", "Incident", "incident_id", "Location", "postcode"),
    *(RelationshipFile(rel, "involvements", "PersonRecord", "record_id", "Incident", "incident_id",
                       ("relationship",), role) for role, rel in ROLE_TYPES.items()),
    RelationshipFile("RESTRICTS", "measures", "Measure", "measure_id", "PersonRecord", "subject_record_id"),
    RelationshipFile("PROTECTS", "measures", "Measure", "measure_id", "PersonRecord", "protected_record_id"),
    RelationshipFile("BREACHED_BY", "measure_breaches", "Measure", "measure_id", "Incident", "incident_id"),
    RelationshipFile("ABOUT", "referrals", "Referral", "referral_id", "PersonRecord", "record_id"),
    RelationshipFile("HELD", "custody", "Custody", "custody_id", "PersonRecord", "record_id"),
    RelationshipFile("RESOLVES_TO", "record_person", "PersonRecord", "record_id", "Person", "person_id"),
)
# (:Meta {key, value}): the schema version is text and the change counter a number, so each
# has its own file (a column has one type).
META_FILES = ("nodes_Meta_text.csv", "nodes_Meta_number.csv")


def property_type(column: str, series: pd.Series) -> str:
    """The neo4j-admin type of a stored column: the kinds Neo4jStore writes, else by dtype.

    >>> property_type("occurred_at", pd.Series([], dtype="datetime64[us]"))
    'localdatetime'
    >>> property_type("forename", pd.Series(["Ann"]))
    'string'
    """
    if column in DATE_COLUMNS:
        return "date"
    if column in DATETIME_COLUMNS:
        return "localdatetime"
    if column in INT_COLUMNS:
        return "long"
    if column in FLOAT_COLUMNS:
        return "double"
    if column in BOOL_COLUMNS:
        return "boolean"
    kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else ""
    return {"i": "long", "u": "long", "f": "double", "b": "boolean"}.get(kind, "string")


def _text_field(series: pd.Series) -> pd.Series:
    quoted = '"' + series.astype("string").str.replace('"', '""', regex=False) + '"'
    return quoted.fillna("")


def _float_text(value: object) -> str:
    return "" if value is None or pd.isna(value) else repr(float(value))  # type: ignore[arg-type]


def format_column(kind: str, series: pd.Series) -> pd.Series:
    """One column as CSV fields of ``kind`` (text, missing values empty and unquoted)."""
    series = series.reset_index(drop=True)
    if kind == "string":
        return _text_field(series)
    if kind in ("date", "localdatetime"):
        stamps = pd.to_datetime(series)
        pattern = "%Y-%m-%d" if kind == "date" else "%Y-%m-%dT%H:%M:%S.%f"
        return stamps.dt.strftime(pattern).astype("string").fillna("")
    if kind == "long":
        return series.astype("Int64").astype("string").fillna("")
    if kind == "boolean":
        return series.astype("boolean").map({True: "true", False: "false"}).astype("string").fillna("")
    return series.astype(object).map(_float_text).astype("string")


def _write_csv(path: Path, header: list[str], fields: list[pd.Series]) -> int:
    """Write ``header`` and the rows the ``fields`` columns make; returns the rows written."""
    rows = len(fields[0]) if fields else 0
    lines = fields[0].str.cat(fields[1:], sep=",") if rows else pd.Series([], dtype="string")
    with path.open("w", encoding="utf-8", newline="") as sink:
        sink.write(",".join(header) + "\n")
        for line in lines:
            sink.write(line + "\n")
    path.chmod(0o600)  # the whole store in plain text: only its owner reads it
    return rows


def _constant(value: str, rows: int) -> pd.Series:
    return pd.Series([value] * rows, dtype="string")


def _node_rows(spec: NodeFile, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frame = tables[spec.table]
    if spec.label == "Location":
        return frame[["postcode"]].dropna().drop_duplicates().reset_index(drop=True)
    return frame[list(spec.properties)].reset_index(drop=True)


def _relationship_rows(spec: RelationshipFile, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frame = tables[spec.table]
    if spec.role is not None:
        frame = frame[frame["role"] == spec.role]
    columns = [spec.start_column, spec.end_column, *spec.properties]
    frame = frame[columns].dropna(subset=[spec.start_column, spec.end_column])
    if spec.table == "measure_breaches":
        frame = frame.drop_duplicates()  # the store holds one BREACHED_BY per pair
    return frame.reset_index(drop=True)


def _write_node_file(directory: Path, spec: NodeFile, frame: pd.DataFrame) -> int:
    header, fields = [], []
    for column in spec.properties:
        kind = property_type(column, frame[column])
        header.append(f"{column}:ID({spec.label})" if column == spec.id_column else f"{column}:{kind}")
        fields.append(format_column(kind, frame[column]))
    header.append(":LABEL")
    fields.append(_constant(spec.label, len(frame)))
    return _write_csv(directory / spec.name, header, fields)


def _write_relationship_file(directory: Path, spec: RelationshipFile, frame: pd.DataFrame) -> int:
    header = [f":START_ID({spec.start})", f":END_ID({spec.end})", ":TYPE"]
    fields = [_text_field(frame[spec.start_column]), _text_field(frame[spec.end_column]),
              _constant(spec.rel_type, len(frame))]
    for column in spec.properties:
        kind = property_type(column, frame[column])
        header.append(f"{column}:{kind}")
        fields.append(format_column(kind, frame[column]))
    return _write_csv(directory / spec.name, header, fields)


def _write_meta_files(directory: Path, version: int) -> None:
    text, number = META_FILES
    _write_csv(directory / text, ["key:ID(Meta)", "value:string", ":LABEL"],
               [_text_field(pd.Series(["schema_version"])), _text_field(pd.Series([SCHEMA_VERSION])),
                _constant("Meta", 1)])
    _write_csv(directory / number, ["key:ID(Meta)", "value:long", ":LABEL"],
               [_text_field(pd.Series(["version"])), format_column("long", pd.Series([version])),
                _constant("Meta", 1)])


def write_import_files(store: GraphStore, directory: Path) -> dict[str, int]:
    """Write ``store`` into ``directory`` as neo4j-admin import files; returns rows per file.

    The directory is created (only its owner may read it) and must hold no CSV files yet.
    """
    check_new_directory(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    tables = {table: store.export_table(table) for table in
              {spec.table for spec in NODE_FILES} | {spec.table for spec in RELATIONSHIP_FILES}}
    written: dict[str, int] = {}
    for node in NODE_FILES:
        written[node.name] = _write_node_file(directory, node, _node_rows(node, tables))
    for relationship in RELATIONSHIP_FILES:
        written[relationship.name] = _write_relationship_file(
            directory, relationship, _relationship_rows(relationship, tables))
    _write_meta_files(directory, store.version())
    written.update({name: 1 for name in META_FILES})
    command = directory / COMMAND_FILE
    command.write_text("#!/bin/sh\n# Run on the Neo4j server, with the database stopped and not yet created.\n"
                       + import_command(directory) + "\n", encoding="utf-8")
    command.chmod(0o700)
    return written


def check_new_directory(directory: Path) -> None:
    """Refuse a directory that already holds CSV files (the importer would read them too)."""
    clashing = sorted(p.name for p in directory.glob("*.csv")) if directory.is_dir() else []
    if clashing:
        raise StoreError(f"{directory} already holds CSV files ({', '.join(clashing[:3])}...): "
                         "write the import files into a new directory")


def import_command(directory: Path, database: str = IMPORT_DATABASE) -> str:
    """The neo4j-admin command that imports the files in ``directory`` into a new ``database``.

    >>> print(import_command(Path("/srv/import"), "vawg").splitlines()[0])
    neo4j-admin database import full vawg \\
    """
    folder = Path(os.path.abspath(directory))
    files = ([f"--nodes={shlex.quote(str(folder / spec.name))}" for spec in NODE_FILES]
             + [f"--nodes={shlex.quote(str(folder / name))}" for name in META_FILES]
             + [f"--relationships={shlex.quote(str(folder / spec.name))}" for spec in RELATIONSHIP_FILES])
    options = ["--id-type=string", "--multiline-fields=true", "--overwrite-destination=false"]
    return " \\\n  ".join([f"neo4j-admin database import full {shlex.quote(database)}", *options, *files])

"""Hostile text goes through as data, never as code (issue 7, item 3).

Names and ids carrying quotes, SQL and Cypher fragments, backslashes, unicode, NUL bytes and
spreadsheet formulas are loaded with ``harmgraph ingest`` into the embedded store and come out
unchanged through ``rank``, ``explain`` and ``persons``; nothing is dropped. The CSV and XLSX
exports are opened (csv module, openpyxl) to check that every text cell a spreadsheet would run
as a formula (=, +, -, @, tab, CR) starts with a quote, and that numbers, negative ones
included, stay numbers. The same force on the Neo4j store: tests/graph/test_injection_neo4j.py.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from harmgraph.export import FORMULA_STARTS, to_csv

HARMGRAPH = str(Path(sys.executable).parent / "harmgraph")
HOSTILE = [
    "O'Brien",
    "'; DROP TABLE persons; --",
    'Robert"); DROP TABLE person_records; --',
    '"}) MATCH (n) DETACH DELETE n //',
    "x' OR '1'='1",
    "back\\slash\\",
    "\\'; MATCH (n) RETURN n; //",
    "Zoë 李小龙 🙂",
    "nul\x00byte",
    '=HYPERLINK("http://evil.example","click")',
    "+44 7700 900000",
    "-2+3",
    "@SUM(A1:A9)",
    "{{7*7}} ${jndi:ldap://x}",
]
HOSTILE_IDS = ["R'1", 'R"2', "R;3--", "R\\4", "R{5}", "=R6", "-R7"]


def hostile_force(force_factory):  # type: ignore[no-untyped-def]
    """Every hostile string as a forename and a surname of a perpetrator with two victims."""
    force = force_factory()
    for number, name in enumerate(HOSTILE):
        suspect = HOSTILE_IDS[number % len(HOSTILE_IDS)] + f"-{number}"
        force.person(suspect, name, name, "M", ethnicity=name)
        for victim_number in (1, 2):
            # Two plainly different women (names a keying error apart with nothing else
            # recorded could be one woman, and would count once).
            victim = force.person(f"V{number}-{victim_number}", ("Alice", "Beth")[victim_number - 1],
                                  f"{name} Victim", "F")
            force.incident(f"I{number}-{victim_number}", f"2025-0{victim_number}-1{number % 9}",
                           "common_assault", suspect, (victim,), domestic_abuse="Y")
    return force


def display_name(forename: str, surname: str) -> str:
    """How harmgraph shows a person: 'Forename SURNAME' (ingest/identity.py)."""
    return f"{forename.strip().title()} {surname.strip().upper()}".strip()


def spreadsheet_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _run(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([HARMGRAPH, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "250", "TERM": "dumb"})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def test_hostile_names_round_trip_through_ingest_store_rank_explain_and_persons(
        tmp_path: Path, force_factory, cli_users) -> None:  # type: ignore[no-untyped-def]
    folder = hostile_force(force_factory).write(tmp_path / "extract")
    store = cli_users(tmp_path / "store.duckdb")
    _run("ingest", str(folder), "--store", str(store), "--strict")

    with EmbeddedStore(store) as opened:
        counts = opened.counts()
        records = opened.person_records().set_index("record_id")
        persons = opened.scoring_tables().persons
    assert counts["person_records"] == 3 * len(HOSTILE) and counts["quarantine"] == 0
    assert counts["incidents"] == 2 * len(HOSTILE) and counts["involvements"] == 4 * len(HOSTILE)
    assert counts["persons"] == 3 * len(HOSTILE)
    for number, name in enumerate(HOSTILE):
        record_id = HOSTILE_IDS[number % len(HOSTILE_IDS)] + f"-{number}"
        assert records.at[record_id, "forename"] == name.strip()
        assert records.at[record_id, "surname"] == name.strip()
        assert records.at[record_id, "ethnicity"] == name.strip()
    by_record = persons.set_index("record_ids")

    # rank: CSV opened with the csv module
    rank_csv = tmp_path / "rank.csv"
    rank_csv.write_text(_run("rank", "--store", str(store), "--top", "100", "--format", "csv", "--reason", "test").stdout,
                        encoding="utf-8")
    with rank_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(HOSTILE)  # every hostile perpetrator is ranked, none dropped
    shown = {row["person_id"]: row for row in rows}
    for number, name in enumerate(HOSTILE):
        record_id = HOSTILE_IDS[number % len(HOSTILE_IDS)] + f"-{number}"
        person_id = by_record.at[record_id, "person_id"]
        row = shown[person_id]
        assert row["display_name"] == spreadsheet_safe(display_name(name, name))
        assert row["record_ids"] == spreadsheet_safe(record_id)
        assert float(row["score"]) > 0 and int(row["victims"]) == 2
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS), (column, cell)

    # rank as JSON carries the names unchanged (JSON is not a spreadsheet)
    done = _run("rank", "--store", str(store), "--top", "100", "--format", "json", "--reason", "test")
    names = {row["display_name"] for row in json.loads(done.stdout)["rows"]}
    assert names == {display_name(n, n) for n in HOSTILE}

    # persons export
    persons_csv = tmp_path / "persons.csv"
    persons_csv.write_text(_run("persons", "--store", str(store), "--format", "csv", "--reason", "test").stdout, encoding="utf-8")
    with persons_csv.open(newline="", encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == 3 * len(HOSTILE)
    assert {r["display_name"] for r in exported} >= {spreadsheet_safe(display_name(n, n)) for n in HOSTILE}

    # explain: each hostile person's evidence prints, with the name
    for number, name in enumerate(HOSTILE[:6]):
        record_id = HOSTILE_IDS[number % len(HOSTILE_IDS)] + f"-{number}"
        done = _run("explain", str(by_record.at[record_id, "person_id"]), "--store", str(store))
        assert display_name(name, name).split()[0] in done.stdout.replace("\n", "")

    with EmbeddedStore(store) as opened:  # nothing was executed: every table is still whole
        after = opened.counts()
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in counts.items() if k != "audit_log"}


RISKY = ["=1+1", "+1", "-1+1", "@x", "\tTab", "\rCR", "=cmd|' /C calc'!A0", "ok", "", None]


def _risky_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "display_name": pd.Series(RISKY, dtype="object"),
        "reasons": pd.Series([f"{v}" for v in RISKY], dtype="string"),
        "score": [-1.5, 0.0, 2.25, -100.0, 3.0, 4.0, 5.0, 6.0, 7.0, -0.001],
        "victims": pd.Series([-1, 0, 1, 2, 3, 4, 5, 6, 7, -8], dtype="int64"),
        "last_incident": pd.to_datetime(["2025-01-01"] * 10),
    })


def test_the_csv_export_neutralises_formulas_and_keeps_negative_numbers(tmp_path: Path) -> None:
    frame = _risky_frame()
    path = tmp_path / "export.csv"
    path.write_text(to_csv(frame), encoding="utf-8")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row, original in zip(rows, frame.itertuples(index=False)):
        for column in ("display_name", "reasons"):
            value = getattr(original, column)
            text = "" if value is None or pd.isna(value) else str(value)
            if text.startswith(FORMULA_STARTS):
                assert row[column] == "'" + text, (column, row[column])
            else:
                assert row[column] == text
        assert float(row["score"]) == original.score  # a negative number is data, not a formula
        assert int(row["victims"]) == original.victims
        assert row["last_incident"] == "2025-01-01"


def test_the_xlsx_export_neutralises_formulas_and_keeps_numbers_numeric(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from harmgraph.ui.format import xlsx_bytes

    frame = _risky_frame()
    prov = {"list": "=evil()", "as_of": "2025-01-01", "config_version": "-1", "config_fingerprint": "@x"}
    path = tmp_path / "export.xlsx"
    path.write_bytes(xlsx_bytes(frame, prov))
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for excel_row, original in zip(sheet.iter_rows(min_row=2), frame.itertuples(index=False)):
        cells = dict(zip(header, excel_row))
        for column in ("display_name", "reasons"):
            value = getattr(original, column)
            cell = cells[column]
            assert cell.data_type != "f", (column, cell.value)  # never stored as a formula
            if value is None or pd.isna(value) or value == "":
                continue
            expected = "'" + value if str(value).startswith(FORMULA_STARTS) else value
            # (XML stores a CR as a line break: compare with CR read back as LF)
            assert cell.value == expected.replace("\r", "\n"), (column, cell.value)
        assert cells["score"].data_type == "n" and cells["score"].value == original.score
        assert cells["victims"].data_type == "n" and cells["victims"].value == original.victims
    for row in book["provenance"].iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f" and not str(cell.value).startswith(FORMULA_STARTS), cell.value

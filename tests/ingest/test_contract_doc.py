"""docs/data-contract.md and the contract as code say the same thing.

The page is parsed (its headings and the markdown table under each) and compared both ways
with ingest/contract.py, the offence catalogue's columns and required keys, and the output
columns of the lists and exports: a file, column, required flag, type, reference or code that
is in one and not the other fails here, naming what to add where.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.embedded import EmbeddedStore
from graph.store import ISSUE_TABLE_COLUMNS
from harmgraph.cli import app
from ingest.contract import PERPETRATOR_ROLES, TABLES, TABLES_BY_NAME, ColumnKind, Table
from ingest.load import ingest_folder
from scoring.catalogue import FLAG_COLUMNS, REQUIRED_KEYS, default_catalogue_path
from scoring.lists import PERPETRATOR_COLUMNS, VICTIM_COLUMNS

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"
REQUIRED = {"yes": (True, False), "yes, may be empty": (True, True), "no": (False, False)}


@dataclass
class Section:
    """One heading of the page: its text and the rows of the first table under it."""

    title: str
    text: str
    header: list[str]
    rows: list[dict[str, str]]

    def column(self, name: str) -> list[str]:
        return [row[name] for row in self.rows]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _plain(cell: str) -> str:
    return cell.replace("`", "").strip()


def parse(text: str) -> dict[str, Section]:
    """Every ``##``/``###`` section by its title (backticks removed).

    >>> doc = parse("## A\\nintro\\n\\n| x | y |\\n|---|---|\\n| `1` | two |\\n### B `c`\\nno table\\n")
    >>> doc["A"].rows, doc["B c"].rows
    ([{'x': '1', 'y': 'two'}], [])
    """
    sections: dict[str, Section] = {}
    title, lines = "", []

    def close() -> None:
        if not title:
            return
        assert title not in sections, f"docs/data-contract.md has two sections called {title!r}"
        table = _first_table(lines)
        header = [_plain(c) for c in _cells(table[0])] if table else []
        rows = []
        for line in table[2:]:
            cells = _cells(line)
            assert len(cells) == len(header), f"section {title!r}: row {line!r} has {len(cells)} cells, header {len(header)}"
            rows.append(dict(zip(header, (_plain(c) for c in cells))))
        sections[title] = Section(title, "\n".join(lines), header, rows)

    for line in text.splitlines():
        heading = re.match(r"^#{2,3} (.+)$", line)
        if heading:
            close()
            title, lines = _plain(heading.group(1)), []
        else:
            lines.append(line)
    close()
    return sections


def _first_table(lines: list[str]) -> list[str]:
    table: list[str] = []
    for line in lines:
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    return table


@pytest.fixture(scope="module")
def doc() -> dict[str, Section]:
    return parse(DOC.read_text(encoding="utf-8"))


def section(doc: dict[str, Section], title: str, header: list[str] | None = None) -> Section:
    assert title in doc, f"docs/data-contract.md has no section '{title}'"
    found = doc[title]
    if header is not None:
        assert found.header == header, f"section '{title}': table header {found.header}, expected {header}"
    return found


def _same(documented: list[str], in_code: list[str], what: str) -> None:
    missing = [x for x in in_code if x not in documented]
    extra = [x for x in documented if x not in in_code]
    assert not missing, f"{what}: in the code but not in docs/data-contract.md: {missing}"
    assert not extra, f"{what}: in docs/data-contract.md but not in the code: {extra}"
    assert len(set(documented)) == len(documented), f"{what}: listed twice in docs/data-contract.md"
    assert documented == in_code, f"{what}: docs/data-contract.md lists them in another order than the code"


# --- input files -------------------------------------------------------------------------------
def test_every_input_file_is_documented(doc: dict[str, Section]) -> None:
    files = section(doc, "Input files", ["file", "file required", "key", "one row per"])
    _same(files.column("file"), [t.name for t in TABLES], "input files")
    for row in files.rows:
        table = TABLES_BY_NAME[row["file"]]
        assert row["file required"] == ("no" if table.optional_file else "yes"), f"file {table.name}: file required"
        assert row["key"] == table.key, f"file {table.name}: key"
    described = sorted(title.removeprefix("File ") for title in doc if title.startswith("File "))
    assert described == sorted(t.name for t in TABLES), "a 'File ...' section for each input file, no other"


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_every_column_is_documented(doc: dict[str, Section], table: Table) -> None:
    columns = section(doc, f"File {table.name}",
                      ["column", "type", "required", "refers to", "meaning", "bad value"])
    _same(columns.column("column"), table.column_names, f"columns of {table.name}")
    for row in columns.rows:
        column = table.column(row["column"])
        where = f"{table.name}.{column.name}"
        assert row["type"] == column.kind.value, f"{where}: type"
        assert row["required"] in REQUIRED, f"{where}: required must be one of {list(REQUIRED)}"
        assert REQUIRED[row["required"]] == (column.required, column.may_be_empty), f"{where}: required"
        assert row["refers to"] == (column.references or ""), f"{where}: refers to"
        assert row["meaning"], f"{where}: meaning is empty"
        # A broken rule quarantines the row exactly when the column is required
        # (ingest/validate.py); a column that may be blank has no rule a row can break.
        quarantines = column.required and not column.may_be_empty
        assert ("row quarantined" in row["bad value"]) == quarantines, f"{where}: bad value"


def test_every_value_type_is_documented(doc: dict[str, Section]) -> None:
    types = section(doc, "Value types", ["type", "written as", "unreadable value"])
    _same(types.column("type"), [kind.value for kind in ColumnKind], "value types")


# --- code lists --------------------------------------------------------------------------------
CODE_COLUMNS = [(t, c) for t in TABLES for c in t.columns if c.kind is ColumnKind.CODE]


@pytest.mark.parametrize(("table", "column"), CODE_COLUMNS, ids=lambda x: x.name)
def test_every_code_is_documented(doc: dict[str, Section], table: Table, column) -> None:  # type: ignore[no-untyped-def]
    title = f"Codes of {table.name}.{column.name}"
    if not column.codes:  # the offence keys: the catalogue's, not a list in the contract
        codes = section(doc, title)
        assert not codes.rows, f"'{title}' lists codes, but the contract takes them from the catalogue"
        assert "scoring/offence_catalogue.csv" in codes.text, f"'{title}' must name the catalogue file"
        return
    codes = section(doc, title, ["code", "meaning"])
    _same(codes.column("code"), list(column.codes), f"codes of {table.name}.{column.name}")
    assert all(codes.column("meaning")), f"'{title}': a code without a meaning"


def test_no_code_list_without_a_code_column(doc: dict[str, Section]) -> None:
    documented = sorted(title.removeprefix("Codes of ") for title in doc if title.startswith("Codes of "))
    assert documented == sorted(f"{t.name}.{c.name}" for t, c in CODE_COLUMNS)


def test_perpetrator_roles_say_so(doc: dict[str, Section]) -> None:
    roles = section(doc, "Codes of involvements.role", ["code", "meaning"])
    perpetrators = [row["code"] for row in roles.rows if "perpetrator" in row["meaning"]]
    assert perpetrators == list(PERPETRATOR_ROLES)


# --- the offence catalogue ---------------------------------------------------------------------
def test_catalogue_columns_are_documented(doc: dict[str, Section]) -> None:
    columns = section(doc, "Catalogue columns", ["column", "type", "required", "meaning"])
    in_code = ["offence", "label", "harm_days", *FLAG_COLUMNS, "source"]
    _same(columns.column("column"), in_code, "offence catalogue columns")
    with default_catalogue_path().open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle)) == in_code, "the shipped catalogue's header"
    optional = [row["column"] for row in columns.rows if row["required"] == "no"]
    assert optional == ["source"]
    flags = [row["column"] for row in columns.rows if row["type"] == "bool"]
    assert flags == list(FLAG_COLUMNS)


def test_required_offence_keys_are_documented(doc: dict[str, Section]) -> None:
    keys = section(doc, "Keys every catalogue must hold", ["key", "offence"])
    _same(sorted(keys.column("key")), sorted(REQUIRED_KEYS), "offence keys every catalogue must hold")


# --- outputs -----------------------------------------------------------------------------------
OUTPUT_HEADER = ["column", "meaning"]


def test_list_columns_are_documented(doc: dict[str, Section]) -> None:
    _same(section(doc, "Output harmgraph rank", OUTPUT_HEADER).column("column"), PERPETRATOR_COLUMNS,
          "columns of the offender lists (scoring.lists.PERPETRATOR_COLUMNS)")
    _same(section(doc, "Output harmgraph victims", OUTPUT_HEADER).column("column"), VICTIM_COLUMNS,
          "columns of the repeat-victim lists (scoring.lists.VICTIM_COLUMNS)")
    _same(section(doc, "Output harmgraph quarantine", OUTPUT_HEADER).column("column"), ISSUE_TABLE_COLUMNS,
          "columns of the quarantine export (graph.store.ISSUE_TABLE_COLUMNS)")


def test_exports_write_the_documented_columns(doc: dict[str, Section], tmp_path: Path, force_factory,  # type: ignore[no-untyped-def]
                                              catalogue, cli_users) -> None:
    """The real commands' CSV headers, on a tiny force with one bad row."""
    force = force_factory()
    force.person("S1", "Sam", "Stone", "M")
    force.person("V1", "Val", "Vine", "F")
    force.incident("I1", "2026-01-05", "abh", "S1", ("V1",))
    force.incident("I2", "2026-02-05", "no_such_offence", "S1", ("V1",))  # quarantined
    store = tmp_path / "store.duckdb"
    with EmbeddedStore(store) as opened:
        ingest_folder(force.write(tmp_path / "extract"), opened, catalogue.keys)
    cli_users(store)
    runner = CliRunner()
    for command, title in ((["rank", "--format", "csv"], "Output harmgraph rank"),
                           (["victims", "--format", "csv"], "Output harmgraph victims"),
                           (["persons", "--format", "csv"], "Output harmgraph persons"),
                           (["quarantine"], "Output harmgraph quarantine")):
        result = runner.invoke(app, [*command, "--store", str(store), "--reason", "test"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert len(lines) >= 2, f"harmgraph {command[0]} wrote no rows: {result.stdout!r}"
        header = next(csv.reader([lines[0]]))
        _same(section(doc, title, OUTPUT_HEADER).column("column"), header,
              f"columns harmgraph {command[0]} writes")

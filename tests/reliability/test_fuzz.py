"""Property-based fuzzing of every input file (issue 7, item 2).

Hypothesis writes contract files full of trouble: malformed, impossible, future and pre-1900
dates, wrong types, unknown offence keys and codes, dangling references, duplicate ids with
other content, exact repeats, lines with the wrong number of fields, blank lines, BOMs, CRLF,
quoted everything, shuffled/upper-case/extra columns, huge cells, NUL bytes and any unicode;
and whole-file problems: empty files, missing or repeated required columns, Latin-1 bytes.

Every generated row is labelled *good* (must load, content intact), *bad* (must be in the
quarantine at its spreadsheet row, with a reason) or *repeat* (an exact repeat, merged).
Properties, for every case:

* every bad row is quarantined with file, row and a reason, and no other row is;
* no good row is lost, and its values arrive as written (trimmed, codes normalised);
* a bad value in an optional column is blanked with a warning, and only such values warn;
* a whole-file problem stops with an IngestError naming the file; nothing else is raised.

The bulk (about 10,000 cases) fuzzes read + parse + validate + duplicate checks of one file
in-process; a few hundred cases run the full ``ingest_folder`` into a DuckDB store across all
five files (references, cascades, quarantine and load record); one CLI run checks that a bad
file ends in a one-sentence error, not a traceback.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from graph.embedded import EmbeddedStore
from core.errors import HarmgraphError, IngestError
from ingest.contract import TABLES_BY_NAME, ColumnKind, Table
from ingest.load import _check_duplicates, _check_rules, ingest_folder
from ingest.parse import parse_table
from ingest.read import ROW, read_table
from ingest.validate import Rules
from scoring.catalogue import load_catalogue

NOW = datetime(2026, 1, 1, 12, 0, 0)
OFFENCES = tuple(sorted(load_catalogue().keys))
RULES = Rules(now=NOW, offence_keys=frozenset(OFFENCES))
TABLE_NAMES = ("people", "incidents", "involvements", "measures", "referrals")
# Cases per test. The per-file tests run once per table, so the total is
# 5 * (READ_CASES + FILE_CASES) + LOAD_CASES = 10,000. pandera's validation costs ~40 ms a
# file, so most cases stop after read + parse (~10 ms). HARMGRAPH_FUZZ_SCALE multiplies all.
_SCALE = float(os.environ.get("HARMGRAPH_FUZZ_SCALE", "1"))
READ_CASES = int(1500 * _SCALE)
FILE_CASES = int(450 * _SCALE)
LOAD_CASES = int(250 * _SCALE)

# No shrinking: a failure is reported at once with the file, row and cells in the message.
_FUZZ = dict(deadline=None, database=None, derandomize=True, print_blob=True,
             phases=[Phase.explicit, Phase.generate],
             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                    HealthCheck.function_scoped_fixture])

# --- cell strategies -----------------------------------------------------------------------
ID_ALPHABET = st.characters(categories=("L", "N"), include_characters="-_/.'\"`=+@#()[]{}")
TEXT = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=24),
    st.sampled_from(["nan", "None", "NULL", "NA", "N/A", "#N/A", "=1+1", "-5", "0", "true",
                     "O'Brien", 'say "hi"', "a,b;c", "Zoë Ærøskøbing", "李小龙", "\x00"]),
    st.text(st.sampled_from("ab, \"'\n\r\t;"), max_size=12),
)
HUGE = st.integers(min_value=140_000, max_value=200_000).map(lambda n: "h" * n)
POSTCODES = ("NE1 4ST", "sw1a 1aa", "SR37PE", "b1 1bb", "M1 1AE", "  dh1 3le  ", "W1A0AX", "EC1A 1BB")
BAD_POSTCODES = ("NOT A POSTCODE", "12345", "NE1 4ST X", "?", "AAAA")
BAD_DATES = ("2020-13-01", "2020-02-30", "31/12/2020", "12/31/2020", "yesterday", "today", "now",
             "2020-01-01T25:00:00", "0000-00-00", "20-01-01", "2020-W01", "abc", "NaT", "nan",
             "1e10", "2020-01-01T10:00:00+99:00", "-2020-01-01", "2020‐01‐01")
OUT_OF_RANGE = ("1899-12-31", "1850-06-01", "1066-10-14", "2030-01-01", "2999-12-31T00:00:00")
FUTURE_CHECKED = {"date_of_birth", "occurred_at", "recorded_at", "date", "start_date"}


def _case_noise(draw: st.DrawFn, code: str) -> str:
    """A valid code as a human might type it: any case, spaces around it."""
    shaped = draw(st.sampled_from([code, code.upper(), code.lower(), code.title()]))
    return draw(st.sampled_from(["", " ", "  "])) + shaped + draw(st.sampled_from(["", " "]))


def _valid_date(draw: st.DrawFn, kind: ColumnKind) -> tuple[str, pd.Timestamp]:
    day = draw(st.dates(min_value=date(1900, 1, 2), max_value=NOW.date() - timedelta(days=1)))
    if kind is ColumnKind.DATE:
        shape = draw(st.sampled_from(["%Y-%m-%d", "%Y-%m-%dT00:00:00", "%Y-%m-%d 00:00:00"]))
        return day.strftime(shape), pd.Timestamp(day)
    moment = datetime.combine(day, datetime.min.time()) + timedelta(
        seconds=draw(st.integers(min_value=0, max_value=86_399)))
    shape = draw(st.sampled_from(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
                                  "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S+00:00"]))
    if shape == "%Y-%m-%d":
        moment = datetime.combine(day, datetime.min.time())
    return moment.strftime(shape), pd.Timestamp(moment)


# --- rows ----------------------------------------------------------------------------------
@dataclass
class Entry:
    """One generated line of a file and what must become of it."""

    kind: str  # good | bad | repeat | blank
    cells: dict[str, str] = field(default_factory=dict)
    fields: list[str] | None = None  # a line with the wrong number of fields
    expected: dict[str, object] = field(default_factory=dict)  # column -> parsed value (NA = blank)
    warned: set[str] = field(default_factory=set)  # optional columns that must be blanked + warned
    why: str = ""
    row: int = 0  # the spreadsheet row it lands on (header = 1)


@dataclass
class Refs:
    """Ids a row may point at (full loads: the good ids of the other files)."""

    records: list[str]
    incidents: list[str]
    dangling_ok: bool = True  # per-file mode: references are not checked


def _fresh_id(draw: st.DrawFn, prefix: str, number: int) -> str:
    return f"{prefix}{number}:" + draw(st.text(ID_ALPHABET, max_size=6))


def _value(draw: st.DrawFn, table: Table, name: str, refs: Refs, entry: Entry, may_warn: bool) -> None:
    """Fill one non-key cell of a row that must load."""
    column = table.column(name)
    kind = column.kind
    blank_ok = not column.required or column.may_be_empty
    if blank_ok and draw(st.integers(0, 4)) == 0:
        entry.cells[name] = draw(st.sampled_from(["", " ", "\t"]))
        entry.expected[name] = pd.NA
        return
    if may_warn and not column.required and column.references and not refs.dangling_ok \
            and column.kind is ColumnKind.ID and draw(st.integers(0, 5)) == 0:
        entry.cells[name] = "missing-" + draw(st.text(ID_ALPHABET, min_size=1, max_size=5))
        entry.expected[name] = pd.NA
        entry.warned.add(name)  # an optional reference that is not loaded: blanked, warned
        return
    has_rule = kind in (ColumnKind.DATE, ColumnKind.TIMESTAMP, ColumnKind.CODE, ColumnKind.BOOL, ColumnKind.NUMBER) \
        or name == "postcode"
    if may_warn and not column.required and has_rule and draw(st.integers(0, 5)) == 0:
        entry.cells[name] = _bad_optional(draw, name, kind)
        entry.expected[name] = pd.NA
        entry.warned.add(name)
        return
    if name == "postcode":
        raw = draw(st.sampled_from(POSTCODES))
        entry.cells[name], entry.expected[name] = raw, raw.upper().replace(" ", "")
    elif kind is ColumnKind.CODE:
        codes = OFFENCES if name == "offence" else column.codes
        code = draw(st.sampled_from(codes))
        # an older extract's code is read as the code that replaced it ("family" -> "other_family")
        entry.cells[name], entry.expected[name] = _case_noise(draw, code), dict(column.aliases).get(code, code)
    elif kind is ColumnKind.BOOL:
        word, truth = draw(st.sampled_from([("true", True), ("1", True), ("Y", True), ("yes", True),
                                            ("false", False), ("0", False), ("n", False), ("NO", False)]))
        entry.cells[name], entry.expected[name] = _case_noise(draw, word), truth
    elif kind in (ColumnKind.DATE, ColumnKind.TIMESTAMP):
        entry.cells[name], entry.expected[name] = _valid_date(draw, kind)
    elif kind is ColumnKind.NUMBER:
        number = draw(st.integers(0, 600)) / draw(st.sampled_from([1, 2, 4]))
        entry.cells[name] = draw(st.sampled_from(["", " "])) + f"{number:g}"
        entry.expected[name] = number
    elif name in ("subject_record_id", "protected_record_id") or (name == "record_id" and table.name != "people"):
        chosen = draw(st.sampled_from(refs.records))
        entry.cells[name], entry.expected[name] = chosen, chosen
    elif name == "incident_id" and table.name == "involvements":
        chosen = draw(st.sampled_from(refs.incidents))
        entry.cells[name], entry.expected[name] = chosen, chosen
    elif kind is ColumnKind.ID_LIST:
        chosen = draw(st.lists(st.sampled_from(refs.incidents), min_size=1, max_size=3, unique=True))
        entry.cells[name] = draw(st.sampled_from([";", "; ", " ;"])).join(chosen)
        entry.expected[name] = entry.cells[name].strip()
    else:  # free text or an id that references nothing
        raw = draw(HUGE) if draw(st.integers(0, 60)) == 0 else draw(TEXT)
        entry.cells[name] = raw
        entry.expected[name] = raw.strip() if raw.strip() else pd.NA
        if not raw.strip() and not blank_ok:
            entry.cells[name] = "x" + raw
            entry.expected[name] = ("x" + raw).strip()


def _bad_optional(draw: st.DrawFn, name: str, kind: ColumnKind) -> str:
    if name == "postcode":
        return draw(st.sampled_from(BAD_POSTCODES))
    if kind in (ColumnKind.DATE, ColumnKind.TIMESTAMP):
        choices = BAD_DATES + ((OUT_OF_RANGE if name in FUTURE_CHECKED else OUT_OF_RANGE[:3]))
        return draw(st.sampled_from(choices))
    if kind is ColumnKind.BOOL:
        return draw(st.sampled_from(["maybe", "2", "ja", "truthy", "-"]))
    if kind is ColumnKind.NUMBER:
        return draw(st.sampled_from(["twelve", "-3", "1e3", "inf", "12 months", "1,5"]))
    return draw(st.sampled_from(["bogus", "unknown_code", "Q", "male", "9", "victim;suspect"]))


def good_entry(draw: st.DrawFn, table: Table, number: int, refs: Refs, used_keys: set) -> Entry:
    entry = Entry(kind="good")
    key_columns = table.key.split(",")
    for name in table.column_names:
        if name in key_columns and table.name != "involvements":
            entry.cells[name] = entry.expected[name] = _fresh_id(draw, table.name[0].upper(), number)
        else:
            _value(draw, table, name, refs, entry, may_warn=True)
    key = tuple(entry.expected[k] for k in key_columns)
    if key in used_keys:  # an involvement triple already used: make it another role's
        return Entry(kind="skip")
    used_keys.add(key)
    return entry


def _required_breakers(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.required and not c.may_be_empty]


def bad_entry(draw: st.DrawFn, table: Table, number: int, refs: Refs, goods: list[Entry],
              present: list[str]) -> tuple[Entry, int]:
    """A row that must be quarantined, and the earliest position it may take (for duplicates)."""
    base = good_entry(draw, table, 10_000 + number, refs, set())
    base.warned, base.kind = set(), "bad"
    required = [c for c in table.columns if c.required]
    choices = ["blank_required", "field_count"]
    if any(c.kind in (ColumnKind.DATE, ColumnKind.TIMESTAMP) for c in required):
        choices.append("bad_date")
    if any(c.kind is ColumnKind.CODE for c in required):
        choices.append("unknown_code")
    if goods:
        choices.append("duplicate")
    if not refs.dangling_ok and any(c.references for c in required):
        choices.append("dangling")
    how = draw(st.sampled_from(choices))
    first = 0
    if how == "blank_required":
        column = draw(st.sampled_from(_required_breakers(table)))
        base.cells[column] = draw(st.sampled_from(["", "  ", "\t"]))
    elif how == "bad_date":
        dated = [c.name for c in table.columns if c.required and c.kind in (ColumnKind.DATE, ColumnKind.TIMESTAMP)]
        if not dated:
            return bad_entry(draw, table, number, refs, goods, present)
        column = draw(st.sampled_from(dated))
        base.cells[column] = draw(st.sampled_from(BAD_DATES + OUT_OF_RANGE))
    elif how == "unknown_code":
        coded = [c.name for c in table.columns if c.required and c.kind is ColumnKind.CODE]
        column = draw(st.sampled_from(coded))
        allowed = set(OFFENCES) | {c for col in table.columns for c in col.codes}
        base.cells[column] = draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=12).filter(
            lambda t: t.strip() and t.strip().lower() not in allowed))
    elif how == "field_count":
        values = [base.cells[c] for c in table.column_names]
        if draw(st.booleans()):
            values += draw(st.lists(TEXT, min_size=1, max_size=3))
        else:
            values = values[: draw(st.integers(1, len(values) - 1))]
            values[0] = values[0] or "x"  # not a blank line
        base.fields = values
        base.why = "field count"
        return base, first
    elif how == "dangling":
        referencing = [c.name for c in table.columns if c.required and c.references]
        if not referencing:
            return bad_entry(draw, table, number, refs, goods, present)
        column = draw(st.sampled_from(referencing))
        base.cells[column] = "missing-" + draw(st.text(ID_ALPHABET, min_size=1, max_size=5))
    else:  # the same key as an earlier good row, other content
        changeable = [c for c in present if c not in table.key.split(",")]
        if not changeable:
            return bad_entry(draw, table, number, refs, [], present)
        first = draw(st.integers(0, len(goods) - 1))
        original = goods[first]
        base.cells = dict(original.cells)
        base.expected = dict(original.expected)
        changed = draw(st.sampled_from(changeable))
        previous = original.expected.get(changed)
        previous = None if previous is pd.NA else previous
        column = table.column(changed)
        if column.kind is ColumnKind.CODE:
            read_as = dict(column.aliases)  # an older code is read as its replacement: not a change
            options = [c for c in (OFFENCES if changed == "offence" else column.codes)
                       if read_as.get(c, c) != previous]
            base.cells[changed] = draw(st.sampled_from(options))
        elif column.kind in (ColumnKind.DATE, ColumnKind.TIMESTAMP):
            stamp = previous
            other = (stamp - timedelta(days=1)) if isinstance(stamp, pd.Timestamp) else pd.Timestamp("1990-01-01")
            base.cells[changed] = other.strftime("%Y-%m-%d")
        elif column.kind is ColumnKind.BOOL:
            base.cells[changed] = "false" if previous is True else "true"
        elif changed == "postcode":
            base.cells[changed] = "ZZ9 9ZZ" if previous != "ZZ99ZZ" else "YY9 9YY"
        elif column.references or column.kind is ColumnKind.ID_LIST:
            pool = refs.incidents if column.kind is ColumnKind.ID_LIST else refs.records
            options = [r for r in pool if r != previous]
            if not options:
                return bad_entry(draw, table, number, refs, goods, present)
            base.cells[changed] = draw(st.sampled_from(options))
        else:
            base.cells[changed] = str(previous or "") + "-changed"
        base.why = f"duplicate of {first}"
        return base, first + 1
    base.why = how
    return base, first


# --- files ---------------------------------------------------------------------------------
@dataclass
class FileCase:
    table: Table
    data: bytes
    entries: list[Entry]
    fatal: str | None  # a whole-file problem: IngestError expected
    present: list[str]  # columns written


def _line(writer_args: dict, values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, **writer_args).writerow(values)
    return buffer.getvalue()


def _reads_as_rows(text: str, width: int) -> bool:
    """Whether a written row has, after its first line, a line that reads as a whole row by
    itself. The reader cannot tell such a row from one whose unclosed quote swallowed the next
    and sets it aside (tests/reliability/test_no_silent_loss.py): this fuzz keeps clear of it."""
    later = [line.removesuffix("\r").replace("\r", " ") for line in text.split("\n")[1:]]
    return any(line.strip() and len(next(csv.reader([line]))) == width for line in later)


def _flatten(entry: Entry) -> None:
    """The entry's line breaks inside cells become '_' (cells and expected values alike)."""
    for column, cell in list(entry.cells.items()):
        if "\n" in cell:
            entry.cells[column] = cell.replace("\n", "_")
            if column in entry.expected and column not in entry.warned:
                entry.expected[column] = entry.cells[column].strip() or pd.NA


def file_case(draw: st.DrawFn, table: Table, refs: Refs, allow_fatal: bool = True,
              max_rows: int = 6) -> FileCase:
    # columns: required ones always (unless the case drops one), optional ones maybe
    present = [c.name for c in table.columns
               if c.required or draw(st.integers(0, 5)) > 0]
    used: set = set()
    goods: list[Entry] = []
    for number in range(draw(st.integers(0, max_rows))):
        entry = good_entry(draw, table, number, refs, used)
        if entry.kind == "good":
            goods.append(entry)
    placed: list[tuple[int, int, Entry]] = [(position, 0, e) for position, e in enumerate(goods)]
    for number in range(draw(st.integers(0, 3))):
        bad, earliest = bad_entry(draw, table, number, refs, goods, present)
        placed.append((draw(st.integers(earliest, len(goods))), 1, bad))
    for _ in range(draw(st.integers(0, 2)) if goods else 0):
        original = draw(st.integers(0, len(goods) - 1))
        repeat = Entry(kind="repeat", cells=dict(goods[original].cells))
        placed.append((draw(st.integers(original + 1, len(goods))), 1, repeat))
    for _ in range(draw(st.integers(0, 2)) if draw(st.integers(0, 3)) == 0 else 0):
        placed.append((draw(st.integers(0, len(goods))), 1, Entry(kind="blank")))
    entries = [e for _, _, e in sorted(placed, key=lambda p: (p[0], p[1]))]
    for number, entry in enumerate(entries, start=2):
        entry.row = number

    fatal = None
    fatal_kind = draw(st.sampled_from(["none"] * 12 + ["empty", "missing_column", "latin1", "repeated_column"])) \
        if allow_fatal else "none"
    if fatal_kind == "missing_column":
        dropped = draw(st.sampled_from(table.required_columns))
        present = [c for c in present if c != dropped]
        fatal = "required column(s) missing"
    if draw(st.booleans()):
        present = draw(st.permutations(present))
    extra = ["notes"] if draw(st.integers(0, 4)) == 0 else []
    header = [draw(st.sampled_from([c, c.upper(), f" {c} ", c.title()])) for c in present] + extra
    if fatal_kind == "repeated_column":
        header.append(draw(st.sampled_from(table.required_columns)).upper())
        fatal = "more than once"
    # (csv.writer leaves a lone \r unquoted when lines end in \n alone: quote everything then)
    writer_args = draw(st.sampled_from([{"lineterminator": "\r\n", "quoting": csv.QUOTE_MINIMAL},
                                        {"lineterminator": "\r\n", "quoting": csv.QUOTE_ALL},
                                        {"lineterminator": "\n", "quoting": csv.QUOTE_ALL}]))
    width = len(header)
    lines = [_line(writer_args, header)]
    for entry in entries:
        if entry.kind == "blank":
            lines.append(writer_args["lineterminator"])
        elif entry.fields is not None:
            fields = list(entry.fields)
            if len(fields) == width:  # the case dropped columns: keep the count wrong
                fields.append("extra")
            if _reads_as_rows(_line(writer_args, fields), width):
                fields = [f.replace("\n", "_") for f in fields]
            lines.append(_line(writer_args, fields))
        else:
            def written() -> str:
                values = [entry.cells.get(c, "") for c in present] + ["junk"] * len(extra)
                return _line(writer_args, values + ([""] if fatal_kind == "repeated_column" else []))
            if _reads_as_rows(written(), width):
                _flatten(entry)
            lines.append(written())
    for entry in entries:  # columns left out of the file are unknown
        for column in set(entry.expected) - set(present):
            if not table.column(column).required:
                entry.expected[column] = pd.NA
                entry.warned.discard(column)
    text = "".join(lines)
    if fatal_kind == "empty":
        data, fatal = draw(st.sampled_from([b"", b"\n", b"  \r\n", b"\xef\xbb\xbf"])), "is empty"
    elif fatal_kind == "latin1":
        text += _line(writer_args, ["Zoë Ærø"] * width)
        data, fatal = text.encode("latin-1", errors="replace"), "not valid UTF-8"
    else:
        data = (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode("utf-8")
    return FileCase(table=table, data=data, entries=entries, fatal=fatal, present=present)


# --- checking ------------------------------------------------------------------------------
def _same(actual: object, expected: object) -> bool:
    if expected is pd.NA:
        return actual is None or pd.isna(actual)
    if actual is None or (not isinstance(actual, str) and pd.isna(actual)):
        return False
    if isinstance(expected, pd.Timestamp):
        return pd.Timestamp(actual) == expected.normalize() or pd.Timestamp(actual) == expected
    if isinstance(expected, str):
        return str(actual).strip() == expected.strip()
    return actual == expected


def check_table(case: FileCase, typed: pd.DataFrame, quarantine: pd.DataFrame,
                warnings: pd.DataFrame, file: str) -> None:
    """The properties of one file's outcome (typed = rows that load, with their row numbers)."""
    def where(entry: Entry) -> str:
        return f"{file} row {entry.row} ({entry.kind} {entry.why}): {entry.cells or entry.fields}"

    assert (quarantine["file"] == file).all()
    assert quarantine["reason"].map(lambda r: isinstance(r, str) and len(r) > 5).all(), quarantine
    bad_rows = {e.row for e in case.entries if e.kind == "bad"}
    good = {e.row: e for e in case.entries if e.kind == "good"}
    quarantined = set(quarantine["row"].astype(int))
    missing = bad_rows - quarantined
    assert not missing, ("not quarantined: " + "; ".join(where(e) for e in case.entries if e.row in missing)
                         + f"\nfile: {case.data[:2000]!r}\n{quarantine.to_string()}")
    wrongly = quarantined - bad_rows
    assert not wrongly, ("good rows quarantined: " + "; ".join(where(e) for e in case.entries if e.row in wrongly)
                         + "\n" + quarantine.to_string())
    loaded = dict(zip(typed[ROW], typed.to_dict("records")))
    lost = set(good) - set(loaded)
    assert not lost, "good rows lost: " + "; ".join(where(good[r]) for r in lost)
    extra = set(loaded) - set(good)
    assert not extra, f"rows loaded that should not be: {extra}"
    for row, entry in good.items():
        for column, expected in entry.expected.items():
            actual = loaded[row][column]
            assert _same(actual, expected), f"{where(entry)}: {column} = {actual!r}, expected {expected!r}"
    warned = {(int(r), c) for r, c in zip(warnings["row"], warnings["column"])}
    for row, entry in good.items():
        for column in entry.warned:
            assert (row, column) in warned, f"{where(entry)}: no warning for {column}"
        unexpected = {c for r, c in warned if r == row} - entry.warned
        assert not unexpected, f"{where(entry)}: valid values warned: {unexpected}\n{warnings.to_string()}"


def _write(folder: Path, name: str, data: bytes) -> None:
    (folder / f"{name}.csv").write_bytes(data)


_PER_FILE_REFS = Refs(records=["R1", "R2", "R 3", "Ř4"], incidents=["I1", "I2", "I-3"])


def _file_cases(table: Table) -> st.SearchStrategy[FileCase]:
    @st.composite
    def cases(draw: st.DrawFn) -> FileCase:
        return file_case(draw, table, _PER_FILE_REFS)

    return cases()


# --- 1. one file: read + parse (the bulk of the cases) ------------------------------------
@pytest.mark.parametrize("name", TABLE_NAMES)
def test_every_line_of_one_file_is_read_at_its_row_or_reported(name: str, tmp_path: Path) -> None:
    """Reading: whole-file problems are errors naming the file; a line with the wrong number
    of fields is reported at its row; every other line arrives at its row, cells intact."""
    table = TABLES_BY_NAME[name]
    folder = tmp_path / "extract"
    folder.mkdir()
    strategy = _file_cases(table)

    @settings(max_examples=READ_CASES, **_FUZZ)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(strategy)
        _write(folder, name, case.data)
        try:
            raw = read_table(folder, table)
        except IngestError as exc:
            assert case.fatal is not None, f"unexpected whole-file error: {exc}"
            assert f"{name}.csv" in str(exc) and case.fatal in str(exc), str(exc)
            return
        assert case.fatal is None, f"whole-file problem not reported: {case.fatal}"
        assert raw is not None and raw.file == f"{name}.csv"
        short_or_long = {e.row for e in case.entries if e.fields is not None}
        assert set(raw.unreadable_rows["row"]) == short_or_long, (raw.unreadable_rows, case.data[:2000])
        assert raw.unreadable_rows["reason"].str.contains("fields, header has").all()
        lines = {e.row: e for e in case.entries if e.kind != "blank" and e.fields is None}
        assert list(raw.frame[ROW]) == sorted(lines), (list(raw.frame[ROW]), case.data[:2000])
        typed, problems = parse_table(table, raw.frame)
        by_row = dict(zip(raw.frame[ROW], raw.frame.to_dict("records")))
        parsed = dict(zip(typed[ROW], typed.to_dict("records")))
        for row, entry in lines.items():
            for column in table.column_names:
                cell = entry.cells.get(column, "") if column in case.present else ""
                assert by_row[row][column] == cell.strip(), (row, column, by_row[row][column], cell)
            if entry.kind != "good":
                continue
            for column, expected in entry.expected.items():
                if column in entry.warned or column == "postcode":  # checked by validation
                    continue
                assert _same(parsed[row][column], expected), (row, column, parsed[row][column], expected)
        flagged = {(int(typed.at[p, ROW]), c) for p, c in zip(problems["position"], problems["column"])}
        for (row, column) in flagged:  # only unreadable cells are flagged
            entry = lines[row]
            assert entry.kind != "good" or column in entry.warned, (row, column, entry.cells.get(column))

    run()


# --- 2. one file: read + parse + validate + duplicates ------------------------------------


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_every_row_of_one_file_is_loaded_or_quarantined(name: str, tmp_path: Path) -> None:
    table = TABLES_BY_NAME[name]
    folder = tmp_path / "extract"
    folder.mkdir()
    strategy = _file_cases(table)

    @settings(max_examples=FILE_CASES, **_FUZZ)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(strategy)
        _write(folder, name, case.data)
        try:
            raw = read_table(folder, table)
            assert raw is not None
            checked = _check_rules(raw, RULES)
            _check_duplicates(checked)
        except IngestError as exc:
            assert case.fatal is not None, f"unexpected whole-file error: {exc}"
            assert f"{name}.csv" in str(exc) and case.fatal in str(exc), str(exc)
            return
        assert case.fatal is None, f"whole-file problem not reported: {case.fatal}"
        check_table(case, checked.typed, checked.issues("quarantine"), checked.issues("warnings"),
                    f"{name}.csv")

    run()


# --- 3. the whole load, all five files, into a real store -----------------------------------
@dataclass
class ForceCase:
    files: dict[str, FileCase]
    fatal_file: str | None


@st.composite
def force_case(draw: st.DrawFn) -> ForceCase:
    people = file_case(draw, TABLES_BY_NAME["people"], Refs([], [], dangling_ok=False), allow_fatal=False)
    good_records = [e.expected["record_id"] for e in people.entries if e.kind == "good"]
    incidents = file_case(draw, TABLES_BY_NAME["incidents"], Refs([], [], dangling_ok=False), allow_fatal=False)
    good_incidents = [e.expected["incident_id"] for e in incidents.entries if e.kind == "good"]
    # rows that point at quarantined incidents must be quarantined too (a cascade)
    bad_incidents = [e.cells.get("incident_id", "").strip() for e in incidents.entries
                     if e.kind == "bad" and e.fields is None and e.why != "blank_required"
                     and not e.why.startswith("duplicate")]
    files = {"people": people, "incidents": incidents}
    if good_records and good_incidents:
        refs = Refs(good_records, good_incidents, dangling_ok=False)
        for name in ("involvements", "measures", "referrals"):
            if name in ("measures", "referrals") and draw(st.integers(0, 3)) == 0:
                continue  # optional files may be absent
            files[name] = file_case(draw, TABLES_BY_NAME[name], refs, allow_fatal=False)
        involvements = files["involvements"]
        for bad_incident in bad_incidents:
            if bad_incident and good_records and draw(st.booleans()):
                entry = Entry(kind="bad", why="cascade", cells={
                    "incident_id": bad_incident, "record_id": good_records[0], "role": "victim"})
                entry.row = len(involvements.entries) + 2
                involvements.entries.append(entry)
                involvements.data += _line({"lineterminator": "\n"}, [
                    entry.cells.get(c, "") for c in involvements.present]).encode("utf-8")
    else:  # nothing to point at: an involvements file with a header only
        files["involvements"] = FileCase(TABLES_BY_NAME["involvements"],
                                         b"incident_id,record_id,role\n", [], None,
                                         ["incident_id", "record_id", "role"])
    fatal_file = None
    if draw(st.integers(0, 9)) == 0:  # one file is broken as a whole: the load must stop
        fatal_file = draw(st.sampled_from(sorted(files)))
        files[fatal_file] = FileCase(TABLES_BY_NAME[fatal_file], draw(st.sampled_from(
            [b"", "id;name\nZo\xeb".encode("latin-1"), b"whatever,columns\n1,2\n"])), [], "any", [])
    return ForceCase(files=files, fatal_file=fatal_file)


def _needs_newline(data: bytes) -> bytes:
    return data if not data or data.endswith(b"\n") else data + b"\n"


def test_the_whole_load_quarantines_bad_rows_and_keeps_every_good_row(tmp_path: Path) -> None:
    keys = frozenset(OFFENCES)
    counter = iter(range(10**9))

    @settings(max_examples=LOAD_CASES, **_FUZZ)
    @given(force_case())
    def run(case: ForceCase) -> None:
        folder = tmp_path / f"extract-{next(counter)}"
        folder.mkdir()
        for name, file in case.files.items():
            _write(folder, name, file.data)
        try:
            with EmbeddedStore(":memory:") as store:
                try:
                    ingest_folder(folder, store, keys, now=NOW)
                except HarmgraphError as exc:
                    assert case.fatal_file is not None, f"unexpected error: {exc}"
                    assert f"{case.fatal_file}.csv" in str(exc), str(exc)
                    assert store.counts()["loads"] == 0 and store.counts()["person_records"] == 0
                    return
                assert case.fatal_file is None, "a broken file did not stop the load"
                quarantine, warnings = store.quarantine(), store.warnings()
                stored = {"people": store.export_table("person_records"),
                          "incidents": store.export_table("incidents"),
                          "involvements": store.export_table("involvements"),
                          "measures": store.export_table("measures"),
                          "referrals": store.export_table("referrals")}
                for name, file in case.files.items():
                    table = TABLES_BY_NAME[name]
                    frame = stored[name].copy()
                    # the store keeps ids and values, not row numbers: map good rows by key
                    keys_of = table.key.split(",")
                    rows = {tuple(str(e.expected[k]) for k in keys_of): e.row
                            for e in file.entries if e.kind == "good"}
                    frame[ROW] = [rows.get(tuple(str(v) for v in key), -1)
                                  for key in frame[keys_of].itertuples(index=False)]
                    if "breach_incident_ids" in table.column_names:
                        for entry in file.entries:
                            entry.expected.pop("breach_incident_ids", None)
                    check_table(file, frame, quarantine[quarantine["file"] == f"{name}.csv"],
                                warnings[warnings["file"] == f"{name}.csv"], f"{name}.csv")
                if "measures" in case.files:
                    wanted = {(e.expected["measure_id"], i.strip())
                              for e in case.files["measures"].entries if e.kind == "good"
                              for i in (e.cells.get("breach_incident_ids") or "").split(";") if i.strip()
                              and "breach_incident_ids" in case.files["measures"].present}
                    breaches = set(map(tuple, store.export_table("measure_breaches").to_numpy().tolist()))
                    assert wanted == breaches
                assert store.counts()["loads"] == 1
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    run()


# --- 4. the command line: a bad file is one sentence, never a traceback ---------------------
@pytest.mark.parametrize("problem", ["latin1", "missing_column", "empty"])
def test_a_bad_file_is_a_one_sentence_error_without_a_traceback(problem: str, tmp_path: Path, cli_users) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "incidents.csv").write_text("incident_id,occurred_at,offence\nI1,2025-01-01,abh\n")
    (folder / "involvements.csv").write_text("incident_id,record_id,role\nI1,R1,victim\n")
    people = {"latin1": "record_id,forename,surname\nR1,Zoë,Smith\n".encode("latin-1"),
              "missing_column": b"record_id,forename\nR1,Zoe\n",
              "empty": b""}[problem]
    (folder / "people.csv").write_bytes(people)
    harmgraph = Path(sys.executable).parent / "harmgraph"
    done = subprocess.run([str(harmgraph), "ingest", str(folder), "--store", str(cli_users(tmp_path / "s.duckdb"))],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200", "TERM": "dumb"})
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert "people.csv" in errors[0]
    assert errors[0].count(". ") == 0  # one sentence

"""Read one contract file (CSV or Parquet) into a frame of strings with source row numbers.

Everything is read as text so that nothing is silently converted: parsing and validation
decide what a value means and report what they could not read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from core.arrow_codes import text_buffers
from core.errors import IngestError
from ingest.contract import TABLES, Table

ROW = "_row"  # the row number a person opening the file would see (header is row 1)
_FIELD_SIZE_LIMIT = 2**31 - 1


@dataclass
class RawTable:
    """A file's cells as stripped strings ('' = empty), plus rows the CSV parser rejected."""

    table: Table
    file: str
    frame: pd.DataFrame
    unreadable_rows: pd.DataFrame  # columns: row, column (or None), reason, value; one per row
    digest: str
    lines: int | None = None  # a CSV's physical lines, the header's included (None: Parquet)
    blank_lines: int = 0


def find_file(folder: Path, table: Table) -> Path | None:
    """The CSV or Parquet file for ``table`` in ``folder``; an error if both exist."""
    candidates = [p for p in (folder / f"{table.name}.csv", folder / f"{table.name}.parquet") if p.exists()]
    if len(candidates) > 1:
        raise IngestError(candidates[0].name, f"both {table.name}.csv and {table.name}.parquet exist; keep one")
    return candidates[0] if candidates else None


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError(
            path.name, f"is not valid UTF-8 (byte {exc.start}); save the extract as UTF-8", row=line
        ) from exc


# A quoted value may run across line breaks (an address, a note), but not without end: one
# that runs on past this many physical lines is taken for an unclosed quote.
MAX_LINES_IN_A_VALUE = 1_000
_ISSUE_COLUMNS = ["row", "column", "reason", "value"]


@dataclass
class CsvText:
    """What the careful reader made of a file: rows, rejected rows and how every line was used."""

    frame: pd.DataFrame
    unreadable: pd.DataFrame  # columns: row, column, reason, value
    rows: list[int]  # each good row's number (as a spreadsheet shows it, header = 1)
    lines: int  # physical lines in the file, the header's included
    blank_lines: int


class _RunsOn(Exception):
    """A quoted value ran on into a line that reads as a row of its own (or too far)."""

    def __init__(self, line: int, why: str) -> None:
        super().__init__(why)
        self.line, self.why = line, why


def _physical_lines(text: str) -> tuple[list[str], str | None]:
    """The file's lines, each with its own ending; and the stand-in used for bare CRs, if any.

    A line ends at LF (or CRLF). A carriage return anywhere else is data and is kept: Python's
    csv module would end the row there (cutting "W\rX" to "W"), so it is swapped for a
    character absent from the file while parsing and swapped back in every cell afterwards.
    A file with no LF at all but CRs (old Mac line ends) has its CRs taken as line ends.
    """
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")
    stand_in = None
    if text.count("\r") != text.count("\r\n"):
        stand_in = next(c for c in map(chr, range(0xE000, 0xF900)) if c not in text)
        text = re.sub(r"\r(?!\n)", stand_in, text)
    return io.StringIO(text, newline="\n").readlines(), stand_in


def _fields_alone(line: str) -> int:
    """How many fields a line has when read on its own (0 for a blank line)."""
    line = line.rstrip("\r\n")
    return len(next(csv.reader([line]))) if line.strip() else 0


def _read_csv_text(path: Path, text: str) -> CsvText:
    """Parse CSV text so that no line can be lost: every physical line ends up in a good row,
    a reported row or a counted blank line, and the count is checked.

    Python's csv module is used rather than pandas' parser because pandas silently pads a
    short line with empty cells, turns a header one field shorter than every line into an
    index (shifting every column) and skips blank lines (shifting every later row number).
    It runs in strict mode, one record at a time, and a record that spans several lines must
    earn it: a quote that never closes, quotes that stop pairing up, a value that runs on into
    a line that is a row by itself, or a multi-line row with the wrong number of fields, all
    mean the quote on the opening line is unclosed. That line alone is reported (with its line
    number) and reading resumes at the next line, so one stray quote costs one row, never the
    rest of the file.
    """
    if not text.strip():
        raise IngestError(path.name, "is empty: a header row is required")
    csv.field_size_limit(_FIELD_SIZE_LIMIT)  # a huge cell is data, not a parser failure
    lines, stand_in = _physical_lines(text)
    total = len(lines)
    try:
        header_reader = csv.reader(iter(lines), strict=True)
        header = next(header_reader)
    except csv.Error as exc:
        raise IngestError(path.name, f"the header row has a quote that does not pair up ({exc})", row=1) from exc
    if header_reader.line_num != 1:
        raise IngestError(path.name, f"the header row runs across {header_reader.line_num} lines "
                          "(an unclosed quote?)", row=1)
    if stand_in:
        header = [h.replace(stand_in, "\r") for h in header]
    width = len(header)
    good: list[list[str]] = []
    rows: list[int] = []
    bad: list[dict[str, object]] = []
    used = {"good": 0, "bad": 0, "blank": 0}  # physical lines per outcome

    def restore(fields: list[str]) -> list[str]:
        return [f.replace(stand_in, "\r") for f in fields] if stand_in else fields

    simple = _one_record_a_line(lines)
    if simple is not None:  # the usual file, read at the csv module's own speed
        for number, fields in enumerate(simple, start=2):
            if len(fields) == width:
                good.append(restore(fields) if stand_in else fields)
                rows.append(number)
            elif any(f.strip() for f in fields):
                bad.append({"row": number, "column": None, "reason": f"has {len(fields)} fields, header has {width}",
                            "value": ",".join(restore(fields))[:200]})
        used.update(good=len(good), bad=len(bad), blank=len(simple) - len(good) - len(bad))
    state = {"start": total if simple is not None else 1, "fed": 1}  # a record's first line; lines handed out

    def feed() -> Iterator[str]:
        while state["fed"] < total:
            at, start = state["fed"], state["start"]
            if at > start + 1 and _fields_alone(lines[at - 1]) == width:
                raise _RunsOn(at, f"runs on into line {at}, which reads as a row of its own")
            if at - start >= MAX_LINES_IN_A_VALUE:
                raise _RunsOn(at, f"runs on for more than {MAX_LINES_IN_A_VALUE:,} lines")
            state["fed"] = at + 1
            yield lines[at]

    number = 1  # the spreadsheet row of the latest record (header = 1)
    while state["start"] < total:
        reader = csv.reader(feed(), strict=True)
        try:
            for fields in reader:
                start, end = state["start"], state["fed"]
                number += 1
                state["start"] = end
                # (a row of the header's width loads even when blank: validation says what it lacks)
                blank = len(fields) != width and not any(f.strip() for f in fields)
                problem = None
                if end - start > 1 and not blank:
                    problem = _multiline_problem(fields, width, lines[end - 1], start, end)
                elif len(fields) != width and not blank:
                    problem = f"has {len(fields)} fields, header has {width}"
                if problem:
                    bad.append({"row": number, "column": None, "reason": problem,
                                "value": ",".join(restore(fields))[:200]})
                    used["bad"] += end - start
                elif len(fields) == width:
                    good.append(restore(fields))
                    rows.append(number)
                    used["good"] += end - start
                else:  # a blank line is skipped, still counted
                    used["blank"] += end - start
        except (csv.Error, _RunsOn) as exc:
            start = state["start"]
            number += 1
            bad.append({"row": number, "column": None, "reason": _unclosed_reason(exc, start, state["fed"]),
                        "value": restore([lines[start].rstrip("\r\n")])[0][:200]})
            used["bad"] += 1
            state["start"] = state["fed"] = start + 1
    if 1 + sum(used.values()) != total:
        raise IngestError(path.name, f"has {total} lines but only {1 + sum(used.values())} were read as the "
                          "header, rows or blank lines; the load was stopped so that no row is lost")
    frame = pd.DataFrame(good, columns=header, dtype=object)
    return CsvText(frame=frame, unreadable=pd.DataFrame(bad, columns=_ISSUE_COLUMNS), rows=rows,
                   lines=total, blank_lines=used["blank"])


def _one_record_a_line(lines: list[str]) -> list[list[str]] | None:
    """The records after the header when every one is on a line of its own and every quote
    pairs up (strict); None otherwise, for the record-by-record reading that accounts for it."""
    reader = csv.reader(iter(lines), strict=True)
    records: list[list[str]] = []
    try:
        next(reader)  # the header
        for fields in reader:
            records.append(fields)
            if reader.line_num != len(records) + 1:
                return None
    except (csv.Error, StopIteration):
        return None
    return records


def _multiline_problem(fields: list[str], width: int, closing_line: str, start: int, end: int) -> str | None:
    """Why a record read across lines ``start``..``end - 1`` (0-based) is set aside whole, or
    None when it is a well-formed row whose value legitimately holds line breaks."""
    # The closing line holds the end of the value that spans lines and the fields after it.
    # Read alone it has a whole row's fields only when that value is the first field of a
    # well-formed row. Otherwise the lines are either one row or a row whose unclosed quote
    # swallowed the next: the text cannot tell, so both go to quarantine, together, with why.
    spanning = max(i for i, f in enumerate(fields) if "\n" in f)
    if (spanning > 0 or len(fields) != width) and _fields_alone(closing_line) == width:
        return (f"quoting is ambiguous: lines {start + 1}-{end} are one row only if the quoted value "
                f"opened on line {start + 1} runs on into line {end}, which reads as a row of its own "
                "(an unclosed quote?); both lines are set aside")
    if len(fields) != width:
        return f"has {len(fields)} fields, header has {width} (lines {start + 1}-{end})"
    return None


def _unclosed_reason(exc: Exception, start: int, fed: int) -> str:
    line = start + 1  # 1-based, as an editor shows it
    if isinstance(exc, _RunsOn):
        return (f"unclosed quote: a quoted value opened on line {line} {exc.why}; "
                f"line {line} is set aside and reading resumes at line {line + 1}")
    if "unexpected end of data" in str(exc):
        return (f"unclosed quote: a quoted value opened on line {line} never closes; "
                f"line {line} is set aside and reading resumes at line {line + 1}")
    if fed - start <= 1:
        return f"stray quote on line {line}: a quoted value is followed by more text before the next comma"
    return (f"unclosed quote: a quoted value opened on line {line} runs on to line {fed}, where "
            f"its quotes no longer pair up; line {line} is set aside and reading resumes at line {line + 1}")


def _read_clean_csv(data: bytes) -> pd.DataFrame | None:
    """The whole file parsed by Arrow's CSV reader, when it is plainly regular: every line one
    row with the header's number of fields, no blank lines, no line breaks or stray quotes.

    Then a row's number is its position + 2, so Arrow's much faster reader (a 200 MB extract
    in seconds, not a minute) gives exactly what :func:`_read_csv_text` would; cells come back
    stripped. Anything else (None) goes to that careful reader, which reports odd rows one by one.
    """
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    end = body.find(b"\n")
    first_line = (body if end < 0 else body[:end]).rstrip(b"\r")  # (split copied the whole file)
    # (a copy of the file without its CRLFs only when it has a carriage return at all)
    if b'"' in body or (b"\r" in body and b"\r" in body.replace(b"\r\n", b"")) \
            or not first_line.strip():
        return None  # quoting and odd line ends are where parsers disagree: the careful reader
    header = first_line.decode("utf-8").split(",")
    if len(set(header)) != len(header):
        return None
    irregular: list[object] = []

    def note(row: object) -> str:
        irregular.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=pacsv.ParseOptions(quote_char=False, invalid_row_handler=note),
            # Read as large strings, pandas' own storage for them: the columns then become
            # pandas columns without their offsets being copied.
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.large_string() for name in header}, strings_can_be_null=False,
                null_values=[], check_utf8=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if irregular or lines != table.num_rows + 1 or table.column_names != header:
        return None
    # Kept as Arrow strings, not Python objects: a third of the memory at a large force's size.
    return pd.DataFrame({name: pd.Series(_trimmed(table.column(name)), dtype=pd.StringDtype("pyarrow"))
                         for name in header})


# Bytes a value that begins or ends in whitespace may begin or end with: ASCII spaces and
# controls, and the bytes of any other character (Unicode spaces are not ASCII).
_MAY_BE_SPACE = np.zeros(256, dtype=bool)
_MAY_BE_SPACE[:0x21] = True
_MAY_BE_SPACE[0x80:] = True


def _trimmed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """``column`` (text) with whitespace trimmed from each value; the column itself when no
    value begins or ends with a byte that may be whitespace. Trimming copies every column,
    and at a large force's size the copy (a new 140 MB for the people file) cost more than
    reading the file; looking at each value's first and last byte costs a few milliseconds.

    >>> _trimmed(pa.chunked_array([["a", " b", "c\u00a0"]])).to_pylist()
    ['a', 'b', 'c']
    >>> column = pa.chunked_array([["a b", "", "c"]])
    >>> _trimmed(column) is column
    True
    """
    if any(_edges_may_be_space(chunk) for chunk in column.chunks):
        return pc.utf8_trim_whitespace(column)
    return column


def _edges_may_be_space(chunk: pa.Array) -> bool:
    """Whether some value of ``chunk`` (string or large string) begins or ends with a byte
    that may be whitespace (:data:`_MAY_BE_SPACE`)."""
    ends, data = text_buffers(chunk)
    filled = ends[1:] > ends[:-1]
    return bool(_MAY_BE_SPACE[data[ends[:-1][filled]]].any() or _MAY_BE_SPACE[data[ends[1:][filled] - 1]].any())


# Integers above this are not all exact in a double: such an id may not be the one written.
_EXACT_IN_A_DOUBLE = 2**53


def _float_ids(name: str, values: pd.Series, arrow_type: pa.DataType) -> tuple[pd.Series, pd.Series]:
    """A float column as text: whole numbers without the '.0' (an id 2 written as 2.0 must
    match the id 2 elsewhere), and for each other value the reason its row cannot be read."""
    numbers = values.astype("float64")
    missing = numbers.isna()
    whole = ~missing & np.isfinite(numbers) & (numbers == np.round(numbers)) \
        & (numbers.abs() < _EXACT_IN_A_DOUBLE)
    text = pd.Series("", index=values.index, dtype=object)
    text[whole] = numbers[whole].astype("int64").astype(str)
    unreadable = ~missing & ~whole
    reasons = pd.Series(pd.NA, index=values.index, dtype=object)
    fraction = unreadable & ~(numbers == np.round(numbers))
    reasons[unreadable] = (f"is a number of Parquet type {arrow_type} too large to be held exactly; "
                           "write the column as text or integers")
    reasons[fraction] = (f"is a number of Parquet type {arrow_type} that is not a whole number; "
                         f"{name} must be text or integers")
    text[unreadable] = numbers[unreadable].astype(str)
    return text, reasons


def _read_parquet(path: Path, columns: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cells as text, and the rows whose contract cells (``columns``) cannot be text
    faithfully (one entry per row)."""
    try:
        table = pq.read_table(path)
        frame = table.to_pandas()
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise IngestError(path.name, f"cannot be read as Parquet: {exc}") from exc
    problems = []
    for position, column in enumerate(frame.columns):
        series = frame[column]
        arrow_type = table.schema.field(position).type
        if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type) \
                or pd.api.types.is_float_dtype(series):
            # (an integer column with a missing value comes back from Arrow as floats too)
            frame[column], reasons = _float_ids(str(column).strip().lower(), series, arrow_type)
            if str(column).strip().lower() not in columns:
                continue  # a column outside the contract is not read: nothing to set aside
            problems.append(pd.DataFrame({"position": np.flatnonzero(reasons.notna().to_numpy()),
                                          "column": str(column).strip().lower(),
                                          "reason": reasons.dropna().to_numpy(),
                                          "value": frame[column][reasons.notna()].to_numpy()}))
            continue
        if pd.api.types.is_datetime64_any_dtype(series):
            series = series.dt.strftime("%Y-%m-%dT%H:%M:%S")
        frame[column] = series.astype("string").fillna("").astype(object)
    found = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(
        columns=["position", "column", "reason", "value"])
    found = found.drop_duplicates("position")  # a row is set aside once, for its first problem
    unreadable = pd.DataFrame({"row": found["position"].to_numpy(dtype="int64") + 1,
                               "column": found["column"].to_numpy(), "reason": found["reason"].to_numpy(),
                               "value": found["value"].to_numpy()}, columns=_ISSUE_COLUMNS)
    return frame, unreadable


def read_table(folder: Path, table: Table) -> RawTable | None:
    """Read ``table`` from ``folder``; None when an optional file is absent."""
    path = find_file(folder, table)
    if path is None:
        if table.optional_file:
            return None
        raise IngestError(f"{table.name}.csv", f"is missing from {folder}; it is a required file")
    data = path.read_bytes()
    lines, blank_lines = None, 0
    if path.suffix == ".csv":
        # Decoded first: a wrong encoding is named here, and Arrow only ever sees valid UTF-8
        # (its handler for an odd row cannot report a row it cannot decode). ASCII is UTF-8
        # already: such a file is decoded only if the careful reader needs its text.
        text = None if data.isascii() else _decode(path, data)
        frame = None if _blank(data, text) else _read_clean_csv(data)
        stripped = frame is not None
        if frame is not None:
            unreadable = pd.DataFrame(columns=_ISSUE_COLUMNS)
            rows = np.arange(2, len(frame) + 2, dtype=np.int64)  # not a Python int per row
            lines = len(frame) + 1
        else:
            parsed = _read_csv_text(path, text if text is not None else _decode(path, data))
            frame, unreadable, rows = parsed.frame, parsed.unreadable, parsed.rows
            lines, blank_lines = parsed.lines, parsed.blank_lines
    else:
        stripped = False
        frame, unreadable = _read_parquet(path, table.column_names)
        rows = list(range(1, 1 + len(frame)))
        if len(unreadable):
            keep = ~np.isin(np.arange(1, 1 + len(frame)), unreadable["row"].to_numpy())
            frame, rows = frame[keep].reset_index(drop=True), [r for r, k in zip(rows, keep) if k]
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in table.required_columns if c not in frame.columns]
    if missing:
        raise IngestError(path.name, f"required column(s) missing: {', '.join(missing)}", row=1)
    repeated = sorted({c for c in frame.columns[frame.columns.duplicated()] if c in table.column_names})
    if repeated:
        raise IngestError(path.name, f"column(s) appear more than once: {', '.join(repeated)}", row=1)
    frame = frame[[c for c in table.column_names if c in frame.columns]].copy()
    for column in table.column_names:
        if column not in frame:
            frame[column] = ""
        elif not stripped:
            frame[column] = frame[column].astype(str).str.strip()
    frame[ROW] = rows
    return RawTable(table=table, file=path.name, frame=frame, unreadable_rows=unreadable,
                    digest=hashlib.sha256(data).hexdigest(), lines=lines, blank_lines=blank_lines)


def _blank(data: bytes, text: str | None) -> bool:
    """Whether a file holds nothing but whitespace (as ``str.isspace`` says); ``text`` is its
    decoded text, None when it is ASCII and was not decoded. (``strip()`` copied the file; an
    ASCII file is decoded only when its first 4 KB are blank.)

    >>> _blank(b" \\n\\x1c", None), _blank(b"a,b", None), _blank(b"", None), _blank(b"x", " ")
    (True, False, True, True)
    """
    if text is not None:
        return not text or text.isspace()
    return not data or (data[:4096].decode("ascii").isspace() and data.decode("ascii").isspace())


def read_folder(folder: Path) -> dict[str, RawTable]:
    """Read every contract table present in ``folder``."""
    if not folder.is_dir():
        raise IngestError(str(folder), "is not a folder of extract files")
    tables = {}
    for table in TABLES:
        raw = read_table(folder, table)
        if raw is not None:
            tables[table.name] = raw
    return tables

"""Read one contract file (CSV or Parquet) into a frame of strings with source row numbers.

Everything is read as text so that nothing is silently converted: parsing and validation
decide what a value means and report what they could not read.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

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
    unreadable_rows: pd.DataFrame  # columns: row, reason, value
    digest: str


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


def _read_csv_text(path: Path, text: str) -> tuple[pd.DataFrame, pd.DataFrame, list[int]]:
    """Parse CSV text: the good rows, the rows with the wrong number of fields, and the row
    number (as a spreadsheet shows it, header = 1) of each good row.

    Python's csv module is used rather than pandas' parser because pandas silently pads a
    short line with empty cells, turns a header one field shorter than every line into an
    index (shifting every column) and skips blank lines (shifting every later row number).
    """
    if not text.strip():
        raise IngestError(path.name, "is empty: a header row is required")
    csv.field_size_limit(_FIELD_SIZE_LIMIT)  # a huge cell is data, not a parser failure
    records = csv.reader(io.StringIO(text, newline=""))
    header = next(records)
    good, rows, bad = [], [], []
    for number, fields in enumerate(records, start=2):
        if len(fields) == len(header):
            good.append(fields)
            rows.append(number)
        elif fields and any(f.strip() for f in fields):  # a blank line is skipped, still counted
            bad.append({"row": number, "reason": f"has {len(fields)} fields, header has {len(header)}",
                        "value": ",".join(fields)[:200]})
    frame = pd.DataFrame(good, columns=header, dtype=object)
    return frame, pd.DataFrame(bad, columns=["row", "reason", "value"]), rows


def _read_clean_csv(data: bytes) -> pd.DataFrame | None:
    """The whole file parsed by Arrow's CSV reader, when it is plainly regular: every line one
    row with the header's number of fields, no blank lines, no line breaks or stray quotes.

    Then a row's number is its position + 2, so Arrow's much faster reader (a 200 MB extract
    in seconds, not a minute) gives exactly what :func:`_read_csv_text` would; cells come back
    stripped. Anything else (None) goes to that careful reader, which reports odd rows one by one.
    """
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    first_line = body.split(b"\n", 1)[0].rstrip(b"\r")
    if b'"' in body or b"\r" in body.replace(b"\r\n", b"") or not first_line.strip():
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
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header}, strings_can_be_null=False,
                null_values=[], check_utf8=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if irregular or lines != table.num_rows + 1 or table.column_names != header:
        return None
    # Kept as Arrow strings, not Python objects: a third of the memory at a large force's size.
    return pd.DataFrame({name: pd.Series(pc.utf8_trim_whitespace(table.column(name)), dtype=pd.StringDtype("pyarrow"))
                         for name in header})


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pq.read_table(path).to_pandas()
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise IngestError(path.name, f"cannot be read as Parquet: {exc}") from exc
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            series = series.dt.strftime("%Y-%m-%dT%H:%M:%S")
        frame[column] = series.astype("string").fillna("").astype(object)
    return frame


def read_table(folder: Path, table: Table) -> RawTable | None:
    """Read ``table`` from ``folder``; None when an optional file is absent."""
    path = find_file(folder, table)
    if path is None:
        if table.optional_file:
            return None
        raise IngestError(f"{table.name}.csv", f"is missing from {folder}; it is a required file")
    data = path.read_bytes()
    if path.suffix == ".csv":
        # Decoded first: a wrong encoding is named here, and Arrow only ever sees valid UTF-8
        # (its handler for an odd row cannot report a row it cannot decode).
        text = _decode(path, data)
        frame = _read_clean_csv(data) if text.strip() else None
        stripped = frame is not None
        if frame is not None:
            unreadable, rows = pd.DataFrame(columns=["row", "reason", "value"]), list(range(2, len(frame) + 2))
        else:
            frame, unreadable, rows = _read_csv_text(path, text)
    else:
        stripped = False
        frame, unreadable = _read_parquet(path), pd.DataFrame(columns=["row", "reason", "value"])
        rows = list(range(1, 1 + len(frame)))
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
                    digest=hashlib.sha256(data).hexdigest())


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

"""Turn a file's text cells into typed values, noting every cell that could not be read.

Parsing is vectorised per column. A cell that is non-empty but unreadable becomes NA and is
reported as a problem; validation then decides whether that quarantines the row (a required
column) or only blanks the value with a warning (an optional column).
"""

from __future__ import annotations

import pandas as pd

from ingest.contract import ColumnKind, Table
from ingest.read import ROW

PROBLEM_COLUMNS = ["position", "column", "reason", "value"]

_TRUTHY = {"true": True, "t": True, "1": True, "y": True, "yes": True,
           "false": False, "f": False, "0": False, "n": False, "no": False}


def _blank_to_na(text: pd.Series) -> pd.Series:
    return text.astype("string").replace("", pd.NA)


def parse_timestamps(text: pd.Series) -> pd.Series:
    """ISO 8601 dates or timestamps; offsets are converted to UTC then dropped.

    Only text starting with a four-digit year is parsed: pandas would otherwise read 'now' and
    'today' as the current time, silently dating an incident to the day of the load.

    >>> parse_timestamps(pd.Series(["2025-01-10", "today", "now"], dtype="string")).isna().tolist()
    [False, True, True]
    """
    text = text.where(text.str.match(r"\d{4}").fillna(False).astype(bool))
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    return parsed.dt.tz_localize(None).astype("datetime64[us]")


def _parse_column(kind: ColumnKind, name: str, text: pd.Series) -> pd.Series:
    values = _blank_to_na(text)
    if kind in (ColumnKind.ID, ColumnKind.TEXT, ColumnKind.ID_LIST):
        return values
    if kind is ColumnKind.CODE:
        return values.str.upper() if name == "sex" else values.str.lower()
    if kind is ColumnKind.BOOL:
        return values.str.lower().map(_TRUTHY).astype("boolean")
    if kind is ColumnKind.TIMESTAMP:
        return parse_timestamps(values)
    if kind is ColumnKind.DATE:
        return parse_timestamps(values).dt.normalize()
    raise ValueError(f"unknown column kind {kind}")


_UNREADABLE = {
    ColumnKind.BOOL: "is not a true/false value (expected true/false, 1/0 or Y/N)",
    ColumnKind.TIMESTAMP: "is not a valid ISO 8601 date/time (expected YYYY-MM-DD[THH:MM:SS])",
    ColumnKind.DATE: "is not a valid ISO 8601 date (expected YYYY-MM-DD)",
}


def parse_table(table: Table, text: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed frame (same index as ``text``) and the cells that could not be read."""
    typed = pd.DataFrame(index=text.index)
    problems = []
    for column in table.columns:
        raw = text[column.name]
        typed[column.name] = _parse_column(column.kind, column.name, raw)
        if column.kind in _UNREADABLE:
            unreadable = typed[column.name].isna() & raw.ne("")
            if unreadable.any():
                problems.append(pd.DataFrame({
                    "position": raw.index[unreadable],
                    "column": column.name,
                    "reason": _UNREADABLE[column.kind],
                    "value": raw[unreadable].to_numpy(),
                }))
    typed[ROW] = text[ROW]
    found = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=PROBLEM_COLUMNS)
    return typed, found

"""Turn a file's text cells into typed values, noting every cell that could not be read.

Parsing is vectorised per column. A cell that is non-empty but unreadable becomes NA and is
reported as a problem; validation then decides whether that quarantines the row (a required
column) or only blanks the value with a warning (an optional column).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.core.arrays.string_arrow import ArrowStringArray

from core.arrow_codes import arrow_text, text_buffers
from ingest.contract import ColumnKind, Table
from ingest.read import ROW
from ingest.resolve_features import each_distinct, per_distinct

PROBLEM_COLUMNS = ["position", "column", "reason", "value"]

_TRUTHY = {"true": True, "t": True, "1": True, "y": True, "yes": True,
           "false": False, "f": False, "0": False, "n": False, "no": False}


def _blank_to_na(text: pd.Series) -> pd.Series:
    """Text with '' as missing, as pandas' nullable strings.

    >>> _blank_to_na(pd.Series(["a", "", "b"], dtype=pd.StringDtype("pyarrow"))).tolist()
    ['a', <NA>, 'b']
    """
    if not isinstance(text.array, ArrowStringArray):
        return text.astype("string").replace("", pd.NA)
    # Arrow text (what the fast CSV reader gives) is blanked by marking its empty values
    # missing, its text left where it is (choosing each value anew copied the column).
    array = pa.array(text.array)
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    blanked = pa.chunked_array([_empty_as_missing(chunk) for chunk in chunks], type=array.type)
    return pd.Series(ArrowStringArray(blanked), index=text.index, name=text.name)


def _empty_as_missing(chunk: pa.Array) -> pa.Array:
    """``chunk`` (string or large string) with its empty values missing: a new validity
    bitmap over the same offsets and text.

    >>> _empty_as_missing(pa.array(["a", "", None, "b"])).to_pylist()
    ['a', None, None, 'b']
    >>> _empty_as_missing(pa.array(["", "a", ""], pa.large_string()).slice(1)).to_pylist()
    ['a', None]
    """
    ends, _ = text_buffers(chunk)
    present = ends[1:] > ends[:-1]
    if chunk.null_count:
        present &= chunk.is_valid().to_numpy(zero_copy_only=False)
    if present.all():
        return chunk
    # The bitmap starts at the chunk's own offset into its buffers.
    bits = np.packbits(np.concatenate([np.ones(chunk.offset, dtype=bool), present]), bitorder="little")
    _, offsets, data = chunk.buffers()
    return pa.Array.from_buffers(chunk.type, len(chunk), [pa.py_buffer(bits), offsets, data], offset=chunk.offset)


# A time followed by a UTC offset (Z, +HH, +HHMM or +HH:MM); a date alone has no offset.
_HAS_OFFSET = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
_SIGNED_OFFSET = r"(?P<sign>[+-])(?P<hours>\d{2}):?(?P<minutes>\d{2})?$"


def _offsets(text: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """Which values carry a UTC offset, and each one's offset in minutes east of UTC (NaN for
    an offset that cannot exist: beyond -12:00..+14:00, or minutes over 59); None if none do.

    Arrow's regex engine, not pandas': a fraction of a second at a million rows, not seconds.
    """
    values = arrow_text(text)  # (one array, also for text joined from several frames: the struct fields need it)
    carries = pc.match_substring_regex(values, _HAS_OFFSET).fill_null(False)
    if not pc.any(carries).as_py():
        return None
    parts = pc.extract_regex(values.filter(carries), _SIGNED_OFFSET)  # null for Z (= +00:00)

    def number(name: str) -> np.ndarray:
        field = pc.fill_null(parts.field(name), "0") if parts.null_count else parts.field(name)
        return pc.cast(pc.if_else(pc.equal(field, ""), "0", field), pa.int32()).to_numpy(zero_copy_only=False)

    hours, minutes = number("hours"), number("minutes")
    west = pc.fill_null(pc.equal(parts.field("sign"), "-"), False).to_numpy(zero_copy_only=False)
    possible = (minutes < 60) & np.where(west, hours <= 12, hours <= 14)
    east_minutes = np.where(west, -1, 1) * (hours * 60 + minutes)
    return carries.to_numpy(zero_copy_only=False), np.where(possible, east_minutes, np.nan)


# A date, or a date and a time to the second, with nothing else: how most extracts write them.
_PLAIN_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$"


def _plain_timestamps(text: pd.Series) -> pd.Series | None:
    """:func:`parse_timestamps` of a column whose every value is written plainly
    (:data:`_PLAIN_TIMESTAMP`), parsed by Arrow's cast in one pass (pandas took about half a
    second for each million); None when some value is written otherwise or is no real date,
    for the general parse to decide.

    >>> _plain_timestamps(pd.Series(["2025-01-10T00:30:00", None, "2025-01-11"], dtype="string")).tolist()
    [Timestamp('2025-01-10 00:30:00'), NaT, Timestamp('2025-01-11 00:00:00')]
    >>> _plain_timestamps(pd.Series(["2025-02-30"], dtype="string")) is None
    True
    """
    array = arrow_text(text.array)
    if not pc.all(pc.match_substring_regex(array, _PLAIN_TIMESTAMP)).as_py():  # (missing values skipped)
        return None
    try:
        parsed = pc.cast(array, pa.timestamp("us"))
    except pa.ArrowInvalid:
        return None
    # (copied: a view of Arrow's buffer is read-only, and validation blanks values in place)
    return pd.Series(parsed.to_pandas(), index=text.index, name=text.name).astype("datetime64[us]").copy()


def parse_timestamps(text: pd.Series) -> pd.Series:
    """ISO 8601 dates or timestamps. A UTC offset keeps the local date and time as recorded:
    it is dropped, not applied.

    An incident at 00:30 on the 10th recorded in British Summer Time (+01:00), or anywhere
    east of UTC, happened on the 10th where it was recorded: converting it to UTC would date it
    the 9th, silently, and recency, the as-of cut-off and every "in force on the day" check
    would use the wrong day. An offset that cannot exist leaves the value unreadable.

    Only text starting with a four-digit year is parsed: pandas would otherwise read 'now' and
    'today' as the current time, silently dating an incident to the day of the load.

    >>> parse_timestamps(pd.Series(["2025-01-10", "today", "now"], dtype="string")).isna().tolist()
    [False, True, True]
    >>> parse_timestamps(pd.Series(["2025-01-10T00:30:00+14:00", "2025-07-01T00:15:00+01:00",
    ...                             "2025-07-01T23:15:00-05:00", "2025-07-01T10:00:00+99:00"],
    ...                            dtype="string")).dt.strftime("%Y-%m-%d %H:%M").tolist()
    ['2025-01-10 00:30', '2025-07-01 00:15', '2025-07-01 23:15', nan]
    """
    plain = _plain_timestamps(text)
    if plain is not None:
        return plain
    text = text.where(text.str.match(r"\d{4}").fillna(False).astype(bool))
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    local = parsed.dt.tz_localize(None).astype("datetime64[us]")
    offsets = _offsets(text)
    if offsets is not None:  # parsed as UTC: each offset added back gives the time as recorded
        carries, east_minutes = offsets
        shift = pd.to_timedelta(east_minutes, unit="min").to_numpy()
        local = local.copy()
        local[carries] = local[carries].to_numpy() + shift
    return local


def _booleans(values: pd.Series) -> pd.Series:
    """True/false words as nullable booleans (NA where missing or not such a word), each
    distinct word read once (mapping a million cells one by one took most of a second).

    >>> _booleans(pd.Series(["Y", "no", None, "maybe", "TRUE"], dtype="string")).tolist()
    [True, False, <NA>, <NA>, True]
    """
    codes, truth = each_distinct(values, lambda word: _TRUTHY.get(word.lower()))
    return pd.Series(pd.array([*truth, None], dtype="boolean")[codes],  # code -1 (missing): the None
                     index=values.index, name=values.name)


def _parse_column(kind: ColumnKind, name: str, text: pd.Series) -> pd.Series:
    values = _blank_to_na(text)
    if kind in (ColumnKind.ID, ColumnKind.TEXT, ColumnKind.ID_LIST):
        return values
    if kind is ColumnKind.CODE:
        return values.str.upper() if name == "sex" else values.str.lower()
    if kind is ColumnKind.BOOL:
        return _booleans(values)
    if kind is ColumnKind.TIMESTAMP:
        return parse_timestamps(values)  # (times of day rarely repeat: parsed whole)
    if kind is ColumnKind.DATE:
        # (two million dates of birth are a few tens of thousands of days: each parsed once)
        return per_distinct(values, lambda text: (parse_timestamps(text).dt.normalize(),))[0]
    if kind is ColumnKind.NUMBER:
        # Plain decimal numbers only: 'inf', 'nan' and '1e3' are not how a sentence is written.
        plain = values.where(values.str.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)").fillna(False).astype(bool))
        return pd.to_numeric(plain, errors="coerce").astype("Float64")
    raise ValueError(f"unknown column kind {kind}")


_UNREADABLE = {
    ColumnKind.BOOL: "is not a true/false value (expected true/false, 1/0 or Y/N)",
    ColumnKind.TIMESTAMP: "is not a valid ISO 8601 date/time (expected YYYY-MM-DD[THH:MM:SS])",
    ColumnKind.DATE: "is not a valid ISO 8601 date (expected YYYY-MM-DD)",
    ColumnKind.NUMBER: "is not a number (expected digits, e.g. 18 or 4.5)",
}


def parse_table(table: Table, text: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed frame (same index as ``text``) and the cells that could not be read."""
    typed = pd.DataFrame(index=text.index)
    problems = []
    for column in table.columns:
        raw = text[column.name]
        typed[column.name] = _parse_column(column.kind, column.name, raw)
        if column.aliases:  # an older extract's code, read as the code that replaced it
            typed[column.name] = typed[column.name].replace(dict(column.aliases))
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

"""Write ranked lists safely: spreadsheet formulas neutralised, provenance recorded."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd

# A cell starting with one of these is run as a formula by Excel/LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would evaluate with a single quote.

    Numbers are left alone (a negative number is data, not a formula).

    >>> neutralise_formulas(pd.DataFrame({"a": ["=1+1", "ok"], "n": [-1, 2]}))["a"].tolist()
    ["'=1+1", 'ok']
    >>> neutralise_formulas(pd.DataFrame({"o": pd.Series([-1.5, "-x"], dtype=object)}))["o"].tolist()
    [-1.5, "'-x"]
    """
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            text = series.astype("string")
            # only text: a number in an object column (as the XLSX export passes) is data
            is_text = series.map(lambda value: isinstance(value, str)).to_numpy(dtype=bool)
            risky = text.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool) & is_text
            safe[column] = np.where(risky, "'" + text.fillna(""), series.astype(object))
    return safe


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    plain = frame.copy()
    for column in plain.columns:
        if pd.api.types.is_datetime64_any_dtype(plain[column]):
            plain[column] = plain[column].dt.strftime("%Y-%m-%d")
    return plain


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text of ``frame`` with dates as YYYY-MM-DD and formulas neutralised."""
    buffer = io.StringIO()
    # CRLF (RFC 4180): with LF line ends the csv writer leaves a bare CR in a cell unquoted,
    # and a spreadsheet then splits the row there (the rest of the cell lands un-neutralised).
    neutralise_formulas(_plain(frame)).to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue()


def to_json(frame: pd.DataFrame, provenance: dict[str, object]) -> str:
    """JSON with the rows and the provenance needed to reproduce them."""
    rows = json.loads(_plain(frame).to_json(orient="records", default_handler=str))
    return json.dumps({"provenance": provenance, "rows": rows}, indent=2, default=str)

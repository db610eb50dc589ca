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
    """
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            text = series.astype("string")
            risky = text.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
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
    neutralise_formulas(_plain(frame)).to_csv(buffer, index=False)
    return buffer.getvalue()


def to_json(frame: pd.DataFrame, provenance: dict[str, object]) -> str:
    """JSON with the rows and the provenance needed to reproduce them."""
    rows = json.loads(_plain(frame).to_json(orient="records", default_handler=str))
    return json.dumps({"provenance": provenance, "rows": rows}, indent=2, default=str)

"""A vectorised ``isin`` for pandas' Arrow-backed string columns.

pandas 3 (3.0 to 3.1.1 at least) builds the lookup set of ``Series.isin`` on an Arrow string
column one Python scalar at a time (``pa.scalar(value)`` per value). Asking whether 2.5 million
involvement ids are among 1 million known incident ids then costs tens of seconds, and every
reference check at ingest and every "is this person managed" test in scoring asks exactly that.

:func:`install` replaces that one method with the same computation done by Arrow in C: the
lookup values are converted in one call and ``pyarrow.compute.is_in`` runs as before, with
pandas' own semantics (only string or missing values can match; a missing value matches a
missing value; the answer is a NumPy bool array). It falls back to pandas' own method for
anything it does not recognise.

Nothing here changes pandas: the places that ask about many ids call :func:`isin` by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.core.arrays.string_arrow import ArrowStringArray

_PANDAS_ISIN: Callable[..., np.ndarray] = ArrowStringArray.isin


def _lookup_array(values: Iterable[Any]) -> pa.Array | None:
    """The values as one Arrow string array, or None when they are not all text or missing."""
    if isinstance(values, (set, frozenset, dict)):
        values = list(values)
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.array
    try:
        looked_up = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    if pa.types.is_null(looked_up.type):
        return looked_up.cast(pa.large_string())
    if pa.types.is_string(looked_up.type) or pa.types.is_large_string(looked_up.type):
        return looked_up
    if pa.types.is_dictionary(looked_up.type) and pa.types.is_string(looked_up.type.value_type):
        return looked_up.dictionary_decode()
    return None


def fast_isin(self: ArrowStringArray, values: Any) -> np.ndarray:
    """``ArrowStringArray.isin`` with the lookup set converted by Arrow in one call.

    >>> s = pd.Series(["a", "b", None, "c"], dtype="string")
    >>> s.isin({"a", "c"}).tolist(), s.isin(["b", None]).tolist(), s.isin([]).tolist()
    ([True, False, False, True], [False, True, True, False], [False, False, False, False])
    """
    looked_up = _lookup_array(values)
    if looked_up is None:
        return _PANDAS_ISIN(self, values)
    if len(looked_up) == 0:
        return np.zeros(len(self), dtype=bool)
    column = self._pa_array
    target = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    result = pc.is_in(column, value_set=looked_up.cast(target))
    return np.asarray(pc.fill_null(result, False), dtype=np.bool_)


def isin(column: pd.Series | pd.Index, values: Any) -> pd.Series | np.ndarray:
    """``column.isin(values)``, through :func:`fast_isin` when ``column`` holds Arrow strings.

    The answer has pandas' own type: a Series on ``column``'s index, or an array for an Index.

    >>> ids = pd.Series(["I1", "I2", None], dtype="string", index=[5, 6, 7])
    >>> isin(ids, {"I2"}).tolist(), isin(pd.Index(["a", "b"]), ["b"]).tolist()
    ([False, True, False], [False, True])
    """
    array = None if isinstance(column, pd.MultiIndex) else column.array
    if not isinstance(array, ArrowStringArray):
        return column.isin(values)
    found = fast_isin(array, values)
    return pd.Series(found, index=column.index, name=column.name) if isinstance(column, pd.Series) else found

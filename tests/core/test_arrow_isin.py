"""The vectorised isin gives exactly pandas' answers (it replaces pandas' own method)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.arrow_isin import _PANDAS_ISIN, fast_isin, isin

TEXT = st.one_of(st.none(), st.text(max_size=4))


@settings(max_examples=300, deadline=None)
@given(column=st.lists(TEXT, max_size=30), lookup=st.lists(TEXT, max_size=10),
       kind=st.sampled_from(["list", "set", "series", "index", "tuple"]))
def test_fast_isin_matches_pandas(column: list, lookup: list, kind: str) -> None:
    array = pd.Series(column, dtype="string").array
    values = {"list": lookup, "set": set(lookup), "series": pd.Series(lookup, dtype="string"),
              "index": pd.Index(lookup, dtype="string"), "tuple": tuple(lookup)}[kind]
    expected = _PANDAS_ISIN(array, values)
    assert np.array_equal(fast_isin(array, values), expected)


@pytest.mark.parametrize("values", [[1, 2], [1.5, "a"], [pd.Timestamp("2025-01-01")]])
def test_non_text_lookups_fall_back_to_pandas(values: list) -> None:
    array = pd.Series(["a", "1", None], dtype="string").array
    assert np.array_equal(fast_isin(array, values), _PANDAS_ISIN(array, values))


def test_isin_answers_as_pandas_on_many_ids() -> None:
    ids = pd.Series([f"I{n}" for n in range(200_000)], dtype="string")
    known = set(ids.iloc[::2])
    found = isin(ids, known)
    assert isinstance(found, pd.Series) and found.sum() == 100_000
    assert found.equals(ids.isin(known))


def test_importing_scoring_leaves_pandas_alone() -> None:
    import scoring  # noqa: F401

    assert pd.arrays.ArrowStringArray.isin is _PANDAS_ISIN

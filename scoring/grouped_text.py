"""Join texts within groups without a Python call per group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.distinct import place_in_run


def join_within(text: pd.Series, keys: pd.Series, sep: str) -> pd.Series:
    """``text.groupby(keys).agg(sep.join)``, vectorised: each key's texts in row order.

    ``groupby(...).agg(sep.join)`` calls Python once per group, which took seconds for the
    140,000 perpetrators of a million-incident force. Here the k-th text of every group is
    appended in one array operation, so the Python loop runs only as many times as the
    largest group has texts. Keys come out sorted and missing keys are dropped, as groupby does.

    >>> join_within(pd.Series(["b", "a", "c"], dtype="str"), pd.Series(["y", "x", "y"]), ", ").to_dict()
    {'x': 'a', 'y': 'b, c'}
    """
    codes, uniques = pd.factorize(keys, sort=True)
    kept = np.flatnonzero(codes >= 0)
    order = kept[np.argsort(codes[kept], kind="stable")]
    grouped = codes[order]
    position = place_in_run(grouped)
    ordered = text.iloc[order].reset_index(drop=True)
    joined = ordered[position == 0].reset_index(drop=True)
    for k in range(1, int(position.max()) + 1 if len(position) else 0):
        at = position == k
        groups = grouped[at]
        joined.iloc[groups] = joined.iloc[groups].to_numpy() + sep + ordered[at].to_numpy()
    return pd.Series(joined.array, index=pd.Index(uniques, name=keys.name), name=text.name)

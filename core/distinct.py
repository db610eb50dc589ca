"""Distinct integer keys, sorted, found by sorting.

Scoring and ingest find distinct (person, victim) and similar pairs as one int64 key per pair,
often a million at a time. NumPy 2.3 and later answer a plain ``np.unique(keys)`` with a
node-based hash set before sorting the result, which on a million int64 keys is 20-30 times
slower than sorting them (numpy/numpy#31969: about 400 ms against 15 ms on this machine). Only
the plain call takes that path; ``np.unique`` asked for an inverse, an index or counts still
sorts, and so does :func:`sorted_distinct`.
"""

from __future__ import annotations

import numpy as np


def sorted_distinct(values: object) -> np.ndarray:
    """The distinct values of an integer or boolean array, in ascending order: what
    ``np.unique(values)`` gives, by sorting a copy. Other dtypes (floats, whose NaNs
    ``np.unique`` folds into one, text) are left to ``np.unique``.

    >>> sorted_distinct(np.array([7, 3, 7, 1, 3])).tolist()
    [1, 3, 7]
    >>> sorted_distinct(np.array([], dtype=np.int64)).tolist()
    []
    >>> sorted_distinct(np.array([[2, 1], [2, 5]])).tolist()  # flattened, as np.unique does
    [1, 2, 5]
    """
    array = np.asarray(values)
    if array.dtype.kind not in "iub":
        return np.unique(array)
    ordered = np.sort(array, axis=None)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]

"""Distinct integer keys, sorted, found by sorting; and the runs of equal values in sorted keys.

Scoring and ingest find distinct (person, victim) and similar pairs as one int64 key per pair,
often a million at a time. NumPy 2.3 and later answer a plain ``np.unique(keys)`` with a
node-based hash set before sorting the result, which on a million int64 keys is 20-30 times
slower than sorting them (numpy/numpy#31969: about 400 ms against 15 ms on this machine). Only
the plain call takes that path; ``np.unique`` asked for an inverse, an index or counts still
sorts, and so does :func:`sorted_distinct`.

Sorted keys are then read run by run (a person's rows, a victim's offenders): :func:`run_starts`
and :func:`place_in_run` are the two ways scoring reads them.
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
    return ordered[run_starts(ordered)]


def run_starts(values: np.ndarray) -> np.ndarray:
    """The position where each run of equal values begins (``values`` grouped, e.g. sorted).

    >>> run_starts(np.array([4, 4, 7, 9, 9, 9])).tolist()
    [0, 2, 3]
    >>> run_starts(np.array([], dtype=np.int64)).tolist()
    []
    """
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]])


def place_in_run(values: np.ndarray) -> np.ndarray:
    """Each value's place in its run of equal values (0 for the first): a grouped cumcount of
    grouped values.

    >>> place_in_run(np.array([4, 4, 4, 7, 9, 9])).tolist()
    [0, 1, 2, 0, 0, 1]
    """
    starts = run_starts(values)
    return np.arange(len(values)) - np.repeat(starts, np.diff(np.r_[starts, len(values)]))


def split_runs(keys: np.ndarray, values: list) -> dict:
    """``values`` split into the runs of equal ``keys`` (sorted by key): key -> its values, as
    plain lists (grouping with pandas makes an object per group).

    >>> split_runs(np.array(["1", "2", "2"], dtype=object), ["a", "c", "b"])
    {'1': ['a'], '2': ['c', 'b']}
    """
    if not len(keys):
        return {}
    starts = run_starts(keys)
    ends = np.r_[starts[1:], len(keys)]
    return {keys[start]: values[start:end] for start, end in zip(starts.tolist(), ends.tolist())}


def first_rows(codes: np.ndarray, count: int) -> np.ndarray:
    """Per code below ``count``, the first position holding it in ``codes`` (-1: none; negative
    codes are skipped). The least position per code, taken unbuffered: a repeated index in a
    plain assignment has no defined winner in NumPy.

    >>> first_rows(np.array([2, -1, 0, 2]), 4).tolist()
    [2, -1, 0, -1]
    """
    held = np.flatnonzero(codes >= 0)
    rows = np.full(count, len(codes), dtype=np.int64)
    np.minimum.at(rows, codes[held], held)
    rows[rows == len(codes)] = -1
    return rows


def marked_codes(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for codes in ``[0, size)``: each code present
    marked in an array of ``size`` and numbered in order, a pass each instead of sorting (the
    window's person codes of a million-incident force: a few ms against tens).

    >>> [a.tolist() for a in marked_codes(np.array([5, 2, 5, 0]), 8)]
    [[0, 2, 5], [2, 1, 2, 0]]
    """
    seen = np.zeros(size, dtype=bool)
    seen[values] = True
    distinct = np.flatnonzero(seen)
    # Only the places of codes present are written and read: a running count over every code
    # would touch all of them.
    place = np.empty(size, dtype=np.int64)
    place[distinct] = np.arange(len(distinct))
    return distinct, place[values]


def alone(codes: np.ndarray) -> np.ndarray:
    """Whether each row is the only row with its code (codes >= 0).

    >>> alone(np.array([2, 0, 2, 1])).tolist()
    [False, True, False, True]
    """
    return np.bincount(codes)[codes] == 1


def first_per_group(groups: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Row index of each group's first row (groups ascending; codes >= 0): rows sorted by
    group, then by ``keys`` (the first key most significant, each ascending; NaN last).

    Most groups (persons) have one row, which is their first: only the others are sorted.

    >>> first_per_group(np.array([2, 0, 0, 1]), np.array([0, 5, 3, 9])).tolist()
    [2, 3, 0]
    """
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    shared = np.flatnonzero(~alone(groups))
    order = shared[np.lexsort((*(key[shared] for key in reversed(keys)), groups[shared]))]
    first = order[np.r_[True, groups[order][1:] != groups[order][:-1]]] if len(order) else order
    best = np.full(int(groups.max()) + 1, -1, dtype=np.int64)
    best[groups] = np.arange(len(groups), dtype=np.int64)  # a lone row is its group's first
    best[groups[first]] = first
    return best[best >= 0]

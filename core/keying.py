"""Keying errors: when two recorded values could be one value typed wrongly.

Resolution (``ingest.resolve_cluster``) uses these to refuse clusters whose dates of birth
cannot be one man's; scoring (``scoring.victim_identity``) uses them to see two victim records
that are probably one woman. One definition for both, so "a keying error apart" means the same
thing wherever a claim rests on it.
"""

from __future__ import annotations

import numpy as np


def dob_compatible(left: str, right: str) -> bool:
    """Whether two ISO dates of birth could be one person's (a keying error apart): equal,
    day and month swapped, one digit substituted, or two neighbouring digits transposed.

    >>> dob_compatible("1985-03-12", "1985-12-03"), dob_compatible("1985-03-12", "1958-03-12")
    (True, True)
    >>> dob_compatible("1985-03-12", "1985-03-17"), dob_compatible("1999-08-21", "1997-04-07")
    (True, False)
    """
    if left == right:
        return True
    a, b = left.replace("-", ""), right.replace("-", "")
    if len(a) != 8 or len(b) != 8:
        return False
    if a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]:
        return True  # day and month swapped
    differ = [i for i in range(8) if a[i] != b[i]]
    if len(differ) == 1:
        return True
    return (len(differ) == 2 and differ[1] == differ[0] + 1
            and a[differ[0]] == b[differ[1]] and a[differ[1]] == b[differ[0]])


def _digits(yyyymmdd: np.ndarray) -> np.ndarray:
    """The eight decimal digits of each YYYYMMDD number, one row per value."""
    places = 10 ** np.arange(7, -1, -1, dtype=np.int64)
    return (np.asarray(yyyymmdd, dtype=np.int64)[:, None] // places) % 10


def dobs_compatible(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """:func:`dob_compatible` over whole arrays of YYYYMMDD integers (missing values are not
    handled here: the caller masks them).

    >>> dobs_compatible(np.array([19850312, 19850312, 19990821]),
    ...                 np.array([19851203, 19580312, 19970407])).tolist()
    [True, True, False]
    """
    a, b = _digits(left), _digits(right)
    differ = a != b
    count = differ.sum(axis=1)
    swapped = ((a[:, :4] == b[:, :4]).all(axis=1) & (a[:, 4:6] == b[:, 6:8]).all(axis=1)
               & (a[:, 6:8] == b[:, 4:6]).all(axis=1))
    first = np.argmax(differ, axis=1)
    second = np.minimum(first + 1, 7)
    rows = np.arange(len(a))
    transposed = ((count == 2) & differ[rows, second] & (a[rows, first] == b[rows, second])
                  & (a[rows, second] == b[rows, first]))
    return (count <= 1) | swapped | transposed


def one_edit_apart(left: str, right: str) -> bool:
    """Whether two words are equal or one keying error apart: one letter substituted, added,
    dropped, or two neighbours transposed (Damerau-Levenshtein distance at most 1).

    >>> [one_edit_apart(a, b) for a, b in [("wells", "wellls"), ("jenkins", "jeknins"),
    ...                                      ("cheryl", "cheril"), ("claire", "clare"), ("amy", "zoe")]]
    [True, True, True, True, False]
    """
    if left == right:
        return True
    if abs(len(left) - len(right)) > 1:
        return False
    start = 0
    while start < min(len(left), len(right)) and left[start] == right[start]:
        start += 1
    if len(left) == len(right):
        if left[start + 1:] == right[start + 1:]:
            return True  # one substituted
        return (left[start:start + 2] == right[start:start + 2][::-1]
                and left[start + 2:] == right[start + 2:])  # two neighbours transposed
    longer, shorter = (left, right) if len(left) > len(right) else (right, left)
    return longer[start + 1:] == shorter[start:]

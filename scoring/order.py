"""What puts each person on an ordered offender list above the next one: ``order_reason``.

A list is ordered by several keys (the overall list: score, then victims, harm, the most
recent incident and the person id). Each row's reason names the first key on which it differs
from the row below and both values, so a panel sees why two people are in that order: on
score, the component that gave the most of the gap; on a tie-break, which tie-break decided.
Each value is worded once per list, and each row's reason filled in in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.config import RFGV, ScoringConfig
from core.arrow_codes import arrow_text
from scoring.reasons import day_codes, filled

# How each ordering key is named in "same ... as rank N".
_SAME = {"score": "score", "female_victims": "women and girls harmed", "victims": "victims", "harm": "harm",
         "last_incident": "last incident"}


def _words(values: np.ndarray, decimals: int = 0) -> tuple[np.ndarray, pa.Array]:
    """'1,234' or '1,234.5' for each value, as a code per value into the distinct values' words
    (each distinct value worded once: counts repeat a lot).

    >>> codes, words = _words(np.array([1234.5, 7.0, 1234.5]), 1)
    >>> words.take(codes).to_pylist()
    ['1,234.5', '7.0', '1,234.5']
    """
    codes, distinct = pd.factorize(values)
    pattern = "{:,.%df}" % decimals
    words = arrow_text(np.array([pattern.format(value) for value in distinct.tolist()] + ["nan"], dtype=object))
    return np.where(codes < 0, len(distinct), codes), words


class _Pairs:
    """Each row of an ordered list against the row below it. A column is worded once for the
    whole list (a row's value below is the next row's own); a reason is filled in for the rows
    that need it (``rows``: positions among all rows but the last), in one Arrow step."""

    def __init__(self, ranked: pd.DataFrame) -> None:
        self.ranked = ranked
        self.ranks_below = pc.cast(pa.array(ranked["rank"].to_numpy()[1:]), pa.large_string())
        self._worded: dict[tuple[str, int], tuple[np.ndarray, pa.Array]] = {}

    def both(self, column: str, rows: np.ndarray, decimals: int = 0) -> tuple[pa.Array, pa.Array]:
        """The words of ``column`` on each row in ``rows`` and on the row below it."""
        key = (column, decimals)
        if key not in self._worded:
            values = self.ranked[column].to_numpy()
            if column == "last_incident":
                codes, days = day_codes(values)
                self._worded[key] = (codes, arrow_text(days))
            else:
                self._worded[key] = _words(values, decimals)
        codes, words = self._worded[key]
        return words.take(codes[rows]), words.take(codes[rows + 1])

    def values(self, column: str, rows: np.ndarray, below: bool = False) -> np.ndarray:
        return self.ranked[column].to_numpy()[rows + int(below)]

    def fill(self, rows: np.ndarray, template: str, *parts: pa.Array) -> pa.Array:
        """``template`` filled in for each row in ``rows``: first the rank of the row below it."""
        return filled(template, self.ranks_below.take(rows), *parts)


def _assembled(size: int, pieces: list[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """One text per position from ``pieces`` (positions, their texts), which cover each once."""
    at = np.concatenate([rows for rows, _ in pieces])
    place = np.empty(size, dtype=np.int64)
    place[at] = np.arange(size)
    return pa.concat_arrays([texts for _, texts in pieces]).take(place)


def _at_liberty(pairs: _Pairs, rows: np.ndarray) -> pa.Array:
    """' (50 vs 120 of them at liberty)' where custody shortened either's quiet time, else ''."""
    if "days_at_liberty" not in pairs.ranked:
        return pa.array([""] * len(rows), pa.large_string())
    held = (pairs.values("custody_days", rows) > 0) | (pairs.values("custody_days", rows, below=True) > 0)
    said = filled(" (%s vs %s of them at liberty)", *pairs.both("days_at_liberty", rows))
    return pc.if_else(pa.array(held), said, pa.scalar("", pa.large_string()))


# The measure behind each component, a row against the one below: (template, column, decimals).
_COMPONENT_PHRASES = {"recency": ("last incident %s vs %s days ago%s", "days_since_last", 0),
                      "frequency": ("%s vs %s incidents", "incidents", 0),
                      "gravity": ("%s vs %s harm days", "harm", 1),
                      "victims": ("%s vs %s victims", "victims", 0)}


def _by_score(pairs: _Pairs, rows: np.ndarray, config: ScoringConfig, lead: str) -> pa.Array:
    """'higher score (91.20 vs 88.05), mostly gravity: 1,203.0 vs 890.0 harm days'."""
    weights = config.weights.model_dump()
    gains = np.column_stack([weights[c] * (pairs.values(f"{c}_points", rows).astype("float64")
                                           - pairs.values(f"{c}_points", rows, below=True).astype("float64"))
                             for c in RFGV])
    most = gains.argmax(axis=1) if len(gains) else np.zeros(0, dtype=np.int64)
    pieces = []
    # Each row names one component: its phrase is worded only for the rows it names.
    for place, component in enumerate(RFGV):
        chosen = np.flatnonzero(most == place)
        if not len(chosen):
            continue
        template, column, decimals = _COMPONENT_PHRASES[component]
        named = rows[chosen]
        extra = (_at_liberty(pairs, named),) if component == "recency" else ()
        pieces.append((chosen, pairs.fill(named, lead + "higher score (%s vs %s), mostly " + component + ": " + template,
                                          *pairs.both("score", named, 2), *pairs.both(column, named, decimals),
                                          *extra)))
    return _assembled(len(rows), pieces)


# The reason a tie-break decided: (template, decimals).
_BY_KEY = {"female_victims": ("more women and girls harmed (%s vs %s)", 0), "victims": ("more victims (%s vs %s)", 0),
           "harm": ("more harm (%s vs %s harm days)", 1), "last_incident": ("a more recent last incident (%s vs %s)", 0)}


def _by_key(key: str, pairs: _Pairs, rows: np.ndarray, config: ScoringConfig, lead: str) -> pa.Array:
    """Each row's reason when ``key`` decided it (``lead``: the template's start, the rank first)."""
    if key == "score":
        return _by_score(pairs, rows, config, lead)
    if key in _BY_KEY:
        template, decimals = _BY_KEY[key]
        return pairs.fill(rows, lead + template, *pairs.both(key, rows, decimals))
    return pairs.fill(rows, lead + "earlier in person id order (nothing in the evidence tells them apart)")


def order_reasons(ranked: pd.DataFrame, order: Sequence[str], config: ScoringConfig) -> pd.Series:
    """Per row of a list already sorted by ``order`` (the last key, the person code, ascending;
    the others descending): why it is above the next row.

    ``ranked`` carries ``rank``, the ordering keys and, for score, the four ``*_points``,
    ``days_since_last``, ``incidents``, ``harm`` and ``victims``.

    >>> from scoring.config import load_config
    >>> ranked = pd.DataFrame({"rank": [1, 2, 3], "score": [80.0, 70.0, 70.0], "victims": [3, 2, 2],
    ...     "harm": [500.0, 40.0, 40.0], "last_incident": pd.to_datetime(["2026-01-02"] * 3),
    ...     "person": [4, 2, 9], "days_since_last": [10, 10, 10], "incidents": [5, 5, 5],
    ...     "recency_points": [5.0] * 3, "frequency_points": [4.0] * 3,
    ...     "gravity_points": [4.2, 2.8, 2.8], "victims_points": [4.0, 3.0, 3.0]})
    >>> for reason in order_reasons(ranked, ["score", "victims", "harm", "last_incident", "person"], load_config()):
    ...     print(reason)
    above rank 2: higher score (80.00 vs 70.00), mostly gravity: 500.0 vs 40.0 harm days
    above rank 3: same score, victims, harm and last incident; earlier in person id order (nothing in the evidence tells them apart)
    last on the list
    """
    if len(ranked) < 2:
        return pd.Series(["last on the list"] * len(ranked), index=ranked.index, dtype="str")
    pairs = _Pairs(ranked)
    decided = np.full(len(ranked) - 1, -1)
    for place, key in enumerate(order):
        values = ranked[key].to_numpy()
        differs = (values[:-1] != values[1:]) & (decided < 0)
        decided[differs] = place
    pieces = [(np.array([len(ranked) - 1]), pa.array(["last on the list"], pa.large_string()))]
    for place, key in enumerate(order):
        rows = np.flatnonzero(decided == place)
        if not len(rows):
            continue
        same = [_SAME[k] for k in order[:place] if k in _SAME]
        prefix = ("same " + (", ".join(same[:-1]) + " and " + same[-1] if len(same) > 1 else same[0]) + "; "
                  if same else "")
        pieces.append((rows, _by_key(key, pairs, rows, config, "above rank %s: " + prefix)))
    return pd.Series(_assembled(len(ranked), pieces), index=ranked.index, dtype="str")

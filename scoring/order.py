"""What puts each person on an ordered offender list above the next one: ``order_reason``.

A list is ordered by several keys (the overall list: score, then victims, harm, the most
recent incident and the person id). Each row's reason names the first key on which it differs
from the row below and both values, so a panel sees why two people are in that order: on
score, the component that gave the most of the gap; on a tie-break, which tie-break decided.
Built once per list, column by column (no loop over rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scoring.config import RFGV, ScoringConfig
from scoring.reasons import dates_text

# How each ordering key is named in "same ... as rank N".
_SAME = {"score": "score", "female_victims": "women and girls harmed", "victims": "victims", "harm": "harm",
         "last_incident": "last incident"}


def _number(values: pd.Series, decimals: int = 0) -> pd.Series:
    """'1,234' or '1,234.5' for each value (each distinct value worded once: counts repeat a lot)."""
    codes, distinct = pd.factorize(values)
    words = np.array([("{:,.%df}" % decimals).format(value) for value in distinct.tolist()] + ["nan"], dtype=object)
    return pd.Series(words[codes], index=values.index, dtype=object).astype(str)


def _versus(this: pd.Series, below: pd.Series, decimals: int = 0) -> pd.Series:
    # Worded together: a row's value below is the next row's own, so most values are shared.
    both = _number(pd.concat([this, below], ignore_index=True), decimals).to_numpy(dtype=object)
    return pd.Series(both[:len(this)] + " vs " + both[len(this):], index=this.index, dtype="str")


def _at_liberty(this: pd.DataFrame, below: pd.DataFrame) -> pd.Series | str:
    """' (50 vs 120 of them at liberty)' where custody shortened either's quiet time, else ''."""
    if "days_at_liberty" not in this:
        return ""
    held = (this["custody_days"].to_numpy() > 0) | (below["custody_days"].to_numpy() > 0)
    return pd.Series(np.where(held, " (" + _versus(this["days_at_liberty"], below["days_at_liberty"])
                              + " of them at liberty)", ""), index=this.index)


def _component_phrase(component: str, this: pd.DataFrame, below: pd.DataFrame) -> pd.Series:
    """The measure behind ``component``, this row against the one below."""
    if component == "recency":
        return ("last incident " + _versus(this["days_since_last"], below["days_since_last"]) + " days ago"
                + _at_liberty(this, below))
    if component == "frequency":
        return _versus(this["incidents"], below["incidents"]) + " incidents"
    if component == "gravity":
        return _versus(this["harm"], below["harm"], 1) + " harm days"
    return _versus(this["victims"], below["victims"]) + " victims"


def _by_score(this: pd.DataFrame, below: pd.DataFrame, config: ScoringConfig) -> pd.Series:
    """'higher score (91.20 vs 88.05), mostly gravity: 1,203.0 vs 890.0 harm days'."""
    weights = config.weights.model_dump()
    gains = np.column_stack([weights[c] * (this[f"{c}_points"].to_numpy(dtype="float64")
                                           - below[f"{c}_points"].to_numpy(dtype="float64")) for c in RFGV])
    most = gains.argmax(axis=1) if len(gains) else np.zeros(0, dtype=np.int64)
    # Each row names one component: its phrase is worded only for the rows it names.
    named = pd.Series("", index=this.index, dtype=object)
    for place, component in enumerate(RFGV):
        rows = most == place
        if rows.any():
            named[rows] = (component + ": " + _component_phrase(component, this[rows], below[rows])).to_numpy(
                dtype=object)
    return "higher score (" + _versus(this["score"], below["score"], 2) + "), mostly " + named


def _by_key(key: str, this: pd.DataFrame, below: pd.DataFrame, config: ScoringConfig) -> pd.Series:
    if key == "score":
        return _by_score(this, below, config)
    if key == "female_victims":
        return "more women and girls harmed (" + _versus(this[key], below[key]) + ")"
    if key == "victims":
        return "more victims (" + _versus(this[key], below[key]) + ")"
    if key == "harm":
        return "more harm (" + _versus(this[key], below[key], 1) + " harm days)"
    if key == "last_incident":
        return ("a more recent last incident (" + dates_text(this[key]) + " vs " + dates_text(below[key]) + ")")
    return pd.Series("earlier in person id order (nothing in the evidence tells them apart)", index=this.index)


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
    out = pd.Series("last on the list", index=ranked.index, dtype=object)
    if len(ranked) < 2:
        return out.astype(str)
    # Only the columns a reason reads: selecting rows of the whole list would copy all of them.
    read = ["rank", *order, *(f"{c}_points" for c in RFGV), "days_since_last", "incidents", "harm", "victims",
            "custody_days", "days_at_liberty"]
    ranked = ranked[[c for c in dict.fromkeys(read) if c in ranked]]
    this = ranked.iloc[:-1]
    below = ranked.iloc[1:].set_axis(this.index)
    decided = np.full(len(this), -1)
    for place, key in enumerate(order):
        differs = (this[key].to_numpy() != below[key].to_numpy()) & (decided < 0)
        decided[differs] = place
    texts = np.full(len(this), "", dtype=object)  # a NumPy array: setting rows of a Series aligns them first
    for place, key in enumerate(order):
        rows = decided == place
        if not rows.any():
            continue
        same = [_SAME[k] for k in order[:place] if k in _SAME]
        prefix = ("same " + (", ".join(same[:-1]) + " and " + same[-1] if len(same) > 1 else same[0]) + "; "
                  if same else "")
        texts[rows] = (prefix + _by_key(key, this[rows], below[rows], config)).to_numpy(dtype=object)
    lead = "above rank " + below["rank"].astype(str) + ": "
    out.iloc[:-1] = (lead + pd.Series(texts, index=this.index).astype(str)).to_numpy(dtype=object)
    return out.astype(str)

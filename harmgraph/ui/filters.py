"""Filters for the candidate list (pure pandas, so tests can call them directly)."""

from __future__ import annotations

import pandas as pd

from harmgraph.ui.format import in_area


def filter_candidates(ranked: pd.DataFrame, districts: pd.Series, *, min_victims: int = 0,
                      flags: tuple[str, ...] = (), area: str = "", search: str = "") -> pd.DataFrame:
    """The rows of ``ranked`` passing every filter, with a ``district`` column (ranks kept).

    ``districts`` maps person_id to postcode district; ``area`` is a district ('NE1') or an
    area ('NE'); ``search`` matches name, person id or record id, case-insensitively.
    """
    frame = ranked.assign(district=ranked["person_id"].map(districts))
    keep = frame["victims"].fillna(0) >= min_victims
    # Every flag a row has, including those the list says once in its notes instead of on each row.
    carried = frame["all_flags"] if "all_flags" in frame else frame["flags"]
    wrapped = ";" + carried.fillna("").astype(str) + ";"
    for flag in flags:
        keep &= wrapped.str.contains(f";{flag};", regex=False)
    if area.strip():
        keep &= in_area(frame["district"], area)
    if search.strip():
        needle = search.strip().lower()
        keep &= (frame["display_name"].fillna("").str.lower().str.contains(needle, regex=False)
                 | frame["person_id"].astype(str).str.lower().str.contains(needle, regex=False)
                 | frame["record_ids"].fillna("").str.lower().str.contains(needle, regex=False))
    return frame[keep.to_numpy(dtype=bool)]

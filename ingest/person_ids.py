"""Person ids that survive re-resolution: the one place a person id is given.

A person id, once issued, stays with its person:

* a cluster that holds the records of one earlier person (plus new records, or minus deleted
  ones) keeps that person's id;
* when clusters **merge**, the id issued first survives; the others become redirects
  (``merged`` events pointing at the survivor);
* when a cluster **splits**, the id stays with the part holding its *anchor* (the record the
  id was first issued for, i.e. the person's earliest record); the other parts get new ids
  (``issued`` with the id they came from, and a ``split`` event on the old id);
* an id whose records are all gone is ``retired``.

New ids are derived from the cluster's smallest record id (``person_id_for``), which only
matters the first time: an id is never re-derived afterwards. Ids are never reused: a
derived id already issued (or taken by another cluster) gets the long form of its hash.

Everything here is vectorised for the common case (a cluster unchanged, or only gaining new
records); only clusters whose earlier ids merge or split go through Python.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd

from graph.batch import LINEAGE_COLUMNS, empty_frame

__all__ = ["assign_person_ids", "person_id_for", "stamp_lineage"]


def person_id_for(record_ids: Iterable[str]) -> str:
    """The id first issued to a person whose smallest record id is ``min(record_ids)``.

    >>> person_id_for(["R2", "R1"])
    'P-95ced8b121'
    """
    anchor = min(record_ids)
    return "P-" + hashlib.sha1(anchor.encode("utf-8")).hexdigest()[:10]


def _long_id(anchor: str, counter: int = 0) -> str:
    base = "P-" + hashlib.sha1(anchor.encode("utf-8")).hexdigest()[:16]
    return base if counter == 0 else f"{base}-{counter}"


def _registry(previous: pd.DataFrame, lineage: pd.DataFrame) -> tuple[dict[str, tuple[int, str]], set[str]]:
    """Each earlier id's (issue order, anchor record), and every id ever used.

    Ids from before the lineage was kept count as issued before all others, anchored at
    their smallest record (the rule that derived them).
    """
    registry: dict[str, tuple[int, str]] = {}
    taken: set[str] = set(previous["person_id"].dropna().astype(str))
    if len(previous):
        legacy = previous.groupby("person_id", sort=False)["record_id"].min()
        registry.update((pid, (-1, anchor)) for pid, anchor in legacy.items())
    if lineage is not None and len(lineage):
        issued = lineage[lineage["event"] == "issued"]
        registry.update((pid, (int(seq), str(anchor))) for pid, seq, anchor in
                        zip(issued["person_id"], issued["seq"], issued["record_id"]))
        taken |= set(lineage["person_id"].dropna().astype(str))
        taken |= set(lineage["other_id"].dropna().astype(str))
    return registry, taken


class _Ids:
    """Hands out new ids that clash with nothing issued before or in this run."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken

    def new(self, anchor: str) -> str:
        candidate, counter = person_id_for([anchor]), 0
        while candidate in self.taken:
            candidate = _long_id(anchor, counter)
            counter += 1
        self.taken.add(candidate)
        return candidate


def assign_person_ids(components: pd.DataFrame, previous: pd.DataFrame | None = None,
                      lineage: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Person ids for ``components`` (record_id, component), stable against ``previous``
    (record_id, person_id) and the ``lineage`` so far.

    Returns (clusters: record_id, person_id in the order of ``components``; events: the
    LINEAGE_COLUMNS rows this assignment adds, numbered on from the lineage, with ``at`` and
    ``cause`` left empty for the caller to stamp).

    >>> comps = pd.DataFrame({"record_id": ["a", "b", "c"], "component": ["1", "1", "2"]})
    >>> first, events = assign_person_ids(comps)
    >>> first["person_id"].tolist(), events["event"].tolist()
    (['P-86f7e437fa', 'P-86f7e437fa', 'P-84a516841b'], ['issued', 'issued'])
    >>> merged = pd.DataFrame({"record_id": ["a", "b", "c"], "component": ["x", "x", "x"]})
    >>> second, more = assign_person_ids(merged, first, events)
    >>> second["person_id"].unique().tolist(), more[["event", "person_id", "other_id"]].values.tolist()
    (['P-86f7e437fa'], [['merged', 'P-84a516841b', 'P-86f7e437fa']])
    """
    previous = previous if previous is not None else pd.DataFrame(columns=["record_id", "person_id"])
    previous = previous[["record_id", "person_id"]].drop_duplicates("record_id")
    frame = pd.DataFrame({"record_id": components["record_id"].astype(str).to_numpy(),
                          "component": components["component"].astype(str).to_numpy()})
    last = previous.set_index("record_id")["person_id"]
    frame["prev"] = last.reindex(frame["record_id"]).to_numpy()
    registry, taken = _registry(previous, lineage)
    ids = _Ids(taken)
    events: list[tuple[str, str, str | None, str | None]] = []  # event, person, other, record

    per_component = frame.groupby("component", sort=False)
    anchors = per_component["record_id"].min()
    n_prev = per_component["prev"].nunique()
    first_prev = per_component["prev"].first()
    spread = frame.dropna(subset=["prev"]).groupby("prev")["component"].nunique()
    first_spread = spread.reindex(first_prev.to_numpy()).to_numpy()
    simple = (n_prev.to_numpy() == 1) & (first_spread == 1)
    fresh = n_prev.to_numpy() == 0

    chosen = pd.Series(np.where(simple, first_prev.to_numpy(), None), index=anchors.index, dtype=object)
    # New persons: derived ids, vectorised; the rare clash is settled one by one.
    fresh_anchors = anchors[fresh].sort_values()
    derived = pd.Series(["P-" + hashlib.sha1(a.encode("utf-8")).hexdigest()[:10]
                         for a in fresh_anchors.to_numpy(dtype=object).tolist()], index=fresh_anchors.index,
                        dtype=object)
    clash = derived.duplicated(keep="first").to_numpy() | np.isin(derived.to_numpy(), list(taken))
    taken.update(derived[~clash].tolist())
    for component in derived.index[clash]:
        derived[component] = ids.new(fresh_anchors[component])
    chosen[derived.index] = derived
    new_issues = [(component, None) for component in derived.index]

    complex_components = anchors.index[~simple & ~fresh]
    if len(complex_components):
        new_issues += _settle(frame, complex_components, anchors, registry, ids, chosen, events)

    # Issued events for every new id, in anchor order (deterministic), then the rest.
    # Looked up for all at once: one Series lookup per new person cost a minute at 2M records.
    # Anchors are distinct record ids, so ordering by anchor alone is the deterministic order.
    issue_components = [component for component, _ in new_issues]
    issued_anchor = anchors.reindex(issue_components).to_numpy(dtype=object)
    order = np.argsort(issued_anchor.astype(str), kind="stable")
    issued_pid = chosen.reindex(issue_components).to_numpy(dtype=object)[order].tolist()
    issued_parent = np.asarray([parent for _, parent in new_issues], dtype=object)[order].tolist()
    rows = [("issued", pid, parent, anchor) for pid, parent, anchor in
            zip(issued_pid, issued_parent, issued_anchor[order].tolist())]
    rows += [(event, pid, other, record) for event, pid, other, record in events]
    retired = sorted(set(previous["person_id"].dropna()) - set(frame["prev"].dropna()))
    rows += [("retired", pid, None, None) for pid in retired]
    start = int(lineage["seq"].max()) + 1 if lineage is not None and len(lineage) else 1
    lineage_rows = pd.DataFrame(rows, columns=["event", "person_id", "other_id", "record_id"])
    lineage_rows.insert(0, "seq", np.arange(start, start + len(lineage_rows), dtype=np.int64))
    lineage_rows["at"] = pd.NaT
    lineage_rows["cause"] = None
    if lineage_rows.empty:
        lineage_rows = empty_frame(LINEAGE_COLUMNS)

    clusters = pd.DataFrame({"record_id": frame["record_id"].to_numpy(),
                             "person_id": chosen.reindex(frame["component"]).to_numpy()})
    return clusters, lineage_rows[LINEAGE_COLUMNS]


def _settle(frame: pd.DataFrame, components: pd.Index, anchors: pd.Series,
            registry: dict[str, tuple[int, str]], ids: _Ids, chosen: pd.Series,
            events: list[tuple[str, str, str | None, str | None]]) -> list[tuple[str, str | None]]:
    """Ids for clusters where earlier persons merged or split; returns the new issues
    (component, parent id) and appends merged/split events."""
    involved = frame[frame["component"].isin(components)]
    olds = sorted(set(involved["prev"].dropna()))
    # Every record of an involved old id, wherever it went (a split part may be 'simple'
    # on its own side only when it carries no other id; it is still counted here).
    theirs = frame[frame["prev"].isin(olds)]
    counts = theirs.groupby(["prev", "component"]).agg(n=("record_id", "size"),
                                                       first=("record_id", "min")).reset_index()
    anchor_component = frame.set_index("record_id")["component"]
    anchor_prev = frame.set_index("record_id")["prev"]
    home: dict[str, str] = {}
    for old, rows in counts.groupby("prev", sort=True):
        anchor = registry.get(old, (-1, ""))[1]
        if anchor in anchor_component.index and anchor_prev.get(anchor) == old:
            home[old] = anchor_component[anchor]
        else:  # its anchor is gone: the part with most of its records, then the smallest
            best = rows.sort_values(["n", "first"], ascending=[False, True]).iloc[0]
            home[old] = best["component"]
    homed: dict[str, list[str]] = {}
    for old, component in home.items():
        homed.setdefault(component, []).append(old)

    issues: list[tuple[str, str | None]] = []
    touched = sorted(set(counts["component"]), key=lambda c: anchors[c])
    for component in touched:
        claimants = homed.get(component, [])
        if claimants:
            survivor = min(claimants, key=lambda pid: (*registry.get(pid, (-1, "")), pid))
            chosen[component] = survivor
        else:
            chosen[component] = ids.new(anchors[component])
            came_from = counts[counts["component"] == component].sort_values(
                ["n", "first"], ascending=[False, True])
            issues.append((component, came_from["prev"].iloc[0]))
    for old, rows in counts.groupby("prev", sort=True):
        for component in sorted(set(rows["component"]) - {home[old]}, key=lambda c: anchors[c]):
            events.append(("split", old, chosen[component], None))
        if chosen[home[old]] != old:
            events.append(("merged", old, chosen[home[old]], None))
    return issues


def stamp_lineage(events: pd.DataFrame, cause: str, at: datetime | None = None) -> pd.DataFrame:
    """The events with the time and the cause (a load id, or the analyst's override) filled."""
    if events is None or events.empty:
        return empty_frame(LINEAGE_COLUMNS)
    stamped = events.copy()
    stamped["at"] = pd.Timestamp(at or datetime.now())
    stamped["cause"] = cause
    return stamped[LINEAGE_COLUMNS]

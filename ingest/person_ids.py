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
from collections.abc import Callable, Iterable
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.batch import LINEAGE_COLUMNS, empty_frame

__all__ = ["assign_person_ids", "derived_ids", "person_id_for", "stamp_lineage"]


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


def _registry(previous: pd.DataFrame, lineage: pd.DataFrame | None,
              wanted: set[str]) -> dict[str, tuple[int, str]]:
    """The ``wanted`` earlier ids' (issue order, anchor record).

    Ids from before the lineage was kept count as issued before all others, anchored at
    their smallest record (the rule that derived them). Only the ids a merge or split
    involves are looked up: building this for every earlier person cost seconds at 2M records.
    """
    registry: dict[str, tuple[int, str]] = {}
    if len(previous):
        theirs = previous[previous["person_id"].isin(wanted)]
        legacy = theirs.groupby("person_id", sort=False)["record_id"].min()
        registry.update((pid, (-1, anchor)) for pid, anchor in legacy.items())
    if lineage is not None and len(lineage):
        issued = lineage[(lineage["event"] == "issued") & lineage["person_id"].isin(wanted)]
        registry.update((pid, (int(seq), str(anchor))) for pid, seq, anchor in
                        zip(issued["person_id"], issued["seq"], issued["record_id"]))
    return registry


def _taken_ids(previous: pd.DataFrame, lineage: pd.DataFrame | None) -> pa.Array:
    """Every id used before (earlier persons, and both ends of every lineage event)."""
    parts = [previous["person_id"].dropna().astype(str).to_numpy(dtype=object)]
    if lineage is not None and len(lineage):
        parts += [lineage[column].dropna().astype(str).to_numpy(dtype=object)
                  for column in ("person_id", "other_id")]
    return pa.array(np.concatenate(parts), pa.string())


class _Ids:
    """Hands out new ids that clash with nothing issued before or in this run.

    The set of ids in use is built only when a new id has to be checked one by one (a
    merge, a split or a clash), from what ``taken`` returns then.
    """

    def __init__(self, taken: Callable[[], set[str]]) -> None:
        self._make_taken = taken
        self._taken: set[str] | None = None

    @property
    def taken(self) -> set[str]:
        if self._taken is None:
            self._taken = self._make_taken()
        return self._taken

    def new(self, anchor: str) -> str:
        candidate, counter = person_id_for([anchor]), 0
        while candidate in self.taken:
            candidate = _long_id(anchor, counter)
            counter += 1
        self.taken.add(candidate)
        return candidate


# From this many anchors on, DuckDB hashes them (in C, on every core): Python's hashlib
# one string at a time took seconds for the 1.8M persons of a 1M-incident force.
HASH_IN_ENGINE_FROM = 20_000


def derived_ids(anchors: np.ndarray, in_engine_from: int = HASH_IN_ENGINE_FROM) -> np.ndarray:
    """``person_id_for`` of each anchor (an object array of str), in one pass.

    >>> anchors = np.array(["R1", "Ré9"], dtype=object)
    >>> derived_ids(anchors).tolist() == [person_id_for([a]) for a in anchors]
    True
    >>> derived_ids(anchors, in_engine_from=1).tolist() == derived_ids(anchors).tolist()
    True
    """
    if len(anchors) < in_engine_from:
        sha1 = hashlib.sha1
        return np.array(["P-" + sha1(anchor.encode("utf-8")).hexdigest()[:10]
                         for anchor in anchors.tolist()], dtype=object)
    anchor_table = pa.table({"anchor": pa.array(anchors, pa.string())})
    with duckdb.connect() as con:
        con.register("anchor_table", anchor_table)
        derived = con.sql("SELECT 'P-' || left(sha1(anchor), 10) AS person_id FROM anchor_table")
        column = derived.to_arrow_table().column("person_id")
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)


def _first_per_group(groups: np.ndarray, n_groups: int) -> np.ndarray:
    """The position of each group's first row (-1 for a group with none)."""
    seen, first = np.unique(groups, return_index=True)
    position = np.full(n_groups, -1, dtype=np.int64)
    position[seen] = first
    return position


def assign_person_ids(components: pd.DataFrame, previous: pd.DataFrame | None = None,
                      lineage: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Person ids for ``components`` (record_id, component), stable against ``previous``
    (record_id, person_id) and the ``lineage`` so far.

    Returns (clusters: record_id, person_id in the order of ``components``; events: the
    LINEAGE_COLUMNS rows this assignment adds, numbered on from the lineage, with ``at`` and
    ``cause`` left empty for the caller to stamp).

    Components and earlier ids are worked on as integer codes (string ids are factorised
    once); only clusters whose earlier ids merge or split go through Python.

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
    record = components["record_id"].astype(str).to_numpy(dtype=object)
    component_code, component_name = pd.factorize(components["component"].astype(str))
    component_name = np.asarray(component_name, dtype=object)
    n_components = len(component_name)

    # The earlier id of each record, as a code into the earlier ids (-1: a new record).
    earlier_code, earlier_id = pd.factorize(previous["person_id"])
    earlier_id = np.asarray(earlier_id, dtype=object)
    n_earlier = len(earlier_id)
    row = pd.Index(previous["record_id"]).get_indexer(record) if len(previous) \
        else np.full(len(record), -1)
    prev = np.where(row >= 0, earlier_code[row] if len(previous) else -1, -1).astype(np.int64)

    # The anchor of each component: its smallest record id. One sort of the record ids
    # (Arrow's, byte order, which is Python's order of str) ranks them all.
    by_record = np.asarray(pc.sort_indices(pa.array(record, pa.string())), dtype=np.int64)
    anchor_rank = _first_per_group(component_code[by_record], n_components)
    anchor = record[by_record[anchor_rank]]

    # How many earlier ids each component holds, and over how many components each earlier
    # id is spread now.
    known = np.flatnonzero(prev >= 0)
    pairs = np.unique(component_code[known].astype(np.int64) * max(n_earlier, 1) + prev[known])
    n_prev = np.bincount(pairs // max(n_earlier, 1), minlength=n_components)
    spread = np.bincount(pairs % max(n_earlier, 1), minlength=max(n_earlier, 1))
    first_known = _first_per_group(component_code[known], n_components)
    first_prev = np.full(n_components, -1, dtype=np.int64)
    holds = first_known >= 0
    first_prev[holds] = prev[known[first_known[holds]]]
    first_spread = np.where(first_prev >= 0, spread[np.maximum(first_prev, 0)], 0)
    simple = (n_prev == 1) & (first_spread == 1)
    fresh = n_prev == 0

    chosen = np.full(n_components, None, dtype=object)
    chosen[simple] = earlier_id[first_prev[simple]]

    # New persons: derived ids, vectorised; the rare clash is settled one by one.
    fresh_components = np.flatnonzero(fresh)
    fresh_components = fresh_components[np.argsort(anchor_rank[fresh_components], kind="stable")]
    derived = derived_ids(anchor[fresh_components])
    derived_arrow = pa.array(derived, pa.string())
    clash = pd.Series(derived).duplicated(keep="first").to_numpy() | np.asarray(
        pc.fill_null(pc.is_in(derived_arrow, value_set=_taken_ids(previous, lineage)), False),
        dtype=bool)

    def taken() -> set[str]:
        ids = set(_taken_ids(previous, lineage).to_pylist())
        ids.update(derived[~clash].tolist())
        return ids

    ids = _Ids(taken)
    for component in fresh_components[clash].tolist():
        chosen[component] = ids.new(anchor[component])
    chosen[fresh_components[~clash]] = derived[~clash]
    issue_components = fresh_components.tolist()
    issue_parents: list[str | None] = [None] * len(issue_components)

    events: list[tuple[str, str, str | None, str | None]] = []  # event, person, other, record
    complex_components = np.flatnonzero(~simple & ~fresh)
    if len(complex_components):
        involved = np.isin(component_code, complex_components)
        prev_id = np.where(prev >= 0, earlier_id[np.maximum(prev, 0)] if n_earlier else None, None)
        frame = pd.DataFrame({"record_id": record[involved],
                              "component": component_name[component_code[involved]],
                              "prev": pd.array(prev_id[involved], dtype=object)})
        frame["prev"] = frame["prev"].where(frame["prev"].notna(), np.nan)
        anchors = pd.Series(anchor[complex_components], index=component_name[complex_components])
        settled = pd.Series(chosen[complex_components], index=anchors.index, dtype=object)
        olds = set(frame["prev"].dropna())
        issues = _settle(frame, anchors, _registry(previous, lineage, olds), ids, settled, events)
        chosen[complex_components] = settled.to_numpy(dtype=object)
        code_of = dict(zip(component_name[complex_components].tolist(), complex_components.tolist()))
        issue_components += [code_of[component] for component, _ in issues]
        issue_parents += [parent for _, parent in issues]

    # Issued events for every new id, in anchor order (deterministic), then the rest.
    # Anchors are distinct record ids, so ordering by anchor alone is the deterministic order.
    issue_array = np.asarray(issue_components, dtype=np.int64)
    order = np.argsort(anchor_rank[issue_array], kind="stable")
    issue_array = issue_array[order]
    n_issued = len(issue_array)
    retired = sorted(earlier_id[np.bincount(prev[known], minlength=n_earlier)[:n_earlier] == 0]
                     .tolist())
    event_column = ["issued"] * n_issued + [event for event, *_ in events] + ["retired"] * len(retired)
    person_column = (chosen[issue_array].tolist() + [pid for _, pid, _, _ in events] + retired)
    other_column = (np.asarray(issue_parents, dtype=object)[order].tolist()
                    + [other for _, _, other, _ in events] + [None] * len(retired))
    record_column = (anchor[issue_array].tolist() + [record_id for *_, record_id in events]
                     + [None] * len(retired))
    start = int(lineage["seq"].max()) + 1 if lineage is not None and len(lineage) else 1
    if not event_column:
        lineage_rows = empty_frame(LINEAGE_COLUMNS)
    else:
        lineage_rows = pd.DataFrame({
            "seq": np.arange(start, start + len(event_column), dtype=np.int64),
            "event": event_column, "person_id": person_column, "other_id": other_column,
            "record_id": record_column, "at": pd.NaT, "cause": None})

    clusters = pd.DataFrame({"record_id": record, "person_id": chosen[component_code]})
    return clusters, lineage_rows[LINEAGE_COLUMNS]


def _settle(frame: pd.DataFrame, anchors: pd.Series,
            registry: dict[str, tuple[int, str]], ids: _Ids, chosen: pd.Series,
            events: list[tuple[str, str, str | None, str | None]]) -> list[tuple[str, str | None]]:
    """Ids for clusters where earlier persons merged or split; returns the new issues
    (component, parent id) and appends merged/split events.

    ``frame`` (record_id, component, prev) holds the records of those clusters only: every
    record of an earlier id they hold is among them (a cluster holding a record of an id
    spread over several clusters is one of them), and so is that id's anchor if it still
    carries the id.
    """
    theirs = frame[frame["prev"].notna()]
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

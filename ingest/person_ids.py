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
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.arrow_codes import arrow_text, positions_of, sort_order, text_buffers
from core.distinct import first_rows, marked_codes, sorted_distinct
from graph.batch import LINEAGE_COLUMNS, empty_frame

__all__ = ["AssignedIds", "PersonCodes", "assign_person_ids", "assign_person_ids_and_count", "derived_ids",
           "person_id_for", "stamp_lineage"]


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


def _earlier_ids(previous: pd.DataFrame, lineage: pd.DataFrame | None) -> list[pa.Array]:
    """Every id used before, as Arrow text: earlier persons, both ends of every lineage event."""
    columns = [previous["person_id"]]
    if lineage is not None and len(lineage):
        columns += [lineage["person_id"], lineage["other_id"]]
    return [arrow_text(column.array) for column in columns]


def _used_before(candidates: pa.Array, previous: pd.DataFrame,
                 lineage: pd.DataFrame | None) -> np.ndarray:
    """Whether each candidate id was used before (:func:`_earlier_ids`).

    The earlier ids are looked up in the candidates, not the other way round: hashing the few
    new ids costs nothing, hashing the millions of earlier ones (every lineage event) took
    seconds on every load.

    >>> earlier = pd.DataFrame({"person_id": ["P-1", "P-2"]})
    >>> _used_before(pa.array(["P-2", "P-3"]), earlier, None).tolist()
    [True, False]
    """
    used = np.zeros(len(candidates), dtype=bool)
    # (a first load has no earlier ids: hashing its millions of candidates found nothing)
    earlier_ids = [earlier for earlier in _earlier_ids(previous, lineage) if len(earlier)]
    if not len(candidates) or not earlier_ids:
        return used
    wanted = candidates.cast(pa.large_string())
    for earlier in earlier_ids:
        used |= positions_of(earlier, wanted) >= 0
    return used


class _Ids:
    """Hands out new ids that clash with nothing issued before or in this run.

    ``in_use`` gives the ids in use as Arrow arrays, asked for only when a new id has to be
    checked one by one (a merge, a split or a clash). The first few checks scan those arrays
    in C; a set of them is built only when many are asked (a first load of 1.8M persons has
    one or two hash clashes, and building the set cost 0.3 s).
    """

    SCAN_UP_TO = 32

    def __init__(self, in_use: Callable[[], list[pa.Array]]) -> None:
        self._make_in_use = in_use
        self._arrays: list[pa.Array] | None = None
        self._set: set[str] | None = None
        self._issued: set[str] = set()
        self._asked = 0

    def _in_use(self, candidate: str) -> bool:
        if candidate in self._issued:
            return True
        if self._arrays is None:
            self._arrays = [array for array in self._make_in_use() if len(array)]
        self._asked += 1
        if self._set is None and self._asked > self.SCAN_UP_TO:
            self._set = {text for array in self._arrays for text in pc.unique(pc.drop_null(array)).to_pylist()}
        if self._set is not None:
            return candidate in self._set
        return any(pc.any(pc.equal(array, pa.scalar(candidate, array.type))).as_py() for array in self._arrays)

    def new(self, anchor: str) -> str:
        candidate, counter = person_id_for([anchor]), 0
        while self._in_use(candidate):
            candidate = _long_id(anchor, counter)
            counter += 1
        self._issued.add(candidate)
        return candidate


# From this many anchors on, DuckDB hashes them (in C, on every core): Python's hashlib
# one string at a time took seconds for the 1.8M persons of a 1M-incident force.
HASH_IN_ENGINE_FROM = 20_000


def derived_ids(anchors: pa.Array, in_engine_from: int = HASH_IN_ENGINE_FROM) -> pa.Array:
    """``person_id_for`` of each anchor (Arrow text), in one pass, as Arrow text.

    >>> anchors = pa.array(["R1", "Ré9"])
    >>> derived_ids(anchors).to_pylist() == [person_id_for([a]) for a in anchors.to_pylist()]
    True
    >>> derived_ids(anchors, in_engine_from=1).to_pylist() == derived_ids(anchors).to_pylist()
    True
    """
    if len(anchors) < in_engine_from:
        sha1 = hashlib.sha1
        return pa.array(["P-" + sha1(anchor.encode("utf-8")).hexdigest()[:10]
                         for anchor in anchors.to_pylist()], pa.string())
    anchor_table = pa.table({"anchor": anchors})
    with duckdb.connect() as con:
        con.register("anchor_table", anchor_table)
        derived = con.sql("SELECT 'P-' || left(sha1(anchor), 10) AS person_id FROM anchor_table")
        column = derived.to_arrow_table().column("person_id")
    return column.combine_chunks().cast(pa.string())


# The value of each byte as a lowercase hex digit (-1: not one).
_HEX_DIGIT = np.full(256, -1, dtype=np.int8)
_HEX_DIGIT[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.int8)
_DERIVED_WIDTH = len(person_id_for(["R"]))  # "P-" and ten hex digits


def _derived_prefixes(ids: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """Each id's ten hex digits after ``P-`` as a number, and its length, when every id begins
    as a derived id does (``P-`` and ten lowercase hex digits, as :func:`person_id_for`
    gives; a long id begins so too); else None.

    The numbers are equal where the prefixes are and sort as their text does, so repeats and
    order are found on integers: hashing or sorting the text of the 1.8M new ids of a
    1M-incident force took over a second.

    >>> numbers, lengths = _derived_prefixes(pa.array(["P-000000000a", "P-0000000010", "P-0000000010ff"]))
    >>> numbers.tolist(), lengths.tolist()
    ([10, 16, 16], [12, 12, 14])
    >>> _derived_prefixes(pa.array(["P-000000000a", "P-00000000A0"])) is None
    True
    """
    if ids.null_count:
        return None
    offsets, data = text_buffers(ids)
    lengths = np.diff(offsets).astype(np.int64)
    if len(ids) and lengths.min() < _DERIVED_WIDTH:
        return None
    if np.all(lengths == _DERIVED_WIDTH):  # all derived: the text is one block of rows
        chars = data[offsets[0]:offsets[-1]].reshape(-1, _DERIVED_WIDTH)
    else:
        chars = data[offsets[:-1, None] + np.arange(_DERIVED_WIDTH)]
    if not (np.all(chars[:, 0] == ord("P")) and np.all(chars[:, 1] == ord("-"))):
        return None
    digits = _HEX_DIGIT[chars[:, 2:]]
    if np.any(digits < 0):
        return None
    # Two digits a byte, the five bytes read as one big-endian number.
    packed = np.zeros((len(ids), 8), dtype=np.uint8)
    packed[:, 3:] = (digits[:, 0::2] << 4) | digits[:, 1::2]
    return packed.view(">u8").ravel().astype(np.int64), lengths


def _derived_order(ids: pa.Array) -> np.ndarray | None:
    """The positions of ``ids`` (distinct) in ascending byte order, found on numbers when every
    id begins as a derived id does (:func:`_derived_prefixes`); else None. The few longer ids
    (a hash clash's long form) sort after the derived id they begin with, among themselves by
    the rest of their text.

    >>> _derived_order(pa.array(["P-0000000010", "P-0000000010-1", "P-000000000a", "P-0000000010-0"])).tolist()
    [2, 0, 3, 1]
    """
    found = _derived_prefixes(ids)
    if found is None:
        return None
    numbers, lengths = found
    longer = np.flatnonzero(lengths > _DERIVED_WIDTH)
    if len(longer):
        tails = [text[_DERIVED_WIDTH:] for text in ids.take(pa.array(longer, pa.int64())).to_pylist()]
        rank = {tail: place + 1 for place, tail in enumerate(sorted(set(tails)))}  # 0: no tail
        tail_rank = np.zeros(len(ids), dtype=np.int64)
        tail_rank[longer] = [rank[tail] for tail in tails]
        numbers = numbers * (len(rank) + 1) + tail_rank  # below 2**40 times a few: no overflow
    return np.argsort(numbers)  # distinct ids, distinct numbers: any sort gives this order


def _repeated_numbers(numbers: np.ndarray) -> np.ndarray:
    """Whether each number is one seen earlier in ``numbers``. One sort finds whether any
    repeats (a hash clash: one or two in 1.8M new ids); only those are then looked at.

    >>> _repeated_numbers(np.array([5, 3, 5, 5, 1])).tolist()
    [False, False, True, True, False]
    """
    repeated = np.zeros(len(numbers), dtype=bool)
    ascending = np.sort(numbers)
    twice = np.unique(ascending[1:][ascending[1:] == ascending[:-1]])
    if len(twice):
        rows = np.flatnonzero(np.isin(numbers, twice))
        repeated[rows[pd.Series(numbers[rows]).duplicated(keep="first").to_numpy()]] = True
    return repeated


def _codes(values: pa.Array) -> np.ndarray:
    """Each value's code (0, 1, ... in order of first appearance; -1 for a missing value)."""
    encoded = pc.dictionary_encode(values).indices
    return np.asarray(pc.fill_null(encoded, -1), dtype=np.int64)


def _component_codes(components: pd.DataFrame) -> np.ndarray:
    """Each row's component as a code 0, 1, ...: from the components' numbers (``label``, as
    ``ingest.resolve_graph.connected_components`` gives them) made consecutive, else by
    encoding their names (two million names took most of a second).

    >>> _component_codes(pd.DataFrame({"component": ["x", "y", "x"], "label": [7, 2, 7]})).tolist()
    [1, 0, 1]
    >>> _component_codes(pd.DataFrame({"component": ["x", "y", "x"]})).tolist()
    [0, 1, 0]
    """
    if "label" not in components or not len(components):
        return _codes(pa.array(components["component"].astype(str), pa.string()))
    label = components["label"].to_numpy(dtype=np.int64)
    return marked_codes(label, int(label.max()) + 1)[1]


def _positions(wanted: pa.Array, ids: pd.Series) -> np.ndarray:
    """Where each ``wanted`` id is in ``ids`` (distinct), -1 where it is not."""
    if len(ids) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    try:
        among = pa.array(ids, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        among = None
    if among is None or not (pa.types.is_string(among.type)
                             or pa.types.is_large_string(among.type)):
        return pd.Index(ids).get_indexer(wanted.to_numpy(zero_copy_only=False).astype(object))
    found = pc.index_in(wanted, value_set=among.cast(pa.string()))
    return np.asarray(pc.fill_null(found, -1), dtype=np.int64)


def _repeats(values: pa.Array) -> np.ndarray:
    """Whether each value (never null) is one seen earlier in ``values``, as pandas'
    ``duplicated(keep="first")`` says: on the ids' numbers when they are all derived ids
    (:func:`_derived_prefixes`), else from one Arrow dictionary encoding.

    Codes come in order of first appearance, so a row is a repeat unless its code is above
    every code before it (hashing the ids once more in pandas cost most of a second at 2M).

    >>> _repeats(pa.array(["a", "b", "a", "c", "b"])).tolist()
    [False, False, True, False, True]
    >>> _repeats(pa.array(["P-000000000a", "P-000000000b", "P-000000000a"])).tolist()
    [False, False, True]
    """
    found = _derived_prefixes(values)
    if found is not None and np.all(found[1] == _DERIVED_WIDTH):
        return _repeated_numbers(found[0])
    codes = _codes(values)
    highest_before = np.maximum.accumulate(np.r_[-1, codes[:-1]])
    return codes <= highest_before


@dataclass(frozen=True)
class PersonCodes:
    """Each record's person as an integer code, the records in the order they were given
    (``record_ids``), and each code's person id (``person_ids``). Describing the persons from
    these needs no join of the records with their clusters, nor hashing the ids again (1.1 s
    at a 1M-incident force)."""

    record_ids: pa.Array
    record_person: np.ndarray
    person_ids: pa.Array

    def given_for(self, record_ids: pd.Series) -> bool:
        """Whether these are the codes of exactly ``record_ids``, in that order."""
        if len(record_ids) != len(self.record_ids):
            return False
        given = pa.array(record_ids.astype("str").array, pa.string(), from_pandas=True)
        return bool(pc.all(pc.equal(given, self.record_ids)).as_py()) if len(given) else True

    def sorted(self) -> tuple[np.ndarray, pa.Array]:
        """The codes renumbered in person id order, and the ids in that order (what a sorted
        factorize of each record's person id gives)."""
        order = _derived_order(self.person_ids)  # sorted as numbers: faster than as text
        if order is None:
            order = sort_order(self.person_ids)  # no sort when the ids come in order already
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank[self.record_person], self.person_ids.take(pa.array(order))


class AssignedIds(NamedTuple):
    """What :func:`assign_person_ids_and_count` gives."""

    clusters: pd.DataFrame
    events: pd.DataFrame
    persons: int
    codes: PersonCodes | None  # None when some person id is not text


def assign_person_ids(components: pd.DataFrame, previous: pd.DataFrame | None = None,
                      lineage: pd.DataFrame | None = None, sort_by_record: bool = False
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Person ids for ``components`` (record_id, component), stable against ``previous``
    (record_id, person_id) and the ``lineage`` so far.

    Returns (clusters: record_id, person_id in the order of ``components``, or by record id
    if ``sort_by_record`` (the sort is made here anyway); events: the
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
    >>> assign_person_ids(comps.iloc[::-1], sort_by_record=True)[0]["record_id"].tolist()
    ['a', 'b', 'c']
    """
    assigned = assign_person_ids_and_count(components, previous, lineage, sort_by_record)
    return assigned.clusters, assigned.events


def assign_person_ids_and_count(components: pd.DataFrame, previous: pd.DataFrame | None = None,
                                lineage: pd.DataFrame | None = None, sort_by_record: bool = False
                                ) -> AssignedIds:
    """:func:`assign_person_ids`, the number of persons and each record's person as a code
    (:class:`PersonCodes`, records in the order of ``components``): every cluster gets an id of
    its own (an earlier id goes to one cluster, a new one clashes with no other), so the
    persons are the clusters, counted here without hashing two million ids again.

    >>> comps = pd.DataFrame({"record_id": ["a", "b", "c"], "component": ["1", "1", "2"]})
    >>> assigned = assign_person_ids_and_count(comps)
    >>> assigned.persons, assigned.codes.record_person.tolist(), assigned.codes.person_ids.to_pylist()
    (2, [0, 0, 1], ['P-86f7e437fa', 'P-84a516841b'])
    """
    previous = previous if previous is not None else pd.DataFrame(columns=["record_id", "person_id"])
    previous = previous[["record_id", "person_id"]].drop_duplicates("record_id")
    record_text = pa.array(components["record_id"].astype(str), pa.string())
    component_code = _component_codes(components)
    n_components = int(component_code.max()) + 1 if len(component_code) else 0

    # The earlier id of each record, as a code into the earlier ids (-1: a new record).
    earlier_code, earlier_id = pd.factorize(previous["person_id"])
    earlier_id = np.asarray(earlier_id, dtype=object)
    n_earlier = len(earlier_id)
    row = _positions(record_text, previous["record_id"])
    prev = np.where(row >= 0, earlier_code[np.maximum(row, 0)] if len(previous) else -1,
                    -1).astype(np.int64)

    # The anchor of each component: its smallest record id. One sort of the record ids
    # (Arrow's, byte order, which is Python's order of str) ranks them all.
    by_record = sort_order(record_text)
    anchor_rank = first_rows(component_code[by_record], n_components)
    anchor = record_text.take(pa.array(by_record[anchor_rank]))

    # How many earlier ids each component holds, and over how many components each earlier
    # id is spread now.
    known = np.flatnonzero(prev >= 0)
    pairs = sorted_distinct(component_code[known].astype(np.int64) * max(n_earlier, 1) + prev[known])
    n_prev = np.bincount(pairs // max(n_earlier, 1), minlength=n_components)
    spread = np.bincount(pairs % max(n_earlier, 1), minlength=max(n_earlier, 1))
    first_known = first_rows(component_code[known], n_components)
    first_prev = np.full(n_components, -1, dtype=np.int64)
    holds = first_known >= 0
    first_prev[holds] = prev[known[first_known[holds]]]
    first_spread = np.where(first_prev >= 0, spread[np.maximum(first_prev, 0)], 0)
    simple = (n_prev == 1) & (first_spread == 1)
    fresh = n_prev == 0

    chosen = np.full(n_components, None, dtype=object)
    chosen[simple] = earlier_id[first_prev[simple]]

    # New persons: derived ids, vectorised, kept as Arrow text; the rare clash is settled one
    # by one. They are taken in anchor order (each component where its anchor comes in the
    # sorted records: no sort needed).
    is_anchor = np.zeros(len(by_record), dtype=bool)
    is_anchor[anchor_rank] = True
    in_anchor_order = component_code[by_record[is_anchor]]
    fresh_components = in_anchor_order[fresh[in_anchor_order]]
    derived_text = derived_ids(anchor.take(pa.array(fresh_components, pa.int64())))
    clash = _used_before(derived_text, previous, lineage)
    clash |= _repeats(derived_text)  # two anchors, one short hash

    ids = _Ids(lambda: [*_earlier_ids(previous, lineage), derived_text.filter(pa.array(~clash))])
    for component in fresh_components[clash].tolist():
        chosen[component] = ids.new(anchor[component].as_py())
    derived_at = np.full(n_components, -1, dtype=np.int64)  # where a component's id is in derived_text
    derived_at[fresh_components[~clash]] = np.flatnonzero(~clash)
    issue_components = fresh_components.tolist()
    issue_parents: list[str | None] = [None] * len(issue_components)

    events: list[tuple[str, str, str | None, str | None]] = []  # event, person, other, record
    complex_components = np.flatnonzero(~simple & ~fresh)
    if len(complex_components):
        is_complex = np.zeros(n_components, dtype=bool)
        is_complex[complex_components] = True
        # Every record of an earlier id these clusters hold is in one of them (an id spread
        # over several clusters makes each of them complex), and so is the id's anchor if it
        # still carries the id: their records with an earlier id are all _settle needs.
        rows = np.flatnonzero(is_complex[component_code] & (prev >= 0))
        olds = earlier_id[prev[rows]].tolist()
        issues = _settle(record_text.take(pa.array(rows, pa.int64())).to_pylist(),
                         component_code[rows].tolist(), olds, anchor,
                         anchor_rank, _registry(previous, lineage, set(olds)), ids, chosen, events)
        issue_components += [component for component, _ in issues]
        issue_parents += [parent for _, parent in issues]

    # Issued events for every new id, in anchor order (deterministic), then the rest.
    # Anchors are distinct record ids, so ordering by anchor alone is the deterministic order.
    issue_array = np.asarray(issue_components, dtype=np.int64)
    order = np.argsort(anchor_rank[issue_array], kind="stable")
    issue_array = issue_array[order]
    n_issued = len(issue_array)
    retired = sorted(earlier_id[np.bincount(prev[known], minlength=n_earlier)[:n_earlier] == 0]
                     .tolist())
    person_ids = _person_ids(chosen, derived_text, derived_at)
    start = int(lineage["seq"].max()) + 1 if lineage is not None and len(lineage) else 1
    if not n_issued + len(events) + len(retired):
        lineage_rows = empty_frame(LINEAGE_COLUMNS)
    else:
        # Issued ids, then the merges and splits, then the retired ids: the issued columns
        # are taken as Arrow text (1.8M of them at a first load; as Python lists they cost 0.4 s).
        lineage_rows = pd.DataFrame({
            "seq": np.arange(start, start + n_issued + len(events) + len(retired), dtype=np.int64),
            "event": _joined_text(pa.repeat(pa.scalar("issued"), n_issued), [event for event, *_ in events],
                                  ["retired"] * len(retired)),
            "person_id": _joined_text(_arrow_at(person_ids, chosen, issue_array), [pid for _, pid, _, _ in events],
                                      retired),
            "other_id": _joined_text(pa.array(np.asarray(issue_parents, dtype=object)[order], pa.string()),
                                     [other for _, _, other, _ in events], [None] * len(retired)),
            "record_id": _joined_text(record_text.take(pa.array(by_record[anchor_rank[issue_array]])),
                                      [record_id for *_, record_id in events], [None] * len(retired)),
            "at": pd.NaT, "cause": None})

    in_order = by_record if sort_by_record else np.arange(len(record_text))
    clusters = pd.DataFrame({"record_id": _text(record_text, None, in_order),
                             "person_id": _text(person_ids, chosen, component_code[in_order])})
    codes = PersonCodes(record_text, component_code, person_ids) if person_ids is not None else None
    return AssignedIds(clusters, lineage_rows[LINEAGE_COLUMNS], n_components, codes)


def _arrow_at(text: pa.Array | None, values: np.ndarray, rows: np.ndarray) -> pa.Array:
    """``values[rows]`` as Arrow text (taken from ``text``, ``values`` as Arrow, when at hand)."""
    return text.take(pa.array(rows, pa.int64())) if text is not None else pa.array(values[rows], pa.string())


def _joined_text(first: pa.Array, *rest: list[str | None]) -> Any:
    """``first`` and then the values of ``rest`` as one pandas text column."""
    tail = [value for part in rest for value in part]
    joined = pa.concat_arrays([first.cast(pa.string()), pa.array(tail, pa.string())]) if tail else first
    return pd.array(joined, dtype="str")


def _person_ids(chosen: np.ndarray, derived_text: pa.Array, derived_at: np.ndarray) -> pa.Array | None:
    """Each component's person id as Arrow text: a new id where ``derived_at`` points into
    ``derived_text``, else the one in ``chosen``. When some id is not text, None, and the new
    ids are written into ``chosen`` instead. The new ids stay Arrow text: the 1.8M of a
    first load cost most of a second as Python strings and back.

    >>> chosen = np.array(["P-1", None], dtype=object)
    >>> _person_ids(chosen, pa.array(["P-2"]), np.array([-1, 0])).to_pylist()
    ['P-1', 'P-2']
    >>> chosen = np.array([1, None], dtype=object)
    >>> _person_ids(chosen, pa.array(["P-2"]), np.array([-1, 0])), chosen.tolist()
    (None, [1, 'P-2'])
    """
    given = np.flatnonzero(derived_at < 0)
    given_text = _as_text(chosen[given])
    if given_text is None:
        new = derived_at >= 0
        chosen[new] = derived_text.take(pa.array(derived_at[new])).to_numpy(zero_copy_only=False)
        return None
    place = derived_at.copy()
    place[given] = len(derived_text) + np.arange(len(given))
    return pa.concat_arrays([derived_text, given_text]).take(pa.array(place, pa.int64()))


def _as_text(values: np.ndarray) -> pa.Array | None:
    """``values`` as Arrow text, or None when they are not all text (or missing)."""
    try:
        return pa.array(values, pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _text(text: pa.Array | None, values: np.ndarray | None, rows: np.ndarray) -> Any:
    """``values[rows]`` as a pandas text array made from Arrow (building it from millions of
    Python strings cost more than the rest); ``text`` is ``values`` as Arrow, None when they
    are not all text (those stay as they are). No rows give an empty object array."""
    if text is None:
        assert values is not None
        return values[rows]
    if len(rows) == 0:
        return np.empty(0, dtype=object)
    return pd.array(pc.take(text, pa.array(rows)), dtype="str")


def _most_then_smallest(sizes: dict[Any, list[Any]]) -> Any:
    """The key whose [count, smallest record] has the most records, then the smallest one."""
    return min(sizes, key=lambda key: (-sizes[key][0], sizes[key][1]))


def _settle(records: list[str], components: list[int], olds: list[str], anchor: pa.Array,
            anchor_rank: np.ndarray, registry: dict[str, tuple[int, str]], ids: _Ids,
            chosen: np.ndarray, events: list[tuple[str, str, str | None, str | None]]
            ) -> list[tuple[int, str | None]]:
    """Ids (into ``chosen``) for clusters where earlier persons merged or split; returns the
    new issues (component, parent id) and appends merged/split events.

    One row per record of those clusters that carried an earlier id: its record id, its
    cluster (a code into ``anchor`` / ``anchor_rank`` / ``chosen``) and that earlier id.
    """
    where: dict[str, tuple[int, str]] = {}
    parts: dict[str, dict[int, list[Any]]] = {}  # earlier id -> cluster -> [records, smallest]
    for record, component, old in zip(records, components, olds):
        where[record] = (component, old)
        part = parts.setdefault(old, {}).get(component)
        if part is None:
            parts[old][component] = [1, record]
        else:
            part[0] += 1
            part[1] = min(part[1], record)
    by_rank = anchor_rank.__getitem__

    home: dict[str, int] = {}
    for old in sorted(parts):
        found = where.get(registry.get(old, (-1, ""))[1])
        if found is not None and found[1] == old:
            home[old] = found[0]
        else:  # its anchor is gone: the part with most of its records, then the smallest
            home[old] = _most_then_smallest(parts[old])
    homed: dict[int, list[str]] = {}
    for old, component in home.items():
        homed.setdefault(component, []).append(old)
    came_from: dict[int, dict[str, list[Any]]] = {}
    for old, sizes in parts.items():
        for component, size in sizes.items():
            came_from.setdefault(component, {})[old] = size

    issues: list[tuple[int, str | None]] = []
    for component in sorted(came_from, key=by_rank):
        claimants = homed.get(component, [])
        if claimants:
            chosen[component] = min(claimants,
                                    key=lambda pid: (*registry.get(pid, (-1, "")), pid))
        else:
            chosen[component] = ids.new(anchor[component].as_py())
            sizes = came_from[component]
            issues.append((component, _most_then_smallest(sizes)))
    for old in sorted(parts):
        for component in sorted(set(parts[old]) - {home[old]}, key=by_rank):
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

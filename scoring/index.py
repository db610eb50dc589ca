"""What scoring derives from the tables alone: built once per loaded store, kept for every re-rank.

A ranking depends on the as-of date and the config, but most of what it reads does not: who
is behind each suspect, offender and victim role, and each incident's catalogue harm, label
and breach flags. Analysts re-rank the same store many times in a meeting (another as-of date,
changed weights), so a :class:`ScoringIndex` is built on first use and kept with the tables
(:attr:`core.tables.ScoringTables.derived`) for as long as they are loaded.

Ids become integer codes. A person's code is their position among all person ids in sorted
order, so ordering or grouping by code gives the same order as by id; an incident's code is
its row in the incidents table. Grouping, sorting and joining millions of integers is many
times faster than doing it on strings, and ids are put back only in what a ranking returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.catalogue import OffenceCatalogue
from core.tables import ScoringTables
from core.arrow_codes import arrow_text, positions_of, sorted_codes
from core.arrow_isin import isin
from core.distinct import first_rows, sorted_distinct

EPOCH = pd.Timestamp("1970-01-01")
# Incident text columns with few distinct values, looked up per value instead of per row.
FACTORIZED = ("outcome", "dash_risk", "offence")


def _text(values: pd.Series) -> pa.Array:
    """A column of ids as one Arrow string array (nulls kept; ids of another type as text)."""
    return arrow_text(values.astype("string").array)


def _code_people(columns: list[pd.Series]) -> tuple[pd.Index, list[np.ndarray]]:
    """Every person id in ``columns``, distinct and sorted, and each column as codes into them
    (-1: missing). One hashing pass over all the ids, then one sort of the distinct ones; none
    when they come out sorted already (the persons table, sorted by id, goes first and usually
    holds everyone)."""
    arrays = [_text(column) for column in columns]
    codes, distinct = sorted_codes(pa.concat_arrays(arrays))
    people = pd.Index(pd.array(distinct, dtype="string"), name="person_id")
    ends = np.cumsum([len(array) for array in arrays])
    return people, np.split(codes, ends[:-1])


def positions(values: pd.Series, held: pd.Series | pd.Index) -> np.ndarray:
    """Where each value sits in ``held`` (distinct), -1 when absent or missing.

    >>> positions(pd.Series(["b", "z", None]), pd.Series(["a", "b"])).tolist()
    [1, -1, -1]
    >>> positions(pd.Series(["h", "b", "h"]), pd.Series(list("abcdefghijklmnopqrstuvwxyz"))).tolist()
    [7, 1, 7]
    """
    wanted, among = _text(pd.Series(values)), _text(pd.Series(held))
    if len(wanted) * 8 >= len(among):
        looked_up = pc.index_in(wanted, value_set=among)
        return np.asarray(pc.fill_null(looked_up, -1), dtype=np.int64)
    # A few values among many (a person's id, the custody file among every person): hashing
    # the few and looking every held value up in them is cheaper than hashing all that is held.
    return positions_of(among, wanted)


def _per_offence(codes: np.ndarray, offences: pd.Index, values: pd.Series, missing: object) -> np.ndarray:
    """A catalogue column per incident, looked up once per distinct offence (-1 code: missing)."""
    return np.append(values.reindex(offences).to_numpy(dtype=object), missing)[codes]


def _annotated_incidents(tables: ScoringTables, catalogue: OffenceCatalogue,
                         offence: tuple[np.ndarray, pd.Index]) -> pd.DataFrame:
    """The incidents table with the catalogue's harm, label and flags, and recorded breaches.

    ``breach_offence`` is the catalogue's breach flag; ``breach`` also counts incidents recorded
    as breaching a measure. ``domestic`` is the domestic abuse flag with missing as False.
    ``offence``: the offence column factorized.
    """
    frame = tables.incidents.copy()
    codes, offences = offence
    table = catalogue.table
    frame["harm_days"] = pd.Series(_per_offence(codes, offences, table["harm_days"], np.nan),
                                   dtype="float64").fillna(0.0).to_numpy()
    labels = pd.Series(offences, dtype=frame["offence"].dtype)
    labels = labels.map(table["label"]).fillna(labels)
    frame["label"] = labels.array.take(codes, allow_fill=True)
    for flag, column in (("non_crime", "non_crime"), ("breach", "breach_offence")):
        frame[column] = pd.Series(_per_offence(codes, offences, table[flag], False)).fillna(False).astype(bool)
    frame["breach"] = frame["breach_offence"] | isin(frame["incident_id"], tables.breaches["incident_id"])
    frame["domestic"] = frame["domestic_abuse"].fillna(False).astype(bool)
    frame["dash_high"] = frame["dash_risk"].eq("high").fillna(False).astype(bool)
    return frame


@dataclass(frozen=True)
class ScoringIndex:
    """The tables' as-of-independent, coded form (see the module docstring).

    ``perpetrators``: distinct (person, row) pairs where the person is a suspect or offender,
    ordered by row then person, each with ``pair``, its own position. ``by_time``: the order of
    those pairs by person, occurrence and incident id (each person's incidents oldest first).
    ``victims``: distinct (person, row) pairs where the person is a victim, by row then person.
    ``links``: (person, victim, row, relationship, pair) rows, one per perpetrator and victim of
    an incident, ``pair`` being the perpetrator's; nobody is their own victim; the relationship
    is the perpetrator's (to the victim), else the victim's; ``link`` is the row's own position,
    carried into every selection of links so that facts kept per link can be looked up.
    ``breached``: (person, row, victim) per recorded breach: the breached measure's subject, the
    breach incident and the person the measure protects (-1 where not held). ``measure_subjects``,
    ``referral_people``: the person code of each row of those tables (-1: missing);
    ``persons_row``: per person code, their row in the persons table (-1: none).
    ``set_aside``: (person, row) of suspect and offender roles not counted for the person
    because they rest on a record joined on name and address alone and would give him a victim
    his firmly identified incidents do not (see ``_set_aside``); by row then person.

    >>> from scoring.signals.example import example_prepared
    >>> index = example_prepared().index
    >>> index.people.tolist()
    ['P-1', 'P-2', 'P-3', 'P-4', 'P-5', 'P-6']
    >>> index.links.values.tolist()[:2]  # P-1 (code 0) and his partners P-2 and P-3 (codes 1, 2)
    [[0, 1, 0, 'partner', 0, 0], [0, 2, 1, 'partner', 1, 1]]
    >>> index.breached.values.tolist()  # P-4 breached, in incident row 4, the order protecting P-5
    [[3, 4, 4]]
    """

    people: pd.Index
    incidents: pd.DataFrame
    occurred: np.ndarray
    perpetrators: pd.DataFrame
    by_time: np.ndarray
    victims: pd.DataFrame
    links: pd.DataFrame
    breached: pd.DataFrame
    measure_subjects: np.ndarray
    referral_people: np.ndarray
    persons_row: np.ndarray
    factorized: dict[str, tuple[np.ndarray, pd.Index]]
    set_aside: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"person": [], "row": []}, dtype="int64"))
    breach_kinds: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    measure_protected: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    custody_people: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))

    def codes(self, ids: pd.Series) -> np.ndarray:
        """The code of each person id (-1 when missing).

        >>> from scoring.signals.example import example_prepared
        >>> example_prepared().index.codes(pd.Series(["P-3", "P-9"])).tolist()
        [2, -1]
        """
        return positions(ids, self.people)

    def ids(self, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """The person ids of codes (all valid).

        >>> from scoring.signals.example import example_prepared
        >>> list(example_prepared().index.ids(np.array([0, 2])))
        ['P-1', 'P-3']
        """
        return self.people.array.take(np.asarray(codes, dtype=np.intp))

    def column(self, name: str, rows: np.ndarray) -> np.ndarray:
        """An incident column's values at ``rows``, as a NumPy array.

        >>> from scoring.signals.example import example_prepared
        >>> example_prepared().index.column("harm_days", np.array([0, 2])).tolist()
        [3.5, 365.0]
        """
        return self.incidents[name].to_numpy()[rows]

    def mapped(self, name: str, mapping: Mapping[str, object], missing: object,
               dtype: np.typing.DTypeLike = object) -> np.ndarray:
        """Per incident row: ``incidents[name].map(mapping)``, ``missing`` where that gives
        nothing; looked up once per distinct value (``name`` must be in :data:`FACTORIZED`), as
        ``dtype`` (a number or bool type spares a million-row array of Python objects).

        >>> from scoring.signals.example import example_prepared
        >>> example_prepared().index.mapped("outcome", {"charged": 2.0}, 1.0).tolist()
        [2.0, 2.0, 1.0, 1.0, 1.0, 1.0]
        """
        codes, values = self.factorized[name]
        # The appended ``missing`` is what code -1 (a missing value) picks.
        per_value = np.array([*(mapping.get(value, missing) for value in values), missing], dtype=dtype)
        return per_value[codes]

    def one_of(self, name: str, values: tuple[str, ...] | list[str]) -> np.ndarray:
        """Per incident row: ``isin(incidents[name], values)`` (missing: False).

        >>> from scoring.signals.example import example_prepared
        >>> example_prepared().index.one_of("dash_risk", ["high", "medium"]).tolist()
        [False, True, True, True, True, False]
        """
        return self.mapped(name, dict.fromkeys(values, True), False, bool)


def _distinct_pairs(row: np.ndarray, person: np.ndarray, people: int) -> pd.DataFrame:
    """Distinct (person, row) pairs ordered by row then person."""
    keys = np.sort(row.astype(np.int64) * max(people, 1) + person)  # roles come nearly in this order
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    return pd.DataFrame({"person": keys % max(people, 1), "row": keys // max(people, 1)})


def _pairs(roles: pd.DataFrame, perpetrator: np.ndarray, victim: np.ndarray,
           people: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Distinct perpetrator and victim (person, row) pairs, and the (person, victim, row,
    relationship, pair) links; ``perpetrator`` and ``victim`` mark the roles' kinds."""
    perpetrators = roles[perpetrator]
    victims = roles[victim]
    pairs = _distinct_pairs(perpetrators["row"].to_numpy(), perpetrators["person"].to_numpy(), people)
    pairs["pair"] = np.arange(len(pairs))
    victim_pairs = _distinct_pairs(victims["row"].to_numpy(), victims["person"].to_numpy(), people)
    # Both are ordered by row, then person: each perpetrator pair meets its row's victims in
    # one run of victim_pairs, so the links come out ordered by row, person, then victim.
    perpetrator_row = pairs["row"].to_numpy()
    left, right = meet_rows(perpetrator_row, victim_pairs["row"].to_numpy())
    person, victim = pairs["person"].to_numpy()[left], victim_pairs["person"].to_numpy()[right]
    kept = person != victim
    left, right, person, victim = left[kept], right[kept], person[kept], victim[kept]
    row = perpetrator_row[left]
    # The relationship is recorded on the suspect's row (to the victim); fall back to the victim's.
    relationship = _first_relationship(perpetrators, row, person, people).fillna(
        _first_relationship(victims, row, victim, people))
    links = pd.DataFrame({"person": person, "victim": victim, "row": row, "relationship": relationship.array,
                          "pair": pairs["pair"].to_numpy()[left], "link": np.arange(len(person))})
    return pairs, victim_pairs, links


def meet_rows(left_row: np.ndarray, right_row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (left, right) position pair with equal rows (``right_row`` sorted), ordered by left
    position, then right: an inner join on the incident row.

    >>> [a.tolist() for a in meet_rows(np.array([2, 0, 5]), np.array([0, 2, 2]))]
    [[0, 0, 1], [1, 2, 0]]
    """
    first, count = _runs_at(left_row, right_row)
    left = np.repeat(np.arange(len(left_row)), count)
    right = np.repeat(first - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
    return left, right


def _runs_at(left_row: np.ndarray, right_row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``left_row`` starts in the sorted ``right_row``, and how many times it is
    there. Rows and person codes are small non-negative integers, so a count per value and its
    running total answer it in two passes; a binary search per value, which jumps about
    memory at random, took 20 times longer at a million rows, and 3 times longer for 150,000
    rows among 5,000 spread over two million values. Values so large that counting up to them
    would cost more than the searches are searched.

    >>> [a.tolist() for a in _runs_at(np.array([2, 0, 5]), np.array([0, 2, 2]))]
    [[1, 0, 3], [2, 1, 0]]
    """
    if not len(left_row) or not len(right_row):
        return np.zeros(len(left_row), dtype=np.int64), np.zeros(len(left_row), dtype=np.int64)
    # Counting costs about one step per value up to the largest; searching, a few random jumps
    # per left row for each doubling of the right rows.
    searches = len(left_row) * (2 * int(np.log2(len(right_row) + 1)) + 8)
    if left_row.dtype.kind not in "iu" or right_row.dtype.kind not in "iu" or \
            min(int(left_row.min()), int(right_row[0])) < 0 or \
            max(int(left_row.max()), int(right_row[-1])) >= searches + 8 * len(right_row) + 1024:
        first = np.searchsorted(right_row, left_row, side="left")
        return first, np.searchsorted(right_row, left_row, side="right") - first
    counts = np.bincount(right_row, minlength=int(left_row.max()) + 1)
    return (np.cumsum(counts) - counts)[left_row], counts[left_row]


def _first_relationship(roles: pd.DataFrame, row: np.ndarray, person: np.ndarray, people: int) -> pd.Series:
    """Per (row, person) wanted: the first relationship recorded in ``roles`` for that person at
    that row (missing where none is)."""
    recorded = roles[roles["relationship"].notna().to_numpy(dtype=bool)]
    size = max(people, 1)
    keys = recorded["row"].to_numpy(np.int64) * size + recorded["person"].to_numpy(np.int64)
    held, first = np.unique(keys, return_index=True)
    wanted = row.astype(np.int64) * size + person
    taken = np.append(first, -1)[sorted_places(held, wanted)]  # -1 (not held) takes the appended -1
    return pd.Series(recorded["relationship"].array.take(taken, allow_fill=True))


def build_index(tables: ScoringTables, catalogue: OffenceCatalogue,
                perpetrator_roles: tuple[str, ...]) -> ScoringIndex:
    """Code the tables (see :class:`ScoringIndex`); prefer :func:`scoring_index`, which keeps it.

    >>> from scoring.signals.example import example_context
    >>> context = example_context()
    >>> index = build_index(context.tables, context.catalogue, ("suspect",))
    >>> index.incidents[["incident_id", "harm_days", "breach"]].tail(2).values.tolist()
    [['I-5', 10.5, True], ['I-6', 3.5, False]]
    """
    roles, measures, persons = tables.roles, tables.measures, tables.persons
    recorded = tables.breaches.merge(measures, on="measure_id")
    people, (persons_at, role_people, subjects, protected, referred, breach_subjects, breach_protected) = \
        _code_people([persons["person_id"], roles["person_id"], measures["subject_person_id"],
                      measures["protected_person_id"], tables.referrals["person_id"],
                      recorded["subject_person_id"], recorded["protected_person_id"]])
    # Roles and recorded breaches find their incidents in one lookup.
    rows = positions(pd.concat([roles["incident_id"], recorded["incident_id"]], ignore_index=True),
                     tables.incidents["incident_id"])
    role_rows, breach_rows = rows[:len(roles)], rows[len(roles):]
    factorized = {name: pd.factorize(tables.incidents[name]) for name in FACTORIZED}
    incidents = _annotated_incidents(tables, catalogue, factorized["offence"])
    occurred = incidents["occurred_at"].to_numpy()

    coded = pd.DataFrame({"row": role_rows, "person": role_people, "relationship": roles["relationship"].array})
    held = (role_rows >= 0) & (role_people >= 0)  # roles of incidents or people not held are left out
    perpetrator = roles["role"].isin(list(perpetrator_roles)).to_numpy(dtype=bool) & held
    victim = roles["role"].eq("victim").fillna(False).to_numpy(dtype=bool) & held
    weak = (roles["weak_identity"].fillna(False).to_numpy(dtype=bool) if "weak_identity" in roles
            else np.zeros(len(roles), dtype=bool))
    aside = _set_aside(coded, perpetrator, victim, weak)
    set_aside = _distinct_pairs(coded["row"].to_numpy()[aside], coded["person"].to_numpy()[aside], len(people))
    perpetrators, victims, links = _pairs(coded, perpetrator & ~aside, victim, len(people))
    person, row = perpetrators["person"].to_numpy(), perpetrators["row"].to_numpy()
    # Incidents without a time are in no window or history, so where they sort does not matter.
    by_time = np.lexsort((row, occurred[row].view(np.int64), person))
    return ScoringIndex(
        people=people, incidents=incidents, occurred=occurred, perpetrators=perpetrators, by_time=by_time,
        victims=victims, links=links,
        breached=pd.DataFrame({"person": breach_subjects, "row": breach_rows, "victim": breach_protected}),
        measure_subjects=subjects, referral_people=referred, persons_row=first_rows(persons_at, len(people)),
        factorized=factorized, set_aside=set_aside,
        breach_kinds=recorded["type"].astype("str").to_numpy(dtype=object), measure_protected=protected,
        custody_people=positions(tables.custody["person_id"], people))


def _set_aside(coded: pd.DataFrame, perpetrator: np.ndarray, victim: np.ndarray,
               weak: np.ndarray) -> np.ndarray:
    """Per role: a perpetrator role resting on name and address alone (``weak``) that would give
    the person a victim none of his firmly identified incidents has. Such a record may be
    another man of the same name at the address (a son, a brother, a namesake), so its incident
    is not counted for him; a weak role against a woman he is known to have harmed is kept.
    Only people with at least one firm perpetrator role lose any."""
    rows, people = coded["row"].to_numpy(np.int64), coded["person"].to_numpy(np.int64)
    candidate = perpetrator & weak
    out = np.zeros(len(coded), dtype=bool)
    if not candidate.any():
        return out
    firm = perpetrator & ~weak
    by_row = np.argsort(rows[victim], kind="stable")
    victim_rows, victims = rows[victim][by_row], people[victim][by_row]
    size = int(people.max()) + 1
    # (person, victim) of his firmly identified incidents, as integer keys.
    at, met = meet_rows(rows[firm], victim_rows)
    known = sorted_distinct(people[firm][at] * size + victims[met])
    weak_roles = np.flatnonzero(candidate)
    has_firm = np.zeros(size, dtype=bool)
    has_firm[people[firm]] = True
    weak_roles = weak_roles[has_firm[people[weak_roles]]]
    at, met = meet_rows(rows[weak_roles], victim_rows)
    person, added = people[weak_roles][at], victims[met]
    new_victim = (added != person) & ~sorted_holds(known, person * size + added)
    out[weak_roles[at][new_victim]] = True
    return out


def sorted_holds(held: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per value: whether ``held`` (sorted, distinct) holds it; ``np.isin`` without sorting again.

    >>> sorted_holds(np.array([2, 5, 9]), np.array([5, 1, 9, 10])).tolist()
    [True, False, True, False]
    """
    return sorted_places(held, values) >= 0


def sorted_places(held: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per value: its position in ``held`` (sorted, distinct), -1 where it is not there.

    >>> sorted_places(np.array([2, 5, 9]), np.array([9, 4, 2])).tolist()
    [2, -1, 0]
    """
    if not len(held):
        return np.full(len(values), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(held, values), len(held) - 1)
    return np.where(held[at] == values, at, -1).astype(np.int64)


def scoring_index(tables: ScoringTables, catalogue: OffenceCatalogue,
                  perpetrator_roles: tuple[str, ...]) -> ScoringIndex:
    """The :class:`ScoringIndex` of these tables, built on first use and kept with them.

    >>> from scoring.signals.example import example_context
    >>> context = example_context()
    >>> first = scoring_index(context.tables, context.catalogue, ("suspect", "offender"))
    >>> scoring_index(context.tables, context.catalogue, ("suspect", "offender")) is first
    True
    """
    key = ("scoring_index", catalogue.fingerprint, tuple(perpetrator_roles))
    found = tables.derived.get(key)
    if found is None:
        found = build_index(tables, catalogue, perpetrator_roles)
        tables.derived[key] = found
    return found

"""Victims held as two persons who are probably one woman, so claims do not count her twice.

Resolution misses some duplicates: a victim recorded once as *Cheryl WELLS 1986-09-01* and
once as *Cheril WELLLS* with no date of birth may stay two persons. Counted as they are, one
woman becomes "2 different victims", "a new partner" or PDP's "different partners". Here the
victims of each perpetrator are compared pairwise (only victims who share a perpetrator can
inflate a claim, which keeps this small) and each pair is judged:

* **probable**, counted as one victim: names a keying error apart (or swapped) and dates of
  birth a keying error apart; or the same surname and the same date of birth (a nickname:
  Becky / Rebecca); or names a keying error apart, one date of birth missing and the same
  postcode;
* **possible**, counted once in a victim count too (the count is then a lower bound) and kept
  apart elsewhere, every claim resting on the pair saying it is uncertain: names
  a keying error apart with one date of birth missing elsewhere, or at the same postcode
  whatever their dates of birth say; or the same forename with a
  different surname (a changed name) and the same date of birth, or at the same postcode one
  missing or a keying error apart.

Pairs an analyst said are two people (``tables.kept_apart``) are neither. Built once per
loaded tables and kept with them (it does not depend on the as-of date or the config).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from core.distinct import run_starts, sorted_distinct
from core.keying import dobs_compatible, one_edit_apart
from core.tables import ScoringTables
from scoring.index import ScoringIndex, meet_rows, sorted_holds, sorted_places

PROBABLE, POSSIBLE = "probable", "possible"
PAIR_COLUMNS = ["victim_l", "victim_r", "likeness", "offenders", "evidence_for", "evidence_against",
                "counted_l", "counted_r"]


@dataclass(frozen=True)
class VictimIdentity:
    """Victim records that are probably, or possibly, one person.

    ``same_as``: per person code, the code counted in their place (the lowest code of a group
    of probable duplicates; their own code for everyone else). ``pairs``: one row per judged
    pair (PAIR_COLUMNS): person codes ``victim_l`` < ``victim_r``, ``likeness`` (probable or
    possible), ``offenders`` (how many perpetrators they share), the evidence either way, and
    ``counted_l`` < ``counted_r``: the codes counted for them (``same_as``).
    """

    same_as: np.ndarray
    pairs: pd.DataFrame

    def possible_pairs(self) -> pd.DataFrame:
        """The pairs counted apart whose claims are uncertain (``likeness`` possible), one per
        pair of counted codes (shared: do not modify it)."""
        return self._possible

    @cached_property
    def _possible(self) -> pd.DataFrame:
        # Kept with the identity, as it is with the tables: every ranking reads it several times.
        possible = self.pairs[self.pairs["likeness"] == POSSIBLE]
        return possible.drop_duplicates(["counted_l", "counted_r"])

    @cached_property
    def _possible_keys(self) -> pd.Index:
        """``counted_l * size + counted_r`` of each possible pair, looked up by :meth:`_possible_at`."""
        possible, size = self._possible, len(self.same_as) + 1
        return pd.Index(possible["counted_l"].to_numpy(np.int64) * size + possible["counted_r"].to_numpy(np.int64))

    @cached_property
    def _by_left(self) -> tuple[np.ndarray, np.ndarray]:
        """(``counted_l`` of the possible pairs sorted, each one's row in :meth:`possible_pairs`):
        the pairs a victim is the left side of are one run, found by a sorted search."""
        left = self._possible["counted_l"].to_numpy(np.int64)
        order = np.argsort(left, kind="stable")
        return left[order], order

    def _pairs_from(self, victims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (position in ``victims``, row of :meth:`possible_pairs`) where the victim is the
        pair's ``counted_l``: by position, then the pairs' own order (as a join on it gives)."""
        left, order = self._by_left
        at, found = meet_rows(np.asarray(victims, dtype=np.int64), left)
        return at, order[found]

    def counted(self, victims: np.ndarray) -> np.ndarray:
        """The person code counted for each victim code (probable duplicates as one)."""
        return self.same_as[np.asarray(victims, dtype=np.int64)]

    def _possible_at(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Per position: the row of ``possible_pairs()`` holding (left, right), -1 if none."""
        possible = self.possible_pairs()
        left, right = self.counted(left), self.counted(right)
        if possible.empty or not len(left):
            return np.full(len(left), -1, dtype=np.int64)
        size = len(self.same_as) + 1
        wanted = np.minimum(left, right) * size + np.maximum(left, right)
        return self._possible_keys.get_indexer(wanted)

    def uncertain(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Per position: whether ``left`` and ``right`` (person codes) may be one person."""
        return self._possible_at(left, right) >= 0

    def doubt(self, left: np.ndarray, right: np.ndarray, label: Callable[[np.ndarray], pd.Series]) -> np.ndarray:
        """Per position: "Cheryl WELLS (P-1) and Cheril WELLLS (P-2) may be one person recorded
        twice (evidence for; but against)" when the pair may be one person, else ''.
        ``label``: the words naming each person code."""
        at = self._possible_at(left, right)
        out = np.full(len(at), "", dtype=object)
        found = np.flatnonzero(at >= 0)
        if len(found):
            rows = self.possible_pairs().iloc[at[found]]
            out[found] = (label(rows["victim_l"].to_numpy()).to_numpy(dtype=object) + " and "
                          + label(rows["victim_r"].to_numpy()).to_numpy(dtype=object)
                          + " may be one person recorded twice (" + rows["evidence_for"].to_numpy(dtype=object)
                          + "; but " + rows["evidence_against"].to_numpy(dtype=object) + ")")
        return out

    def counted_once(self, distinct: pd.DataFrame) -> np.ndarray:
        """Per row of ``distinct`` (person, victim: distinct counted codes per perpetrator,
        sorted by person, then victim, as a ranking's distinct pairs come): the code the victim is counted as when victims of that perpetrator who *may* be one person
        are counted once too (the smallest code of each such group). The victim count then is
        a lower bound: one woman recorded twice must not make two victims, and two women taken
        for one are said to be uncertain in the reason."""
        victims = distinct["victim"].to_numpy(np.int64)
        possible = self.possible_pairs()
        if possible.empty or distinct.empty:
            return victims
        size = len(self.same_as) + 1
        person = distinct["person"].to_numpy(np.int64)
        node = person * size + victims
        at, pair = self._pairs_from(victims)
        if not bool(np.all(node[1:] > node[:-1])):
            raise ValueError("counted_once needs distinct (person, victim) rows sorted by person, then victim")
        # A row is its own left side (the rows are distinct); only the few right sides are looked up.
        right = sorted_places(node, person[at] * size + possible["counted_r"].to_numpy(np.int64)[pair])
        held = right >= 0
        if not held.any():
            return victims
        graph = coo_matrix((np.ones(int(held.sum())), (at[held], right[held])), shape=(len(node), len(node)))
        groups, group = connected_components(graph, directed=False)
        smallest = np.full(groups, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(smallest, group, victims)
        return smallest[group]

    def doubtful_pairs(self, links: pd.DataFrame) -> pd.DataFrame:
        """Per perpetrator in ``links`` (person, victim codes) with two counted victims that
        may be one person: ``doubtful`` (how many such pairs) and ``doubt_left``,
        ``doubt_right`` (the first such pair), indexed by person."""
        possible = self.possible_pairs()
        empty = pd.DataFrame({"doubtful": pd.Series(dtype="int64"), "doubt_left": pd.Series(dtype="int64"),
                              "doubt_right": pd.Series(dtype="int64")}, index=pd.Index([], name="person"))
        if possible.empty or links.empty:
            return empty
        size = len(self.same_as) + 1
        counted = self.counted(links["victim"].to_numpy())
        held = sorted_distinct(links["person"].to_numpy(np.int64) * size + counted)
        person, victim = held // size, held % size
        at, pair = self._pairs_from(victim)
        person = person[at]
        both = sorted_holds(held, person * size + possible["counted_r"].to_numpy(np.int64)[pair])
        person, pair = person[both], pair[both]
        if not len(person):
            return empty
        # By person (``held`` is sorted): each person's pairs are one run, the first named.
        starts = run_starts(person)
        return pd.DataFrame({"doubtful": np.diff(np.r_[starts, len(person)]).astype(np.int64),
                             "doubt_left": possible["victim_l"].to_numpy(np.int64)[pair[starts]],
                             "doubt_right": possible["victim_r"].to_numpy(np.int64)[pair[starts]]},
                            index=pd.Index(person[starts], name="person"))


def _name_parts(display_names: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(forename, surname) folded to lower-case letters and digits from 'Forename SURNAME' display names
    ('' when absent): the surname is the trailing upper-case words, the forename the first
    word before them."""
    forenames, surnames = [], []
    fold = re.compile(r"[^a-z0-9]").sub  # compiled once: the loop runs once per name
    for name in display_names.fillna("").astype(str).tolist():
        words = name.split()
        cut = len(words)
        while cut > 0 and words[cut - 1].isupper():
            cut -= 1
        surname = "".join(words[cut:]) if cut < len(words) else ""
        forenames.append(fold("", words[0].lower()) if cut > 0 and surname else "")
        surnames.append(fold("", surname.lower()))
    return np.asarray(forenames, dtype=object), np.asarray(surnames, dtype=object)


def _close(a: str, b: str) -> bool:
    """Two name parts equal, a keying error apart (both of four letters or more: 'Ava' and
    'Eva' are two names), or one the other's short form (Deb / Deborah)."""
    if not a or not b:
        return False
    if a == b:
        return True
    shortest = min(len(a), len(b))
    return (shortest >= 4 and one_edit_apart(a, b)) or (shortest >= 3 and (a.startswith(b) or b.startswith(a)))


def _candidate_pairs(index: ScoringIndex) -> pd.DataFrame:
    """Distinct (victim_l, victim_r, offenders): two victims of at least one perpetrator."""
    links = index.links
    size = max(len(index.people), 1)
    held = sorted_distinct(links["person"].to_numpy(np.int64) * size + links["victim"].to_numpy(np.int64))
    person, victim = held // size, held % size
    same_next = person[1:] == person[:-1]
    many = (np.r_[same_next, False] | np.r_[False, same_next]) if len(person) else np.zeros(0, dtype=bool)
    person, victim = person[many], victim[many]
    # Every two victims of one person (a self-join on the person, sorted already).
    at_l, at_r = meet_rows(person, person)
    left, right = victim[at_l], victim[at_r]
    left, right = left[left < right], right[left < right]
    keys = left * size + right
    distinct, offenders = np.unique(keys, return_counts=True)
    return pd.DataFrame({"victim_l": distinct // size, "victim_r": distinct % size, "offenders": offenders})


def _judge(pairs: pd.DataFrame, persons: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``pairs`` with ``likeness`` and the evidence, only those probable or possible."""
    at_l, at_r = rows[pairs["victim_l"].to_numpy()], rows[pairs["victim_r"].to_numpy()]
    held = (at_l >= 0) & (at_r >= 0)
    pairs, at_l, at_r = pairs[held], at_l[held], at_r[held]
    # Dates of birth and postcodes are read only for the persons in a pair (a few of all held).
    in_pairs = sorted_distinct(np.r_[at_l, at_r])
    at_l, at_r = np.searchsorted(in_pairs, at_l), np.searchsorted(in_pairs, at_r)
    dob = pd.Series(persons["date_of_birth"].to_numpy()[in_pairs])
    dob_number = (dob.dt.year * 10000 + dob.dt.month * 100 + dob.dt.day).fillna(-1).to_numpy(np.int64)
    dob_l, dob_r = dob_number[at_l], dob_number[at_r]
    dated = (dob_l >= 0) & (dob_r >= 0)
    compatible = dated & dobs_compatible(np.where(dated, dob_l, 0), np.where(dated, dob_r, 0))
    missing = ~dated
    postcode = pd.factorize(persons["postcode"].take(in_pairs))[0]
    same_place = (postcode[at_l] >= 0) & (postcode[at_l] == postcode[at_r])
    # Dates of birth that cannot be one person's settle it (different people, nothing to say)
    # unless the two live at one postcode: then a close name leaves the claim uncertain.
    keep = compatible | missing | same_place
    pairs, at_l, at_r, same_place = pairs[keep], at_l[keep], at_r[keep], same_place[keep]
    compatible, exact, missing = compatible[keep], (dob_l == dob_r)[keep] & dated[keep], missing[keep]

    # Names are parsed only for the persons in a pair (a loop in Python, so kept short).
    needed, where = np.unique(np.r_[at_l, at_r], return_inverse=True)
    forename, surname = _name_parts(persons["display_name"].take(in_pairs[needed]))
    # Each distinct (name, name) pair is judged once: many persons share a name.
    name_code = pd.factorize(pd.factorize(forename)[0] * (len(surname) + 1) + pd.factorize(surname)[0])[0]
    with_l, with_r = where[:len(at_l)], where[len(at_l):]
    _, first, which = np.unique(name_code[with_l] * (len(needed) + 1) + name_code[with_r],
                                return_index=True, return_inverse=True)
    fl, fr = forename[with_l[first]].tolist(), forename[with_r[first]].tolist()
    sl, sr = surname[with_l[first]].tolist(), surname[with_r[first]].tolist()
    which = which.reshape(-1)
    fore = np.array([_close(a, b) for a, b in zip(fl, fr)], dtype=bool)[which]
    sur = np.array([_close(a, b) for a, b in zip(sl, sr)], dtype=bool)[which]
    swap = np.array([_close(a, b) and _close(c, d) for a, b, c, d in zip(fl, sr, sl, fr)], dtype=bool)[which]
    no_fore = (forename[with_l] == "") | (forename[with_r] == "")
    name_close = (sur & (fore | no_fore)) | swap
    probable = (name_close & compatible) | (sur & exact) | (name_close & missing & same_place)
    possible = ~probable & ((name_close & (missing | same_place))
                            | (fore & ~sur & (exact | ((missing | compatible) & same_place))))
    chosen = probable | possible
    out = pairs[chosen].reset_index(drop=True)
    out["likeness"] = np.where(probable[chosen], PROBABLE, POSSIBLE)
    said_for = np.where(name_close, "names a keying error apart",
                        np.where(sur, "same surname", np.where(fore, "same forename", "")))
    dob_for = np.where(exact, "same date of birth",
                       np.where(compatible, "dates of birth a keying error apart", ""))
    out["evidence_for"] = _joined(said_for[chosen], dob_for[chosen],
                                  np.where(same_place, "same postcode", "")[chosen])
    out["evidence_against"] = _joined(
        np.where(~sur & fore, "surnames differ", "")[chosen],
        np.where(missing, "date of birth missing on one record",
                 np.where(compatible, "", "dates of birth differ"))[chosen],
        np.where(same_place, "", "postcodes differ or missing")[chosen])
    return out


def _joined(*parts: np.ndarray) -> np.ndarray:
    """Non-empty parts joined with '; ' per position ('none' when all are empty).

    >>> _joined(np.array(["a", "", ""]), np.array(["b", "c", ""])).tolist()
    ['a; b', 'c', 'none']
    """
    text = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        part = np.asarray(part, dtype=object)
        text = np.where((text != "") & (part != ""), text + "; " + part, text + part)
    return np.where(text == "", "none", text).astype(object)


def _kept_apart(tables: ScoringTables, index: ScoringIndex) -> set[tuple[int, int]]:
    """Pairs of person codes an analyst said are two people."""
    apart = tables.kept_apart
    if apart.empty:
        return set()
    both = index.codes(pd.concat([apart["person_id_l"], apart["person_id_r"]], ignore_index=True))
    left, right = both[:len(apart)], both[len(apart):]
    return {(min(a, b), max(a, b)) for a, b in zip(left.tolist(), right.tolist()) if a >= 0 and b >= 0}


def build_victim_identity(tables: ScoringTables, index: ScoringIndex) -> VictimIdentity:
    """Judge every pair of victims who share a perpetrator (see the module docstring).

    >>> from scoring.signals.example import example_prepared
    >>> found = build_victim_identity(example_prepared().context.tables, example_prepared().index)
    >>> found.same_as.tolist(), len(found.pairs)  # the example force has no duplicate victims
    ([0, 1, 2, 3, 4, 5], 0)
    """
    judged = _judge(_candidate_pairs(index), tables.persons, index.persons_row)
    apart = _kept_apart(tables, index)
    if apart and len(judged):
        said = np.fromiter(((a, b) in apart for a, b in zip(judged["victim_l"], judged["victim_r"])),
                           dtype=bool, count=len(judged))
        judged = judged[~said].reset_index(drop=True)
    size = len(index.people)
    probable = judged[judged["likeness"] == PROBABLE]
    graph = coo_matrix((np.ones(len(probable)), (probable["victim_l"].to_numpy(), probable["victim_r"].to_numpy())),
                       shape=(size, size))
    _, group = connected_components(graph, directed=False)
    lowest = np.full(size, size, dtype=np.int64)
    np.minimum.at(lowest, group, np.arange(size))
    same_as = lowest[group]
    left, right = same_as[judged["victim_l"].to_numpy()], same_as[judged["victim_r"].to_numpy()]
    judged = judged.assign(counted_l=np.minimum(left, right), counted_r=np.maximum(left, right))
    # A possible pair whose two sides are already counted as one says nothing more.
    judged = judged[(judged["likeness"] == PROBABLE) | (judged["counted_l"] != judged["counted_r"])]
    return VictimIdentity(same_as=same_as, pairs=judged[PAIR_COLUMNS].reset_index(drop=True))


def victim_identity(tables: ScoringTables, index: ScoringIndex, key: tuple[object, ...]) -> VictimIdentity:
    """:func:`build_victim_identity`, built on first use and kept with the tables under ``key``
    (the index's own key, since the pairs come from its links)."""
    found = tables.derived.get(("victim_identity", *key))
    if found is None:
        found = build_victim_identity(tables, index)
        tables.derived[("victim_identity", *key)] = found
    return found

"""Forenames that cannot be one person's: the rule that keeps twins and brothers apart.

Twins share a surname, an address and a date of birth; brothers and a father and son share a
surname and an address, and a record of one of them often lacks a date of birth. Splink adds
those agreements up, so "Mark THOMPSON 1996-01-10" and "Thouby THOMPSON 1996-01-10" at one
address score about +14 bits however different the forenames are: the "forename differs"
level costs only 6 bits. A person's records may still carry forenames that look different
(a nickname, a typo, an initial, forename and surname swapped), so two forenames are said to
*conflict* only when they are none of these:

* equal, or one of them a single initial of the other;
* alike in spelling (Jaro-Winkler at least the lowest forename threshold of the model, or at
  most two keying errors apart) or in sound (the same Soundex: Sean / Shaun);
* a name and one of its nicknames, or two nicknames of one name (Bill / William / Will),
  from the ``nicknames`` package's hand-curated table of English names.

The clustering (``ingest.resolve_cluster``) refuses a splink link that would put two records
with conflicting forenames in one person, unless either forename could be the other record's
surname (forename and surname typed into each other's boxes). PNC ids and analysts'
must-links outrank it, as they outrank dates of birth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import duckdb
import numpy as np
import pandas as pd
from nicknames import NickNamer

from core.distinct import split_runs
from ingest.resolve_features import soundex


@cache
def _nick_namer() -> NickNamer:
    """The nickname table, read once per process (a static file shipped with the package)."""
    return NickNamer()


def nickname_related(left: str, right: str) -> bool:
    """Whether one name is a nickname of the other, or both are nicknames of one name.

    >>> nickname_related("bill", "william"), nickname_related("bill", "will")
    (True, True)
    >>> nickname_related("mark", "thomas")
    False
    """
    namer = _nick_namer()
    if right in namer.nicknames_of(left) or left in namer.nicknames_of(right):
        return True
    left_names = namer.canonicals_of(left) | {left}
    return bool(left_names & (namer.canonicals_of(right) | {right}))


def _similarities(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DuckDB's Jaro-Winkler similarity (the function splink's DuckDB model compares with) and
    Damerau-Levenshtein distance of each pair."""
    frame = pd.DataFrame({"l": left, "r": right})
    with duckdb.connect() as con:
        found = con.execute("SELECT jaro_winkler_similarity(l, r) AS jw, "
                            "damerau_levenshtein(l, r) AS edits FROM frame").fetchnumpy()
    return np.asarray(found["jw"], dtype=float), np.asarray(found["edits"], dtype=np.int64)


def names_alike(left: np.ndarray, right: np.ndarray, left_sdx: np.ndarray,
                right_sdx: np.ndarray, similar: float) -> np.ndarray:
    """For pairs of normalised, present names: True where they could be one name recorded
    twice: equal; one a single initial of the other; the same Soundex;
    Jaro-Winkler at least ``similar``; at most two keying errors apart (one for names of
    three letters or fewer; Jaro-Winkler alone misses a wrong first letter: lisa / iisa);
    or nicknames of one name.

    >>> a = np.array(["mark", "william", "sean", "j", "steven", "lisa", "jelen", "alan"])
    >>> b = np.array(["thouby", "bill", "shaun", "john", "stephen", "iisa", "heleen", "mike"])
    >>> names_alike(a, b, np.array([soundex(n) for n in a]),
    ...             np.array([soundex(n) for n in b]), 0.85).tolist()
    [False, True, True, True, True, True, True, False]
    """
    if len(left) == 0:
        return np.zeros(0, dtype=bool)
    left, right = np.asarray(left, dtype=object), np.asarray(right, dtype=object)
    short = np.fromiter((min(len(a), len(b)) for a, b in zip(left, right)), dtype=np.int64,
                        count=len(left))
    jaro_winkler, edits = _similarities(left, right)
    initial = np.fromiter((a[0] == b[0] for a, b in zip(left, right)), dtype=bool, count=len(left))
    alike = ((left == right) | ((short == 1) & initial)
             | (np.asarray(left_sdx, dtype=object) == np.asarray(right_sdx, dtype=object))
             | (jaro_winkler >= similar) | (edits <= np.where(short >= 4, 2, 1)))
    unsure = np.flatnonzero(~alike)
    alike[unsure] = [nickname_related(left[i], right[i]) for i in unsure]
    return alike


Name = tuple[str, "str | None"]  # (forename, surname) of a record


def _sorted_pair(left: str, right: str) -> tuple[str, str]:
    return (left, right) if left < right else (right, left)


@dataclass
class Forenames:
    """The names the forename rule compares, for the records of the components it checks.

    A group of records may be one person when one of its forenames (the true name, keyed
    wrongly or shortened in different ways) is alike to every record's forename, or to its
    surname (names typed into each other's boxes); that forename is a *centre* of the group.
    """

    name_of: dict[str, Name] = field(default_factory=dict)
    alike: set[tuple[str, str]] = field(default_factory=set)

    def same(self, left: str, right: str) -> bool:
        return left == right or _sorted_pair(left, right) in self.alike

    def fits(self, centre: Name, record: str) -> bool:
        """Whether ``record`` could be the person named ``centre`` (forename, surname): its
        forename alike the centre's, or both names alike the centre's the other way round."""
        forename, surname = self.name_of[record]
        if self.same(centre[0], forename):
            return True
        return (surname is not None and centre[1] is not None and self.same(centre[0], surname)
                and self.same(centre[1], forename))

    def centres(self, records: list[str]) -> set[Name]:
        """The names (forename, surname) of ``records`` that every record could be; a full
        forename is preferred to an initial."""
        names = {self.name_of[r] for r in records}
        candidates = {name for name in names if len(name[0]) > 1} or names
        return {c for c in candidates if all(self.fits(c, r) for r in records)}

    def join(self, left: list[str], left_centres: set[Name], right: list[str],
             right_centres: set[Name]) -> tuple[set[Name] | None, tuple[str, str] | None]:
        """Whether two groups (their named records and centres) may be one person: (centres
        of the joined group, None), or (None, two forenames that clash). A group without a
        centre was joined by PNC ids or an analyst; it may take records whose forename is
        alike to one it holds."""
        if not left or not right:
            return left_centres | right_centres, None
        joined = self.centres(left + right)
        if joined:
            return joined, None
        for mixed, mixed_centres, other in ((left, left_centres, right), (right, right_centres, left)):
            if len(mixed) > 1 and not mixed_centres:
                held = {self.name_of[r][0] for r in mixed}
                if all(any(self.same(h, self.name_of[r][0]) for h in held) for r in other):
                    return set(), None
        for a in left:
            for b in right:
                if not self.same(self.name_of[a][0], self.name_of[b][0]):
                    return None, (self.name_of[a][0], self.name_of[b][0])
        return None, (self.name_of[left[0]][0], self.name_of[right[0]][0])


def forename_evidence(members: pd.DataFrame, similar: float | None) -> tuple[set[str], Forenames]:
    """Components of ``members`` (record_id, component, forename, surname) whose records have
    no forename alike to all of them, and the names the rule needs to re-cluster them.
    ``similar`` None switches the rule off.

    >>> members = pd.DataFrame({"record_id": ["A", "B", "C", "D", "E"],
    ...     "component": ["1", "1", "2", "2", "2"],
    ...     "forename": ["mark", "toby", "william", "bill", "wiliam"],
    ...     "surname": ["thompson", "thompson", "hardcastle", "hardcastle", "hardcastle"]})
    >>> sorted(forename_evidence(members, 0.85)[0])
    ['1']
    """
    if similar is None or "forename" not in members:
        return set(), Forenames()
    known = members.dropna(subset=["forename"])
    known = known[known.groupby("component")["forename"].transform("nunique") > 1]
    # Most components with two forenames hold a typo or a nickname: only those with a pair of
    # forenames that are not alike need the whole check (surnames, centres).
    forename_pairs, alike = _word_pairs(known[["component", "forename"]].set_axis(
        ["component", "word"], axis=1), similar)
    doubtful = set(forename_pairs.loc[~alike, "component"])
    known = known[known["component"].isin(doubtful)]
    if not len(known):
        return set(), Forenames()
    words = pd.concat([known[["component", "forename"]].set_axis(["component", "word"], axis=1),
                       known[["component", "surname"]].dropna().set_axis(["component", "word"], axis=1)])
    pairs, alike = _word_pairs(words, similar)
    surnames = known["surname"].astype(object).where(known["surname"].notna(), None)
    evidence = Forenames(dict(zip(known["record_id"].tolist(),
                                  zip(known["forename"].tolist(), surnames.tolist()))),
                         set(zip(pairs.loc[alike, "word_a"].tolist(), pairs.loc[alike, "word_b"].tolist())))
    # (each component's records as plain lists: pandas made a Series per component when
    # grouped, a second for the doubtful components of a 1M-incident force)
    ordered = known.sort_values("component", kind="stable")
    by_component = split_runs(ordered["component"].to_numpy(dtype=object), ordered["record_id"].tolist())
    return {component for component, ids in by_component.items() if not evidence.centres(ids)}, evidence


def _word_pairs(words: pd.DataFrame, similar: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Every pair of distinct words (``component``, ``word``) within a component, as
    (component, word_a, word_b) with word_a < word_b, and whether the two are alike
    (:func:`names_alike`, computed once per distinct pair)."""
    words = words.drop_duplicates()
    pairs = words.merge(words, on="component", suffixes=("_a", "_b"))
    pairs = pairs[pairs["word_a"] < pairs["word_b"]].reset_index(drop=True)
    distinct = pairs.drop_duplicates(["word_a", "word_b"])
    left = distinct["word_a"].to_numpy(dtype=object)
    right = distinct["word_b"].to_numpy(dtype=object)
    sdx = {word: soundex(word) for word in set(left) | set(right)}
    alike = names_alike(left, right, np.array([sdx[w] for w in left], dtype=object),
                        np.array([sdx[w] for w in right], dtype=object), similar)
    verdict = pd.Series(alike, index=pd.MultiIndex.from_arrays([left, right]))
    looked_up = verdict.reindex(pd.MultiIndex.from_frame(pairs[["word_a", "word_b"]]))
    return pairs, looked_up.to_numpy(dtype=bool)

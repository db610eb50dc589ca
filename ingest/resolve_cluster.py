"""Clusters that do not chain: splink's links, grouped so that no person holds records that
cannot be one man.

Connected components over accepted links merge two different men as soon as one record links
to both: *Steven Price 1999-08-21* and *Steven Price 1997-04-07* become one person through a
*Steven Price* with no date of birth. Here components are only the first cut. A component is
re-clustered when it holds

* known dates of birth that cannot all be one man's: no one of them is a keying error away
  from all the others (equal, day/month swapped, or one digit out: substituted or two
  neighbours transposed), or
* two different PNC ids, or
* two forenames that cannot be one person's (``ingest.resolve_names``: not a typo, an
  initial, a sound-alike or a nickname of each other; twins and brothers at one address), or
* both records of an analyst's cannot-link.

Re-clustering is greedy, strongest evidence first: must-links, then shared PNC ids, then
splink links by match weight. A link joins two groups only if the joined group would still
be possible (dates of birth compatible, forenames compatible, at most one PNC id, no
cannot-link inside); PNC and must-links skip the date-of-birth and forename checks (a shared
PNC id or an analyst outranks a mistyped date or a name the table does not know) and
must-links the PNC check. A link refused is *cut* and says why.

A record with little evidence (no date of birth and no PNC id) must be close to the group it
joins as a whole, not to one member: when its links reach groups that cannot join each other
and its best link to another group is within ``ambiguity_margin_bits`` of its best link into
its own, it is left on its own and queued for review rather than guessed.

Only components with a conflict are touched, so this stays cheap on millions of records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.arrow_codes import arrow_text, sorted_codes
from core.arrow_isin import isin
from core.distinct import run_starts, split_runs
from core.keying import dob_compatible as _dob_compatible, dobs_compatible
from ingest.resolve_names import Forenames, Name, forename_evidence

METHOD_PRIORITY = {"must_link": 0, "pnc": 1, "splink": 2}

# The greedy grouping asks about the same few dates again and again as groups grow (half a
# million questions about far fewer pairs at a 1M-incident force): each pair is worked out once.
dob_compatible = lru_cache(maxsize=1 << 16)(_dob_compatible)


def _union_centres(left: set[str], left_centres: set[str], right: set[str],
                   right_centres: set[str]) -> set[str]:
    """The *centres* of two groups' dates joined: the dates a keying error away from every
    date of both. A centre of the union is a centre of its own side that fits every date of
    the other, so only each side's centres are tried (trying every date against every other
    grew with the square of a chained component's dates: a second at a 1M-incident force).

    >>> mistyped = {"1985-03-12", "1985-03-17"}  # one digit out: each is a centre
    >>> sorted(_union_centres(mistyped, mistyped, {"1985-12-03"}, {"1985-12-03"}))
    ['1985-03-12']
    >>> sorted(_union_centres({"1985-03-12"}, {"1985-03-12"}, {"1985-03-17"}, {"1985-03-17"}))
    ['1985-03-12', '1985-03-17']
    """
    # Centres are dates of their own side, so the common joins are answered without a loop
    # (one date each side: 105k of the 151k joins at a 1M-incident force).
    if not left or not right or left == right:
        return left_centres | right_centres
    if len(left) == 1 and len(right) == 1:
        return left_centres | right_centres if dob_compatible(next(iter(left)), next(iter(right))) else set()
    return ({c for c in left_centres if all(dob_compatible(c, other) for other in right)}
            | {c for c in right_centres if all(dob_compatible(c, other) for other in left)})


def _dobs_conflict(left: set[str], left_centres: set[str], right: set[str], right_centres: set[str],
                   joined_centres: set[str]) -> tuple[str, str] | None:
    """None when the dates of two groups (with their centres, and those of the two joined)
    could all be one man's, else a conflicting pair.

    They could when one of them is a keying error away from every other (the true date,
    keyed wrongly in different ways: swapped on one record, a digit out on another).
    """
    if not left or not right or joined_centres:
        return None
    # A group whose own dates already disagree was put together by PNC ids or an analyst:
    # the other group may join when each of its dates matches one of those.
    for mixed, mixed_centres, other in ((left, left_centres, right), (right, right_centres, left)):
        if len(mixed) > 1 and not mixed_centres:
            if all(any(dob_compatible(d, m) for m in mixed) for d in other):
                return None
    for a in sorted(left):
        for b in sorted(right):
            if not dob_compatible(a, b):
                return a, b
    dates = sorted(left | right)
    return dates[0], dates[-1]


@dataclass(slots=True)  # (one per record of every component re-clustered: made cheaply)
class _Group:
    members: list[str]
    dobs: set[str]
    dob_centres: set[str]  # dates a keying error away from every date of the group
    pncs: set[str]
    named: list[str]  # members with a forename, in a component the forename rule checks
    centres: set[Name]  # names every named member could be (Forenames.centres)


@dataclass
class Reclustered:
    """Components after the rules: new component labels for the records that moved, the links
    refused (with why), and the records left alone as ambiguous."""

    components: pd.DataFrame
    cut: pd.DataFrame  # record_id_l, record_id_r, cut_for, why
    ambiguous: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["record_id", "groups", "best_own", "best_other"]))
    stats: dict[str, int] = field(default_factory=dict)


def _yyyymmdd(dates: pd.Series) -> np.ndarray:
    """ISO dates as YYYYMMDD integers (-1 where not eight digits once the dashes are gone),
    by Arrow's kernels (pandas' text replace and to_numeric took half a second at 1M pairs).

    >>> _yyyymmdd(pd.Series(["1985-03-12", None, "85-3-12", "1985-0x-12"])).tolist()
    [19850312, -1, -1, -1]
    """
    text = pc.replace_substring(pa.array(dates.array, pa.string(), from_pandas=True), "-", "")
    digits = pc.fill_null(pc.match_substring_regex(text, r"^[0-9]{8}$"), False)
    numbers = pc.cast(pc.if_else(digits, text, pa.scalar(None, pa.string())), pa.int64())
    return np.asarray(pc.fill_null(numbers, -1), dtype=np.int64)


def _dates_compatible(dates: pa.Array, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """:func:`dob_compatible` of each pair of ``dates`` (distinct ISO dates) at positions
    ``left`` and ``right``: each date read as a number once, the pairs compared on whole arrays
    where both are well-formed (one call per pair for the rest).

    >>> _dates_compatible(pa.array(["1985-03-12", "1985-12-03", "1999-08-21", "85-3-12"]),
    ...                   np.array([0, 0, 3]), np.array([1, 2, 2])).tolist()
    [True, False, False]
    """
    number = _yyyymmdd(pd.Series(pd.array(dates, dtype="str")))
    a, b = number[left], number[right]
    numeric = (a >= 0) & (b >= 0)
    compatible = np.empty(len(a), dtype=bool)
    compatible[numeric] = dobs_compatible(a[numeric], b[numeric])
    odd = np.flatnonzero(~numeric)
    text = dates.to_numpy(zero_copy_only=False)
    compatible[odd] = [dob_compatible(text[x], text[y]) for x, y in zip(left[odd], right[odd])]
    return compatible


def conflicting_components(members: pd.DataFrame, cannot: pd.DataFrame) -> set[str]:
    """Components (of ``members``: record_id, component, dob, pnc) holding two incompatible
    dates of birth, two PNC ids or a cannot-link pair.

    Worked out on integer codes: each component's distinct dates and PNC ids are runs of
    sorted (component, value) keys, and only pairs of dates within a run are compared (pandas'
    de-duplication and self-merge on the text took about a second at a 1M-incident force).

    >>> members = pd.DataFrame({"record_id": list("abcdefg"), "component": list("aaabbcc"),
    ...     "dob": ["1990-01-02", "1990-02-01", None, "1990-01-02", "1975-06-30", None, None],
    ...     "pnc": [None, None, None, None, None, "1/A", "2/B"]})
    >>> sorted(conflicting_components(members, pd.DataFrame()))
    ['b', 'c']
    """
    component, names = sorted_codes(arrow_text(members["component"]))
    found = _with_two_values(component, members["pnc"], len(names))
    dob_code, dobs = sorted_codes(arrow_text(members["dob"]))
    left, right = _pairs_within(component, dob_code, len(dobs))
    if len(left):
        clash = ~_dates_compatible(dobs, dob_code[left], dob_code[right])
        found = np.union1d(found, component[left[clash]])
    conflicted = set(names.take(pa.array(found, pa.int64())).to_pylist()) if len(found) else set()
    if len(cannot):
        where = members.set_index("record_id")["component"]
        left_of = where.reindex(cannot["record_id_l"]).to_numpy()
        right_of = where.reindex(cannot["record_id_r"]).to_numpy()
        same = (left_of == right_of) & pd.notna(left_of)
        conflicted |= set(left_of[same])
    return conflicted


def _distinct_keys(component: np.ndarray, value: np.ndarray, n_values: int) -> np.ndarray:
    """The rows of distinct (component, value) pairs with a value (code >= 0), by component
    then value: one row per pair."""
    known = np.flatnonzero(value >= 0)
    key = component[known].astype(np.int64) * n_values + value[known]
    order = np.argsort(key, kind="stable")
    first = run_starts(key[order])
    return known[order[first]]


def _with_two_values(component: np.ndarray, values: pd.Series, n_components: int) -> np.ndarray:
    """The components holding two or more distinct (present) ``values``."""
    code, distinct = sorted_codes(arrow_text(values))
    rows = _distinct_keys(component, code, max(len(distinct), 1))
    return np.flatnonzero(np.bincount(component[rows], minlength=n_components) > 1)


def _pairs_within(component: np.ndarray, value: np.ndarray, n_values: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows (left, right) holding two distinct values of one component, the
    left value the smaller, one row per distinct value."""
    rows = _distinct_keys(component, value, max(n_values, 1))
    if not len(rows):
        return rows, rows
    groups = component[rows]
    starts = run_starts(groups)
    ends = np.repeat(np.r_[starts[1:], len(rows)], np.diff(np.r_[starts, len(rows)]))
    after = ends - np.arange(len(rows)) - 1  # how many later values each one pairs with
    left = np.repeat(np.arange(len(rows)), after)
    step = np.arange(len(left)) - np.repeat(np.cumsum(after) - after, after)
    return rows[left], rows[left + 1 + step]


@dataclass
class _Evidence:
    """What the rules compare, for the records of the components being re-clustered."""

    dob: dict[str, str]
    pnc: dict[str, str]
    cannot: dict[str, set[str]]
    forenames: Forenames


def _first_across(left: list[str], right: list[str],
                  related: dict[str, set[str]]) -> tuple[str, str] | None:
    """The first pair of records, one from each group, that ``related`` pairs; None if none."""
    if not related:
        return None
    small, big = (left, right) if len(left) <= len(right) else (right, left)
    big_set = set(big)
    for member in small:
        hit = related.get(member, set()) & big_set
        if hit:
            return member, min(hit)
    return None


Edge = tuple[str, str, str, float]  # record_id_l, record_id_r, method, match weight


def _greedy(records: list[str], edges: list[Edge], facts: _Evidence,
            isolated: set[str]) -> tuple[dict[str, str], list[tuple]]:
    """Group ``records`` along ``edges`` (sorted strongest first) under the rules; returns the
    group of each record and the refused links (left, right, why, cannot pair or '')."""
    dob, pnc, cannot = facts.dob, facts.pnc, facts.cannot
    parent = {r: r for r in records}
    named = facts.forenames.name_of
    groups = {r: _Group([r], {dob[r]} if r in dob else set(), {dob[r]} if r in dob else set(),
                        {pnc[r]} if r in pnc else set(),
                        [r] if r in named else [], {named[r]} if r in named else set())
              for r in records}

    def root(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    refused: list[tuple] = []
    for left, right, method, _ in edges:
        if left in isolated or right in isolated:
            if method == "splink":
                refused.append((left, right, "left alone: close to two people who cannot be one", ""))
                continue
        a, b = root(left), root(right)
        if a == b:
            continue
        ga, gb = groups[a], groups[b]
        why, pair = "", ""
        unlinked = _first_across(ga.members, gb.members, cannot)
        if unlinked:
            pair, why = "/".join(sorted(unlinked)), "analyst cannot-link"
        if not why and method != "must_link" and ga.pncs and gb.pncs and ga.pncs != gb.pncs \
                and len(ga.pncs | gb.pncs) > 1:
            why = f"PNC ids differ ({' / '.join(sorted(ga.pncs | gb.pncs))})"
        joined_dates = _union_centres(ga.dobs, ga.dob_centres, gb.dobs, gb.dob_centres) if not why else set()
        if not why and method == "splink":
            dates = _dobs_conflict(ga.dobs, ga.dob_centres, gb.dobs, gb.dob_centres, joined_dates)
            if dates:
                why = f"dates of birth conflict ({dates[0]} / {dates[1]})"
        centres: set[Name] | None = set()
        if not why:  # PNC ids and must-links outrank the forename rule, as they do dates
            centres, names = facts.forenames.join(ga.named, ga.centres, gb.named, gb.centres)
            if names and method == "splink":
                why = f"forenames differ ({names[0]} / {names[1]})"
        if why:
            refused.append((left, right, why, pair))
            continue
        if len(ga.members) < len(gb.members):
            a, b, ga, gb = b, a, gb, ga
        parent[b] = a
        ga.members += gb.members
        ga.dobs |= gb.dobs
        ga.dob_centres = joined_dates
        ga.pncs |= gb.pncs
        ga.named += gb.named
        ga.centres = centres or set()
        del groups[b]
    return {r: root(r) for r in records}, refused


def _ambiguous(records: list[str], group: dict[str, str], edges: list[Edge],
               dob: dict[str, str], pnc: dict[str, str], margin: float) -> list[tuple]:
    """Weak records (no DOB, no PNC id) whose links reach another group nearly as strongly
    as their own: (record, groups reached, best own weight, best other weight)."""
    weak = [r for r in records if r not in dob and r not in pnc]
    if not weak:
        return []
    found = []
    weak_set = set(weak)
    best: dict[str, dict[str, float]] = {}
    for left, right, method, weight in edges:
        if method != "splink":
            continue
        for me, other in ((left, right), (right, left)):
            if me in weak_set:
                reach = best.setdefault(me, {})
                g = group[other]
                reach[g] = max(reach.get(g, -np.inf), float(weight))
    for record, reach in best.items():
        own = reach.get(group[record], -np.inf)
        others = [w for g, w in reach.items() if g != group[record]]
        if others and max(others) >= own - margin:
            found.append((record, len(reach) + (group[record] not in reach), own, max(others)))
    return found


def recluster(components: pd.DataFrame, edges: pd.DataFrame, members: pd.DataFrame,
              cannot: pd.DataFrame, margin: float, rounds: int = 3,
              forename_similar: float | None = None) -> Reclustered:
    """Apply the rules to ``components`` (record_id, component) over ``edges`` (record_id_l,
    record_id_r, match_weight, method); ``members`` gives record_id, component, dob, pnc (and
    forename, surname for the forename rule, on when ``forename_similar`` is given) for
    records of multi-record components (others cannot conflict)."""
    cannot = cannot if cannot is not None else pd.DataFrame(columns=["record_id_l", "record_id_r"])
    conflicted = conflicting_components(members, cannot)
    named, forenames = forename_evidence(members, forename_similar)
    conflicted |= named
    empty_cut = pd.DataFrame(columns=["record_id_l", "record_id_r", "cut_for", "why"])
    if not conflicted:
        return Reclustered(components, empty_cut, stats={"components_reclustered": 0})
    local = members[members["component"].isin(conflicted)]
    component_of = local.set_index("record_id")["component"]
    edge_component = component_of.reindex(edges["record_id_l"]).to_numpy()
    local_edges = edges[pd.notna(edge_component)].assign(
        component=edge_component[pd.notna(edge_component)],
        priority=lambda e: e["method"].map(METHOD_PRIORITY).fillna(2),
        weight=lambda e: e["match_weight"].fillna(0.0))
    local_edges = local_edges.sort_values(["component", "priority", "weight", "record_id_l", "record_id_r"],
                                          ascending=[True, True, False, True, True])
    # (as Python lists first: stepping through Arrow text one value at a time is slow)
    ids = local["record_id"].tolist()
    dob = dict(zip(ids, local["dob"].tolist()))
    dob = {k: v for k, v in dob.items() if isinstance(v, str)}
    pnc = {k: v for k, v in zip(ids, local["pnc"].tolist()) if isinstance(v, str)}
    cannot_of: dict[str, set[str]] = {}
    for left, right in zip(cannot["record_id_l"], cannot["record_id_r"]):
        cannot_of.setdefault(left, set()).add(right)
        cannot_of.setdefault(right, set()).add(left)
    facts = _Evidence(dob, pnc, cannot_of, forenames)

    relabel: dict[str, str] = {}
    cut_rows: list[tuple] = []
    ambiguous_rows: list[tuple] = []
    edges_by_component = split_runs(local_edges["component"].to_numpy(), list(zip(
        local_edges["record_id_l"].tolist(), local_edges["record_id_r"].tolist(),
        local_edges["method"].tolist(), local_edges["match_weight"].tolist())))
    local = local.sort_values(["component", "record_id"])
    for component, records in split_runs(local["component"].to_numpy(),
                                    local["record_id"].tolist()).items():
        comp_edges = edges_by_component.get(component, [])
        isolated: set[str] = set()
        for _ in range(rounds):
            group, refused = _greedy(records, comp_edges, facts, isolated)
            doubtful = _ambiguous(records, group, comp_edges, dob, pnc, margin) if refused else []
            fresh = {row[0] for row in doubtful} - isolated
            if not fresh:
                break
            isolated |= fresh
            ambiguous_rows += [row for row in doubtful if row[0] in fresh]
        first_of: dict[str, str] = {}
        for record in records:  # sorted: the first record of a group is its smallest
            first_of.setdefault(group[record], record)
        for record in records:
            relabel[record] = "rule:" + first_of[group[record]]
        cut_rows += [(min(l, r), max(l, r), pair or "rule", why) for l, r, why, pair in refused]

    out = components.copy()
    moved = isin(out["record_id"], list(relabel))
    out.loc[moved, "component"] = out.loc[moved, "record_id"].map(relabel)
    if "label" in out:  # the new components numbered on after the old ones
        fresh, _ = pd.factorize(out.loc[moved, "component"])
        out.loc[moved, "label"] = int(out["label"].max()) + 1 + fresh
    cut = pd.DataFrame(cut_rows, columns=["record_id_l", "record_id_r", "cut_for", "why"]) \
        .drop_duplicates(["record_id_l", "record_id_r"])
    ambiguous = pd.DataFrame(ambiguous_rows, columns=["record_id", "groups", "best_own", "best_other"])
    return Reclustered(out, cut, ambiguous, stats={"components_reclustered": len(conflicted),
                                                   "links_cut": len(cut),
                                                   "records_left_alone": len(ambiguous)})

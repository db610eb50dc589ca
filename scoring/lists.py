"""The ranked lists: highest risk overall, to different women and girls, and repeat victims.

Each list is a DataFrame whose first columns are exactly the output contract
(docs/data-contract.md, "Outputs"); extra columns after them (points, counts) feed JSON, the
explain command and the app.
"""

from __future__ import annotations

from enum import Enum

import numpy as np
import pandas as pd

from core.distinct import place_in_run
from core.forces import forces_of
from scoring.grouped_text import join_within
from scoring.order import order_reasons
from scoring.perpetrators import ScoringContext, score_history_coded, score_perpetrators_coded
from scoring.prepared import Prepared
from scoring.reasons import perpetrator_reasons, plural, victim_reasons
from scoring.signals import registry
from scoring.signals.pdp import potential_pdp
from scoring.signals.base import (ListKind, RankingData, Rule, Signal, flag_bits, flags_text,
                                  whole_record_columns)
from scoring.victims import score_victims_coded

PERPETRATOR_COLUMNS = [
    "rank", "person_id", "display_name", "record_ids", "forces", "score", "recency", "frequency",
    "gravity", "victims", "last_incident", "flags", "reasons", "order_reason",
]
VICTIM_COLUMNS = [
    "rank", "person_id", "display_name", "record_ids", "forces", "score", "offences", "offenders",
    "last_incident", "flags", "reasons",
]


# The overall list's order: a person's code orders like their id, the final tie-break.
OVERALL_ORDER = ["score", "victims", "harm", "last_incident", "person"]


class PerpetratorList(str, Enum):
    """The two HMICFRS offender lists, and the people with a serial history the window hides."""

    OVERALL = "overall"
    DIFFERENT_VICTIMS = "different-victims"
    SERIAL_HISTORY = "serial-history"


class VictimList(str, Enum):
    """The two repeat-victim lists."""

    MOST_OFFENCES = "most-offences"
    MOST_OFFENDERS = "most-offenders"


class _Flags:
    """The flags of one list: the registry's signals on it, set before ordering (on the scored
    rows) and after it (the rank-dependent ones), joined in the registry's order."""

    def __init__(self, context: ScoringContext, prepared: Prepared, kind: ListKind) -> None:
        self.data = RankingData(context, prepared)
        self.kind = kind
        self.chosen: list[tuple[Signal, Rule, object]] = registry.on(context.config, kind)
        self.names = [signal.name for signal, _, _ in self.chosen]

    def with_evidence(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` with the evidence columns the chosen signals read."""
        needed = registry.evidence(rule for _, rule, _ in self.chosen)
        if not len(rows):
            return rows.assign(**{k: v for e in needed for k, v in e.empty.items()})
        return pd.concat([rows, *(whole_record_columns(self.data, e, rows, self.kind) if e.whole_record
                                  else e.columns(self.data, rows) for e in needed)], axis=1)

    def bits(self, rows: pd.DataFrame, ranked: bool) -> np.ndarray:
        """Per row, the flags decided before (``ranked`` False) or after ordering, as bits."""
        return flag_bits([(place, rule.flag(self.data, rows, settings))
                          for place, (_, rule, settings) in enumerate(self.chosen) if rule.ranked is ranked],
                         len(rows))

    def text(self, ranked: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        """The ``flags`` column of the ordered list (which carries the earlier bits in
        ``_flags``), and ``all_flags``: every flag of each row, for filters.

        A flag on more than ``signals.notes.share`` of the list's first rows, at the widest of
        ``signals.notes.tops`` (the top 20 a panel reviews, the top 100; lists of at least
        ``signals.notes.min_rows``), is taken off those rows' ``flags`` and said once in the
        list's notes (``ranked.attrs["notes"]``, read with :func:`list_notes`): a fact true of
        most of the people a chair reads tells them nothing row by row. Rows below that top keep it.
        """
        ranked.attrs["notes"] = []
        ranked.attrs["note_heads"] = []
        if not len(ranked):
            return pd.Series(dtype=str), pd.Series(dtype=str)
        bits = ranked["_flags"].to_numpy() | self.bits(ranked, ranked=True)
        every = flags_text(bits, self.names, ranked.index)
        settings = self.data.context.config.signals.notes
        ranks = ranked["rank"].to_numpy()
        if len(ranked) >= settings.min_rows:
            for place, (signal, rule, _) in enumerate(self.chosen):
                for top in sorted(set(settings.tops), reverse=True):
                    carried = ((bits[:top] >> place) & 1).astype(bool)
                    if carried.sum() <= settings.share * len(carried):
                        continue
                    bits[:top] &= ~np.int64(1 << place)
                    ranked.attrs["notes"].append(_note(signal.label, rule.description, carried, ranks[:top]))
                    ranked.attrs["note_heads"].append(_note_head(signal.label, carried))
                    break
        return flags_text(bits, self.names, ranked.index), every


def _note(label: str, description: str, carried: np.ndarray, ranks: np.ndarray) -> str:
    """'97 of the top 100 are "not managed" (all but ranks 3, 41 and 77), ...: <meaning>.'"""
    missing = ranks[~carried]
    but = ""
    if 0 < len(missing) <= 5:
        listed = ", ".join(str(r) for r in missing[:-1]) + (" and " if len(missing) > 1 else "") + str(missing[-1])
        but = f" (all but rank{'s' if len(missing) > 1 else ''} {listed})"
    return (f"{int(carried.sum())} of the top {len(carried)} are \"{label}\"{but}, so it is said here once, not on "
            f"their rows: {description}.")


def _note_head(label: str, carried: np.ndarray) -> str:
    """'not managed (99 of the top 100)': the note in a few words, for a one-line summary."""
    return f"{label} ({int(carried.sum())} of the top {len(carried)})"


def list_note_heads(ranked: pd.DataFrame) -> list[str]:
    """The list's notes in a few words each, in the order of :func:`list_notes`.

    >>> noted = pd.DataFrame({"rank": [1]})
    >>> noted.attrs["note_heads"] = ["not managed (1 of the top 1)"]
    >>> list_note_heads(noted.head(1)), list_note_heads(pd.DataFrame())
    (['not managed (1 of the top 1)'], [])
    """
    return list(ranked.attrs.get("note_heads", []))


def list_notes(ranked: pd.DataFrame) -> list[str]:
    """The notes said once above a ranked list (flags common to most of its top rows).

    >>> noted = pd.DataFrame({"rank": [1]})
    >>> noted.attrs["notes"] = ["a note"]
    >>> list_notes(noted.head(1)), list_notes(pd.DataFrame())
    (['a note'], [])
    """
    return list(ranked.attrs.get("notes", []))


def _with_identity(frame: pd.DataFrame, people: np.ndarray, prepared: Prepared) -> pd.DataFrame:
    """``frame`` with each person's display name, record ids and the forces holding those
    records (``people``: their codes)."""
    record_ids = pd.Series(prepared.persons_at("record_ids", people), index=frame.index)
    return frame.assign(display_name=prepared.persons_at("display_name", people),
                        record_ids=record_ids, forces=forces_of(record_ids))


def rank_perpetrators(context: ScoringContext,
                      which: PerpetratorList = PerpetratorList.OVERALL) -> pd.DataFrame:
    """Rank every perpetrator in the window (best first) with reasons and flags.

    ``overall`` orders by score; ``different-victims`` keeps people with at least one female
    victim and orders by distinct female victims, then score. In that list ``victims`` counts
    women and girls. ``serial-history`` keeps people with at least
    ``serial_history.min_victims`` distinct victims over their whole record up to the as-of
    date but fewer than that inside the window (quiet there, or absent), and every potential
    PDP with no incident in the window, ordered by victims
    over the whole record; its ``frequency``, ``gravity``, ``victims`` and ``recency`` read the
    whole record, ``score`` stays the window's (0 with no incident in it), and every signal
    (PDP included) is worked out for them as for anyone.
    """
    return _ranked_perpetrators(context, which, Prepared(context)).drop(columns="person")


def _ranked_perpetrators(context: ScoringContext, which: PerpetratorList, prepared: Prepared) -> pd.DataFrame:
    """:func:`rank_perpetrators` with each person's code in a last column, ``person``."""
    serial = which is PerpetratorList.SERIAL_HISTORY
    scored = (_serial_history(context, prepared) if serial
              else score_perpetrators_coded(context, prepared).reset_index())
    scored.insert(1, "person_id", pd.Series(prepared.index.ids(scored["person"].to_numpy()), dtype="string"))
    if which is PerpetratorList.DIFFERENT_VICTIMS:
        order = ["female_victims", "score", "victims", "harm", "last_incident", "person"]
    elif serial:
        order = ["victims", "female_victims", "harm", "last_incident", "person"]
    else:
        order = OVERALL_ORDER
    # In the list's order from the start: the evidence and reasons are then added in place, not
    # every column moved again once they are there.
    scored = _sorted(scored, order)
    flags = _Flags(context, prepared, "perpetrators")
    scored = flags.with_evidence(scored)
    # The victims the list counts (its ``victims`` column): on the women-and-girls list, women
    # and girls only, so its flags and their reasons count the same people.
    women_only = which is PerpetratorList.DIFFERENT_VICTIMS
    scored["listed_victims"] = scored["female_victims" if women_only else "victims"]
    scored["listed_women_only"] = women_only
    scored["_flags"] = flags.bits(scored, ranked=False)
    scored["reasons"] = perpetrator_reasons(scored, context.catalogue) if len(scored) else pd.Series(dtype=str)
    if which is PerpetratorList.DIFFERENT_VICTIMS:
        scored = scored[scored["female_victims"] > 0]
    elif serial and len(scored):
        scored["reasons"] = "Whole record: " + scored["reasons"] + " " + _window_phrase(scored)
    ranked = _numbered(scored, prepared)
    ranked["order_reason"] = order_reasons(ranked, order, context.config)
    ranked["flags"], ranked["all_flags"] = flags.text(ranked)
    # The contract's names for the RFGV measures; ``victims`` is the list's count, ``all_victims``
    # everyone's. Columns are set in place and the frame copied once, in the contract's order.
    for name, source in (("recency", "days_since_last"), ("frequency", "incidents"), ("gravity", "harm"),
                         ("all_victims", "victims"), ("victims", "female_victims" if women_only else "victims")):
        ranked[name] = ranked[source]
    extras = [c for c in ranked.columns if c not in PERPETRATOR_COLUMNS and c not in ("person", "_flags")]
    return ranked[PERPETRATOR_COLUMNS + extras + ["person"]]


def _serial_history(context: ScoringContext, prepared: Prepared) -> pd.DataFrame:
    """Whole-record rows (:func:`scoring.perpetrators.score_history_coded`) of people with a
    serial history who are quiet in the window, with ``window_incidents``, ``window_victims``
    and ``score`` (the window's RFGV score, 0 when they have no incident there)."""
    least = context.config.serial_history.min_victims
    history = score_history_coded(context, prepared)
    window = score_perpetrators_coded(context, prepared)
    history["window_incidents"] = window["incidents"].reindex(history.index).fillna(0).astype("int64")
    history["window_victims"] = window["victims"].reindex(history.index).fillna(0).astype("int64")
    history["score"] = window["score"].reindex(history.index).fillna(0.0)
    keep = (history["victims"] >= least) & (history["window_victims"] < least)
    # PDP is tested for everyone: a potential PDP with no incident in the window is on no other
    # list, so this one shows them whatever their number of victims.
    absent = pd.Index(history.index[history["window_incidents"] == 0], name="person")
    found = potential_pdp(prepared, absent, reasons="pdp")["pdp"]
    keep |= history.index.isin(found.index[found.to_numpy(dtype=bool)])
    return history[keep].reset_index()


def _window_phrase(rows: pd.DataFrame) -> pd.Series:
    """'In the window: 3 incidents against 1 victim.' or 'No incident in the window.'"""
    inside = ("In the window: " + plural(rows["window_incidents"], "incident") + " against "
              + plural(rows["window_victims"], "victim") + ".")
    return pd.Series(np.where(rows["window_incidents"] > 0, inside, "No incident in the window."), index=rows.index)


def _ordered(scored: pd.DataFrame, order: list[str], prepared: Prepared) -> pd.DataFrame:
    """``scored`` sorted by ``order`` (the last key ascending, the others descending), with
    display names and record ids, numbered from 1 in a first column, ``rank``."""
    return _numbered(_sorted(scored, order), prepared)


def _sorted(scored: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """``scored`` sorted by ``order`` (the last key ascending, the others descending), with a
    fresh index: the keys alone are sorted, then every column taken once in that order."""
    return scored.take(_order_of(scored, order)).reset_index(drop=True)


def _order_of(scored: pd.DataFrame, order: list[str]) -> np.ndarray:
    """The positions of ``scored``'s rows in the order :func:`_sorted` puts them.

    >>> _order_of(pd.DataFrame({"score": [1.0, 3.0, 3.0], "person": [0, 2, 1]}), ["score", "person"]).tolist()
    [2, 1, 0]
    """
    keys = [scored[key].to_numpy() for key in order]
    if all(k.dtype.kind in "if" or (k.dtype.kind == "M" and not np.isnat(k).any()) for k in keys):
        # NumPy's stable lexsort on the keys (descending ones negated; NaN sorts last either way).
        return np.lexsort([keys[-1], *(-(k.view(np.int64) if k.dtype.kind == "M" else k) for k in keys[-2::-1])])
    ascending = [False] * (len(order) - 1) + [True]
    return scored[order].reset_index(drop=True).sort_values(order, ascending=ascending, kind="stable").index.to_numpy()


def _numbered(ranked: pd.DataFrame, prepared: Prepared) -> pd.DataFrame:
    """``ranked`` (in its order) with display names and record ids, numbered from 1 in a first
    column, ``rank``."""
    ranked = ranked.reset_index(drop=True)
    people = ranked.pop("person")
    ranked = _with_identity(ranked, people.to_numpy(), prepared).assign(person=people)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked


def _offender_ranks(context: ScoringContext, victims: pd.DataFrame, prepared: Prepared) -> pd.Series:
    """Per victim, their offenders with the offenders' overall ranks (up to three shown).

    A rank is a place in the overall list's order, so only the scores are needed, not the
    whole list with its signals and reasons.
    """
    scored = score_perpetrators_coded(context, prepared).reset_index()
    ranked = scored["person"].to_numpy()[_order_of(scored, OVERALL_ORDER)]  # as the overall list orders them
    place = np.full(len(prepared.index.people), -1, dtype=np.int64)
    place[ranked] = np.arange(len(ranked))
    pairs = prepared.window_offenders
    pairs = pairs.assign(place=place[pairs["offender"].to_numpy()])
    pairs = pairs[pairs["place"] >= 0]
    pairs = pairs.take(np.lexsort((pairs["place"].to_numpy(), pairs["victim"].to_numpy())))
    pairs = pairs[place_in_run(pairs["victim"].to_numpy()) < 3]
    offenders = pairs["offender"].to_numpy()
    names = prepared.persons_at("display_name", offenders)
    text = (pd.Series(names, dtype="string").fillna("") + " ("
            + pd.Series(prepared.index.ids(offenders), dtype="string") + ", rank "
            + (pairs["place"].to_numpy() + 1).astype(str) + ")")
    joined = join_within(text, pairs["victim"], ", ")
    return victims["person"].map(joined)


def victim_scope(all_victims: bool, under_18: bool) -> str:
    """Who a victim list holds, in words for its title and audit record.

    >>> victim_scope(False, False), victim_scope(False, True), victim_scope(True, True)
    ('women and girls', 'girls under 18', 'all victims under 18')
    """
    if all_victims:
        return "all victims under 18" if under_18 else "all victims"
    return "girls under 18" if under_18 else "women and girls"


def rank_victims(context: ScoringContext, which: VictimList = VictimList.MOST_OFFENCES, all_victims: bool = False,
                 under_18: bool = False) -> pd.DataFrame:
    """Rank repeat victims: by recorded offences, or by distinct offenders (best first).

    The lists are of women and girls (victims recorded with a sex in ``female_sex_codes``) unless
    ``all_victims``, which adds men, boys and victims whose sex is not recorded. ``under_18``
    keeps only victims who were under 18 at an incident in the window (by their date of birth):
    girls, or with ``all_victims`` all children.
    """
    prepared = Prepared(context)
    scored = score_victims_coded(context, prepared).reset_index()
    scored = scored[(scored["female"] | all_victims) & (scored["under_18"] | (not under_18))].reset_index(drop=True)
    scored.insert(1, "person_id", pd.Series(prepared.index.ids(scored["person"].to_numpy()), dtype="string"))
    scored["score"] = scored["harm"]
    flags = _Flags(context, prepared, "victims")
    scored = flags.with_evidence(scored)
    scored["_flags"] = flags.bits(scored, ranked=False)
    if len(scored):
        scored["offender_ranks"] = _offender_ranks(context, scored, prepared)
        scored["reasons"] = victim_reasons(scored, context.catalogue)
    else:
        scored = scored.assign(offender_ranks="", reasons="")
    if which is VictimList.MOST_OFFENDERS:
        order = ["offenders", "offences", "incidents", "harm", "last_incident", "person"]
    else:
        order = ["offences", "offenders", "incidents", "harm", "last_incident", "person"]
    ranked = _ordered(scored, order, prepared).drop(columns="person")
    ranked["flags"], ranked["all_flags"] = flags.text(ranked) if len(ranked) else ("", "")
    ranked = ranked.drop(columns="_flags")
    extras = [c for c in ranked.columns if c not in VICTIM_COLUMNS]
    return ranked[VICTIM_COLUMNS + extras]

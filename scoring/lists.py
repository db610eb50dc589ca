"""The ranked lists: highest risk overall, to different women and girls, and repeat victims.

Each list is a DataFrame whose first columns are exactly the output contract
(docs/data-contract.md, "Outputs"); extra columns after them (points, counts) feed JSON, the
explain command and the app.
"""

from __future__ import annotations

from enum import Enum

import numpy as np
import pandas as pd

from scoring.grouped_text import join_within
from scoring.perpetrators import ScoringContext, score_perpetrators_coded
from scoring.prepared import Prepared
from scoring.reasons import perpetrator_reasons, victim_reasons
from scoring.status import active_measures, briefed_people, ever_referred, managed_people
from scoring.victims import score_victims_coded
from core.arrow_isin import isin

PERPETRATOR_COLUMNS = [
    "rank", "person_id", "display_name", "record_ids", "score", "recency", "frequency",
    "gravity", "victims", "last_incident", "flags", "reasons",
]
VICTIM_COLUMNS = [
    "rank", "person_id", "display_name", "record_ids", "score", "offences", "offenders",
    "last_incident", "flags", "reasons",
]


# The overall list's order: a person's code orders like their id, the final tie-break.
OVERALL_ORDER = ["score", "victims", "harm", "last_incident", "person"]


class PerpetratorList(str, Enum):
    """The two HMICFRS offender lists."""

    OVERALL = "overall"
    DIFFERENT_VICTIMS = "different-victims"


class VictimList(str, Enum):
    """The two repeat-victim lists."""

    MOST_OFFENCES = "most-offences"
    MOST_OFFENDERS = "most-offenders"


def _join_flags(flags: dict[str, pd.Series]) -> pd.Series:
    """';'-joined names of the flags that are true, in the order given.

    Each row's flags make one bit pattern; the text is built once per distinct pattern (a
    few hundred at most), not once per row.

    >>> _join_flags({"a": pd.Series([True, False]), "b": pd.Series([True, False])}).tolist()
    ['a;b', '']
    """
    index = next(iter(flags.values())).index
    bits = np.zeros(len(index), dtype=np.int64)
    for place, on in enumerate(flags.values()):
        bits |= on.to_numpy(dtype=bool).astype(np.int64) << place
    patterns, which = np.unique(bits, return_inverse=True)
    names = list(flags)
    texts = np.array([";".join(name for place, name in enumerate(names) if pattern >> place & 1)
                      for pattern in patterns.tolist()], dtype=object)
    return pd.Series(texts[which.reshape(-1)], index=index, dtype="str")


def _signals(context: ScoringContext, scored: pd.DataFrame, prepared: Prepared) -> pd.DataFrame:
    """PDP and escalation signals with their reasons, aligned to ``scored``."""
    from scoring.signals.escalating import escalation_coded
    from scoring.signals.pdp import potential_pdp_coded

    settings = context.config.signals
    people = pd.Index(scored["person"], name="person")
    pdp = potential_pdp_coded(context, settings, prepared, people).reindex(people)
    rising = escalation_coded(settings, prepared, people).reindex(people)
    is_pdp = pdp["pdp"].fillna(False).astype(bool)
    is_rising = rising["escalating"].fillna(False).astype(bool)
    return pd.DataFrame({
        "pdp": is_pdp.to_numpy(),
        "pdp_reason": pdp["reason"].where(is_pdp).to_numpy(),
        "escalating": is_rising.to_numpy(),
        "escalation_reason": rising["reason"].where(is_rising).to_numpy(),
    }, index=scored.index)


def _measure_gaps(context: ScoringContext, scored: pd.DataFrame, prepared: Prepared) -> pd.DataFrame:
    """Protective-measure status and gaps of everyone in ``scored``, one vectorised pass.

    ``protective_measure``: a protective order or pre-charge bail in force on the as-of date.
    From :func:`scoring.signals.measures.measure_status`: ``breaches_not_charged``,
    ``bail_lapses_on`` (NaT unless pre-charge bail lapses within ``measures.bail_lapsing_days``),
    ``rui_without_conditions``, ``active_measures`` and its sentence, ``measure_reason``.
    """
    from scoring.signals.measures import measure_status_coded

    people = pd.Index(scored["person"], name="person")
    status = measure_status_coded(context, context.config.signals, prepared, people)
    protected = set(active_measures(context)["subject_person_id"].dropna())
    return pd.DataFrame({
        "protective_measure": isin(scored["person_id"], protected).to_numpy(),
        "breaches_not_charged": status["breaches_not_charged"].fillna(0).astype("int64").to_numpy(),
        "bail_lapses_on": pd.to_datetime(status["bail_lapses_on"]).to_numpy(),
        "rui_without_conditions": status["rui_without_conditions"].fillna(False).astype(bool).to_numpy(),
        "active_measures": status["active_measures"].fillna("").to_numpy(),
        "measure_reason": status["reason"].fillna("No active measures").to_numpy(),
    }, index=scored.index)


def _perpetrator_flags(context: ScoringContext, scored: pd.DataFrame) -> pd.Series:
    people = scored["person_id"]
    return _join_flags({
        "pdp": scored["pdp"],
        "escalating": scored["escalating"],
        "unmanaged": ~isin(people, managed_people(context)),
        "not_on_briefing": ~isin(people, briefed_people(context)),
        "no_protective_measure": ~scored["protective_measure"],
        "breach_not_charged": scored["breaches_not_charged"] > 0,
        "bail_lapsing": scored["bail_lapses_on"].notna(),
        "rui_no_conditions": scored["rui_without_conditions"],
        "breach": scored["breaches"] > 0,
        "multiple_victims": scored["victims"] >= 2,
        "dash_high": scored["high_dash"],
    })


def _with_identity(frame: pd.DataFrame, people: np.ndarray, prepared: Prepared) -> pd.DataFrame:
    """``frame`` with each person's display name and record ids (``people``: their codes)."""
    return frame.assign(display_name=prepared.persons_at("display_name", people),
                        record_ids=prepared.persons_at("record_ids", people))


def _breach_counts(scored: pd.DataFrame, prepared: Prepared) -> pd.Series:
    """Per perpetrator: incidents in the window that are a breach offence or a recorded breach."""
    pairs = prepared.window_perpetrators
    breach = pairs[prepared.index.column("breach", pairs["row"].to_numpy())]
    counts = breach.groupby("person").size()
    return scored["person"].map(counts).fillna(0).astype("int64")


def _with_rank_flags(context: ScoringContext, ranked: pd.DataFrame) -> pd.Series:
    """Put the flags that depend on rank in front of the others.

    Both look at the top ``signals.unrecognised.top`` of this list: ``unrecognised`` (nobody
    managing or briefing on them) and ``high_rank_no_measure`` (no protective order or
    pre-charge bail in force on the as-of date).
    """
    top = ranked["rank"] <= context.config.signals.unrecognised.top
    unknown = ~isin(ranked["person_id"], managed_people(context) | briefed_people(context))
    front = _join_flags({
        "unrecognised": top & unknown,
        "high_rank_no_measure": top & ~ranked["protective_measure"].astype(bool),
    })
    return front + np.where(front.ne("") & ranked["flags"].ne(""), ";", "") + ranked["flags"]


def rank_perpetrators(context: ScoringContext,
                      which: PerpetratorList = PerpetratorList.OVERALL) -> pd.DataFrame:
    """Rank every perpetrator in the window (best first) with reasons and flags.

    ``overall`` orders by score; ``different-victims`` keeps people with at least one female
    victim and orders by distinct female victims, then score. In that list ``victims`` counts
    women and girls.
    """
    return _ranked_perpetrators(context, which, Prepared(context)).drop(columns="person")


def _ranked_perpetrators(context: ScoringContext, which: PerpetratorList, prepared: Prepared) -> pd.DataFrame:
    """:func:`rank_perpetrators` with each person's code in a last column, ``person``."""
    scored = score_perpetrators_coded(context, prepared).reset_index()
    scored.insert(1, "person_id", pd.Series(prepared.index.ids(scored["person"].to_numpy()), dtype="string"))
    scored["breaches"] = _breach_counts(scored, prepared)
    if len(scored):
        scored = pd.concat([scored, _signals(context, scored, prepared), _measure_gaps(context, scored, prepared)],
                           axis=1)
    else:
        scored = scored.assign(pdp=False, pdp_reason=None, escalating=False, escalation_reason=None,
                               protective_measure=False, breaches_not_charged=0, bail_lapses_on=pd.NaT,
                               rui_without_conditions=False, active_measures="", measure_reason="")
    scored["flags"] = _perpetrator_flags(context, scored) if len(scored) else pd.Series(dtype=str)
    scored["reasons"] = perpetrator_reasons(scored, context.catalogue) if len(scored) else pd.Series(dtype=str)
    if which is PerpetratorList.DIFFERENT_VICTIMS:
        scored = scored[scored["female_victims"] > 0]
        order = ["female_victims", "score", "victims", "harm", "last_incident", "person"]
    else:
        order = OVERALL_ORDER
    ranked = _ordered(scored, order, prepared)
    ranked["flags"] = _with_rank_flags(context, ranked) if len(ranked) else ranked["flags"]
    victims_shown = "female_victims" if which is PerpetratorList.DIFFERENT_VICTIMS else "victims"
    ranked = ranked.assign(recency=ranked["days_since_last"], frequency=ranked["incidents"],
                           gravity=ranked["harm"], victims_count=ranked[victims_shown])
    out = ranked.drop(columns=["victims"]).rename(columns={"victims_count": "victims"})
    out["all_victims"] = ranked["victims"]
    extras = [c for c in out.columns if c not in PERPETRATOR_COLUMNS and c != "person"]
    return out[PERPETRATOR_COLUMNS + extras + ["person"]]


def _ordered(scored: pd.DataFrame, order: list[str], prepared: Prepared) -> pd.DataFrame:
    """``scored`` sorted by ``order`` (the last key ascending, the others descending), with
    display names and record ids, numbered from 1 in a first column, ``rank``."""
    ascending = [False] * (len(order) - 1) + [True]
    ranked = scored.sort_values(order, ascending=ascending, kind="stable").reset_index(drop=True)
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
    ranked = scored.sort_values(OVERALL_ORDER, ascending=[False] * (len(OVERALL_ORDER) - 1) + [True],
                                kind="stable")["person"].to_numpy()
    place = np.full(len(prepared.index.people), -1, dtype=np.int64)
    place[ranked] = np.arange(len(ranked))
    pairs = prepared.window_offenders
    pairs = pairs.assign(place=place[pairs["offender"].to_numpy()])
    pairs = pairs[pairs["place"] >= 0].sort_values(["victim", "place"])
    pairs = pairs[pairs.groupby("victim").cumcount() < 3]
    offenders = pairs["offender"].to_numpy()
    names = prepared.persons_at("display_name", offenders)
    text = (pd.Series(names, dtype="string").fillna("") + " ("
            + pd.Series(prepared.index.ids(offenders), dtype="string") + ", rank "
            + (pairs["place"].to_numpy() + 1).astype(str) + ")")
    joined = join_within(text, pairs["victim"], ", ")
    return victims["person"].map(joined)


def _victim_flags(context: ScoringContext, scored: pd.DataFrame, prepared: Prepared) -> pd.Series:
    people = scored["person_id"]
    protected = set(active_measures(context)["protected_person_id"].dropna())
    pairs = prepared.window_offenders
    offenders = pd.Series(prepared.index.ids(pairs["offender"].to_numpy()), dtype="string")
    unmanaged_offender = pairs.loc[~isin(offenders, managed_people(context)).to_numpy(), "victim"].to_numpy()
    return _join_flags({
        "no_protective_measure": ~isin(people, protected),
        "offender_unmanaged": pd.Series(np.isin(scored["person"].to_numpy(), unmanaged_offender), index=scored.index),
        "not_referred_to_marac": ~isin(people, ever_referred(context, "marac")),
        "multiple_offenders": scored["offenders"] >= 2,
        "dash_high": scored["high_dash"],
    })


def rank_victims(context: ScoringContext, which: VictimList = VictimList.MOST_OFFENCES) -> pd.DataFrame:
    """Rank repeat victims: by recorded offences, or by distinct offenders (best first)."""
    prepared = Prepared(context)
    scored = score_victims_coded(context, prepared).reset_index()
    scored.insert(1, "person_id", pd.Series(prepared.index.ids(scored["person"].to_numpy()), dtype="string"))
    scored["score"] = scored["harm"]
    if len(scored):
        scored["offender_ranks"] = _offender_ranks(context, scored, prepared)
        scored["flags"] = _victim_flags(context, scored, prepared)
        scored["reasons"] = victim_reasons(scored, context.catalogue)
    else:
        scored = scored.assign(offender_ranks="", flags="", reasons="")
    if which is VictimList.MOST_OFFENDERS:
        order = ["offenders", "offences", "incidents", "harm", "last_incident", "person"]
    else:
        order = ["offences", "offenders", "incidents", "harm", "last_incident", "person"]
    ranked = _ordered(scored, order, prepared).drop(columns="person")
    extras = [c for c in ranked.columns if c not in VICTIM_COLUMNS]
    return ranked[VICTIM_COLUMNS + extras]

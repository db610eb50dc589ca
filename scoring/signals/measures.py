"""Protective-measure status and gaps per person as of a date: orders, breaches, bail, RUI."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.grouped_text import join_within
from scoring.context import ScoringContext
from scoring.prepared import Prepared, prepared_for
from scoring.reasons import day
from scoring.signals.config import SignalConfig
from scoring.status import PROTECTIVE_TYPES, measures_in_force


def _breaches_not_charged(settings: SignalConfig, prepared: Prepared, people: pd.Index | None) -> pd.Series:
    """Per subject code: breach incidents up to as-of whose outcome is not a charge.

    A breach is an incident with a breach offence where the person is a suspect or offender,
    or an incident recorded as breaching a measure the person is the subject of; all history
    up to the as-of date counts (not only the scoring window).
    """
    index = prepared.index
    recorded = index.breached[["person", "row"]]
    recorded = prepared.only(recorded[(recorded["row"] >= 0) & (recorded["person"] >= 0)], people)
    perps = prepared.only(prepared.history_perpetrators, people)
    offences = perps[index.column("breach", perps["row"].to_numpy())]
    both = pd.concat([recorded, offences[["person", "row"]]]).drop_duplicates()
    row = both["row"].to_numpy()
    charged = index.one_of("outcome", settings.measures.charge_outcomes)[row]
    uncharged = both[prepared.in_history[row] & ~charged]  # nothing after the as-of date
    return uncharged.groupby("person").size()


def _active_text(active: pd.DataFrame) -> pd.Series:
    """Per subject code: 'nmo protecting P-x until 2026-12-01; ...' of the measures in force."""
    text = (active["type"] + np.where(active["protected_person_id"].notna(),
                                      " protecting " + active["protected_person_id"].fillna(""), "")
            + np.where(active["end_date"].notna(), " until " + day(active["end_date"]), " (no end date)"))
    return join_within(text, active["subject"], "; ")


def _reasons(out: pd.DataFrame) -> np.ndarray:
    """'Active: ...; 2 breach(es) not charged; ...' per person; most have nothing to say."""
    quiet = ((out["active_measures"] == "") & (out["breaches_not_charged"] == 0) & ~out["bail_lapsing"]
             & ~out["rui_without_conditions"]).to_numpy()
    reason = np.full(len(out), "No active measures", dtype=object)
    some = out[~quiet]
    if some.empty:
        return reason
    parts = pd.DataFrame(index=some.index)
    parts["a"] = np.where(some["active_measures"] != "", "active: " + some["active_measures"], "no active measures")
    parts["b"] = np.where(some["breaches_not_charged"] > 0,
                          some["breaches_not_charged"].astype(str) + " breach(es) not charged", "")
    parts["c"] = np.where(some["bail_lapsing"], "pre-charge bail lapses on " + day(some["bail_lapses_on"]), "")
    parts["d"] = np.where(some["rui_without_conditions"],
                          "released under investigation with no protective conditions", "")
    text = parts["a"]
    for column in ("b", "c", "d"):
        text = text + np.where(parts[column] != "", "; " + parts[column], "")
    reason[~quiet] = (text.str[:1].str.upper() + text.str[1:]).to_numpy(dtype=object)
    return reason


def measure_status_coded(context: ScoringContext, settings: SignalConfig, prepared: Prepared,
                         people: pd.Index | None = None) -> pd.DataFrame:
    """:func:`measure_status` indexed by person code: every perpetrator up to the as-of date and
    every measure subject, or ``people``."""
    index = prepared.index
    as_of = context.as_of_day
    measures = context.tables.measures.assign(subject=index.measure_subjects)
    active = measures_in_force(measures, as_of)
    active = active[active["subject"] >= 0].sort_values(["subject", "start_date", "measure_id"])
    if people is None:
        subjects = index.measure_subjects
        people = prepared.people(np.r_[prepared.history_perpetrators["person"].to_numpy(), subjects[subjects >= 0]])
    out = pd.DataFrame(index=people)

    out["active_measures"] = _active_text(active).reindex(out.index).fillna("").array
    out["breaches_not_charged"] = _breaches_not_charged(settings, prepared, people)
    out["breaches_not_charged"] = out["breaches_not_charged"].fillna(0).astype("int64")

    bail = active[(active["type"] == "pre_charge_bail") & active["end_date"].notna()
                  & (active["end_date"] <= as_of + pd.Timedelta(days=settings.measures.bail_lapsing_days))]
    bail_end = bail.groupby("subject")["end_date"].min()
    out["bail_lapsing"] = out.index.isin(bail_end.index)
    out["bail_lapses_on"] = bail_end.reindex(out.index).to_numpy()
    protective = active.loc[active["type"].isin(PROTECTIVE_TYPES), "subject"]
    rui = active.loc[active["type"] == "rui", "subject"]
    out["rui_without_conditions"] = out.index.isin(rui) & ~out.index.isin(protective)

    out["reason"] = _reasons(out)
    return out[["active_measures", "breaches_not_charged", "bail_lapsing", "bail_lapses_on",
                "rui_without_conditions", "reason"]]


def measure_status(context: ScoringContext, settings: SignalConfig | None = None,
                   prepared: Prepared | None = None) -> pd.DataFrame:
    """One row per perpetrator or measure subject: active measures, breaches, bail, RUI gaps.

    Columns: person_id, active_measures ('nmo protecting P-x until 2026-12-01; ...'),
    breaches_not_charged (breach incidents up to the as-of date with no charge outcome),
    bail_lapsing (pre-charge bail in force that ends within ``measures.bail_lapsing_days``),
    bail_lapses_on (the earliest such end date, else NaT), rui_without_conditions (released
    under investigation with no protective order or bail in force), reason.
    """
    settings = settings or SignalConfig()
    prepared = prepared_for(context, prepared)
    return prepared.decode(measure_status_coded(context, settings, prepared))

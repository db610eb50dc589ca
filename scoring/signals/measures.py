"""Protective-measure status and gaps per person as of a date: orders, breaches, bail, RUI."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.grouped_text import join_within
from scoring.perpetrators import ScoringContext
from scoring.prepared import Prepared, prepared_for
from scoring.signals._history import day, people_frame
from scoring.status import PROTECTIVE_TYPES, measures_in_force
from scoring.signals.config import SignalConfig


def _breaches_not_charged(context: ScoringContext, settings: SignalConfig, frame: pd.DataFrame,
                          perps: pd.DataFrame) -> pd.Series:
    """Per subject: breach incidents up to as-of whose outcome is not a charge.

    A breach is an incident with a breach offence where the person is a suspect or offender,
    or an incident recorded as breaching a measure the person is the subject of; all history
    up to the as-of date counts (not only the scoring window).
    """
    recorded = context.tables.breaches.merge(context.tables.measures, on="measure_id")[
        ["subject_person_id", "incident_id"]].rename(columns={"subject_person_id": "person_id"})
    offences = perps.loc[perps["breach"], ["person_id", "incident_id"]]
    both = pd.concat([recorded, offences]).drop_duplicates().merge(
        frame[["incident_id", "outcome"]], on="incident_id")  # inner: drops incidents after as-of
    uncharged = both[~both["outcome"].isin(settings.measures.charge_outcomes).fillna(False)]
    return uncharged.groupby("person_id")["incident_id"].nunique()


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
    as_of = pd.Timestamp(context.as_of).normalize()
    measures = context.tables.measures
    active = measures_in_force(measures, as_of).sort_values(["subject_person_id", "start_date", "measure_id"])
    prepared = prepared_for(context, prepared)
    frame = prepared.history
    perps = prepared.history_perpetrators
    people = pd.concat([perps["person_id"], measures["subject_person_id"]])
    out = people_frame(people).set_index("person_id")

    text = (active["type"] + np.where(active["protected_person_id"].notna(),
                                      " protecting " + active["protected_person_id"].fillna(""), "")
            + np.where(active["end_date"].notna(), " until " + day(active["end_date"]), " (no end date)"))
    out["active_measures"] = join_within(text, active["subject_person_id"], "; ")
    out["active_measures"] = out["active_measures"].fillna("")
    out["breaches_not_charged"] = _breaches_not_charged(context, settings, frame, perps)
    out["breaches_not_charged"] = out["breaches_not_charged"].fillna(0).astype("int64")

    bail = active[(active["type"] == "pre_charge_bail") & active["end_date"].notna()
                  & (active["end_date"] <= as_of + pd.Timedelta(days=settings.measures.bail_lapsing_days))]
    bail_end = bail.groupby("subject_person_id")["end_date"].min()
    out["bail_lapsing"] = out.index.isin(bail_end.index)
    out["bail_lapses_on"] = bail_end.reindex(out.index)
    protective = set(active.loc[active["type"].isin(PROTECTIVE_TYPES), "subject_person_id"])
    rui = set(active.loc[active["type"] == "rui", "subject_person_id"])
    out["rui_without_conditions"] = out.index.isin(rui) & ~out.index.isin(protective)

    parts = pd.DataFrame(index=out.index)
    parts["a"] = np.where(out["active_measures"] != "", "active: " + out["active_measures"], "no active measures")
    parts["b"] = np.where(out["breaches_not_charged"] > 0,
                          out["breaches_not_charged"].astype(str) + " breach(es) not charged", "")
    parts["c"] = np.where(out["bail_lapsing"], "pre-charge bail lapses on " + day(out["bail_lapses_on"]), "")
    parts["d"] = np.where(out["rui_without_conditions"],
                          "released under investigation with no protective conditions", "")
    reason = parts["a"]
    for column in ("b", "c", "d"):
        reason = reason + np.where(parts[column] != "", "; " + parts[column], "")
    out["reason"] = reason.str[:1].str.upper() + reason.str[1:]
    return out.reset_index()[["person_id", "active_measures", "breaches_not_charged", "bail_lapsing",
                              "bail_lapses_on", "rui_without_conditions", "reason"]]

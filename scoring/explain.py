"""The evidence behind one person's place on the lists, component by component."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from core.errors import PersonNotFound
from scoring.config import RFGV
from scoring.lists import rank_perpetrators, rank_victims
from scoring.prepared import Prepared
from scoring.context import ScoringContext
from scoring.signals import registry
from core.arrow_isin import isin

FLAG_REASON_COLUMNS = ["flag", "reason"]
_MEASURES = {
    "recency": ("days since last incident", "recency"),
    "frequency": ("incidents in window", "frequency"),
    "gravity": ("harm days (Crime Harm Index) in window", "gravity"),
    "victims": ("distinct victims in window", "all_victims"),
}


@dataclass
class Evidence:
    """Everything a MATAC chair needs to defend (or question) one person's score."""

    person: dict[str, object]
    perpetrator: dict[str, object] | None
    victim: dict[str, object] | None
    components: pd.DataFrame
    incidents: pd.DataFrame
    measures: pd.DataFrame
    referrals: pd.DataFrame
    # One row per flag on the perpetrator row (``flag``, ``reason``), in the order of the flags.
    flag_reasons: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FLAG_REASON_COLUMNS))
    # Spells in custody begun by the as-of date, as known then (a later release is blank).
    custody: pd.DataFrame = field(default_factory=pd.DataFrame)


def _components(context: ScoringContext, row: pd.Series | None) -> pd.DataFrame:
    weights = context.config.weights.model_dump()
    rows = []
    for component in RFGV:
        label, column = _MEASURES[component]
        points = float(row[f"{component}_points"]) if row is not None else 0.0
        rows.append({
            "component": component, "measure": label,
            "value": row[column] if row is not None else None,
            "points": points, "max_points": context.config.max_points(component),
            "weight": weights[component], "weighted_points": points * weights[component],
        })
    return pd.DataFrame(rows)


def _incidents(context: ScoringContext, person_id: str) -> pd.DataFrame:
    tables = context.tables
    own = tables.roles[tables.roles["person_id"] == person_id][["incident_id", "role", "relationship"]]
    incidents = own.merge(tables.incidents, on="incident_id")
    others = tables.roles[isin(tables.roles["incident_id"], incidents["incident_id"])
                          & (tables.roles["person_id"] != person_id)]
    persons = tables.persons[isin(tables.persons["person_id"], others["person_id"])]
    names = persons.drop_duplicates("person_id").set_index("person_id")["display_name"]
    others = others.assign(who=others["person_id"] + " " + others["person_id"].map(names).fillna("")
                           + " [" + others["role"] + "]")
    incidents["others"] = incidents["incident_id"].map(others.groupby("incident_id")["who"].agg("; ".join))
    catalogue = context.catalogue.table
    incidents["label"] = incidents["offence"].map(catalogue["label"])
    incidents["harm_days"] = incidents["offence"].map(catalogue["harm_days"])
    inside = (incidents["occurred_at"] >= context.window_start) & (
        incidents["occurred_at"] <= context.as_of_end)
    # Incidents scoring does not count for him (a name-and-address-only record that would add a
    # victim: scoring.index._set_aside) are shown, marked, and never counted.
    index = Prepared(context).index
    aside_rows = index.set_aside["row"][index.ids(index.set_aside["person"].to_numpy()) == person_id]
    aside = set(index.incidents["incident_id"].take(aside_rows.to_numpy()))
    perpetrating = incidents["role"].isin(list(context.config.perpetrator_roles))
    incidents["set_aside"] = perpetrating & incidents["incident_id"].isin(aside)
    incidents["in_window"] = inside & ~incidents["set_aside"]
    incidents = incidents[incidents["occurred_at"] <= context.as_of_end]
    columns = ["occurred_at", "incident_id", "role", "relationship", "offence", "label", "harm_days",
               "outcome", "dash_risk", "domestic_abuse", "in_window", "set_aside", "others"]
    return incidents[columns].sort_values(["occurred_at", "incident_id"]).reset_index(drop=True)


def flag_reasons(context: ScoringContext, row: dict[str, object] | None) -> pd.DataFrame:
    """Why each flag on a perpetrator row (``rank_perpetrators``, overall list) is set.

    One row per flag in ``row["all_flags"]`` (every flag, including those the list says once in
    its notes; ``row["flags"]`` when absent), in the same order, with the sentence its signal in
    the registry (:mod:`scoring.signals.registry`) gives: the measure gaps say which measure
    and date, the rank flags which rank and top N.
    """
    # Every flag of the row, including those the list says once in its notes.
    carried = row.get("all_flags", row.get("flags")) if row is not None else None
    if not carried:
        return pd.DataFrame(columns=FLAG_REASON_COLUMNS)
    flags = [f for f in str(carried).split(";") if f]
    return pd.DataFrame({"flag": flags, "reason": [registry.reason(f, row, context) for f in flags]},
                        columns=FLAG_REASON_COLUMNS)


def _row(frame: pd.DataFrame, person_id: str) -> pd.Series | None:
    match = frame[frame["person_id"] == person_id]
    return match.iloc[0] if len(match) else None


def explain_person(context: ScoringContext, person_id: str, perpetrators: pd.DataFrame | None = None,
                   victims: pd.DataFrame | None = None) -> Evidence:
    """Collect the identity, RFGV components, incidents, measures, referrals and custody of a person.

    ``perpetrators`` and ``victims``: the overall offender list and the most-offences victim
    list of all victims (not only women and girls, so anyone harmed has their victim row) for
    this very context, when the caller holds them already (the app caches them); otherwise they
    are ranked here.
    """
    persons = context.tables.persons
    person = persons[persons["person_id"] == person_id]
    if person.empty:
        raise PersonNotFound(person_id)
    perpetrator = _row(rank_perpetrators(context) if perpetrators is None else perpetrators, person_id)
    victim = _row(rank_victims(context, all_victims=True) if victims is None else victims, person_id)
    as_of = pd.Timestamp(context.as_of)
    measures = context.tables.measures
    mine = measures[((measures["subject_person_id"] == person_id)
                     | (measures["protected_person_id"] == person_id)) & (measures["start_date"] <= as_of)]
    referrals = context.tables.referrals
    custody = context.tables.custody
    custody = custody[(custody["person_id"] == person_id) & (custody["start_date"] <= as_of)].copy()
    custody.loc[custody["released_date"] > as_of, "released_date"] = pd.NaT
    return Evidence(
        person=person.iloc[0].to_dict(),
        perpetrator=perpetrator.to_dict() if perpetrator is not None else None,
        victim=victim.to_dict() if victim is not None else None,
        components=_components(context, perpetrator),
        incidents=_incidents(context, person_id),
        measures=mine.reset_index(drop=True),
        referrals=referrals[(referrals["person_id"] == person_id) & (referrals["date"] <= as_of)].reset_index(drop=True),
        flag_reasons=flag_reasons(context, perpetrator.to_dict() if perpetrator is not None else None),
        custody=custody.sort_values("start_date").reset_index(drop=True),
    )

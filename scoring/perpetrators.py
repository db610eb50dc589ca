"""RFGV: recency, frequency, gravity and victims for every perpetrator, as of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from scoring.arrow_sort import sort_rows
from scoring.bands import count_points, recency_points
from scoring.catalogue import OffenceCatalogue
from scoring.config import RFGV, ScoringConfig
from scoring.grouped_text import join_within
from scoring.tables import ScoringTables

if TYPE_CHECKING:
    from scoring.prepared import Prepared

# Outcomes grouped the way the evidence shows them: allegation, charge and conviction apart.
OUTCOME_GROUPS = {
    "convicted": "convicted",
    "caution": "cautioned",
    "charged": "charged",
    "outcome_15": "outcome 15/16",
    "outcome_16": "outcome 15/16",
    "under_investigation": "under investigation",
    "nfa": "no further action",
    "acquitted": "acquitted",
    "other": "other outcome",
}


@dataclass(frozen=True)
class ScoringContext:
    """The inputs every score depends on, bundled so they travel together."""

    tables: ScoringTables
    config: ScoringConfig
    catalogue: OffenceCatalogue
    as_of: date


def _component_points(frame: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    frame["recency_points"] = recency_points(frame["days_since_last"], config.recency)
    frame["frequency_points"] = count_points(frame["incidents"], config.frequency)
    frame["gravity_points"] = count_points(frame["harm"], config.gravity)
    frame["victims_points"] = count_points(frame["victims"], config.victims)
    weights = config.weights.model_dump()
    best = sum(weights[c] * config.max_points(c) for c in RFGV)
    total = sum(weights[c] * frame[f"{c}_points"] for c in RFGV)
    frame["score"] = (100.0 * total / best).round(1)
    return frame


def _most_serious(incidents: pd.DataFrame) -> pd.DataFrame:
    """Per person, the gravest offence by catalogue weight (ties: heavier after multipliers,
    then the most recent)."""
    ordered = sort_rows(incidents, ["person_id", "harm_days", "weighted_harm", "occurred_at", "incident_id"],
                        ascending=[True, False, False, False, True])
    top = ordered.drop_duplicates("person_id").set_index("person_id")
    return pd.DataFrame({"most_serious_offence": top["offence"],
                         "most_serious_at": top["occurred_at"],
                         "most_serious_incident": top["incident_id"]})


def _outcome_counts(incidents: pd.DataFrame) -> pd.Series:
    """Per person, e.g. '1 convicted, 2 outcome 15/16' (allegations and convictions apart)."""
    grouped = incidents.assign(group=incidents["outcome"].map(OUTCOME_GROUPS).fillna("outcome not recorded"))
    counts = grouped.groupby(["person_id", "group"]).size().rename("n").reset_index()
    counts["text"] = counts["n"].astype(str) + " " + counts["group"]
    order = {g: i for i, g in enumerate([*dict.fromkeys(OUTCOME_GROUPS.values()), "outcome not recorded"])}
    # join_within keeps row order inside each person, so ordering by group alone suffices.
    counts = counts.assign(order=counts["group"].map(order)).sort_values("order", kind="stable")
    return join_within(counts["text"], counts["person_id"], ", ")


def _victim_counts(context: ScoringContext, links: pd.DataFrame) -> pd.DataFrame:
    persons, codes = context.tables.persons, context.config.female_sex_codes
    if persons["person_id"].is_unique and all(isinstance(code, str) for code in codes):
        # One isin against the women and girls (Arrow, in C) instead of a string-keyed map.
        female = links["victim_id"].isin(persons.loc[persons["sex"].isin(codes), "person_id"])
    else:
        female = links["victim_id"].map(persons.set_index("person_id")["sex"]).isin(codes)
    partner = links["relationship"].isin(["partner", "ex_partner"])
    return pd.DataFrame({
        "victims": links.groupby("person_id")["victim_id"].nunique(),
        "female_victims": links[female].groupby("person_id")["victim_id"].nunique(),
        "partner_victims": links[partner].groupby("person_id")["victim_id"].nunique(),
    })


def score_perpetrators(context: ScoringContext, prepared: Prepared | None = None) -> pd.DataFrame:
    """One row per person who was a suspect or offender in the window, with RFGV.

    Columns: person_id, incidents, crimes, harm, days_since_last, first_incident,
    last_incident, victims, female_victims, partner_victims, the four ``*_points``, score,
    most_serious_offence/at/incident, outcomes, high_dash. ``prepared`` shares intermediates
    with the rest of a ranking (see :mod:`scoring.prepared`).
    """
    from scoring.prepared import prepared_for

    prepared = prepared_for(context, prepared)
    incidents = prepared.window_perpetrators
    grouped = incidents.groupby("person_id")
    frame = pd.DataFrame({
        "incidents": grouped.size(),
        "crimes": (~incidents["non_crime"]).groupby(incidents["person_id"]).sum().astype("int64"),
        "harm": grouped["weighted_harm"].sum().round(1),
        "first_incident": grouped["occurred_at"].min(),
        "last_incident": grouped["occurred_at"].max(),
        "high_dash": incidents["dash_risk"].eq("high").fillna(False).groupby(incidents["person_id"]).any(),
    })
    frame = frame.join(_victim_counts(context, prepared.window_links)).fillna(
        {"victims": 0, "female_victims": 0, "partner_victims": 0})
    for column in ("victims", "female_victims", "partner_victims"):
        frame[column] = frame[column].astype("int64")
    as_of_day = pd.Timestamp(context.as_of).normalize()
    frame["days_since_last"] = (as_of_day - frame["last_incident"].dt.normalize()).dt.days.clip(lower=0)
    frame = frame.join(_most_serious(incidents)).join(_outcome_counts(incidents).rename("outcomes"))
    frame = _component_points(frame, context.config)
    return frame.reset_index(names="person_id")

"""Repeat victims: who is harmed most often, and by the most different offenders."""

from __future__ import annotations

import pandas as pd

from scoring.perpetrators import ScoringContext
from scoring.window import incidents_in_window


def victim_incidents(context: ScoringContext) -> pd.DataFrame:
    """One row per (victim person, incident) in the window, with the incident's harm."""
    window = incidents_in_window(context.tables.incidents, context.as_of, context.config,
                                 context.catalogue)
    roles = context.tables.roles
    victims = roles.loc[roles["role"] == "victim", ["incident_id", "person_id"]].drop_duplicates()
    return victims.merge(window, on="incident_id", how="inner")


def victim_offenders(context: ScoringContext, incidents: pd.DataFrame) -> pd.DataFrame:
    """(victim, offender, relationship) pairs for the victims' incidents, no self-pairs."""
    roles = context.tables.roles
    perpetrators = roles.loc[roles["role"].isin(context.config.perpetrator_roles),
                             ["incident_id", "person_id", "relationship"]]
    pairs = incidents[["incident_id", "person_id"]].merge(
        perpetrators.rename(columns={"person_id": "offender_id"}), on="incident_id")
    return pairs[pairs["person_id"] != pairs["offender_id"]]


def score_victims(context: ScoringContext) -> pd.DataFrame:
    """One row per victim in the window: incidents, offences, offenders, harm suffered.

    ``offences`` counts recorded crimes (non-crime domestic incidents are in ``incidents``
    only); ``offenders`` counts distinct people recorded as suspect or offender.
    """
    incidents = victim_incidents(context)
    grouped = incidents.groupby("person_id")
    frame = pd.DataFrame({
        "incidents": grouped.size(),
        "offences": (~incidents["non_crime"]).groupby(incidents["person_id"]).sum().astype("int64"),
        "harm": grouped["weighted_harm"].sum().round(1),
        "first_incident": grouped["occurred_at"].min(),
        "last_incident": grouped["occurred_at"].max(),
        "high_dash": incidents["dash_risk"].eq("high").fillna(False).astype(bool).groupby(incidents["person_id"]).any(),
    })
    pairs = victim_offenders(context, incidents)
    partner = pairs["relationship"].isin(["partner", "ex_partner"])
    frame["offenders"] = pairs.groupby("person_id")["offender_id"].nunique()
    frame["partner_offenders"] = pairs[partner].groupby("person_id")["offender_id"].nunique()
    frame[["offenders", "partner_offenders"]] = frame[["offenders", "partner_offenders"]].fillna(0).astype("int64")
    ordered = incidents.sort_values(["person_id", "harm_days", "weighted_harm", "occurred_at"],
                                    ascending=[True, False, False, False])
    top = ordered.drop_duplicates("person_id").set_index("person_id")
    frame["most_serious_offence"] = top["offence"]
    frame["most_serious_at"] = top["occurred_at"]
    as_of_day = pd.Timestamp(context.as_of).normalize()
    frame["days_since_last"] = (as_of_day - frame["last_incident"].dt.normalize()).dt.days.clip(lower=0)
    return frame.reset_index(names="person_id")

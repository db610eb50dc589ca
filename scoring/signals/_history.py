"""All history up to the as-of date (not only the scoring window), shared by the signals."""

from __future__ import annotations

import pandas as pd

from scoring.perpetrators import ScoringContext
from scoring.window import history_mask, perpetrator_incidents, victim_links


def history(context: ScoringContext) -> pd.DataFrame:
    """Every incident on or before the as-of date with harm_days, label, breach, non_crime."""
    incidents = context.tables.incidents
    frame = incidents.loc[history_mask(incidents, context.as_of)].copy()
    catalogue = context.catalogue
    frame["harm_days"] = catalogue.harm_days(frame["offence"]).fillna(0.0)
    frame["weighted_harm"] = frame["harm_days"]
    frame["label"] = frame["offence"].map(catalogue.table["label"]).fillna(frame["offence"])
    frame["non_crime"] = catalogue.flag(frame["offence"], "non_crime")
    frame["breach"] = (catalogue.flag(frame["offence"], "breach")
                       | frame["incident_id"].isin(context.tables.breaches["incident_id"]))
    return frame.reset_index(drop=True)


def perpetrator_history(context: ScoringContext, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """(person, incident) rows up to as-of where the person is a suspect or offender."""
    frame = history(context) if frame is None else frame
    return perpetrator_incidents(frame, context.tables.roles, context.config)


def link_history(context: ScoringContext, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """(perpetrator, victim, incident) triples up to as-of with the relationship."""
    frame = history(context) if frame is None else frame
    return victim_links(frame, context.tables.roles, context.config)


def day(values: pd.Series) -> pd.Series:
    """Dates as 'YYYY-MM-DD' text ('' when missing)."""
    return values.dt.strftime("%Y-%m-%d").fillna("")

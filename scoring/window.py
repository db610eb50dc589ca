"""Which incidents count as of a date, and how much harm each one weighs."""

from __future__ import annotations

from datetime import date

import pandas as pd

from scoring.catalogue import OffenceCatalogue
from scoring.config import ScoringConfig


def window_start(as_of: date, config: ScoringConfig) -> pd.Timestamp:
    """First day of the look-back window ending on ``as_of``.

    >>> from scoring.config import load_config
    >>> str(window_start(date(2026, 3, 1), load_config()).date())
    '2023-03-01'
    """
    whole_years = int(config.lookback_years)
    start = pd.Timestamp(as_of) - pd.DateOffset(years=whole_years)
    extra_days = round((config.lookback_years - whole_years) * 365.25)
    return (start - pd.Timedelta(days=extra_days)).normalize()


def as_of_end(as_of: date) -> pd.Timestamp:
    """The last instant of the as-of day: incidents later than this are in the future."""
    return pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)


def incidents_in_window(incidents: pd.DataFrame, as_of: date, config: ScoringConfig,
                        catalogue: OffenceCatalogue) -> pd.DataFrame:
    """Incidents inside the window, each with its harm days before and after multipliers.

    Adds ``harm_days`` (catalogue weight), ``weighted_harm`` (after outcome and DASH
    multipliers), ``non_crime`` and ``breach`` flags. Nothing after ``as_of`` is kept.
    """
    occurred = incidents["occurred_at"]
    inside = (occurred >= window_start(as_of, config)) & (occurred <= as_of_end(as_of))
    return with_harm(incidents.loc[inside], config, catalogue)


def with_harm(incidents: pd.DataFrame, config: ScoringConfig, catalogue: OffenceCatalogue) -> pd.DataFrame:
    """Add ``harm_days``, ``weighted_harm``, ``non_crime`` and ``breach`` to any incidents.

    The one place incident harm is computed: the score's window and the back-test's future
    both weigh harm here, so the two can never disagree.
    """
    frame = incidents.copy()
    frame["harm_days"] = catalogue.harm_days(frame["offence"]).fillna(0.0)
    outcome = frame["outcome"].map(config.outcome_multipliers).astype("float64").fillna(1.0)
    dash = frame["dash_risk"].map(config.dash_multipliers).astype("float64").fillna(1.0)
    frame["weighted_harm"] = frame["harm_days"] * outcome * dash
    frame["non_crime"] = catalogue.flag(frame["offence"], "non_crime")
    frame["breach"] = catalogue.flag(frame["offence"], "breach")
    return frame.reset_index(drop=True)


def perpetrator_incidents(window: pd.DataFrame, roles: pd.DataFrame,
                          config: ScoringConfig) -> pd.DataFrame:
    """One row per (person, incident) where the person is a suspect or offender."""
    perpetrators = roles.loc[roles["role"].isin(config.perpetrator_roles), ["incident_id", "person_id"]]
    perpetrators = perpetrators.drop_duplicates()
    return perpetrators.merge(window, on="incident_id", how="inner")


def victim_links(window: pd.DataFrame, roles: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """(perpetrator, victim, incident) triples in the window; nobody is their own victim."""
    perpetrators = roles.loc[roles["role"].isin(config.perpetrator_roles), ["incident_id", "person_id"]]
    victims = roles.loc[roles["role"] == "victim", ["incident_id", "person_id", "relationship"]]
    relationship = roles.loc[roles["role"].isin(config.perpetrator_roles),
                             ["incident_id", "person_id", "relationship"]].dropna(subset=["relationship"])
    pairs = perpetrators.drop_duplicates().merge(
        victims[["incident_id", "person_id"]].drop_duplicates(), on="incident_id",
        suffixes=("", "_victim"))
    pairs = pairs[pairs["person_id"] != pairs["person_id_victim"]]
    pairs = pairs.rename(columns={"person_id_victim": "victim_id"})
    # The relationship is recorded on the suspect's row (to the victim); fall back to the victim's.
    pairs = pairs.merge(relationship.drop_duplicates(["incident_id", "person_id"]),
                        on=["incident_id", "person_id"], how="left")
    victim_relationship = victims.dropna(subset=["relationship"]).drop_duplicates(["incident_id", "person_id"])
    pairs = pairs.merge(victim_relationship.rename(columns={"person_id": "victim_id", "relationship": "victim_side"}),
                        on=["incident_id", "victim_id"], how="left")
    pairs["relationship"] = pairs["relationship"].fillna(pairs["victim_side"])
    in_window = pairs.merge(window[["incident_id", "occurred_at", "weighted_harm"]], on="incident_id")
    return in_window.drop(columns="victim_side").reset_index(drop=True)

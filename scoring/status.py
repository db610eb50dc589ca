"""Management and protection status of people as of a date (from referrals and measures)."""

from __future__ import annotations

import pandas as pd

from scoring.context import ScoringContext

# Referral types meaning a perpetrator is already managed by a multi-agency process.
MANAGEMENT_TYPES = ("matac", "mappa", "iom", "pdp")
# Measures that restrict the subject (RUI and voluntary attendance impose no conditions).
PROTECTIVE_TYPES = (
    "pre_charge_bail", "nmo", "dvpn", "dvpo", "dapn", "dapo", "restraining_order", "spo", "shpo",
    "sro", "cbo",
)


def _recent_referrals(context: ScoringContext, types: tuple[str, ...], days: int) -> set[str]:
    referrals = context.tables.referrals
    as_of = context.as_of_day
    recent = (referrals["type"].isin(types) & (referrals["date"] <= as_of)
              & (referrals["date"] >= as_of - pd.Timedelta(days=days)))
    return set(referrals.loc[recent, "person_id"].dropna())


def managed_people(context: ScoringContext) -> set[str]:
    """People with a MATAC, MAPPA, IOM or PDP referral recent enough to count as current."""
    return _recent_referrals(context, MANAGEMENT_TYPES,
                             context.config.flags.management_current_days)


def briefed_people(context: ScoringContext) -> set[str]:
    """People on the daily briefing recently enough to count as current."""
    return _recent_referrals(context, ("daily_briefing",), context.config.flags.briefing_current_days)


def ever_referred(context: ScoringContext, referral_type: str) -> set[str]:
    """People with a referral of ``referral_type`` on or before the as-of date."""
    referrals = context.tables.referrals
    mask = (referrals["type"] == referral_type) & (referrals["date"] <= pd.Timestamp(context.as_of))
    return set(referrals.loc[mask, "person_id"].dropna())


def measures_in_force(measures: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Measures of any type (including RUI) in force on ``as_of``: started, not yet ended."""
    live = (measures["start_date"] <= as_of) & (measures["end_date"].isna() | (measures["end_date"] >= as_of))
    return measures[live]


def active_measures(context: ScoringContext) -> pd.DataFrame:
    """Protective measures in force on the as-of date."""
    live = measures_in_force(context.tables.measures, context.as_of_day)
    return live[live["type"].isin(PROTECTIVE_TYPES)]


def breach_incident_ids(context: ScoringContext) -> set[str]:
    """Incidents recorded as breaching a measure that had started by then."""
    return set(context.tables.breaches["incident_id"])

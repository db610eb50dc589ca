"""Retention review: which person records have had nothing happen for longer than the review period.

A record's latest activity is the latest of: an incident it is involved in (any role), a
protective measure it is the subject of or protected by (its end date, or the review date
while it is still in force), and a referral about it. A record with no activity at all is
past review too. The review period is ``retention_review_years`` (default 6) in a small YAML
file (docs/access.md, "Retention"); nothing here deletes anything.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from core.settings import load_yaml_settings

RETENTION_COLUMNS = ["record_id", "person_id", "last_activity", "last_activity_kind",
                     "years_since", "whole_person_past_review"]


class RetentionConfig(BaseModel):
    """The review period, in years (a force sets it from its MoPI review policy)."""

    model_config = ConfigDict(extra="forbid")
    retention_review_years: float = Field(6.0, gt=0, le=100)


def load_retention_config(path: Path | None = None) -> RetentionConfig:
    """The config in ``path``, else the default (6 years)."""
    if path is None:
        return RetentionConfig()
    return load_yaml_settings(path, RetentionConfig, "retention config")


def review_cutoff(as_of: date, years: float) -> pd.Timestamp:
    """The day before which activity is past review (as-of minus the period, in whole months).

    >>> str(review_cutoff(date(2025, 6, 30), 6).date())
    '2019-06-30'
    """
    return pd.Timestamp(as_of) - pd.DateOffset(months=int(round(years * 12)))


def _events(frame: pd.DataFrame, record: str, when: str, kind: str) -> pd.DataFrame:
    events = frame[[record, when]].rename(columns={record: "record_id", when: "at"})
    return events.dropna(subset=["record_id"]).assign(kind=kind)


def _custody_events(custody: pd.DataFrame | None, as_of: date) -> pd.DataFrame:
    if custody is None or custody.empty:
        return pd.DataFrame(columns=["record_id", "at", "kind"])
    released = pd.to_datetime(custody["released_date"])
    held_until = released.where(released.notna(), pd.Timestamp(as_of))
    at = pd.concat([pd.to_datetime(custody["start_date"]), held_until], axis=1).max(axis=1)
    return _events(custody.assign(_at=at), "record_id", "_at", "custody")


def last_activity(records: pd.DataFrame, incidents: pd.DataFrame, involvements: pd.DataFrame,
                  measures: pd.DataFrame, referrals: pd.DataFrame, as_of: date,
                  custody: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per record: record_id, last_activity (NaT when none) and last_activity_kind. A spell in
    custody is activity up to its release (the as-of date while still held): a man quiet for
    years because he was in prison is not a record to review as dormant."""
    involved = involvements[["incident_id", "record_id"]].merge(
        incidents[["incident_id", "occurred_at"]], on="incident_id", how="inner")
    ends = pd.to_datetime(measures["end_date"]).fillna(pd.Timestamp(as_of))  # in force: active now
    measure_at = pd.concat([pd.to_datetime(measures["start_date"]), ends], axis=1).max(axis=1)
    measures = measures.assign(_at=measure_at)
    events = pd.concat([
        _events(involved, "record_id", "occurred_at", "incident"),
        _events(measures, "subject_record_id", "_at", "measure"),
        _events(measures, "protected_record_id", "_at", "measure"),
        _events(referrals, "record_id", "date", "referral"),
        _custody_events(custody, as_of),
    ], ignore_index=True)
    events["at"] = pd.to_datetime(events["at"])
    latest = (events.sort_values(["record_id", "at"], kind="stable")
              .drop_duplicates("record_id", keep="last").set_index("record_id"))
    out = pd.DataFrame({"record_id": records["record_id"].astype(str).unique()})
    out["last_activity"] = out["record_id"].map(latest["at"])
    out["last_activity_kind"] = out["record_id"].map(latest["kind"]).fillna("none recorded")
    return out


def past_review(records: pd.DataFrame, incidents: pd.DataFrame, involvements: pd.DataFrame,
                measures: pd.DataFrame, referrals: pd.DataFrame, clusters: pd.DataFrame,
                as_of: date, config: RetentionConfig, custody: pd.DataFrame | None = None) -> pd.DataFrame:
    """The records whose latest activity is older than the review period (RETENTION_COLUMNS).

    ``whole_person_past_review`` is True when every record of the same person is past review
    too (the person, not just one of their records, is due for review). No names are returned.
    """
    activity = last_activity(records, incidents, involvements, measures, referrals, as_of, custody)
    cutoff = review_cutoff(as_of, config.retention_review_years)
    activity["past"] = activity["last_activity"].isna() | (activity["last_activity"] < cutoff)
    activity["person_id"] = activity["record_id"].map(clusters.set_index("record_id")["person_id"])
    whole = activity.groupby(activity["person_id"].fillna(activity["record_id"]))["past"].transform("all")
    activity["whole_person_past_review"] = whole
    days = (pd.Timestamp(as_of) - activity["last_activity"]).dt.days
    activity["years_since"] = (days / 365.25).round(1)
    due = activity[activity["past"]].sort_values(["last_activity", "record_id"], na_position="first",
                                                 kind="stable")
    return due[RETENTION_COLUMNS].reset_index(drop=True)

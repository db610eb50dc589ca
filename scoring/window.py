"""Which incidents count as of a date, and how much harm each one weighs."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.arrow_isin import arrow_text
from scoring.catalogue import OffenceCatalogue
from scoring.config import ScoringConfig


# The incident columns each (perpetrator, victim, incident) link carries.
LINK_COLUMNS = ["incident_id", "occurred_at", "weighted_harm"]


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
    return with_harm(incidents.loc[window_mask(incidents, as_of, config)], config, catalogue)


def window_mask(incidents: pd.DataFrame, as_of: date, config: ScoringConfig) -> pd.Series:
    """Which incidents fall inside the look-back window ending on ``as_of``."""
    occurred = incidents["occurred_at"]
    return (occurred >= window_start(as_of, config)) & (occurred <= as_of_end(as_of))


def history_mask(incidents: pd.DataFrame, as_of: date) -> pd.Series:
    """Which incidents happened on or before the as-of day (all history, not only the window)."""
    return incidents["occurred_at"] <= as_of_end(as_of)


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


def perpetrator_pairs(roles: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """Distinct (incident, person) pairs where the person is a suspect or offender."""
    perpetrators = roles.loc[roles["role"].isin(config.perpetrator_roles), ["incident_id", "person_id"]]
    return perpetrators.drop_duplicates()


def victim_pairs(roles: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """(incident, perpetrator, victim, relationship) rows; nobody is their own victim.

    Independent of the as-of date; :func:`victim_links` joins it to the incidents. Rankings
    read the coded form kept in :class:`scoring.index.ScoringIndex`, built the same way.
    """
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
    return pairs.drop(columns="victim_side")


def _unique(ids: pa.ChunkedArray) -> bool:
    """Whether the ids are distinct; tables sorted by id show it by one comparison, not a hash."""
    if len(ids) < 2:
        return True
    ascending = pc.all(pc.less(ids[:-1], ids[1:])).as_py()
    return bool(ascending) or pc.count_distinct(ids).as_py() == len(ids)


def incident_positions(pairs: pd.DataFrame, incidents: pd.DataFrame, on: str = "incident_id") -> np.ndarray | None:
    """Row of each pair's key in ``incidents`` (-1 when absent); None unless the keys are
    Arrow strings without missing values and unique in ``incidents`` (then a lookup is a merge)."""
    keys, ids = arrow_text(pairs[on]), arrow_text(incidents[on])
    if keys is None or ids is None or not _unique(ids):
        return None
    position = pc.index_in(keys, value_set=ids.combine_chunks() if ids.num_chunks else pa.array([], ids.type))
    return np.asarray(pc.fill_null(position, -1), dtype=np.intp)


def join_at(left: pd.DataFrame, right: pd.DataFrame, on: str, at: np.ndarray) -> pd.DataFrame:
    """The rows of ``left`` with ``at >= 0`` beside the rows ``at`` of ``right`` (without ``on``):
    an inner merge on a key unique in ``right``, when ``at`` is where each key sits there."""
    rows = np.flatnonzero(at >= 0)
    kept = left.take(rows).reset_index(drop=True)
    looked_up = right.drop(columns=on).take(at[rows]).reset_index(drop=True)
    return pd.concat([kept, looked_up], axis=1)


def lookup_join(left: pd.DataFrame, right: pd.DataFrame, on: str, how: str = "inner") -> pd.DataFrame:
    """``left.merge(right, on=on, how=how)`` for "inner" or "left", fast when ``right[on]`` is unique.

    Merging on Arrow strings makes pandas factorize both key columns; with unique keys on the
    right the merge is only a lookup, which Arrow does in C (``pyarrow.compute.index_in``).
    Same rows, order (the left's), columns and dtypes. A left join takes this path only when
    every key is found (then it equals the inner join); otherwise pandas merges.
    """
    shared = (set(left.columns) & set(right.columns)) - {on}
    at = None if shared else incident_positions(left, right, on)
    if at is None or (how == "left" and (at < 0).any()):
        return left.merge(right, on=on, how=how)
    return join_at(left, right, on, at)


def join_incidents(pairs: pd.DataFrame, incidents: pd.DataFrame) -> pd.DataFrame:
    """``pairs.merge(incidents, on="incident_id")`` (inner), by :func:`lookup_join`."""
    return lookup_join(pairs, incidents, "incident_id")


def perpetrator_incidents(window: pd.DataFrame, roles: pd.DataFrame,
                          config: ScoringConfig) -> pd.DataFrame:
    """One row per (person, incident) where the person is a suspect or offender."""
    return join_incidents(perpetrator_pairs(roles, config), window)


def victim_links(window: pd.DataFrame, roles: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """(perpetrator, victim, incident) triples in the window; nobody is their own victim."""
    return links_in(victim_pairs(roles, config), window)


def links_in(pairs: pd.DataFrame, window: pd.DataFrame) -> pd.DataFrame:
    """:func:`victim_pairs` joined to the incidents of ``window`` (time and weighted harm)."""
    return join_incidents(pairs, window[LINK_COLUMNS])

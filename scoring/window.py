"""The look-back window ending on an as-of date, and how much harm each incident weighs.

Rankings select the window's incidents in coded form (:mod:`scoring.prepared`).
"""

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
    """The last instant of the as-of day: incidents later than this are in the future.

    >>> as_of_end(date(2026, 6, 30))
    Timestamp('2026-06-30 23:59:59.999999')
    """
    return pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)


def with_harm(incidents: pd.DataFrame, config: ScoringConfig, catalogue: OffenceCatalogue) -> pd.DataFrame:
    """Add ``harm_days``, ``weighted_harm``, ``non_crime`` and ``breach`` to any incidents.

    The one place incident harm is computed: the score's window and the back-test's future
    both weigh harm here, so the two can never disagree.

    >>> from scoring.catalogue import load_catalogue
    >>> from scoring.config import load_config
    >>> incidents = pd.DataFrame({"offence": ["abh", "abh", "da_non_crime"],
    ...                           "outcome": ["charged", "acquitted", None], "dash_risk": ["high", None, None]})
    >>> with_harm(incidents, load_config(), load_catalogue())[["harm_days", "weighted_harm", "non_crime"]]
       harm_days  weighted_harm  non_crime
    0       10.0           15.0      False
    1       10.0            5.0      False
    2        0.0            0.0       True
    """
    frame = incidents.copy()
    frame["harm_days"] = catalogue.harm_days(frame["offence"]).fillna(0.0)
    outcome = frame["outcome"].map(config.outcome_multipliers).astype("float64").fillna(1.0)
    dash = frame["dash_risk"].map(config.dash_multipliers).astype("float64").fillna(1.0)
    frame["weighted_harm"] = frame["harm_days"] * outcome * dash
    frame["non_crime"] = catalogue.flag(frame["offence"], "non_crime")
    frame["breach"] = catalogue.flag(frame["offence"], "breach")
    return frame.reset_index(drop=True)

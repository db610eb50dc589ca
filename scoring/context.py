"""What every score depends on (tables, config, catalogue, as-of date), bundled to travel together.

The as-of date is normalised here, once, where a ranking starts: every signal reads its day,
its last instant and the window's first day from the context instead of converting it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

import pandas as pd

from core.tables import ScoringTables
from scoring.catalogue import OffenceCatalogue
from scoring.config import ScoringConfig
from scoring.window import as_of_end, window_start

# The default of config ``relationships.intimate_partner``: scoring reads the config's, so a
# force can change it.
PARTNER_RELATIONSHIPS = ("partner", "ex_partner")


def as_of_date(value: date | datetime | pd.Timestamp | str) -> date:
    """The calendar day of an as-of value given as a date, a datetime, a Timestamp or text.

    >>> as_of_date("2026-10-31"), as_of_date(pd.Timestamp("2026-10-31 17:45"))
    (datetime.date(2026, 10, 31), datetime.date(2026, 10, 31))
    """
    return pd.Timestamp(value).date()


@dataclass(frozen=True)
class ScoringContext:
    """The inputs every score depends on, bundled so they travel together."""

    tables: ScoringTables
    config: ScoringConfig
    catalogue: OffenceCatalogue
    as_of: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "as_of", as_of_date(self.as_of))

    @cached_property
    def as_of_day(self) -> pd.Timestamp:
        """Midnight at the start of the as-of day."""
        return pd.Timestamp(self.as_of)

    @cached_property
    def as_of_end(self) -> pd.Timestamp:
        """The last instant of the as-of day: anything later is in the future."""
        return as_of_end(self.as_of)

    @cached_property
    def window_start(self) -> pd.Timestamp:
        """The first day of the look-back window ending on the as-of day."""
        return window_start(self.as_of, self.config)

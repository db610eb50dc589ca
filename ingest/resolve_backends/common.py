"""What every resolution backend shares: the feature table's name, the SQL both engines run,
which prediction columns come back to Python, and the protocol a backend meets."""

from __future__ import annotations

from typing import Protocol

import pandas as pd
import pyarrow as pa
from splink.internals.database_api import DatabaseAPISubClass
from splink.internals.splink_dataframe import SplinkDataFrame

FEATURE_TABLE = "harmgraph_features"
"""The feature table's name in the backend's engine."""

# Every record sharing its component with another, with what can make two records not one
# person (dates of birth, PNC ids). Plain SQL both engines read alike.
COMPONENT_MEMBERS_SQL = (
    "WITH shared AS (SELECT component FROM harmgraph_components GROUP BY component "
    "HAVING count(*) > 1) "
    "SELECT c.record_id, c.component, f.dob, f.pnc, f.forename_n AS forename, "
    "f.surname_n AS surname FROM harmgraph_components c "
    f"JOIN shared ON shared.component = c.component JOIN {FEATURE_TABLE} f "
    "ON f.record_id = c.record_id")


def blocked_with_sql(new_table: str, rules: list[str]) -> str:
    """The stored records (of ``FEATURE_TABLE``, as ``l``) that any blocking rule pairs with a
    record of ``new_table`` (as ``r``), not those records themselves: all that an incremental
    resolution's ``predict_between`` can pair the new records with. Plain SQL both engines read
    alike; the rules are splink's own SQL of the configured blocking rules.

    >>> print(blocked_with_sql("new", ['l."pnc" = r."pnc"']))
    SELECT f.* FROM harmgraph_features f WHERE f.record_id IN (SELECT l.record_id FROM harmgraph_features l JOIN new r ON (l."pnc" = r."pnc")) AND f.record_id NOT IN (SELECT record_id FROM new)
    """
    pairs = " UNION ".join(f"SELECT l.record_id FROM {FEATURE_TABLE} l JOIN {new_table} r ON ({rule})"
                           for rule in rules)
    return (f"SELECT f.* FROM {FEATURE_TABLE} f WHERE f.record_id IN ({pairs}) "
            f"AND f.record_id NOT IN (SELECT record_id FROM {new_table})")


def prediction_columns(names: list[str]) -> list[str]:
    """The columns of a prediction table that links and explanations read: ids, scores and
    the gamma_/mw_ columns (not the tf_ and value columns, which would only cost memory).

    >>> prediction_columns(["record_id_l", "forename_n_l", "gamma_dob", "mw_dob", "tf_x"])
    ['record_id_l', 'gamma_dob', 'mw_dob']
    """
    return [name for name in names
            if name in ("record_id_l", "record_id_r", "match_weight", "match_probability")
            or name.startswith(("gamma_", "mw_"))]


class ResolutionBackend(Protocol):
    """What resolution needs from the engine splink runs on."""

    db_api: DatabaseAPISubClass
    """Where splink trains and scores."""

    def load_features(self, features: pa.Table) -> SplinkDataFrame:
        """Put the feature table in the engine (as ``FEATURE_TABLE``) and hand splink it."""

    def fetch(self, predictions: SplinkDataFrame, threshold: float | None,
              near: int) -> pd.DataFrame:
        """A prediction table's ``prediction_columns`` as pandas: every pair without
        ``threshold``; with it, pairs at or above it plus the ``near`` most probable under it
        (most probable first, ties by record ids)."""

    def component_members(self, components: pa.Table) -> pd.DataFrame:
        """``COMPONENT_MEMBERS_SQL`` over ``components`` (record_id, component)."""

    def blocked_with(self, new: SplinkDataFrame, rules: list[str]) -> SplinkDataFrame:
        """``blocked_with_sql`` over ``new`` (a registered table of new records' features), as
        a table splink reads."""

    def close(self) -> None:
        """Free what the engine holds for this resolution."""

"""splink on its in-process DuckDB: the default backend (``ResolutionConfig.backend: duckdb``)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from splink import DuckDBAPI
from splink.internals.splink_dataframe import SplinkDataFrame

from ingest.resolve_backends.common import (
    COMPONENT_MEMBERS_SQL,
    FEATURE_TABLE,
    blocked_with_sql,
    prediction_columns,
)
from ingest.resolve_config import ResolutionConfig


class DuckDBBackend:
    """splink's in-memory DuckDB, with the thread and memory caps of the config."""

    def __init__(self, config: ResolutionConfig) -> None:
        self.db_api = DuckDBAPI(":memory:")
        # DuckDB draws its own progress bar on long queries (a 1M-incident force's scoring),
        # over the command's stage display: the stages already say where resolution is.
        self.db_api.duckdb_con.execute("SET enable_progress_bar = false")
        if config.duckdb_threads is not None:
            self.db_api.duckdb_con.execute(f"SET threads TO {int(config.duckdb_threads)}")
        if config.duckdb_memory_limit is not None:
            self.db_api.duckdb_con.execute("SET memory_limit = ?", [config.duckdb_memory_limit])

    def load_features(self, features: pa.Table) -> SplinkDataFrame:
        """Copy the features into a DuckDB table and hand splink that table.

        splink would otherwise scan a view over the Arrow table on every query, and the Arrow
        copy would sit in Python memory outside DuckDB's memory limit for the whole run.
        """
        con = self.db_api.duckdb_con
        con.register("harmgraph_features_arrow", features)
        con.execute(f"CREATE TABLE {FEATURE_TABLE} AS SELECT * FROM harmgraph_features_arrow")
        con.unregister("harmgraph_features_arrow")
        return self.db_api.register(FEATURE_TABLE)

    def fetch(self, predictions: SplinkDataFrame, threshold: float | None,
              near: int) -> pd.DataFrame:
        table = predictions.as_duckdbpyrelation()
        table = table.select(*[f'"{name}"' for name in prediction_columns(table.columns)])
        if threshold is None:
            return table.df()
        above = table.filter(f"match_probability >= {float(threshold)!r}").df()
        if not near:
            return above
        under = (table.filter(f"match_probability < {float(threshold)!r}")
                 .order("match_probability DESC, record_id_l, record_id_r").limit(near).df())
        return pd.concat([above, under], ignore_index=True)

    def component_members(self, components: pa.Table) -> pd.DataFrame:
        con = self.db_api.duckdb_con
        con.register("harmgraph_components", components)
        try:
            return con.execute(COMPONENT_MEMBERS_SQL).df()
        finally:
            con.unregister("harmgraph_components")

    def blocked_with(self, new: SplinkDataFrame, rules: list[str]) -> SplinkDataFrame:
        # A table, not a view: splink reads it once per blocking rule.
        self.db_api.duckdb_con.execute(
            f"CREATE TABLE harmgraph_blocked_with AS {blocked_with_sql(new.physical_name, rules)}")
        return self.db_api.register("harmgraph_blocked_with")

    def close(self) -> None:
        """The in-memory database goes with its connection."""
        self.db_api.duckdb_con.close()

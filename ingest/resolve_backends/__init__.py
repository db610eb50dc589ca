"""Where splink runs: one small module per backend, chosen here and nowhere else.

``resolve_records`` does the same steps on every backend (train, score, cluster, overrides,
stable ids); a backend only says how the feature table gets into its engine, how scored
pairs come back as pandas, and how its SQL is run. The default is splink's in-process
DuckDB (``duckdb``); ``spark`` runs splink's SparkAPI (a local session, or a cluster named by
``spark_master``) and needs the optional ``spark`` extra (pyspark and Java 17).
"""

from __future__ import annotations

from ingest.resolve_backends.common import ResolutionBackend, prediction_columns
from ingest.resolve_config import BACKENDS, ResolutionConfig

__all__ = ["BACKENDS", "ResolutionBackend", "open_backend", "prediction_columns"]


def open_backend(config: ResolutionConfig) -> ResolutionBackend:
    """The backend ``config.backend`` names, set up with the config's execution settings.

    >>> type(open_backend(ResolutionConfig())).__name__
    'DuckDBBackend'
    """
    if config.backend == "spark":
        from ingest.resolve_backends.spark import SparkBackend  # pyspark is an optional extra

        return SparkBackend(config)
    from ingest.resolve_backends.duckdb import DuckDBBackend

    return DuckDBBackend(config)

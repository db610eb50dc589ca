"""splink on Spark (``ResolutionConfig.backend: spark``): the same model, blocking rules and
training as on DuckDB, run by splink's SparkAPI on a local session (``local[N]``) or on the
cluster ``spark_master`` names. Needs the ``spark`` extra (pyspark) and Java 17.

Jaro-Winkler and Damerau-Levenshtein come from the similarity jar splink ships, loaded into
the session here. splink writes its intermediate tables as Parquet under the checkpoint folder
and reads them back, which cuts each table's lineage (with tables only cached in memory, a
2 GB driver ran out of heap at 20,000 records). The scored pairs above the review threshold
come back to Python, where clustering, overrides and person ids run as they do for DuckDB
(connected components on integer codes: the links are few and already in Python).
"""

from __future__ import annotations

import shutil
import tempfile

import pandas as pd
import pyarrow as pa
import core.quiet_pyspark  # noqa: F401  (pyspark warns about pandas 3 at each conversion)
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from splink import SparkAPI
from splink.backends.spark import similarity_jar_location
from splink.internals.splink_dataframe import SplinkDataFrame

from ingest.resolve_backends.common import (
    COMPONENT_MEMBERS_SQL,
    FEATURE_TABLE,
    blocked_with_sql,
    prediction_columns,
)
from ingest.resolve_config import ResolutionConfig


def spark_session(config: ResolutionConfig) -> SparkSession:
    """The session resolution runs on: the running one if there is one (a test's, or a
    previous resolution's in this process), else a new one on ``config.spark_master``.

    A running session keeps its own settings; it must have loaded splink's similarity jar
    (a session made here always has).
    """
    parallelism = str(config.spark_shuffle_partitions)
    settings = {
        "spark.jars": similarity_jar_location(),
        "spark.driver.memory": config.spark_driver_memory,
        # Small inputs pay for Spark's default of 200 shuffle partitions in tasks.
        "spark.sql.shuffle.partitions": parallelism,
        "spark.default.parallelism": parallelism,
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Without the UI nobody reads the plans of past queries; splink's are large and many
        # (an EM iteration each), and the driver kept 1,000 of them by default.
        "spark.sql.ui.retainedExecutions": "20",
        "spark.ui.retainedJobs": "100",
        "spark.ui.retainedStages": "100",
        **config.spark_conf,
    }
    builder = SparkSession.builder.master(config.spark_master).appName("harmgraph-resolution")
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkBackend:
    """splink's SparkAPI on ``spark_session(config)``."""

    def __init__(self, config: ResolutionConfig) -> None:
        self.spark = spark_session(config)
        # Without a folder named in the config: one of this machine's, removed at the end.
        self._own_checkpoints = (None if config.spark_checkpoint_dir
                                 else tempfile.mkdtemp(prefix="harmgraph-spark-"))
        self.spark.sparkContext.setCheckpointDir(config.spark_checkpoint_dir or self._own_checkpoints)
        self.db_api = SparkAPI(spark_session=self.spark, break_lineage_method="parquet",
                               num_partitions_on_repartition=config.spark_shuffle_partitions)

    def load_features(self, features: pa.Table) -> SplinkDataFrame:
        """The features as a cached Spark table that splink reads by name."""
        self.spark.createDataFrame(features).persist().createOrReplaceTempView(FEATURE_TABLE)
        return self.db_api.register(FEATURE_TABLE)

    def fetch(self, predictions: SplinkDataFrame, threshold: float | None,
              near: int) -> pd.DataFrame:
        frame = predictions.as_spark_dataframe()
        frame = frame.select(*[F.col(f"`{name}`") for name in prediction_columns(frame.columns)])
        if threshold is None:
            return frame.toPandas()
        probability = F.col("match_probability")
        above = frame.where(probability >= float(threshold)).toPandas()
        if not near:
            return above
        under = (frame.where(probability < float(threshold))
                 .orderBy(probability.desc(), "record_id_l", "record_id_r").limit(near).toPandas())
        return pd.concat([above, under], ignore_index=True)

    def component_members(self, components: pa.Table) -> pd.DataFrame:
        self.spark.createDataFrame(components).createOrReplaceTempView("harmgraph_components")
        try:
            return self.spark.sql(COMPONENT_MEMBERS_SQL).toPandas()
        finally:
            self.spark.catalog.dropTempView("harmgraph_components")

    def blocked_with(self, new: SplinkDataFrame, rules: list[str]) -> SplinkDataFrame:
        self.spark.sql(blocked_with_sql(new.physical_name, rules)).persist() \
            .createOrReplaceTempView("harmgraph_blocked_with")
        return self.db_api.register("harmgraph_blocked_with")

    def close(self) -> None:
        """Drop the feature table and every table splink cached for this resolution (the
        session stays up for the next resolution in this process)."""
        self.spark.catalog.dropTempView(FEATURE_TABLE)
        self.spark.catalog.clearCache()
        if self._own_checkpoints is not None:
            shutil.rmtree(self._own_checkpoints, ignore_errors=True)

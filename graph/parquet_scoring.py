"""The scoring tables of a store computed away from it, from Parquet copies of its base tables
(:data:`graph.scoring_sql.BASE_TABLES`, one ``NAME.parquet`` each in a folder): by DuckDB, or by
Spark SQL on a session the caller starts (local mode here, a cluster in production). Both run
the embedded store's own queries (:func:`graph.scoring_sql.scoring_queries`) and hand their
results to the same :func:`core.tables.normalise_tables`, so the tables, and every list ranked
from them, are the embedded store's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from core.tables import ScoringTables
from graph.scoring_sql import BASE_TABLES, scoring_tables_by

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def export_base_tables(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, Path]:
    """Write each base table the scoring tables are computed from to ``folder/NAME.parquet``
    (``con``: a connection to a store, read-only will do); the files by table."""
    folder.mkdir(parents=True, exist_ok=True)
    files = _paths(folder)
    for name, path in files.items():
        # The names are the fixed BASE_TABLES; the path is the caller's folder (COPY takes no parameter).
        quoted = str(path).replace("'", "''")
        con.execute(f"COPY {name} TO '{quoted}' (FORMAT parquet)")
    return files


def _paths(folder: Path) -> dict[str, Path]:
    """Where each base table's Parquet file is in ``folder``, by table."""
    return {name: folder / f"{name}.parquet" for name in BASE_TABLES}


def _files(folder: Path) -> dict[str, Path]:
    files = _paths(folder)
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"the scoring tables need these Parquet files: {', '.join(missing)}")
    return files


def duckdb_scoring_tables(folder: Path, threads: int | None = None) -> ScoringTables:
    """The scoring tables from ``folder``'s Parquet files, by DuckDB (in memory, over views)."""
    con = duckdb.connect(":memory:")
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        for name, path in _files(folder).items():
            con.read_parquet(str(path)).create_view(name)
        return scoring_tables_by("duckdb", lambda sql: con.sql(sql).to_arrow_table())
    finally:
        con.close()


def spark_scoring_tables(spark: SparkSession, folder: Path) -> ScoringTables:
    """The scoring tables from ``folder``'s Parquet files, by Spark SQL on ``spark``.

    Each table comes back through Arrow (``DataFrame.toArrow``). The queries run in UTC (the
    session's zone is set back after): Spark hands time stamps over in the session's zone, and
    a store's are wall-clock times without one.
    """
    files = _files(folder)
    zone = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    for name, path in files.items():
        spark.read.parquet(str(path)).createOrReplaceTempView(name)
    try:
        return scoring_tables_by("spark", lambda sql: spark.sql(sql).toArrow())
    finally:
        for name in files:
            spark.catalog.dropTempView(name)
        spark.conf.set("spark.sql.session.timeZone", zone)

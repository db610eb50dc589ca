"""The scoring tables computed from Parquet copies of a store's base tables, by DuckDB and by
Spark SQL (local mode), are the embedded store's own, row for row: a generated force loaded into
a real store, with an analyst's must-link and cannot-link on top."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.tables import ScoringTables
from graph.embedded import EmbeddedStore
from graph.parquet_scoring import duckdb_scoring_tables, export_base_tables, spark_scoring_tables
from graph.scoring_sql import BASE_TABLES
from ingest.load import ingest_folder
from ingest.resolve_backends.spark import spark_session
from ingest.resolve_config import ResolutionConfig
from scoring.catalogue import load_catalogue
from synth.generate import generate_force

# pyspark 4 says at each Arrow conversion that it does not fully support pandas 3.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

# One core, no whole-stage code generation: compiling plans does not repay on a few hundred rows.
SPARK = ResolutionConfig(backend="spark", spark_master="local[1]", spark_shuffle_partitions=2,
                         spark_driver_memory="1g",
                         spark_conf={"spark.sql.codegen.wholeStage": "false",
                                     "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1"})


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScoringTables, Path]:
    """A small generated force's own scoring tables, and the folder of its base tables' Parquet."""
    folder = tmp_path_factory.mktemp("parquet_scoring")
    generate_force(folder / "force", people=300, seed=5)
    path = folder / "store.duckdb"
    with EmbeddedStore(path) as store:
        ingest_folder(folder / "force", store, load_catalogue().keys)
        clusters = store.clusters()
        records = store.export_table("person_records")
        # Two records of different persons kept apart, and an undated record without a PNC id
        # confirmed by a must-link (it no longer counts as a weak identity).
        first, second = clusters.drop_duplicates("person_id")["record_id"].iloc[:2]
        store.add_override("cannot_link", first, second, "analyst", "two men", datetime(2026, 11, 1))
        weak = records[records["date_of_birth"].isna() & records["pnc_id"].isna()]["record_id"]
        other = clusters[clusters["record_id"] != weak.iloc[0]]["record_id"].iloc[0]
        store.add_override("must_link", weak.iloc[0], other, "analyst", "same man", datetime(2026, 11, 1))
        tables = store.scoring_tables()
    con = duckdb.connect(str(path), read_only=True)
    try:
        export_base_tables(con, folder / "parquet")
    finally:
        con.close()
    return tables, folder / "parquet"


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    session = spark_session(SPARK)
    yield session
    session.stop()


def _assert_same(expected: ScoringTables, found: ScoringTables) -> None:
    for table in fields(ScoringTables):
        pd.testing.assert_frame_equal(getattr(found, table.name), getattr(expected, table.name),
                                      obj=table.name)


def test_the_small_force_exercises_every_query(exported: tuple[ScoringTables, Path]) -> None:
    tables, folder = exported
    assert sorted(path.stem for path in folder.glob("*.parquet")) == sorted(BASE_TABLES)
    assert len(tables.kept_apart) == 1
    assert tables.persons["record_ids"].str.contains(";").any()  # persons of several records
    assert len(tables.measures) and len(tables.referrals) and len(tables.breaches)


def test_duckdb_over_parquet_gives_the_stores_tables(exported: tuple[ScoringTables, Path]) -> None:
    tables, folder = exported
    _assert_same(tables, duckdb_scoring_tables(folder, threads=1))


def test_spark_sql_over_parquet_gives_the_stores_tables(exported: tuple[ScoringTables, Path], spark) -> None:  # type: ignore[no-untyped-def]
    tables, folder = exported
    zone = spark.conf.get("spark.sql.session.timeZone")
    _assert_same(tables, spark_scoring_tables(spark, folder))
    assert spark.conf.get("spark.sql.session.timeZone") == zone  # the session's own zone is back


def test_a_missing_parquet_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="incidents.parquet"):
        duckdb_scoring_tables(tmp_path)

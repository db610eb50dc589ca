"""Resolution on Spark (local mode) finds the same persons, and so the same ranked lists, as
on the embedded DuckDB: a generated force loaded twice, once per backend, into real stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from graph.embedded import EmbeddedStore
from harmgraph.cli import app
from ingest.identity import make_splink_resolver
from ingest.load import ingest_folder
from ingest.resolve_backends.spark import spark_session
from ingest.resolve_config import ResolutionConfig
from scoring.catalogue import load_catalogue
from scoring.config import load_config
from scoring.context import ScoringContext
from scoring.lists import rank_perpetrators, rank_victims
from synth.generate import generate_force
from synth.person_records import pairwise_accuracy

# pyspark 4 says at each Arrow conversion that it does not fully support pandas 3 (pytest
# shows warnings the package's own filter, core.quiet_pyspark, hides from users).
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

PEOPLE = 300
# One core and no whole-stage code generation: a few seconds of Spark on a few hundred
# records does not repay compiling its plans, and CI runs test files side by side.
SPARK = ResolutionConfig(backend="spark", spark_master="local[1]", spark_shuffle_partitions=2,
                         spark_driver_memory="1g",
                         spark_conf={"spark.sql.codegen.wholeStage": "false",
                                     "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1"})


@pytest.fixture(scope="module")
def session() -> Iterator[None]:
    """One Spark session for the module, stopped at its end."""
    spark = spark_session(SPARK)
    yield
    spark.stop()


def _load(force: Path, store_path: Path, config: ResolutionConfig) -> tuple[pd.DataFrame, ScoringContext]:
    """Load ``force`` into a new store resolving with ``config``; its clusters and scoring context."""
    catalogue = load_catalogue()
    with EmbeddedStore(store_path) as store:
        ingest_folder(force, store, catalogue.keys, resolver=make_splink_resolver(config))
        tables = store.scoring_tables()
        clusters = store.clusters()
    as_of = tables.incidents["occurred_at"].max().date()
    return clusters, ScoringContext(tables, load_config(), catalogue, as_of)


@pytest.fixture(scope="module")
def loads(session: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    folder = tmp_path_factory.mktemp("spark")
    generate_force(folder / "force", people=PEOPLE, seed=5)
    return {name: _load(folder / "force", folder / f"{name}.duckdb", config)
            for name, config in (("duckdb", ResolutionConfig()), ("spark", SPARK))}


def _person_of(clusters: pd.DataFrame, record_ids: pd.Series) -> np.ndarray:
    return clusters.set_index("record_id").loc[record_ids, "person_id"].to_numpy()


def test_spark_finds_the_same_persons_as_duckdb(loads: dict[str, tuple]) -> None:
    duckdb_clusters, spark_clusters = loads["duckdb"][0], loads["spark"][0]
    assert sorted(spark_clusters["record_id"]) == sorted(duckdb_clusters["record_id"])
    records = duckdb_clusters["record_id"]
    agreement = pairwise_accuracy(_person_of(duckdb_clusters, records),
                                  _person_of(spark_clusters, records))
    # Pairs of records put in one person by one backend and not by the other (none, with the
    # same model, rules and fixed priors: both score with splink's SQL on the same features).
    assert agreement["true_pairs"] > 0  # the force has records of one person to merge
    assert agreement["precision"] == agreement["recall"] == 1.0, agreement
    # The same record sets get the same stable person ids.
    merged = duckdb_clusters.merge(spark_clusters, on="record_id", suffixes=("_duckdb", "_spark"))
    assert (merged["person_id_duckdb"] == merged["person_id_spark"]).all()


LIST_COLUMNS = ["rank", "person_id", "record_ids", "score"]


@pytest.mark.parametrize("ranking", [rank_perpetrators, rank_victims], ids=["perpetrators", "victims"])
def test_spark_ranks_the_same_lists_as_duckdb(loads: dict[str, tuple], ranking) -> None:  # type: ignore[no-untyped-def]
    duckdb_list = ranking(loads["duckdb"][1])[LIST_COLUMNS]
    spark_list = ranking(loads["spark"][1])[LIST_COLUMNS]
    assert len(duckdb_list) > 0
    pd.testing.assert_frame_equal(spark_list.reset_index(drop=True), duckdb_list.reset_index(drop=True))


TWICE_KEYED = [("N1", "John", "Smith", "M", "1985-03-12", "NE1 4ST"),
               ("A1", "JOHN", "SMITH", "M", "1985-03-12", "NE14ST"),
               ("V1", "Amy", "Clarke", "F", "1991-07-02", "NE2 1AA")]


def test_the_command_line_resolves_on_spark_when_asked(tmp_path: Path, session: None, force_factory,  # type: ignore[no-untyped-def]
                                                       cli_users) -> None:
    force = force_factory()
    # One man keyed twice (N1, A1), and the woman he harmed twice.
    for record_id, forename, surname, sex, born, postcode in TWICE_KEYED:
        force.person(record_id, forename, surname, sex, date_of_birth=born, postcode=postcode)
    for incident_id, day, suspect in (("I1", "2026-01-05", "N1"), ("I2", "2026-03-05", "A1")):
        force.incident(incident_id, day, "abh", suspect, ("V1",))
    store = cli_users(tmp_path / "store.duckdb")
    # The module's session is running, so the command line's resolution joins it.
    result = CliRunner().invoke(app, ["ingest", str(force.write(tmp_path / "force")), "--store", str(store),
                                      "--resolution-backend", "spark", "--spark-master", "local[1]"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with EmbeddedStore(store) as opened:
        clusters = opened.clusters().set_index("record_id")["person_id"]
        loads = opened.audit_log().query("action == 'load'")
    assert clusters["N1"] == clusters["A1"] != clusters["V1"]
    assert loads["detail"].str.contains("on spark").all() and len(loads) == 1

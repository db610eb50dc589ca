"""A first load written by several Bolt sessions at once (Neo4jStore ``writers`` > 1).

Against the real test server (ArcadeDB, which refuses most concurrent writes to one label and
so also exercises the fall back to one writer): the result is the store one transaction
writes, a failure half way leaves the database as empty as it was, a load into a database that
holds data keeps to one transaction, and a first load whose writer died is undone by the next.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from core.errors import StoreError
from graph import cypher
from graph.batch import LoadBatch
from graph.embedded import EmbeddedStore
from graph.neo4j_store import Neo4jStore
from graph.store import TABLE_COLUMNS
from ingest.load import ingest_folder
from synth.generate import generate_force
from tests.graph.conftest import store_neutral

LOAD_TABLES = sorted(set(TABLE_COLUMNS) - {"audit_log", "users", "matac_decisions", "matac_meetings",
                                           "matac_actions"})


@pytest.fixture(scope="module")
def first_load(tmp_path_factory, catalogue):  # type: ignore[no-untyped-def]
    """(embedded store holding a small generated force, the LoadBatch its ingest wrote)."""
    folder = tmp_path_factory.mktemp("first-load")
    generate_force(folder / "force", people=100, seed=11)
    seen: list[LoadBatch] = []

    class Capturing(EmbeddedStore):
        def apply_load(self, batch: LoadBatch) -> None:
            seen.append(batch)
            super().apply_load(batch)

    store = Capturing(folder / "store.duckdb")
    ingest_folder(folder / "force", store, catalogue.keys)
    yield store, seen[0]
    store.close()


@pytest.fixture
def writers(neo4j_store, bolt_server):  # type: ignore[no-untyped-def]
    """An empty database, opened with two writers and small chunks (many concurrent transactions)."""
    store = Neo4jStore(bolt_server["uri"], user=bolt_server["user"], password=bolt_server["password"],
                       database=bolt_server["database"], batch_rows=60, writers=2)
    yield store
    store.close()


def _marker(store: Neo4jStore) -> pd.DataFrame:
    return store._read(cypher.FIRST_LOAD_MARKER, ["load_id", "alive_at"])


def assert_same_store(left, right, tables: list[str] = LOAD_TABLES) -> None:  # type: ignore[no-untyped-def]
    assert {t: n for t, n in left.counts().items() if t in tables} == {
        t: n for t, n in right.counts().items() if t in tables}
    for table in tables:
        # finished_at is when each store applied the load: the one value that differs
        pd.testing.assert_frame_equal(store_neutral(left.export_table(table).drop(columns="finished_at", errors="ignore")),
                                      store_neutral(right.export_table(table).drop(columns="finished_at", errors="ignore")),
                                      obj=table, check_dtype=False)


def test_a_first_load_by_two_writers_stores_what_one_transaction_stores(first_load, writers) -> None:
    embedded, batch = first_load
    writers.apply_load(batch)
    assert_same_store(writers, embedded)
    assert writers.version() == embedded.version()
    assert _marker(writers).empty
    report = writers.last_write_report
    assert report is not None and report.concurrent + report.one_writer >= len(batch.records) // 60
    # Replaying it into a database that now holds data: one transaction, and no data changes
    # (the person-id lineage is append-only, so it is the one table that grows).
    writers.last_write_report = None
    writers.apply_load(batch)
    assert writers.last_write_report is None
    assert_same_store(writers, embedded, [t for t in LOAD_TABLES if t != "person_lineage"])


def test_a_first_load_failing_half_way_leaves_the_database_empty(first_load, writers) -> None:
    _, batch = first_load
    records = batch.records.copy()
    records["address"] = records["address"].astype(object)
    records.at[records.index[-1], "address"] = object()  # the driver cannot send it: that chunk fails
    broken = LoadBatch(**{**batch.__dict__, "records": records})
    with pytest.raises(StoreError, match="rolled back"):
        writers.apply_load(broken)
    counts = writers.counts()
    assert counts["person_records"] == counts["incidents"] == counts["persons"] == 0
    assert writers.has_completed_load(batch.summary.content_hash) is None and _marker(writers).empty
    writers.apply_load(batch)  # and the next load goes in whole
    assert writers.counts()["person_records"] == len(batch.records)


def _leave_a_dead_first_load(store: Neo4jStore, alive_at: datetime) -> None:
    """What a writer killed half way through a first load leaves: its marker and some rows."""
    def work(tx) -> None:  # type: ignore[no-untyped-def]
        tx.run(cypher.CLAIM_FIRST_LOAD, load_id="L-dead", now=alive_at).consume()
        tx.run(cypher.UPSERT_RECORDS, rows=[{"record_id": "R-half", "forename": "Half"}]).consume()

    with store._session() as session:
        session.execute_write(work)


def test_a_first_load_whose_writer_died_is_undone_by_the_next_ingest(first_load, writers) -> None:
    _, batch = first_load
    _leave_a_dead_first_load(writers, datetime.now() - timedelta(minutes=1))
    with pytest.raises(StoreError, match=r"a first load \(L-dead\) is being written"):
        writers.has_completed_load(batch.summary.content_hash)  # still alive a minute ago: wait
    writers.delete_everything()
    _leave_a_dead_first_load(writers, datetime.now() - timedelta(hours=1))
    assert writers.has_completed_load(batch.summary.content_hash) is None
    assert writers.counts()["person_records"] == 0 and _marker(writers).empty

"""EmbeddedStore: the default GraphStore, one DuckDB file on disk, no server.

DuckDB was chosen because it is an in-process, ACID, columnar engine in a single file: a
whole load commits or rolls back as one transaction (a killed process leaves the file as it
was), bulk upserts of millions of rows run vectorised from DataFrames without a per-row
round trip, and splink's entity resolution runs on the same engine.

Every statement here uses fixed SQL text; values arrive as bound parameters or as registered
DataFrames, never by string formatting.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from graph import audit_chain
from graph import batch as cols
from graph.batch import Identity, LoadBatch
from graph.decisions import MatacDecision
from graph.scoring_sql import scoring_tables_by
from graph.load_lock import load_running
from graph.store import HISTORY_TABLES, READER_WRITTEN_TABLES, RESOLUTION_MODEL_KEY, TABLE_COLUMNS, GraphStore
from core.errors import StoreError
from core.tables import ScoringTables
from core.arrow_codes import arrow_text
from core.arrow_isin import isin


SCHEMA_VERSION = "1"

_DDL = [
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS person_records (
        record_id VARCHAR NOT NULL, source_system VARCHAR, forename VARCHAR, surname VARCHAR,
        date_of_birth DATE, sex VARCHAR, postcode VARCHAR, address VARCHAR, pnc_id VARCHAR,
        ethnicity VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS incidents (
        incident_id VARCHAR NOT NULL, occurred_at TIMESTAMP NOT NULL, recorded_at TIMESTAMP,
        offence VARCHAR NOT NULL, domestic_abuse BOOLEAN, dash_risk VARCHAR, outcome VARCHAR,
        postcode VARCHAR)""",
    # Stores made before the sentence and risk-marker fields: add them (unknown for old rows).
    "ALTER TABLE incidents ADD COLUMN IF NOT EXISTS sentence VARCHAR",
    "ALTER TABLE incidents ADD COLUMN IF NOT EXISTS sentence_months DOUBLE",
    "ALTER TABLE incidents ADD COLUMN IF NOT EXISTS weapon BOOLEAN",
    "ALTER TABLE incidents ADD COLUMN IF NOT EXISTS victim_pregnant BOOLEAN",
    """CREATE TABLE IF NOT EXISTS involvements (
        incident_id VARCHAR NOT NULL, record_id VARCHAR NOT NULL, role VARCHAR NOT NULL,
        relationship VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS measures (
        measure_id VARCHAR NOT NULL, type VARCHAR NOT NULL, subject_record_id VARCHAR NOT NULL,
        protected_record_id VARCHAR, start_date DATE NOT NULL, end_date DATE)""",
    "CREATE TABLE IF NOT EXISTS measure_breaches (measure_id VARCHAR, incident_id VARCHAR)",
    """CREATE TABLE IF NOT EXISTS referrals (
        referral_id VARCHAR NOT NULL, record_id VARCHAR NOT NULL, type VARCHAR NOT NULL,
        date DATE NOT NULL, detail VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS custody (
        custody_id VARCHAR NOT NULL, record_id VARCHAR NOT NULL, start_date DATE NOT NULL,
        expected_release_date DATE, released_date DATE)""",
    "CREATE TABLE IF NOT EXISTS record_person (record_id VARCHAR, person_id VARCHAR)",
    """CREATE TABLE IF NOT EXISTS persons (
        person_id VARCHAR, display_name VARCHAR, n_records INTEGER, sex VARCHAR,
        date_of_birth DATE, postcode VARCHAR, ethnicity VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS identity_links (
        record_id_l VARCHAR, record_id_r VARCHAR, match_weight DOUBLE,
        match_probability DOUBLE, method VARCHAR, reasons VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS identity_overrides (
        kind VARCHAR, record_id_l VARCHAR, record_id_r VARCHAR, "by" VARCHAR, "at" TIMESTAMP,
        reason VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS loads (
        load_id VARCHAR, source VARCHAR, content_hash VARCHAR, started_at TIMESTAMP,
        finished_at TIMESTAMP, summary VARCHAR)""",
    "ALTER TABLE loads ADD COLUMN IF NOT EXISTS force VARCHAR",
    """CREATE TABLE IF NOT EXISTS audit_log (
        "at" TIMESTAMP, who VARCHAR, action VARCHAR, subject VARCHAR, detail VARCHAR,
        reason VARCHAR, seq BIGINT UNIQUE, prev_hash VARCHAR, hash VARCHAR)""",
    # Stores made before the chain: add its columns (their entries are chained on open).
    "ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS reason VARCHAR",
    "ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS seq BIGINT",
    "ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS prev_hash VARCHAR",
    "ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS hash VARCHAR",
    """CREATE TABLE IF NOT EXISTS users (
        name VARCHAR NOT NULL, role VARCHAR NOT NULL, password_hash VARCHAR,
        active BOOLEAN NOT NULL, created_at TIMESTAMP, updated_at TIMESTAMP, forces VARCHAR)""",
    # Stores made before force scopes: their users see every force.
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS forces VARCHAR",
    # Append-only: the store API never updates or deletes a MATAC decision.
    """CREATE TABLE IF NOT EXISTS matac_decisions (
        decision_id VARCHAR, person_id VARCHAR, meeting_date DATE, decision VARCHAR,
        reason VARCHAR, who VARCHAR, "at" TIMESTAMP, score DOUBLE, "rank" INTEGER, as_of DATE,
        config_version VARCHAR, config_fingerprint VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS matac_meetings (
        meeting_id VARCHAR, meeting_date DATE, agencies VARCHAR, note VARCHAR, who VARCHAR,
        "at" TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS matac_actions (
        entry_id VARCHAR, action_id VARCHAR, person_id VARCHAR, meeting_date DATE, tactic VARCHAR,
        owner_agency VARCHAR, due_date DATE, status VARCHAR, review_date DATE, note VARCHAR,
        who VARCHAR, "at" TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS matac_referrals (
        referral_id VARCHAR, person_id VARCHAR, agency VARCHAR, reason VARCHAR, meeting_date DATE,
        who VARCHAR, "at" TIMESTAMP)""",
    # Append-only: person ids once issued are never forgotten (merged ids redirect).
    """CREATE TABLE IF NOT EXISTS person_lineage (
        seq BIGINT, "at" TIMESTAMP, event VARCHAR, person_id VARCHAR, other_id VARCHAR,
        record_id VARCHAR, cause VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS identity_review (
        item_id VARCHAR, kind VARCHAR, record_id_l VARCHAR, record_id_r VARCHAR,
        match_weight DOUBLE, match_probability DOUBLE, evidence_for VARCHAR,
        evidence_against VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS quarantine (
        load_id VARCHAR, file VARCHAR, "row" BIGINT, "column" VARCHAR, reason VARCHAR,
        value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS load_warnings (
        load_id VARCHAR, file VARCHAR, "row" BIGINT, "column" VARCHAR, reason VARCHAR,
        value VARCHAR)""",
]

# (stored table, key columns, batch attribute, column list): rows are upserted by key.
_UPSERTS = [
    ("person_records", ["record_id"], "records", cols.RECORD_COLUMNS),
    ("incidents", ["incident_id"], "incidents", cols.INCIDENT_COLUMNS),
    ("involvements", ["incident_id", "record_id", "role"], "involvements", cols.INVOLVEMENT_COLUMNS),
    ("measures", ["measure_id"], "measures", cols.MEASURE_COLUMNS),
    ("referrals", ["referral_id"], "referrals", cols.REFERRAL_COLUMNS),
    ("custody", ["custody_id"], "custody", cols.CUSTODY_COLUMNS),
]

# What goes with a withdrawn record, by contract table (ids in the registered ``withdrawn_ids``).
# A measure about a withdrawn person record goes with it; one protecting it loses the link.
_GONE = "(SELECT id FROM withdrawn_ids)"
_WITHDRAW: dict[str, list[str]] = {
    "people": [
        f"DELETE FROM involvements WHERE record_id IN {_GONE}",
        f"DELETE FROM measure_breaches WHERE measure_id IN (SELECT measure_id FROM measures WHERE subject_record_id IN {_GONE})",
        f"DELETE FROM measures WHERE subject_record_id IN {_GONE}",
        f"UPDATE measures SET protected_record_id = NULL WHERE protected_record_id IN {_GONE}",
        f"DELETE FROM referrals WHERE record_id IN {_GONE}",
        f"DELETE FROM custody WHERE record_id IN {_GONE}",
        f"DELETE FROM record_person WHERE record_id IN {_GONE}",
        f"DELETE FROM person_records WHERE record_id IN {_GONE}",
    ],
    "incidents": [
        f"DELETE FROM involvements WHERE incident_id IN {_GONE}",
        f"DELETE FROM measure_breaches WHERE incident_id IN {_GONE}",
        f"DELETE FROM incidents WHERE incident_id IN {_GONE}",
    ],
    "measures": [
        f"DELETE FROM measure_breaches WHERE measure_id IN {_GONE}",
        f"DELETE FROM measures WHERE measure_id IN {_GONE}",
    ],
    "referrals": [f"DELETE FROM referrals WHERE referral_id IN {_GONE}"],
    "custody": [f"DELETE FROM custody WHERE custody_id IN {_GONE}"],
}

_COUNTED_TABLES = (
    "person_records", "incidents", "involvements", "measures", "measure_breaches", "referrals",
    "custody", "persons", "record_person", "quarantine", "load_warnings", "loads", "identity_overrides",
    "audit_log", "matac_decisions", "matac_meetings", "matac_actions", "matac_referrals", "users", "person_lineage",
    "identity_review",
)


def _column_list(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


# How long an open waits for another process to let go of the file (a command's write, a
# staged load's swap) before saying the store is busy. HARMGRAPH_STORE_WAIT overrides it.
BUSY_WAIT_SECONDS = 30.0


def connect_waiting(path: str, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """A read-write DuckDB connection to ``path``, retrying while another process holds the file."""
    limit = wait if wait is not None else float(os.environ.get("HARMGRAPH_STORE_WAIT") or BUSY_WAIT_SECONDS)
    deadline = time.monotonic() + limit
    while True:
        try:
            return duckdb.connect(path)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)  # the holder is another command: they hold the file for moments


def _arrow_rows(frame: pd.DataFrame, columns: list[str]) -> pa.Table:
    """``frame[columns]`` as an Arrow table for DuckDB to insert from.

    DuckDB reads Arrow columns as they are, where a pandas frame's columns are scanned value
    by value: a million-incident load writes its tables in about half the time.
    """
    return pa.Table.from_pandas(frame[columns], preserve_index=False)


# Identity tables read whole (an incremental resolution carries them forward) whose columns
# :meth:`EmbeddedStore._text_frame` reads as :meth:`EmbeddedStore._frame` would, faster.
_READ_AS_ARROW = frozenset({"persons", "identity_links", "record_person"})


class EmbeddedStore(GraphStore):
    """A GraphStore in one DuckDB file (or in memory for ``:memory:``)."""

    def __init__(self, path: str | Path) -> None:
        self._path = str(path)
        created = self._path != ":memory:" and not Path(self._path).exists()
        try:
            if self._path != ":memory:":
                Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            self._con = connect_waiting(self._path)
        except (duckdb.Error, OSError) as exc:
            raise StoreError(f"cannot open store {self._path}: {exc}") from exc
        self._create_schema()
        if created:
            self._owner_only()

    # --- lifecycle -------------------------------------------------------------------------
    def _create_schema(self) -> None:
        with self._transaction():
            had_chain_columns = bool(self._con.execute(
                "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'audit_log' AND column_name = 'hash' "
                "AND database_name = current_database()").fetchall()[0][0])
            for statement in _DDL:
                self._con.execute(statement)
            self._con.execute(
                "INSERT INTO meta SELECT 'schema_version', ? WHERE NOT EXISTS "
                "(SELECT 1 FROM meta WHERE key = 'schema_version')",
                [SCHEMA_VERSION],
            )
            self._con.execute(
                "INSERT INTO meta SELECT 'version', '0' WHERE NOT EXISTS "
                "(SELECT 1 FROM meta WHERE key = 'version')"
            )
            recorded = bool(self._con.execute("SELECT count(*) FROM meta WHERE key = 'audit_chain'").fetchall()[0][0])
            if audit_chain.may_chain_unchained(had_chain_columns, recorded):
                self._chain_legacy_audit()
            if not recorded:  # from now on a log without its chain is tampering, never re-chained
                self._con.execute("INSERT INTO meta VALUES ('audit_chain', ?)", [datetime.now().isoformat()])

    def _owner_only(self) -> None:
        """A store this open created: the file and its write-ahead log readable by their owner
        only (0600), whatever the umask (the CLI also sets one, harmgraph/cli.py)."""
        for path in (Path(self._path), Path(self._path + ".wal")):
            if path.exists():
                path.chmod(0o600)

    def _chain_legacy_audit(self) -> None:
        """Chain the entries of a log written before the hash chain existed (once, on open)."""
        legacy = self._frame(f'SELECT {_column_list(audit_chain.CONTENT_COLUMNS)} FROM audit_log ORDER BY "at"')
        if legacy.empty:
            return
        self._con.execute("DELETE FROM audit_log")
        self._append("audit_log", audit_chain.chain(legacy), audit_chain.AUDIT_COLUMNS)

    def close(self) -> None:
        self._con.close()

    @property
    def location(self) -> str:
        return self._path

    def version(self) -> int:
        rows = self._con.execute("SELECT value FROM meta WHERE key = 'version'").fetchall()
        return int(rows[0][0]) if rows else 0

    class _Txn:
        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self._con = con

        def __enter__(self) -> None:
            self._con.begin()

        def __exit__(self, exc_type: object, *rest: object) -> None:
            if exc_type is None:
                self._con.commit()
            else:
                self._con.rollback()

    def _transaction(self) -> "EmbeddedStore._Txn":
        return EmbeddedStore._Txn(self._con)

    def _bump_version(self) -> None:
        self._con.execute(
            "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'version'"
        )

    def _frame(self, sql: str, params: list[object] | None = None) -> pd.DataFrame:
        return self._con.execute(sql, params or []).df()

    def _text_frame(self, sql: str) -> pd.DataFrame:
        """:meth:`_frame` for a query of text, DATE, TIMESTAMP and never-null number columns,
        read through Arrow: the same frame (text as pandas' 'str', dates as datetime64[us]) in
        a fraction of the time for millions of rows (every person record of a force, read to
        re-resolve it)."""
        table = self._con.sql(sql).to_arrow_table()
        frame = table.to_pandas(date_as_object=False)
        for field in table.schema:
            if pa.types.is_date(field.type):
                frame[field.name] = frame[field.name].astype("datetime64[us]")
        return frame

    # --- loading ---------------------------------------------------------------------------
    def has_completed_load(self, content_hash: str) -> str | None:
        rows = self._con.execute(
            "SELECT load_id FROM loads WHERE content_hash = ? AND finished_at IS NOT NULL "
            "ORDER BY started_at LIMIT 1",
            [content_hash],
        ).fetchall()
        return rows[0][0] if rows else None

    def _upsert(self, table: str, keys: list[str], frame: pd.DataFrame, columns: list[str]) -> None:
        if frame.empty:
            return
        self._con.register("batch_rows", _arrow_rows(frame, columns))
        try:
            key_match = " AND ".join(f't."{k}" = b."{k}"' for k in keys)
            self._con.execute(
                f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM batch_rows b WHERE {key_match})"
            )
            self._con.execute(
                f"INSERT INTO {table} ({_column_list(columns)}) "
                f"SELECT {_column_list(columns)} FROM batch_rows"
            )
        finally:
            self._con.unregister("batch_rows")

    def _append(self, table: str, frame: pd.DataFrame, columns: list[str]) -> None:
        if frame.empty:
            return
        self._con.register("batch_rows", _arrow_rows(frame, columns))
        try:
            self._con.execute(
                f"INSERT INTO {table} ({_column_list(columns)}) "
                f"SELECT {_column_list(columns)} FROM batch_rows"
            )
        finally:
            self._con.unregister("batch_rows")

    def _write_breaches(self, batch: LoadBatch) -> None:
        # A measure's breach list is replaced whole by the newest extract that carries it.
        if batch.measures.empty:
            return
        self._con.register("batch_measures", batch.measures[["measure_id"]])
        try:
            self._con.execute(
                "DELETE FROM measure_breaches WHERE measure_id IN (SELECT measure_id FROM batch_measures)"
            )
        finally:
            self._con.unregister("batch_measures")
        self._append("measure_breaches", batch.breaches, cols.BREACH_COLUMNS)

    def _write_load_record(self, batch: LoadBatch) -> None:
        summary = batch.summary
        self._con.execute(
            f"INSERT INTO loads ({_column_list(TABLE_COLUMNS['loads'])}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [summary.load_id, summary.source, summary.content_hash, summary.started_at,
             datetime.now(), json.dumps(summary.per_file), summary.force],
        )
        for table, frame in (("quarantine", batch.quarantine), ("load_warnings", batch.warnings)):
            if not frame.empty:
                self._append(table, frame.assign(load_id=summary.load_id),
                             ["load_id", *cols.ISSUE_COLUMNS])

    def apply_load(self, batch: LoadBatch) -> None:
        self._refuse_during_load(f"load {batch.summary.load_id} (loading into the store itself)")
        try:
            with self._transaction():
                self._withdraw(batch.summary.withdrawn)
                for table, keys, attribute, columns in _UPSERTS:
                    self._upsert(table, keys, getattr(batch, attribute), columns)
                self._write_breaches(batch)
                if batch.identity is not None:
                    self._write_identity(batch.identity)
                self._write_load_record(batch)
                self._bump_version()
        except duckdb.Error as exc:
            raise StoreError(f"load {batch.summary.load_id} was rolled back: {exc}") from exc

    def _withdraw(self, withdrawn: dict[str, list[str]]) -> None:
        """Delete withdrawn records with everything that links to them (in the load's transaction)."""
        for name, statements in _WITHDRAW.items():
            ids = withdrawn.get(name) or []
            if not ids:
                continue
            self._con.register("withdrawn_ids", pd.DataFrame({"id": pd.Series(ids, dtype=object)}))
            try:
                for statement in statements:
                    self._con.execute(statement)
            finally:
                self._con.unregister("withdrawn_ids")

    def existing_ids(self, table: str, ids: pd.Series) -> pd.Series:
        key = {"person_records": "record_id", "incidents": "incident_id"}[table]
        probe = pd.DataFrame({"id": ids.astype("string").reset_index(drop=True)})
        self._con.register("probe_ids", probe)
        try:
            found = self._con.execute(
                f"SELECT DISTINCT p.id FROM probe_ids p JOIN {table} t ON t.{key} = p.id"
            ).df()
        finally:
            self._con.unregister("probe_ids")
        return pd.Series(isin(ids, set(found["id"])).to_numpy(), dtype=bool)

    # --- identity --------------------------------------------------------------------------
    def person_records(self, ids: pd.Series | None = None) -> pd.DataFrame:
        if ids is None:
            return self._text_frame(
                f"SELECT {_column_list(cols.RECORD_COLUMNS)} FROM person_records ORDER BY record_id")
        self._con.register("wanted_ids", pa.table({"id": pa.array(ids.astype("string").array, pa.string())}))
        try:
            return self._text_frame(
                f"SELECT {_column_list(cols.RECORD_COLUMNS)} FROM person_records "
                "WHERE record_id IN (SELECT id FROM wanted_ids) ORDER BY record_id")
        finally:
            self._con.unregister("wanted_ids")

    def clusters(self) -> pd.DataFrame:
        return self._text_frame("SELECT record_id, person_id FROM record_person ORDER BY record_id")

    def _write_identity(self, identity: Identity) -> None:
        if identity.touched is None:
            for table in ("record_person", "persons", "identity_links"):
                self._con.execute(f"DELETE FROM {table}")
            self._append("record_person", identity.clusters, cols.CLUSTER_COLUMNS)
            self._append("persons", identity.persons, cols.PERSON_COLUMNS)
            self._append("identity_links", identity.links, cols.LINK_COLUMNS)
        else:
            self._write_identity_change(identity)
        self._con.execute("DELETE FROM identity_review")
        if identity.review is not None and len(identity.review):
            self._append("identity_review", identity.review, cols.REVIEW_COLUMNS)
        if len(identity.lineage):
            self._append("person_lineage", identity.lineage, cols.LINEAGE_COLUMNS)
        if identity.model is not None:
            self._con.execute("DELETE FROM meta WHERE key = ?", [RESOLUTION_MODEL_KEY])
            self._con.execute("INSERT INTO meta VALUES (?, ?)", [RESOLUTION_MODEL_KEY, identity.model])

    def _write_identity_change(self, identity: Identity) -> None:
        """Only what an incremental resolution worked out again: the touched records' rows,
        their persons before and after, and their links (rewriting two million unchanged rows
        took 2 s of a 1M-incident force's daily load). Every other row of the three tables is
        already what ``identity`` holds (carried forward as stored), so the tables end as a
        whole write leaves them."""
        touched = identity.touched
        self._con.register("touched_records", pa.table({"record_id": arrow_text(touched.astype("string").array)}))
        try:
            self._con.execute("DELETE FROM persons WHERE person_id IN (SELECT rp.person_id FROM record_person rp "
                              "JOIN touched_records t ON t.record_id = rp.record_id)")
            self._con.execute("DELETE FROM identity_links WHERE record_id_l IN (SELECT record_id FROM touched_records) "
                              "OR record_id_r IN (SELECT record_id FROM touched_records)")
            self._con.execute("DELETE FROM record_person WHERE record_id IN (SELECT record_id FROM touched_records)")
        finally:
            self._con.unregister("touched_records")
        clusters = identity.clusters[isin(identity.clusters["record_id"], touched)]
        links = identity.links[isin(identity.links["record_id_l"], touched) | isin(identity.links["record_id_r"], touched)]
        self._append("record_person", clusters, cols.CLUSTER_COLUMNS)
        self._append("persons", identity.persons[isin(identity.persons["person_id"], clusters["person_id"])],
                     cols.PERSON_COLUMNS)
        self._append("identity_links", links, cols.LINK_COLUMNS)

    def resolution_model(self) -> str | None:
        rows = self._con.execute("SELECT value FROM meta WHERE key = ?", [RESOLUTION_MODEL_KEY]).fetchall()
        return rows[0][0] if rows else None

    def _refuse_during_load(self, what: str) -> None:
        """Refuse a write a running staged load would drop when it swaps its copy in."""
        if self._path != ":memory:" and load_running(self._path):
            raise StoreError(f"a load is running on {self._path}: {what} waits until it has finished")

    def replace_identity(self, identity: Identity) -> None:
        self._refuse_during_load("re-resolving identities")
        with self._transaction():
            self._write_identity(identity)
            self._bump_version()

    def person_lineage(self) -> pd.DataFrame:
        # (through Arrow: an event per person, read on every load that resolves)
        return self._text_frame(
            f"SELECT {_column_list(cols.LINEAGE_COLUMNS)} FROM person_lineage ORDER BY seq")

    def review_items(self) -> pd.DataFrame:
        return self._frame(
            f"SELECT {_column_list(cols.REVIEW_COLUMNS)} FROM identity_review ORDER BY item_id")

    def identity_links(self, person_id: str) -> pd.DataFrame:
        return self._frame(
            f"SELECT {_column_list(cols.LINK_COLUMNS)} FROM identity_links l "
            "JOIN record_person rp ON rp.record_id = l.record_id_l WHERE rp.person_id = ? "
            "ORDER BY match_weight DESC NULLS LAST, record_id_l, record_id_r",
            [person_id],
        )

    def overrides(self) -> pd.DataFrame:
        return self._frame(
            'SELECT kind, record_id_l, record_id_r, "by", "at", reason FROM identity_overrides ORDER BY "at"'
        )

    def add_override(self, kind: str, record_id_l: str, record_id_r: str, by: str,
                     reason: str, at: datetime) -> None:
        self._refuse_during_load("an identity override")
        with self._transaction():
            self._con.execute(
                "INSERT INTO identity_overrides VALUES (?, ?, ?, ?, ?, ?)",
                [kind, record_id_l, record_id_r, by, at, reason],
            )
            self._bump_version()

    # --- reading ---------------------------------------------------------------------------
    def scoring_tables(self) -> ScoringTables:
        return scoring_tables_by("duckdb", lambda sql: self._con.sql(sql).to_arrow_table())

    def person_record_rows(self, person_id: str) -> pd.DataFrame:
        return self._frame(
            f"SELECT {', '.join('r.' + c for c in cols.RECORD_COLUMNS)} FROM person_records r "
            "JOIN record_person rp ON rp.record_id = r.record_id WHERE rp.person_id = ? "
            "ORDER BY r.record_id",
            [person_id],
        )

    def loads(self) -> pd.DataFrame:
        return self._frame(
            f"SELECT {_column_list(TABLE_COLUMNS['loads'])} FROM loads "
            "ORDER BY started_at"
        )

    def _issues(self, table: str, load_id: str | None) -> pd.DataFrame:
        return self._frame(
            f'SELECT load_id, file, "row", "column", reason, value FROM {table} '
            'WHERE ? IS NULL OR load_id = ? ORDER BY load_id, file, "row", "column"',
            [load_id, load_id],
        )

    def quarantine(self, load_id: str | None = None) -> pd.DataFrame:
        return self._issues("quarantine", load_id)

    def warnings(self, load_id: str | None = None) -> pd.DataFrame:
        return self._issues("load_warnings", load_id)

    def _audit_head(self) -> audit_chain.ChainHead:
        rows = self._con.execute(
            "SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
        ).fetchall()
        return audit_chain.ChainHead(int(rows[0][0]), str(rows[0][1])) if rows else audit_chain.ChainHead()

    def _append_audit(self, build: Callable[[audit_chain.ChainHead], pd.DataFrame]) -> None:
        # Two writers in one process can race for the same head: the UNIQUE seq makes the
        # second commit fail, and it retries on the new head.
        for attempt in range(5):
            try:
                with self._transaction():
                    self._append("audit_log", build(self._audit_head()), audit_chain.AUDIT_COLUMNS)
                return
            except (duckdb.ConstraintException, duckdb.TransactionException) as exc:
                if attempt == 4:
                    raise StoreError(f"the audit entry was not written: {exc}") from exc

    def audit_log(self) -> pd.DataFrame:
        return self._frame(
            f"SELECT {_column_list(audit_chain.AUDIT_COLUMNS)} FROM audit_log ORDER BY seq NULLS FIRST, \"at\""
        )

    def users(self) -> pd.DataFrame:
        return self._frame(f"SELECT {_column_list(TABLE_COLUMNS['users'])} FROM users ORDER BY name")

    def put_user(self, name: str, role: str, password_hash: str | None, active: bool,
                 at: datetime, forces: str = "") -> None:
        try:
            with self._transaction():
                found = self._con.execute("SELECT created_at FROM users WHERE name = ?", [name]).fetchall()
                created = found[0][0] if found else at
                self._con.execute("DELETE FROM users WHERE name = ?", [name])
                self._con.execute(f"INSERT INTO users ({_column_list(TABLE_COLUMNS['users'])}) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                  [name, role, password_hash, active, created, at, forces or None])
        except duckdb.Error as exc:
            raise StoreError(f"the user was not saved: {exc}") from exc

    def add_matac_decision(self, decision: MatacDecision) -> None:
        try:
            with self._transaction():
                self._append("matac_decisions", decision.as_frame(), TABLE_COLUMNS["matac_decisions"])
                self._bump_version()
        except duckdb.Error as exc:
            raise StoreError(f"the MATAC decision was not stored: {exc}") from exc

    def matac_decisions(self) -> pd.DataFrame:
        return self._frame(
            f"SELECT {_column_list(TABLE_COLUMNS['matac_decisions'])} FROM matac_decisions "
            'ORDER BY "at", decision_id'
        )

    def counts(self, tables: Collection[str] | None = None) -> dict[str, int]:
        return {
            table: int(self._con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
            for table in _COUNTED_TABLES if tables is None or table in tables
        }

    # --- copying (harmgraph sync) ----------------------------------------------------------
    def export_table(self, table: str) -> pd.DataFrame:
        if table not in TABLE_COLUMNS:
            raise StoreError(f"no stored table {table!r}")
        select = f"SELECT {_column_list(TABLE_COLUMNS[table])} FROM {table}"
        return self._text_frame(select) if table in _READ_AS_ARROW else self._frame(select)

    def append_history(self, table: str, frame: pd.DataFrame) -> None:
        if table not in HISTORY_TABLES:
            raise StoreError(f"{table!r} is not a history table")
        if table not in READER_WRITTEN_TABLES:  # those a running load carries over at its swap
            self._refuse_during_load(f"copying {table}")
        try:
            with self._transaction():
                self._append(table, frame, TABLE_COLUMNS[table])
                self._bump_version()
        except duckdb.Error as exc:
            raise StoreError(f"copying {table} was rolled back: {exc}") from exc

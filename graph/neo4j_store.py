"""Neo4jStore: the GraphStore in a Neo4j database (or cluster) over Bolt.

It behaves exactly as the embedded DuckDB store and hands scoring the same tables; the
contract suite in tests/graph runs both. Writes are ``UNWIND $rows AS row MERGE ...``
statements in batches, every value a parameter, inside one managed transaction per call
(``session.execute_write``, which retries transient failures such as deadlocks), so a load
commits whole or not at all and replaying it changes nothing. All Cypher text lives in
``graph/cypher.py``.

Values: pandas Timestamps go to the server as Python ``date``/``datetime`` (Cypher Date /
LocalDateTime) and come back as pandas datetimes; NaN/NA/NaT travel as null, and a property
set to null is simply absent from its node.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
from neo4j import GraphDatabase, ManagedTransaction
from neo4j.exceptions import DriverError, Neo4jError

from graph import audit_chain
from graph import batch as cols
from graph import cypher
from graph.batch import Identity, LoadBatch
from graph.credentials import Neo4jCredentials
from graph.decisions import MatacDecision
from graph.parallel_write import Chunk, WriteReport, write_concurrently
from graph.store import HISTORY_TABLES, RESOLUTION_MODEL_KEY, TABLE_COLUMNS, GraphStore, kept_apart
from core.errors import StoreError
from core.tables import ScoringTables, normalise_tables
from core.arrow_isin import isin

SCHEMA_VERSION = "1"
BATCH_ROWS = 5_000  # rows per UNWIND statement
# A first load's writer refreshes its marker this often; a marker older than FIRST_LOAD_STALE
# belongs to a writer that died, and its rows are undone by the next load.
FIRST_LOAD_HEARTBEAT = timedelta(seconds=30)
FIRST_LOAD_STALE = timedelta(minutes=10)

# How each stored column travels: dates and timestamps need converting both ways.
DATE_COLUMNS = frozenset({"date_of_birth", "start_date", "end_date", "date", "meeting_date", "as_of",
                          "due_date", "review_date", "expected_release_date", "released_date"})
DATETIME_COLUMNS = frozenset({"occurred_at", "recorded_at", "started_at", "finished_at", "at",
                              "created_at", "updated_at", "alive_at"})
INT_COLUMNS = frozenset({"row", "n_records", "rank", "seq"})
FLOAT_COLUMNS = frozenset({"match_weight", "match_probability", "score", "sentence_months"})
BOOL_COLUMNS = frozenset({"domestic_abuse", "active", "weapon", "victim_pregnant"})

# Errors that mean "this write did not happen": the driver's and bad values in a batch.
_WRITE_ERRORS = (Neo4jError, DriverError, ValueError, TypeError, OverflowError)

Work = Callable[[ManagedTransaction], None]


@dataclass(frozen=True)
class Step:
    """One statement of a load with all its rows; ``phase`` is "detach", "nodes" or "links"."""

    statement: str
    rows: list
    phase: str
    key: str = "rows"


def _python_values(column: str, series: pd.Series) -> list[object]:
    """One column as a list of driver-ready Python values (None for every kind of missing).

    Whole-column conversions (numpy's ``tolist`` makes Python dates, datetimes, ints and
    floats, NaT as None) rather than a Python step per value: on a large load the conversion
    runs beside the server's work and was a tenth of the write's time.
    """
    if column in DATE_COLUMNS or column in DATETIME_COLUMNS:
        stamps = pd.to_datetime(series.reset_index(drop=True))
        if getattr(stamps.dt, "tz", None) is None:
            unit = "datetime64[D]" if column in DATE_COLUMNS else "datetime64[us]"
            return stamps.to_numpy(dtype=unit).tolist()
        missing = stamps.isna().to_numpy()
        return [None if gap else value.to_pydatetime() for value, gap in zip(stamps, missing)]
    numpy_kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else ""
    if numpy_kind in ("i", "u", "b"):  # numpy ints and bools: never missing
        return series.to_numpy().tolist()
    if numpy_kind == "f":
        values = series.to_numpy()
        return [None if value != value else value for value in values.tolist()]  # NaN != NaN
    values = series.to_numpy(dtype=object, na_value=None)
    return [value.item() if isinstance(value, np.generic) else value for value in values.tolist()]


def driver_rows(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, object]]:
    """A frame as a list of parameter maps (only ``columns``; absent columns are null)."""
    if frame is None or frame.empty:
        return []
    lists = [_python_values(c, frame[c]) if c in frame else [None] * len(frame) for c in columns]
    return [dict(zip(columns, values)) for values in zip(*lists)]


def _chunks(rows: list[dict[str, object]] | list[object], size: int) -> Iterator[list]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _native(value: object) -> object:
    return value.to_native() if hasattr(value, "to_native") else value


def _typed_frame(records: list[list[object]], columns: list[str]) -> pd.DataFrame:
    """Rows from the driver as a frame whose dtypes follow the stored column kinds."""
    data: dict[str, object] = {}
    for position, column in enumerate(columns):
        values = [row[position] for row in records]
        if column in DATE_COLUMNS or column in DATETIME_COLUMNS:
            natives = [_native(v) for v in values]
            data[column] = pd.to_datetime(pd.Series(natives, dtype=object)).astype("datetime64[us]")
        elif column in INT_COLUMNS:
            data[column] = pd.array(values, dtype="Int64")
        elif column in FLOAT_COLUMNS:
            data[column] = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
        elif column in BOOL_COLUMNS:
            data[column] = pd.array(values, dtype="boolean")
        else:
            data[column] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, columns=columns)


def _public_uri(uri: str) -> str:
    """The URI without any user:password part."""
    parts = urlsplit(uri)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class Neo4jStore(GraphStore):
    """A GraphStore in Neo4j (5.x, single server or cluster) reached over Bolt."""

    def __init__(self, uri: str, user: str | None = None, password: str | None = None,
                 database: str | None = None, batch_rows: int = BATCH_ROWS, writers: int = 1) -> None:
        if batch_rows < 1 or writers < 1:
            raise StoreError(f"batch_rows and writers must be at least 1 (got {batch_rows}, {writers})")
        self._uri = uri
        self.batch_rows, self.writers = batch_rows, writers
        self.last_write_report: WriteReport | None = None  # how the last concurrent phase went
        self._database = database or None
        auth = (user, password or "") if user else None
        try:
            self._driver = GraphDatabase.driver(uri, auth=auth)
            self._driver.verify_connectivity()
            self._create_schema()
        except (Neo4jError, DriverError, ValueError, OSError) as exc:
            if hasattr(self, "_driver"):
                self._driver.close()
            raise StoreError(f"cannot open store {self.location}: {exc}") from exc

    @classmethod
    def connect(cls, uri: str, credentials: Neo4jCredentials | None = None) -> "Neo4jStore":
        """Open ``uri`` with the given credentials (user ``neo4j`` and no password by default)."""
        chosen = credentials or Neo4jCredentials()
        return cls(uri, user=chosen.user, password=chosen.password, database=chosen.database,
                   batch_rows=chosen.batch_rows or BATCH_ROWS, writers=chosen.writers)

    # --- lifecycle -------------------------------------------------------------------------
    def _create_schema(self) -> None:
        # Schema statements run one by one in their own auto-commit transactions: Neo4j does
        # not allow schema changes and data writes in one transaction.
        with self._session() as session:
            for statement in cypher.SCHEMA:
                session.run(statement).consume()

        def init(tx: ManagedTransaction) -> None:
            tx.run(cypher.INIT_META, key="schema_version", value=SCHEMA_VERSION).consume()
            tx.run(cypher.INIT_META, key="version", value=0).consume()

        self._write(init, "creating the schema")

    def _session(self):  # type: ignore[no-untyped-def]
        return self._driver.session(database=self._database)

    def close(self) -> None:
        self._driver.close()

    @property
    def location(self) -> str:
        where = _public_uri(self._uri)
        return f"{where} (database {self._database})" if self._database else where

    def version(self) -> int:
        row = self._read(cypher.READ_META, ["value"], key="version")
        return int(row.iloc[0, 0]) if len(row) else 0

    def resolution_model(self) -> str | None:
        row = self._read(cypher.READ_META, ["value"], key=RESOLUTION_MODEL_KEY)
        return str(row.iloc[0, 0]) if len(row) else None

    # --- plumbing --------------------------------------------------------------------------
    def _write(self, work: Work, what: str) -> None:
        """Run ``work`` in one managed write transaction; any failure rolls all of it back."""
        try:
            with self._session() as session:
                session.execute_write(work)
        except _WRITE_ERRORS as exc:
            raise StoreError(f"{what} was rolled back: {exc}") from exc

    def _read(self, statement: str, columns: list[str], **params: object) -> pd.DataFrame:
        def work(tx):  # type: ignore[no-untyped-def]
            result = tx.run(statement, params)
            return [list(record.values(*columns)) for record in result]

        try:
            with self._session() as session:
                records = session.execute_read(work)
        except (Neo4jError, DriverError) as exc:
            raise StoreError(f"cannot read from {self.location}: {exc}") from exc
        return _typed_frame(records, columns)

    def _unwind(self, tx: ManagedTransaction, statement: str, rows: list, key: str = "rows") -> None:
        for chunk in _chunks(rows, self.batch_rows):
            tx.run(statement, {key: chunk}).consume()

    @staticmethod
    def _ids(frame: pd.DataFrame, column: str) -> list[object]:
        return _python_values(column, frame[column].drop_duplicates()) if len(frame) else []

    # --- loading ---------------------------------------------------------------------------
    def has_completed_load(self, content_hash: str) -> str | None:
        self._settle_first_load()  # before ingest reads anything a dead first load left
        found = self._read(cypher.COMPLETED_LOAD, ["load_id"], hash=content_hash)
        return str(found.iloc[0, 0]) if len(found) else None

    def _data_steps(self, batch: LoadBatch) -> list[Step]:
        """The load's data rows as statements in writing order, each with its rows and phase.

        Phases: "detach" steps clear the links an upserted node had (needed only where it
        existed before), "nodes" steps upsert nodes, "links" steps link them; the order keeps
        every detach before the links that replace what it cleared.
        """
        steps = [Step(cypher.UPSERT_RECORDS, driver_rows(batch.records, cols.RECORD_COLUMNS), "nodes")]
        incidents = batch.incidents
        steps.append(Step(cypher.UPSERT_INCIDENTS, driver_rows(incidents, cols.INCIDENT_COLUMNS), "nodes"))
        if len(incidents):
            steps.append(Step(cypher.DETACH_LOCATIONS, self._ids(incidents, "incident_id"), "detach", "ids"))
            located = incidents[incidents["postcode"].notna()]
            postcodes = located[["postcode"]].drop_duplicates()
            steps.append(Step(cypher.UPSERT_LOCATIONS, driver_rows(postcodes, ["postcode"]), "nodes"))
            steps.append(Step(cypher.LINK_LOCATIONS, driver_rows(located, ["incident_id", "postcode"]), "links"))
        involvements = batch.involvements
        unknown = set(involvements["role"].dropna()) - set(cypher.ROLE_TYPES) if len(involvements) else set()
        if unknown:
            raise ValueError(f"unknown involvement roles {sorted(unknown)}")
        for role, statement in cypher.UPSERT_ROLE.items():
            if len(involvements):
                these = involvements[involvements["role"] == role]
                steps.append(Step(statement, driver_rows(these, ["incident_id", "record_id", "relationship"]),
                                  "links"))
        measures = batch.measures
        if len(measures):
            steps.append(Step(cypher.UPSERT_MEASURES,
                              driver_rows(measures, ["measure_id", "type", "start_date", "end_date"]), "nodes"))
            steps.append(Step(cypher.DETACH_MEASURE_PEOPLE, self._ids(measures, "measure_id"), "detach", "ids"))
            for column, statement in (("subject_record_id", cypher.LINK_RESTRICTS),
                                      ("protected_record_id", cypher.LINK_PROTECTS)):
                linked = measures[measures[column].notna()].rename(columns={column: "record_id"})
                steps.append(Step(statement, driver_rows(linked, ["measure_id", "record_id"]), "links"))
            # A measure's breach list is replaced whole by the newest extract that carries it.
            steps.append(Step(cypher.DETACH_BREACHES, self._ids(measures, "measure_id"), "detach", "ids"))
            steps.append(Step(cypher.LINK_BREACHES, driver_rows(batch.breaches, cols.BREACH_COLUMNS), "links"))
        referrals = batch.referrals
        if len(referrals):
            steps.append(Step(cypher.UPSERT_REFERRALS,
                              driver_rows(referrals, ["referral_id", "type", "date", "detail"]), "nodes"))
            steps.append(Step(cypher.DETACH_REFERRAL_PEOPLE, self._ids(referrals, "referral_id"), "detach", "ids"))
            steps.append(Step(cypher.LINK_ABOUT, driver_rows(referrals, ["referral_id", "record_id"]), "links"))
        custody = batch.custody
        if len(custody):
            steps.append(Step(cypher.UPSERT_CUSTODY, driver_rows(
                custody, ["custody_id", "start_date", "expected_release_date", "released_date"]), "nodes"))
            steps.append(Step(cypher.DETACH_CUSTODY_PEOPLE, self._ids(custody, "custody_id"), "detach", "ids"))
            steps.append(Step(cypher.LINK_HELD, driver_rows(custody, ["custody_id", "record_id"]), "links"))
        return steps

    def _write_identity(self, tx: ManagedTransaction, identity: Identity) -> None:
        tx.run(cypher.DELETE_PERSONS).consume()
        tx.run(cypher.DELETE_LINKS).consume()
        self._unwind(tx, cypher.CREATE_PERSONS, driver_rows(identity.persons, cols.PERSON_COLUMNS))
        self._unwind(tx, cypher.CREATE_CLUSTERS, driver_rows(identity.clusters, cols.CLUSTER_COLUMNS))
        self._unwind(tx, cypher.CREATE_LINKS, driver_rows(identity.links, cols.LINK_COLUMNS))
        tx.run(cypher.DELETE_REVIEW).consume()
        if identity.review is not None and len(identity.review):
            self._unwind(tx, cypher.CREATE_REVIEW, driver_rows(identity.review, cols.REVIEW_COLUMNS))
        if len(identity.lineage):
            self._unwind(tx, cypher.CREATE_LINEAGE, driver_rows(identity.lineage, cols.LINEAGE_COLUMNS))
        if identity.model is not None:
            tx.run(cypher.SET_META, key=RESOLUTION_MODEL_KEY, value=identity.model).consume()

    def _write_load_record(self, tx: ManagedTransaction, batch: LoadBatch, finished: datetime) -> None:
        summary = batch.summary
        props = driver_rows(pd.DataFrame([{
            "source": summary.source, "content_hash": summary.content_hash,
            "started_at": summary.started_at, "finished_at": finished,
            "summary": json.dumps(summary.per_file), "force": summary.force}]),
            ["source", "content_hash", "started_at", "finished_at", "summary", "force"])[0]
        tx.run(cypher.MERGE_LOAD, load_id=summary.load_id, props=props).consume()
        # Replaying a load replaces its issue rows instead of doubling them.
        issue_columns = TABLE_COLUMNS["quarantine"]
        for delete, create, frame in ((cypher.DELETE_QUARANTINE, cypher.CREATE_QUARANTINE, batch.quarantine),
                                      (cypher.DELETE_WARNINGS, cypher.CREATE_WARNINGS, batch.warnings)):
            tx.run(delete, load_id=summary.load_id).consume()
            if frame is not None and len(frame):
                self._unwind(tx, create, driver_rows(frame.assign(load_id=summary.load_id), issue_columns))

    def _write_rest(self, tx: ManagedTransaction, batch: LoadBatch, finished: datetime) -> None:
        """What follows the data rows in a load's transaction: identity, load record, version."""
        if batch.identity is not None:
            self._write_identity(tx, batch.identity)
        self._write_load_record(tx, batch, finished)
        tx.run(cypher.BUMP_VERSION).consume()

    def apply_load(self, batch: LoadBatch) -> None:
        finished = datetime.now()
        self._settle_first_load()
        if self.writers > 1 and self._claim_first_load(batch.summary.load_id):
            self._first_load(batch, finished)
            return

        def work(tx: ManagedTransaction) -> None:
            for name, statements in cypher.WITHDRAW.items():
                for statement in statements:
                    self._unwind(tx, statement, list(batch.summary.withdrawn.get(name, [])), "ids")
            for step in self._data_steps(batch):
                self._unwind(tx, step.statement, step.rows, step.key)
            self._write_rest(tx, batch, finished)

        self._write(work, f"load {batch.summary.load_id}")

    # --- a first load by several writers ----------------------------------------------------
    # One transaction cannot span sessions, so a load written by several sessions at once is
    # not atomic by itself. It is allowed only into a database holding none of the data labels
    # (cypher.FIRST_LOAD_LABELS), marked by a Meta node while it runs: the records, incidents,
    # measures, referrals and their links go in by chunks, concurrently; the identity, the load
    # record and the version then go in one transaction, so no Person (and no ranking) exists
    # until the load is whole. A failure deletes the labels again, which removes exactly what the
    # load wrote; a writer killed outright leaves the marker, and the next load (or the next
    # ingest's first question, has_completed_load) undoes its rows once the marker has not been
    # refreshed for FIRST_LOAD_STALE.
    def _claim_first_load(self, load_id: str) -> bool:
        """Mark the database as taking ``load_id``'s first load, if it holds no data yet."""
        def work(tx: ManagedTransaction) -> bool:
            for statement in cypher.HOLDS_LABEL.values():
                if tx.run(statement).single() is not None:
                    return False
            claimed = tx.run(cypher.CLAIM_FIRST_LOAD, load_id=load_id, now=datetime.now()).single()
            return claimed is not None and claimed["load_id"] == load_id

        try:
            with self._session() as session:
                return bool(session.execute_write(work))
        except _WRITE_ERRORS as exc:
            raise StoreError(f"load {load_id} was rolled back: {exc}") from exc

    def _first_load(self, batch: LoadBatch, finished: datetime) -> None:
        load_id = batch.summary.load_id
        alive = {"at": time.monotonic()}

        def still_alive(session) -> None:  # type: ignore[no-untyped-def]
            if time.monotonic() - alive["at"] > FIRST_LOAD_HEARTBEAT.total_seconds():
                alive["at"] = time.monotonic()
                session.run(cypher.FIRST_LOAD_ALIVE, load_id=load_id, now=datetime.now()).consume()

        def rest(tx: ManagedTransaction) -> None:
            self._write_rest(tx, batch, finished)
            tx.run(cypher.FIRST_LOAD_DONE).consume()

        try:
            steps = self._data_steps(batch)  # nothing to detach: the database held none of it
            report = self.last_write_report = WriteReport()
            for phase in ("nodes", "links"):
                chunks = [Chunk(step.statement, rows, step.key) for step in steps if step.phase == phase
                          for rows in _chunks(step.rows, self.batch_rows)]
                # A server that refused concurrent writes to the nodes gets the links one by one.
                writers = 1 if report.fell_back else self.writers
                report.add(write_concurrently(self._session, chunks, writers, still_alive))
            with self._session() as session:
                alive["at"] = float("-inf")  # refreshed just before the last (and longest) transaction
                still_alive(session)
                session.execute_write(rest)
        except _WRITE_ERRORS as exc:
            try:
                self._undo_first_load()
            except _WRITE_ERRORS as undo_error:
                raise StoreError(f"load {load_id} failed ({exc}) and what it wrote could not be removed "
                                 f"yet ({undo_error}): the next load removes it") from exc
            raise StoreError(f"load {load_id} was rolled back: {exc}") from exc

    def _undo_first_load(self) -> None:
        """Delete every node of the first-load labels, then the marker (the database held none)."""
        with self._session() as session:
            for statement in cypher.UNDO_FIRST_LOAD.values():
                while session.execute_write(
                        lambda tx, s=statement: tx.run(s, limit=self.batch_rows).single()["n"]):
                    pass
            session.run(cypher.FIRST_LOAD_DONE).consume()

    def _settle_first_load(self) -> None:
        """Refuse while another first load is being written; undo one whose writer died."""
        marker = self._read(cypher.FIRST_LOAD_MARKER, ["load_id", "alive_at"])
        if marker.empty:
            return
        load_id, alive_at = marker.iloc[0]["load_id"], marker.iloc[0]["alive_at"]
        if pd.notna(alive_at) and datetime.now() - alive_at < FIRST_LOAD_STALE:
            raise StoreError(f"a first load ({load_id}) is being written into {self.location} "
                             f"(last heard of at {alive_at:%H:%M:%S}): try again when it has finished")
        self._undo_first_load()

    def existing_ids(self, table: str, ids: pd.Series) -> pd.Series:
        statement = cypher.EXISTING_IDS[table]
        wanted = [v for v in _python_values("id", ids.astype("string").drop_duplicates()) if v is not None]
        found: set[object] = set()
        for chunk in _chunks(wanted, self.batch_rows):
            found.update(self._read(statement, ["id"], ids=chunk)["id"])
        return pd.Series(isin(ids, found).to_numpy(), dtype=bool)

    # --- identity --------------------------------------------------------------------------
    def person_records(self, ids: pd.Series | None = None) -> pd.DataFrame:
        if ids is None:
            frame = self._read(cypher.PERSON_RECORDS, cols.RECORD_COLUMNS)
        else:
            wanted = [v for v in _python_values("id", ids.astype("string").drop_duplicates()) if v is not None]
            chunks = list(_chunks(wanted, self.batch_rows)) or [[]]  # [[]]: no ids, an empty frame
            frame = pd.concat([self._read(cypher.PERSON_RECORDS_AMONG, cols.RECORD_COLUMNS, ids=chunk)
                               for chunk in chunks], ignore_index=True)
        return frame.sort_values("record_id", kind="stable").reset_index(drop=True)

    def clusters(self) -> pd.DataFrame:
        frame = self._read(cypher.CLUSTERS, cols.CLUSTER_COLUMNS)
        return frame.sort_values("record_id", kind="stable").reset_index(drop=True)

    def replace_identity(self, identity: Identity) -> None:
        def work(tx: ManagedTransaction) -> None:
            self._write_identity(tx, identity)
            tx.run(cypher.BUMP_VERSION).consume()

        self._write(work, "the new identity")

    def person_lineage(self) -> pd.DataFrame:
        frame = self._read(cypher.LINEAGE, cols.LINEAGE_COLUMNS)
        return frame.sort_values("seq", kind="stable").reset_index(drop=True)

    def review_items(self) -> pd.DataFrame:
        frame = self._read(cypher.REVIEW, cols.REVIEW_COLUMNS)
        return frame.sort_values("item_id", kind="stable").reset_index(drop=True)

    def identity_links(self, person_id: str) -> pd.DataFrame:
        frame = self._read(cypher.PERSON_LINKS, cols.LINK_COLUMNS, person_id=person_id)
        return frame.sort_values(["match_weight", "record_id_l", "record_id_r"],
                                 ascending=[False, True, True], na_position="last",
                                 kind="stable").reset_index(drop=True)

    def overrides(self) -> pd.DataFrame:
        frame = self._read(cypher.OVERRIDES, TABLE_COLUMNS["identity_overrides"])
        return frame.sort_values("at", kind="stable").reset_index(drop=True)

    def add_override(self, kind: str, record_id_l: str, record_id_r: str, by: str,
                     reason: str, at: datetime) -> None:
        self.append_history("identity_overrides", pd.DataFrame([{
            "kind": kind, "record_id_l": record_id_l, "record_id_r": record_id_r, "by": by,
            "at": at, "reason": reason}]))

    # --- reading ---------------------------------------------------------------------------
    def _roles(self, clusters: pd.DataFrame) -> pd.DataFrame:
        frame = self._read(cypher.ROLES, ["incident_id", "person_id", "rel_type", "relationship", "record_id"])
        frame["role"] = frame.pop("rel_type").map(cypher.ROLE_OF_TYPE)
        keys = ["incident_id", "person_id", "role"]
        if frame.empty:
            return frame[keys + ["relationship"]].assign(weak_identity=pd.Series(dtype="boolean"))
        # As the embedded store: a role rests on name and address alone when none of its records
        # has a date of birth, a PNC id or an analyst's must-link, but another of the person's
        # records has one of them.
        records = self.person_records()
        overrides = self.overrides()
        linked = overrides.loc[overrides["kind"] == "must_link", ["record_id_l", "record_id_r"]].stack()
        firm = (records["date_of_birth"].notna() | records["pnc_id"].notna()
                | records["record_id"].isin(set(linked)))
        has_firm = set(clusters.loc[clusters["record_id"].isin(set(records.loc[firm, "record_id"])), "person_id"])
        frame["weak"] = frame["record_id"].isin(set(records.loc[~firm, "record_id"]))
        roles = frame.groupby(keys, sort=False).agg(relationship=("relationship", "min"),
                                                   weak=("weak", "all")).reset_index()
        roles["weak_identity"] = roles.pop("weak").astype(bool) & roles["person_id"].isin(has_firm)
        return roles

    def scoring_tables(self) -> ScoringTables:
        clusters = self.clusters()
        persons = self._read(cypher.PERSONS, cols.PERSON_COLUMNS)
        record_ids = (clusters.sort_values("record_id", kind="stable")
                      .groupby("person_id", sort=False)["record_id"].agg(";".join)
                      .rename("record_ids").reset_index())
        persons = persons.merge(record_ids, on="person_id", how="inner")
        subject = clusters.rename(columns={"record_id": "subject_record_id",
                                           "person_id": "subject_person_id"})
        protected = clusters.rename(columns={"record_id": "protected_record_id",
                                             "person_id": "protected_person_id"})
        measures = (self._read(cypher.MEASURES, cols.MEASURE_COLUMNS)
                    .merge(subject, on="subject_record_id", how="inner")
                    .merge(protected, on="protected_record_id", how="left"))
        referrals = self._read(cypher.REFERRALS, cols.REFERRAL_COLUMNS).merge(
            clusters, on="record_id", how="inner")
        custody = self._read(cypher.CUSTODY, cols.CUSTODY_COLUMNS).merge(clusters, on="record_id", how="inner")
        return normalise_tables(
            incidents=self._read(cypher.INCIDENTS, cols.INCIDENT_COLUMNS),
            roles=self._roles(clusters),
            persons=persons,
            measures=measures,
            breaches=self._read(cypher.BREACHES, cols.BREACH_COLUMNS),
            referrals=referrals,
            custody=custody,
            kept_apart=kept_apart(self.overrides(), clusters),
        )

    def person_record_rows(self, person_id: str) -> pd.DataFrame:
        frame = self._read(cypher.PERSON_RECORD_ROWS, cols.RECORD_COLUMNS, person_id=person_id)
        return frame.sort_values("record_id", kind="stable").reset_index(drop=True)

    def loads(self) -> pd.DataFrame:
        frame = self._read(cypher.LOADS, TABLE_COLUMNS["loads"])
        return frame.sort_values("started_at", kind="stable").reset_index(drop=True)

    def _issues(self, statement: str, load_id: str | None) -> pd.DataFrame:
        frame = self._read(statement, TABLE_COLUMNS["quarantine"], load_id=load_id)
        return frame.sort_values(["load_id", "file", "row", "column"], na_position="last",
                                 kind="stable").reset_index(drop=True)

    def quarantine(self, load_id: str | None = None) -> pd.DataFrame:
        return self._issues(cypher.QUARANTINE, load_id)

    def warnings(self, load_id: str | None = None) -> pd.DataFrame:
        return self._issues(cypher.WARNINGS, load_id)

    def _append_audit(self, build: Callable[[audit_chain.ChainHead], pd.DataFrame]) -> None:
        def work(tx: ManagedTransaction) -> None:
            tx.run(cypher.LOCK_AUDIT).consume()
            last = tx.run(cypher.AUDIT_HEAD).single()
            head = (audit_chain.ChainHead(int(last["seq"]), str(last["hash"])) if last
                    else audit_chain.ChainHead())
            self._unwind(tx, cypher.CREATE_AUDIT, driver_rows(build(head), audit_chain.AUDIT_COLUMNS))

        self._write(work, "the audit entry")

    def audit_log(self) -> pd.DataFrame:
        frame = self._read(cypher.AUDIT_LOG, TABLE_COLUMNS["audit_log"])
        return frame.sort_values(["seq", "at"], kind="stable", na_position="first").reset_index(drop=True)

    def users(self) -> pd.DataFrame:
        frame = self._read(cypher.USERS, TABLE_COLUMNS["users"])
        return frame.sort_values("name", kind="stable").reset_index(drop=True)

    def put_user(self, name: str, role: str, password_hash: str | None, active: bool,
                 at: datetime, forces: str = "") -> None:
        self._write(lambda tx: tx.run(cypher.PUT_USER, name=name, role=role, password_hash=password_hash,
                                      active=bool(active), at=at, forces=forces or None).consume(),
                    "saving the user")

    def add_matac_decision(self, decision: MatacDecision) -> None:
        self.append_history("matac_decisions", decision.as_frame())

    def matac_decisions(self) -> pd.DataFrame:
        frame = self._read(cypher.MATAC_DECISIONS, TABLE_COLUMNS["matac_decisions"])
        return frame.sort_values(["at", "decision_id"], kind="stable").reset_index(drop=True)

    def counts(self, tables: Collection[str] | None = None) -> dict[str, int]:
        return {table: int(self._read(statement, ["n"]).iloc[0, 0])
                for table, statement in cypher.COUNTS.items() if tables is None or table in tables}

    # --- copying (harmgraph sync) ----------------------------------------------------------
    def export_table(self, table: str) -> pd.DataFrame:
        readers: dict[str, Callable[[], pd.DataFrame]] = {
            "person_records": self.person_records,
            "incidents": lambda: self._read(cypher.INCIDENTS, cols.INCIDENT_COLUMNS),
            "involvements": self._involvements,
            "measures": lambda: self._read(cypher.MEASURES, cols.MEASURE_COLUMNS),
            "measure_breaches": lambda: self._read(cypher.BREACHES, cols.BREACH_COLUMNS),
            "referrals": lambda: self._read(cypher.REFERRALS, cols.REFERRAL_COLUMNS),
            "custody": lambda: self._read(cypher.CUSTODY, cols.CUSTODY_COLUMNS),
            "record_person": self.clusters,
            "persons": lambda: self._read(cypher.PERSONS, cols.PERSON_COLUMNS),
            "identity_links": lambda: self._read(cypher.ALL_LINKS, cols.LINK_COLUMNS),
            "identity_overrides": self.overrides,
            "loads": self.loads,
            "quarantine": self.quarantine,
            "load_warnings": self.warnings,
            "audit_log": self.audit_log,
            "users": self.users,
            "matac_decisions": self.matac_decisions,
            "matac_meetings": lambda: self._read(cypher.MATAC_MEETINGS, TABLE_COLUMNS["matac_meetings"]),
            "matac_actions": lambda: self._read(cypher.MATAC_ACTIONS, TABLE_COLUMNS["matac_actions"]),
            "matac_referrals": lambda: self._read(cypher.MATAC_REFERRALS, TABLE_COLUMNS["matac_referrals"]),
            "person_lineage": self.person_lineage,
            "identity_review": self.review_items,
        }
        if table not in readers:
            raise StoreError(f"no stored table {table!r}")
        return readers[table]()[TABLE_COLUMNS[table]]

    def _involvements(self) -> pd.DataFrame:
        frame = self._read(cypher.INVOLVEMENTS, ["incident_id", "record_id", "rel_type", "relationship"])
        frame["role"] = frame.pop("rel_type").map(cypher.ROLE_OF_TYPE)
        return frame[cols.INVOLVEMENT_COLUMNS]

    def append_history(self, table: str, frame: pd.DataFrame) -> None:
        statements = {"loads": cypher.CREATE_LOADS, "quarantine": cypher.CREATE_QUARANTINE,
                      "load_warnings": cypher.CREATE_WARNINGS,
                      "identity_overrides": cypher.CREATE_OVERRIDES, "audit_log": cypher.CREATE_AUDIT,
                      "matac_decisions": cypher.CREATE_MATAC_DECISIONS,
                      "matac_meetings": cypher.CREATE_MATAC_MEETINGS,
                      "matac_actions": cypher.CREATE_MATAC_ACTIONS,
                      "matac_referrals": cypher.CREATE_MATAC_REFERRALS,
                      "person_lineage": cypher.CREATE_LINEAGE}
        if table not in HISTORY_TABLES:
            raise StoreError(f"{table!r} is not a history table")

        def work(tx: ManagedTransaction) -> None:
            self._unwind(tx, statements[table], driver_rows(frame, TABLE_COLUMNS[table]))
            tx.run(cypher.BUMP_VERSION).consume()

        self._write(work, f"copying {table}")

    # --- tests -----------------------------------------------------------------------------
    def delete_everything(self) -> None:
        """Empty the database (tests only: every node and relationship goes)."""
        self._write(lambda tx: tx.run(cypher.DELETE_EVERYTHING).consume(), "emptying the store")

        def init(tx: ManagedTransaction) -> None:
            tx.run(cypher.INIT_META, key="schema_version", value=SCHEMA_VERSION).consume()
            tx.run(cypher.INIT_META, key="version", value=0).consume()

        self._write(init, "creating the schema")


"""The GraphStore interface: everything the rest of harmgraph may ask of a store.

Two implementations satisfy it: the embedded DuckDB store (default, a single file) and,
later, a Neo4j store over Bolt. Nothing outside ``graph/`` writes SQL or Cypher; callers pass
DataFrames in and get DataFrames (or networkx graphs) out.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from datetime import datetime

import pandas as pd

from graph import audit_chain
from graph import batch as cols
from graph.batch import Identity, LoadBatch
from graph.decisions import (MATAC_ACTION_COLUMNS, MATAC_DECISION_COLUMNS, MATAC_MEETING_COLUMNS,
                             MATAC_REFERRAL_COLUMNS, MatacAction, MatacDecision, MatacMeeting, MatacReferral)
from core.tables import ScoringTables


ISSUE_TABLE_COLUMNS = ["load_id", *cols.ISSUE_COLUMNS]
# Every stored table with its columns, in order: what export_table returns (for copying a store).
TABLE_COLUMNS: dict[str, list[str]] = {
    "person_records": cols.RECORD_COLUMNS,
    "incidents": cols.INCIDENT_COLUMNS,
    "involvements": cols.INVOLVEMENT_COLUMNS,
    "measures": cols.MEASURE_COLUMNS,
    "measure_breaches": cols.BREACH_COLUMNS,
    "referrals": cols.REFERRAL_COLUMNS,
    "custody": cols.CUSTODY_COLUMNS,
    "record_person": cols.CLUSTER_COLUMNS,
    "persons": cols.PERSON_COLUMNS,
    "identity_links": cols.LINK_COLUMNS,
    "identity_overrides": ["kind", "record_id_l", "record_id_r", "by", "at", "reason"],
    "loads": ["load_id", "source", "content_hash", "started_at", "finished_at", "summary", "force"],
    "quarantine": ISSUE_TABLE_COLUMNS,
    "load_warnings": ISSUE_TABLE_COLUMNS,
    "audit_log": audit_chain.AUDIT_COLUMNS,  # at, who, action, subject, detail, reason + chain
    # forces: the force codes a user sees, ';'-joined; empty or null: every force (the region).
    "users": ["name", "role", "password_hash", "active", "created_at", "updated_at", "forces"],
    "matac_decisions": MATAC_DECISION_COLUMNS,
    "matac_meetings": MATAC_MEETING_COLUMNS,
    "matac_actions": MATAC_ACTION_COLUMNS,
    "matac_referrals": MATAC_REFERRAL_COLUMNS,
    "person_lineage": cols.LINEAGE_COLUMNS,
    "identity_review": cols.REVIEW_COLUMNS,
}

# The meta key under which a store keeps its resolution model (Identity.model).
RESOLUTION_MODEL_KEY = "resolution_model"
# Tables written by readers, administrators and the MATAC chair, never by a load: they may be
# written while a staged load runs, and its swap carries them over (graph/staging.py).
READER_WRITTEN_TABLES = ("audit_log", "users", "matac_decisions", "matac_meetings", "matac_actions",
                         "matac_referrals")
# The bookkeeping tables append_history may write verbatim. The audit log is not among them:
# its rows are only ever appended through the hash chain (record_audit, append_audit).
HISTORY_TABLES = ("loads", "quarantine", "load_warnings", "identity_overrides",
                  "matac_decisions", "matac_meetings", "matac_actions", "matac_referrals", "person_lineage")


def kept_apart(overrides: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """Pairs of persons (person_id_l < person_id_r) an analyst said are two people: the
    persons now holding the records of each cannot-link.

    >>> overrides = pd.DataFrame({"kind": ["cannot_link", "must_link"], "record_id_l": ["A", "A"],
    ...                           "record_id_r": ["B", "C"]})
    >>> clusters = pd.DataFrame({"record_id": ["A", "B", "C"], "person_id": ["P-2", "P-1", "P-2"]})
    >>> kept_apart(overrides, clusters).values.tolist()
    [['P-1', 'P-2']]
    """
    person = clusters.set_index("record_id")["person_id"]
    cannot = overrides[overrides["kind"] == "cannot_link"]
    left = cannot["record_id_l"].map(person)
    right = cannot["record_id_r"].map(person)
    held = left.notna() & right.notna() & (left != right)
    left, right = left[held].astype(str), right[held].astype(str)
    pairs = pd.DataFrame({"person_id_l": left.where(left < right, right).to_numpy(),
                          "person_id_r": right.where(left < right, left).to_numpy()})
    return pairs.drop_duplicates().reset_index(drop=True)


class GraphStore(ABC):
    """A victim-offender-incident graph with its load history, quarantine and identities."""

    # --- lifecycle -------------------------------------------------------------------------
    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    @abstractmethod
    def location(self) -> str:
        """A human description of where the store lives (path or URI, no secrets)."""

    @abstractmethod
    def version(self) -> int:
        """A counter that rises on every committed write; caches key on it."""

    # --- loading ---------------------------------------------------------------------------
    @abstractmethod
    def has_completed_load(self, content_hash: str) -> str | None:
        """The load id of an earlier completed load of exactly this content, if any."""

    @abstractmethod
    def apply_load(self, batch: LoadBatch) -> None:
        """Write a whole load (rows, quarantine, warnings, identity, load record) atomically."""

    @abstractmethod
    def existing_ids(self, table: str, ids: pd.Series) -> pd.Series:
        """Which of ``ids`` already exist in ``table`` (records/incidents), as a bool mask."""

    # --- identity --------------------------------------------------------------------------
    @abstractmethod
    def person_records(self, ids: pd.Series | None = None) -> pd.DataFrame:
        """Every stored person record (RECORD_COLUMNS), by record id; with ``ids``, only the
        stored records among them (a load checks its own records without reading millions)."""

    @abstractmethod
    def clusters(self) -> pd.DataFrame:
        """The current record -> person assignment (CLUSTER_COLUMNS)."""

    @abstractmethod
    def replace_identity(self, identity: Identity) -> None:
        """Replace every cluster, person, link and review item with a new resolution and
        append its lineage events, atomically."""

    @abstractmethod
    def resolution_model(self) -> str | None:
        """The resolution model kept by the last identity written with one (JSON text of
        ``ingest.resolve.TrainedModel``), None when there is none."""

    @abstractmethod
    def person_lineage(self) -> pd.DataFrame:
        """Every person-id event (LINEAGE_COLUMNS: issued, merged, split, retired), by seq."""

    @abstractmethod
    def review_items(self) -> pd.DataFrame:
        """The identity review queue of the current resolution (REVIEW_COLUMNS), by item_id."""

    def current_person_id(self, person_id: str) -> str:
        """``person_id`` as it is now: the survivor when it was merged into another person."""
        from graph.lineage import current_id

        return current_id(person_id, self.person_lineage())

    @abstractmethod
    def identity_links(self, person_id: str) -> pd.DataFrame:
        """The links (LINK_COLUMNS) that merged this person's records."""

    @abstractmethod
    def overrides(self) -> pd.DataFrame:
        """Analyst must-link / cannot-link pairs: kind, record_id_l, record_id_r, by, at, reason."""

    @abstractmethod
    def add_override(self, kind: str, record_id_l: str, record_id_r: str, by: str,
                     reason: str, at: datetime) -> None:
        """Store an analyst override; it survives every re-resolve."""

    # --- reading ---------------------------------------------------------------------------
    @abstractmethod
    def scoring_tables(self) -> ScoringTables:
        """The person-level tables scoring reads (identical across stores)."""

    @abstractmethod
    def person_record_rows(self, person_id: str) -> pd.DataFrame:
        """The source records merged into one person (RECORD_COLUMNS)."""

    @abstractmethod
    def loads(self) -> pd.DataFrame:
        """Load history: load_id, source, content_hash, started_at, finished_at, summary."""

    @abstractmethod
    def quarantine(self, load_id: str | None = None) -> pd.DataFrame:
        """Quarantined rows (load_id + ISSUE_COLUMNS), all loads or one."""

    @abstractmethod
    def warnings(self, load_id: str | None = None) -> pd.DataFrame:
        """Field-level warnings (load_id + ISSUE_COLUMNS), all loads or one."""

    # --- access log (append-only, hash-chained; the chain is computed in graph.audit_chain) --
    def record_audit(self, who: str, action: str, subject: str, detail: str = "",
                     reason: str = "") -> None:
        """Append one entry to the access log (a view of a person, an export, a load...).

        ``reason`` is the why a user gave (asked for on every export).
        """
        entry = pd.DataFrame([{"at": datetime.now(), "who": who, "action": action,
                               "subject": subject, "detail": detail, "reason": reason or None}])
        self._append_audit(lambda head: audit_chain.chain(entry, head))

    def append_audit(self, entries: pd.DataFrame) -> None:
        """Append entries (content columns) from elsewhere, chained on after this log's head.

        ``harmgraph sync`` copies a log this way: onto an empty log the chain comes out
        identical to the source's; onto a log with entries of its own it is re-anchored.
        """
        if len(entries):
            self._append_audit(lambda head: audit_chain.chain(entries, head))

    @abstractmethod
    def _append_audit(self, build: Callable[[audit_chain.ChainHead], pd.DataFrame]) -> None:
        """In one transaction: read the chain head, append ``build(head)`` (AUDIT_COLUMNS)."""

    @abstractmethod
    def audit_log(self) -> pd.DataFrame:
        """The access log (AUDIT_COLUMNS: at, who, action, subject, detail, reason, seq,
        prev_hash, hash), in chain order (oldest first)."""

    # --- local users (sign-in for the app; passwords arrive already hashed) ---------------
    @abstractmethod
    def users(self) -> pd.DataFrame:
        """Every local user (TABLE_COLUMNS['users']), by name."""

    @abstractmethod
    def put_user(self, name: str, role: str, password_hash: str | None, active: bool,
                 at: datetime, forces: str = "") -> None:
        """Create or replace one user by name (``created_at`` is kept when it exists);
        ``forces``: the force codes they see, ';'-joined ("" for every force)."""

    def user(self, name: str) -> dict[str, object] | None:
        """One user's row as a dict, or None."""
        users = self.users()
        found = users[users["name"] == name]
        if found.empty:
            return None
        return {key: (None if not isinstance(value, str) and pd.isna(value) else value)
                for key, value in found.iloc[0].to_dict().items()}

    # --- MATAC decisions (append-only: there is deliberately no update or delete) ----------
    @abstractmethod
    def add_matac_decision(self, decision: MatacDecision) -> None:
        """Append one MATAC decision; an earlier decision about the person is never changed."""

    @abstractmethod
    def matac_decisions(self) -> pd.DataFrame:
        """Every MATAC decision (MATAC_DECISION_COLUMNS), oldest first (by ``at``)."""

    def matac_decisions_now(self) -> pd.DataFrame:
        """The MATAC decisions with each ``person_id`` as it is now (a decision about a person
        since merged into another follows the redirect); the id the panel saw is kept in
        ``decided_person_id``."""
        from graph.lineage import current_ids

        decisions = self.matac_decisions()
        return decisions.assign(decided_person_id=decisions["person_id"],
                                person_id=current_ids(decisions["person_id"], self.person_lineage()))

    # Meetings and actions are history tables: both stores append and read them through the
    # same two generic calls, so they cannot be edited in place either.
    def add_matac_meeting(self, meeting: MatacMeeting) -> None:
        """Append one panel meeting (date, agencies present)."""
        self.append_history("matac_meetings", meeting.as_frame())

    def matac_meetings(self) -> pd.DataFrame:
        """Every meeting (MATAC_MEETING_COLUMNS), by meeting date then entry time."""
        meetings = self.export_table("matac_meetings")
        return meetings.sort_values(["meeting_date", "at"], kind="stable").reset_index(drop=True)

    def add_matac_action(self, action: MatacAction) -> None:
        """Append one state of an action (a new action or a change of status or dates)."""
        self.append_history("matac_actions", action.as_frame())

    def matac_actions(self) -> pd.DataFrame:
        """Every action state (MATAC_ACTION_COLUMNS), oldest first (by ``at``)."""
        actions = self.export_table("matac_actions")
        return actions.sort_values(["at", "entry_id"], kind="stable").reset_index(drop=True)

    def add_matac_referral(self, referral: MatacReferral) -> None:
        """Append one partner agency's referral of a person to the panel."""
        self.append_history("matac_referrals", referral.as_frame())

    def matac_referrals_now(self) -> pd.DataFrame:
        """Every referral (MATAC_REFERRAL_COLUMNS), oldest first, with each ``person_id`` as it is
        now (a person since merged into another follows the redirect); the id referred is kept in
        ``referred_person_id``."""
        from graph.lineage import current_ids

        referrals = self.export_table("matac_referrals").sort_values(["at", "referral_id"], kind="stable")
        return referrals.assign(referred_person_id=referrals["person_id"],
                                person_id=current_ids(referrals["person_id"], self.person_lineage())
                                ).reset_index(drop=True)

    @abstractmethod
    def counts(self, tables: Collection[str] | None = None) -> dict[str, int]:
        """Row counts per stored table (``tables``: only those), for summaries and tests."""

    # --- copying (harmgraph sync) ----------------------------------------------------------
    @abstractmethod
    def export_table(self, table: str) -> pd.DataFrame:
        """Every row of one stored table (a key of TABLE_COLUMNS), in its column order."""

    @abstractmethod
    def append_history(self, table: str, frame: pd.DataFrame) -> None:
        """Append rows verbatim to one bookkeeping table (HISTORY_TABLES), atomically."""

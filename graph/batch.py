"""What one ingest run hands a store to write in a single all-or-nothing transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

# Column order of each stored table; DataFrames in a LoadBatch carry exactly these columns.
RECORD_COLUMNS = [
    "record_id", "source_system", "forename", "surname", "date_of_birth", "sex", "postcode",
    "address", "pnc_id", "ethnicity",
]
INCIDENT_COLUMNS = [
    "incident_id", "occurred_at", "recorded_at", "offence", "domestic_abuse", "dash_risk",
    "outcome", "postcode", "sentence", "sentence_months", "weapon", "victim_pregnant",
]
INVOLVEMENT_COLUMNS = ["incident_id", "record_id", "role", "relationship"]
MEASURE_COLUMNS = [
    "measure_id", "type", "subject_record_id", "protected_record_id", "start_date", "end_date",
]
BREACH_COLUMNS = ["measure_id", "incident_id"]
REFERRAL_COLUMNS = ["referral_id", "record_id", "type", "date", "detail"]
CUSTODY_COLUMNS = ["custody_id", "record_id", "start_date", "expected_release_date", "released_date"]
ISSUE_COLUMNS = ["file", "row", "column", "reason", "value"]
CLUSTER_COLUMNS = ["record_id", "person_id"]
PERSON_COLUMNS = [
    "person_id", "display_name", "n_records", "sex", "date_of_birth", "postcode", "ethnicity",
]
LINK_COLUMNS = [
    "record_id_l", "record_id_r", "match_weight", "match_probability", "method", "reasons",
]
# Person-id lineage (append-only): every id issued, merged into another, split or retired,
# with the load or analyst that caused it. ``seq`` orders events; ``other_id`` is the id an
# event points to (merged: the survivor; split: the part that got a new id; issued: the id it
# was split from, if any); ``record_id`` is an issued id's anchor record.
LINEAGE_COLUMNS = ["seq", "at", "event", "person_id", "other_id", "record_id", "cause"]
# Identity review queue (replaced with every resolution): pairs an analyst should look at.
REVIEW_COLUMNS = [
    "item_id", "kind", "record_id_l", "record_id_r", "match_weight", "match_probability",
    "evidence_for", "evidence_against", "note",
]


def empty_frame(columns: list[str]) -> pd.DataFrame:
    """A frame with ``columns`` and no rows."""
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})


@dataclass
class LoadSummary:
    """Counts per file: rows read, loaded, quarantined, warned, exact duplicates merged."""

    load_id: str
    content_hash: str
    source: str
    started_at: datetime
    per_file: dict[str, dict[str, int]] = field(default_factory=dict)
    # The force whose extract this is (a regional store's --force), None for a one-force store:
    # who may read the load's quarantined rows and warnings follows it.
    force: str | None = None
    already_loaded: bool = False
    # Contract table -> stored ids the extract withdrew (removed with their links).
    withdrawn: dict[str, list[str]] = field(default_factory=dict)
    # How the load's people were resolved (``Identity.how``), or why they were not.
    people: str = ""

    @property
    def quarantined(self) -> int:
        return sum(counts.get("quarantined", 0) for counts in self.per_file.values())


@dataclass
class Identity:
    """A full resolution of every stored person record into persons."""

    clusters: pd.DataFrame  # CLUSTER_COLUMNS, every record exactly once
    persons: pd.DataFrame  # PERSON_COLUMNS
    links: pd.DataFrame  # LINK_COLUMNS, the evidence for each merge
    # LINEAGE_COLUMNS: person-id events this resolution caused (appended, never replaced)
    lineage: pd.DataFrame = field(default_factory=lambda: empty_frame(LINEAGE_COLUMNS))
    # REVIEW_COLUMNS: what an analyst should check; the stored queue is replaced with it
    # (None, as an empty frame, leaves the queue empty: both stores do so)
    review: pd.DataFrame | None = None
    # The resolution model to keep for the next resolution (ingest.resolve.TrainedModel as
    # JSON text); None keeps the stored one
    model: str | None = None
    # How the persons were worked out, in a sentence for the load's summary (what was resolved
    # again, what was carried, the person ids issued, merged or split)
    how: str = ""
    # The records whose persons and links were worked out again (None: every record); the
    # rest of ``clusters``, ``persons`` and ``links`` is what the store holds already, so a
    # store may write only the change
    touched: pd.Series | None = None


@dataclass
class LoadBatch:
    """Validated rows to upsert plus the load's quarantine, warnings and new identity."""

    summary: LoadSummary
    records: pd.DataFrame
    incidents: pd.DataFrame
    involvements: pd.DataFrame
    measures: pd.DataFrame
    breaches: pd.DataFrame
    referrals: pd.DataFrame
    quarantine: pd.DataFrame  # ISSUE_COLUMNS
    warnings: pd.DataFrame  # ISSUE_COLUMNS
    identity: Identity | None = None
    # Spells in custody (an optional file: most loads carry none).
    custody: pd.DataFrame = field(default_factory=lambda: empty_frame(CUSTODY_COLUMNS))

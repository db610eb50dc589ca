"""The input contract as data; docs/data-contract.md describes it for people.

Every other module reads column names and allowed values from here, so the contract is
written down once (tests/ingest/test_contract_doc.py keeps the description in step). A force's
extract must provide the required columns; optional columns may be absent and are then
treated as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ColumnKind(str, Enum):
    """How a column's text is parsed before the rules are checked."""

    ID = "id"
    TEXT = "text"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOL = "bool"
    CODE = "code"  # one of a fixed set of lower-case codes
    ID_LIST = "id_list"  # ';'-separated ids
    NUMBER = "number"  # a number, 0 or more


@dataclass(frozen=True)
class Column:
    """One column of an input table."""

    name: str
    kind: ColumnKind
    required: bool = False
    # The column must be present but a cell may be blank (forename, surname).
    may_be_empty: bool = False
    codes: tuple[str, ...] = ()
    # Codes still accepted from older extracts, each read as the current code it maps to.
    aliases: tuple[tuple[str, str], ...] = ()
    references: str | None = None  # "table.column" this id must exist in


@dataclass(frozen=True)
class Table:
    """One input file: its stem (people -> people.csv / people.parquet) and columns."""

    name: str
    key: str
    columns: tuple[Column, ...]
    optional_file: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


SEXES = ("F", "M", "X", "U")
DASH_RISKS = ("standard", "medium", "high")
OUTCOMES = (
    "charged",
    "convicted",
    "acquitted",
    "nfa",
    "outcome_15",
    "outcome_16",
    "under_investigation",
    "caution",
    "other",
)
# The sentence passed at a conviction (the most severe part when there are several).
SENTENCES = ("custody", "suspended", "community", "fine", "discharge", "other")
ROLES = ("victim", "suspect", "offender", "witness")
PERPETRATOR_ROLES = ("suspect", "offender")
# What the suspect is to the victim. "family" is the code older extracts use for every relative:
# it is still accepted and read as "other_family" (RELATIONSHIP_ALIASES).
RELATIONSHIPS = (
    "partner", "ex_partner", "parent", "child", "sibling", "other_family", "acquaintance",
    "stranger", "unknown", "family",
)
RELATIONSHIP_ALIASES = (("family", "other_family"),)
MEASURE_TYPES = (
    "pre_charge_bail",
    "rui",
    "voluntary_attendance",
    "nmo",
    "dvpn",
    "dvpo",
    "dapn",
    "dapo",
    "restraining_order",
    "spo",
    "shpo",
    "sro",
    "cbo",
)
REFERRAL_TYPES = (
    "marac",
    "matac",
    "mappa",
    "iom",
    "pdp",
    "dvds_ask",
    "dvds_know",
    "programme",
    "daily_briefing",
)

PEOPLE = Table(
    name="people",
    key="record_id",
    columns=(
        Column("record_id", ColumnKind.ID, required=True),
        Column("source_system", ColumnKind.TEXT),
        Column("forename", ColumnKind.TEXT, required=True, may_be_empty=True),
        Column("surname", ColumnKind.TEXT, required=True, may_be_empty=True),
        Column("date_of_birth", ColumnKind.DATE),
        Column("sex", ColumnKind.CODE, codes=SEXES),
        Column("postcode", ColumnKind.TEXT),
        Column("address", ColumnKind.TEXT),
        Column("pnc_id", ColumnKind.ID),
        Column("ethnicity", ColumnKind.TEXT),
    ),
)

INCIDENTS = Table(
    name="incidents",
    key="incident_id",
    columns=(
        Column("incident_id", ColumnKind.ID, required=True),
        Column("occurred_at", ColumnKind.TIMESTAMP, required=True),
        Column("recorded_at", ColumnKind.TIMESTAMP),
        Column("offence", ColumnKind.CODE, required=True),  # codes: scoring/offence_catalogue.csv
        Column("domestic_abuse", ColumnKind.BOOL),
        Column("dash_risk", ColumnKind.CODE, codes=DASH_RISKS),
        Column("outcome", ColumnKind.CODE, codes=OUTCOMES),
        Column("postcode", ColumnKind.TEXT),
        Column("sentence", ColumnKind.CODE, codes=SENTENCES),
        Column("sentence_months", ColumnKind.NUMBER),
        Column("weapon", ColumnKind.BOOL),
        Column("victim_pregnant", ColumnKind.BOOL),
    ),
)

INVOLVEMENTS = Table(
    name="involvements",
    key="incident_id,record_id,role",
    columns=(
        Column("incident_id", ColumnKind.ID, required=True, references="incidents.incident_id"),
        Column("record_id", ColumnKind.ID, required=True, references="people.record_id"),
        Column("role", ColumnKind.CODE, required=True, codes=ROLES),
        Column("relationship", ColumnKind.CODE, codes=RELATIONSHIPS, aliases=RELATIONSHIP_ALIASES),
    ),
)

MEASURES = Table(
    name="measures",
    key="measure_id",
    optional_file=True,
    columns=(
        Column("measure_id", ColumnKind.ID, required=True),
        Column("type", ColumnKind.CODE, required=True, codes=MEASURE_TYPES),
        Column("subject_record_id", ColumnKind.ID, required=True, references="people.record_id"),
        Column("protected_record_id", ColumnKind.ID, references="people.record_id"),
        Column("start_date", ColumnKind.DATE, required=True),
        Column("end_date", ColumnKind.DATE),
        Column("breach_incident_ids", ColumnKind.ID_LIST, references="incidents.incident_id"),
    ),
)

REFERRALS = Table(
    name="referrals",
    key="referral_id",
    optional_file=True,
    columns=(
        Column("referral_id", ColumnKind.ID, required=True),
        Column("record_id", ColumnKind.ID, required=True, references="people.record_id"),
        Column("type", ColumnKind.CODE, required=True, codes=REFERRAL_TYPES),
        Column("date", ColumnKind.DATE, required=True),
        Column("detail", ColumnKind.TEXT),
    ),
)

CUSTODY = Table(
    name="custody",
    key="custody_id",
    optional_file=True,
    columns=(
        Column("custody_id", ColumnKind.ID, required=True),
        Column("record_id", ColumnKind.ID, required=True, references="people.record_id"),
        Column("start_date", ColumnKind.DATE, required=True),
        Column("expected_release_date", ColumnKind.DATE),
        Column("released_date", ColumnKind.DATE),
    ),
)

# Tables a load can withdraw records from (ingest/withdraw.py): those keyed by one id. An
# involvement goes with its incident or person record.
WITHDRAWABLE_TABLES = ("people", "incidents", "measures", "referrals", "custody")

COMPLETE = Table(
    name="complete",
    key="table",
    optional_file=True,
    columns=(Column("table", ColumnKind.CODE, required=True, codes=WITHDRAWABLE_TABLES),),
)

WITHDRAWN = Table(
    name="withdrawn",
    key="table,id",
    optional_file=True,
    columns=(
        Column("table", ColumnKind.CODE, required=True, codes=WITHDRAWABLE_TABLES),
        Column("id", ColumnKind.ID, required=True),
    ),
)

# Load order matters: references point only at tables earlier in this tuple.
TABLES: tuple[Table, ...] = (PEOPLE, INCIDENTS, INVOLVEMENTS, MEASURES, REFERRALS, CUSTODY, COMPLETE, WITHDRAWN)
TABLES_BY_NAME = {t.name: t for t in TABLES}
# The files of records (what a generator or an RMS export writes); the rest declare how to
# read them (complete.csv, withdrawn.csv).
CONTROL_TABLES: tuple[Table, ...] = (COMPLETE, WITHDRAWN)
DATA_TABLES: tuple[Table, ...] = tuple(t for t in TABLES if t not in CONTROL_TABLES)

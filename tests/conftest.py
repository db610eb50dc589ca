"""Shared fixtures: hand-built forces written as contract CSVs, and real embedded stores."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from ingest.contract import TABLES_BY_NAME
from ingest.load import ingest_folder
from scoring.catalogue import OffenceCatalogue, load_catalogue
from scoring.config import ScoringConfig, load_config
from scoring.context import ScoringContext


@dataclass
class Force:
    """A small force built row by row in a test, written in the input contract."""

    people: list[dict[str, str]] = field(default_factory=list)
    incidents: list[dict[str, str]] = field(default_factory=list)
    involvements: list[dict[str, str]] = field(default_factory=list)
    measures: list[dict[str, str]] = field(default_factory=list)
    referrals: list[dict[str, str]] = field(default_factory=list)
    custody: list[dict[str, str]] = field(default_factory=list)

    def person(self, record_id: str, forename: str = "", surname: str = "", sex: str = "",
               **extra: str) -> str:
        self.people.append({"record_id": record_id, "forename": forename, "surname": surname,
                            "sex": sex, **extra})
        return record_id

    def incident(self, incident_id: str, occurred_at: str, offence: str, suspect: str | None = None,
                 victims: tuple[str, ...] = (), relationship: str = "partner", **extra: str) -> str:
        self.incidents.append({"incident_id": incident_id, "occurred_at": occurred_at,
                               "offence": offence, **extra})
        if suspect:
            self.involvements.append({"incident_id": incident_id, "record_id": suspect,
                                      "role": "suspect", "relationship": relationship})
        for victim in victims:
            self.involvements.append({"incident_id": incident_id, "record_id": victim, "role": "victim"})
        return incident_id

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("people", "incidents", "involvements", "measures", "referrals", "custody"):
            rows = getattr(self, name)
            if name in ("measures", "referrals", "custody") and not rows:
                continue
            columns = TABLES_BY_NAME[name].column_names
            with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns)
                writer.writeheader()
                for row in rows:
                    writer.writerow({c: row.get(c, "") for c in columns})
        return folder


# Every CLI test signs in as a scheduled job does: HARMGRAPH_USER / HARMGRAPH_PASSWORD, set for
# the whole session (subprocesses inherit them). A store needs the users: ``cli_users(path)``.
CLI_PASSWORD = "a test password, long enough"


@pytest.fixture(scope="session", autouse=True)
def cli_signed_in() -> Iterator[None]:
    """The command line signed in as the user ``analyst`` (switch role with
    ``monkeypatch.setenv("HARMGRAPH_USER", "admin")``, or ``env=`` on one CliRunner call)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HARMGRAPH_USER", "analyst")
        patch.setenv("HARMGRAPH_PASSWORD", CLI_PASSWORD)
        yield


@pytest.fixture(scope="session")
def cli_users() -> Callable[[str | Path], Path]:
    """``cli_users(path)``: give the store at ``path`` (created if need be) one active user per
    role, each named after its role, with the password the session signs in with; returns the
    path. ``cli_users.into(store)`` does the same to an open store (a Neo4j one, say)."""
    from harmgraph.access import ROLES
    from harmgraph.accounts import hash_password

    password_hash = hash_password(CLI_PASSWORD)  # hashed once: argon2 is slow on purpose

    def into(opened) -> None:  # type: ignore[no-untyped-def]
        present = set(opened.users()["name"])
        for role in ROLES:
            if role not in present:  # a fixed time: a store's fingerprint stays the same
                opened.put_user(role, role, password_hash, True, datetime(2026, 1, 1))

    def _add(path: str | Path) -> Path:
        with EmbeddedStore(path) as opened:
            into(opened)
        return Path(path)

    _add.into = into  # type: ignore[attr-defined]
    return _add


# Each force as rows: (record id, forename, surname, sex, born) and (incident, day, offence,
# suspect, victim). R1 is the same man in both forces (one PNC id); R3 and R4 are each force's own.
REGIONAL_PEOPLE = {
    "NTH": [("R1", "Mark", "Hale", "M", "1980-02-03"), ("R2", "Ann", "Reed", "F", "1985-05-06"),
            ("R3", "Olly", "Stone", "M", "1970-01-01"), ("R4", "Bea", "Wood", "F", "1990-07-08")],
    "STH": [("R1", "Mark", "Hale", "M", "1980-02-03"), ("R2", "Cara", "Lane", "F", "1992-09-10"),
            ("R3", "Sid", "Moss", "M", "1975-04-04"), ("R4", "Dee", "Hart", "F", "1988-08-08")],
}
REGIONAL_INCIDENTS = {
    "NTH": [("I1", "2026-01-05", "abh", "R1", "R2"), ("I2", "2026-02-05", "common_assault", "R1", "R2"),
            ("I3", "2026-03-01", "abh", "R3", "R4"), ("I4", "2026-03-09", "abh", "R3", "R4")],
    "STH": [("I1", "2026-02-20", "abh", "R1", "R2"), ("I2", "2026-03-02", "abh", "R3", "R4"),
            ("I3", "2026-03-12", "harassment", "R3", "R4")],
}


def _regional_force(code: str) -> Force:
    force = Force()
    for record, forename, surname, sex, born in REGIONAL_PEOPLE[code]:
        force.person(record, forename, surname, sex, date_of_birth=born,
                     **({"pnc_id": "2001/0012345A"} if record == "R1" else {}))
    for incident, day, offence, suspect, victim in REGIONAL_INCIDENTS[code]:
        force.incident(incident, day, offence, suspect, (victim,))
    return force



@pytest.fixture(scope="session")
def two_forces() -> dict[str, Force]:
    """A regional pair, NTH and STH, by force code (load each with ``--force CODE``): the man
    Mark Hale (R1 in both, one PNC id) harms a woman in each; Olly Stone (NTH:R3) and Sid Moss
    (STH:R3) each harm a woman (R4) of their own force only."""
    return {code: _regional_force(code) for code in REGIONAL_PEOPLE}


@pytest.fixture(scope="session")
def force_factory() -> type[Force]:
    """The Force builder class (a fixture, so test modules need not import conftest)."""
    return Force


@pytest.fixture
def duplicate_victim_force() -> Force:
    """:func:`make_duplicate_victim_force` (tests of the identity review queue)."""
    return make_duplicate_victim_force()


def make_duplicate_victim_force() -> Force:
    """S abused Cheryl Wells (V1) twice, then 'Cheril Wellls' (V2, no date of birth, another
    postcode): a record resolution keeps apart that may be the same woman, behind S's
    "new partner"."""
    force = Force()
    force.person("S", "Steven", "Price", "M", date_of_birth="1984-05-05", postcode="NE1 1AA")
    force.person("V1", "Cheryl", "Wells", "F", date_of_birth="1986-09-01", postcode="SR26 5BY")
    force.person("V2", "Cheril", "Wellls", "F", postcode="DH47 4QS")
    force.incident("I1", "2025-01-10", "abh", "S", ("V1",), outcome="charged")
    force.incident("I2", "2025-03-01", "abh", "S", ("V1",), outcome="charged")
    force.incident("I3", "2025-09-01", "abh", "S", ("V2",), outcome="charged")
    return force


@pytest.fixture(scope="session")
def catalogue() -> OffenceCatalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def config() -> ScoringConfig:
    return load_config()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    with EmbeddedStore(tmp_path / "store.duckdb") as opened:
        yield opened


@pytest.fixture
def load(tmp_path: Path, catalogue: OffenceCatalogue):
    """Write a Force to disk and ingest it into a store; returns the load summary."""

    def _load(force: Force, into: EmbeddedStore, folder_name: str = "extract"):
        folder = force.write(tmp_path / folder_name)
        return ingest_folder(folder, into, catalogue.keys)

    return _load


@pytest.fixture
def context_of(config: ScoringConfig, catalogue: OffenceCatalogue):
    """Build a ScoringContext for a store as of a date, with optional config changes."""

    def _context(into: EmbeddedStore, as_of: date, **changes: object) -> ScoringContext:
        effective = config.model_copy(update=changes) if changes else config
        return ScoringContext(tables=into.scoring_tables(), config=effective, catalogue=catalogue,
                              as_of=as_of)

    return _context


def _identity_tables(path: Path) -> dict[str, "pd.DataFrame"]:
    """A store's identity (persons, person ids, lineage, links, review items) as sorted text,
    without what an incremental resolution carries over rather than works out again: when an
    event was logged and why, and the scores and score words of links between unchanged records
    (the day's records move the name frequencies behind them a little)."""
    import pandas as pd

    with EmbeddedStore(path) as store:
        tables = {name: store.export_table(name) for name in
                  ("record_person", "persons", "identity_links", "identity_review", "person_lineage")}
    tables["person_lineage"] = tables["person_lineage"].drop(columns=["at", "cause"])
    for name in ("identity_links", "identity_review"):
        tables[name] = tables[name].drop(columns=["match_weight", "match_probability", "reasons",
                                                  "evidence_for", "evidence_against"], errors="ignore")
    return {name: frame.astype(str).sort_values(list(frame.columns), ignore_index=True)
            for name, frame in tables.items()}


@pytest.fixture(scope="session")
def same_identity() -> Callable[[Path, Path], None]:
    """Assert two stores hold the same identity (:func:`_identity_tables`)."""
    import pandas as pd

    def check(mine: Path, theirs: Path) -> None:
        ours, others = _identity_tables(mine), _identity_tables(theirs)
        for name in ours:
            pd.testing.assert_frame_equal(ours[name], others[name], obj=name)

    return check

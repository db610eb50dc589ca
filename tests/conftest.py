"""Shared fixtures: hand-built forces written as contract CSVs, and real embedded stores."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
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
        for name in ("people", "incidents", "involvements", "measures", "referrals"):
            rows = getattr(self, name)
            if name in ("measures", "referrals") and not rows:
                continue
            columns = TABLES_BY_NAME[name].column_names
            with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns)
                writer.writeheader()
                for row in rows:
                    writer.writerow({c: row.get(c, "") for c in columns})
        return folder


@pytest.fixture
def force_factory() -> type[Force]:
    """The Force builder class (a fixture, so test modules need not import conftest)."""
    return Force


@pytest.fixture
def duplicate_victim_force(force_factory: type[Force]) -> Force:
    """S abused Cheryl Wells (V1) twice, then 'Cheril Wellls' (V2, no date of birth, another
    postcode): a record resolution keeps apart that may be the same woman, behind S's
    "new partner" (tests of the identity review queue)."""
    force = force_factory()
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

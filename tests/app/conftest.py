"""Small hand-built stores for the app tests, and an AppTest pointed at them via HARMGRAPH_STORE.

The force: John Smith (R1, NE1) harms three women, Dave Green (R4, SR3) one, and the two share
incident I6 (co-offenders); one incident row breaks the contract and is quarantined.

The store holds one user per role (``<role>-user``, password PASSWORD); the ``app`` fixture
signs in as the analyst through the real sign-in form, ``app_as(role)`` as any other role.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from graph.embedded import EmbeddedStore
from harmgraph.access import ROLES
from harmgraph.accounts import add_user
from ingest.load import ingest_folder
from scoring.catalogue import OffenceCatalogue, load_catalogue

APP = Path(__file__).resolve().parents[2] / "harmgraph" / "app.py"  # the packaged entry script
PASSWORD = "correct horse battery staple"


def user_of(role: str) -> str:
    """The test user holding ``role``."""
    return f"{role}-user"


def add_test_users(path: Path) -> None:
    """One active user per role, each with PASSWORD."""
    with EmbeddedStore(path) as store:
        for role in ROLES:
            add_user(store, user_of(role), role, PASSWORD, by="tests")


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    """Run the app and sign in through its form, as a person would."""
    at.run()
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    at.button(key="signin_submit").click().run()
    return at


@pytest.fixture(scope="session")
def catalogue() -> OffenceCatalogue:
    """The shipped catalogue, or the one named by HARMGRAPH_CATALOGUE (as the app reads it)."""
    path = os.environ.get("HARMGRAPH_CATALOGUE")
    return load_catalogue(Path(path) if path else None)


def small_force(force_factory):  # type: ignore[no-untyped-def]
    force = force_factory()
    force.person("R1", "John", "Smith", "M", date_of_birth="1985-03-12", postcode="NE1 4ST")
    force.person("R2", "Anne", "Jones", "F", postcode="NE2 1AA")
    force.person("R3", "Beth", "Brown", "F")
    force.person("R4", "Dave", "Green", "M", postcode="SR3 7PE")
    force.person("R5", "Cara", "White", "F")
    force.person("R6", "Eve", "Black", "F")
    force.incident("I1", "2025-01-10T21:30:00", "common_assault", "R1", ("R2",), dash_risk="medium",
                   outcome="outcome_16", domestic_abuse="Y", postcode="NE1 4ST")
    force.incident("I2", "2025-06-01", "abh", "R1", ("R3",), outcome="charged", domestic_abuse="Y")
    force.incident("I3", "2025-09-01", "stalking", "R1", ("R5",), relationship="ex_partner", domestic_abuse="Y")
    force.incident("I4", "2025-10-01", "harassment", "R1", ("R2",), domestic_abuse="Y")
    force.incident("I5", "2025-08-01", "abh", "R4", ("R6",), domestic_abuse="Y", postcode="SR3 7PE")
    force.incident("I6", "2025-08-20", "common_assault", "R1", ("R6",), relationship="acquaintance")
    force.involvements.append({"incident_id": "I6", "record_id": "R4", "role": "suspect",
                               "relationship": "partner"})
    force.incident("I9", "2025-03-03", "punching", "R1", ())  # not in the catalogue: quarantined
    force.measures.append({"measure_id": "M1", "type": "dvpo", "subject_record_id": "R1",
                           "protected_record_id": "R2", "start_date": "2025-01-11",
                           "end_date": "2025-02-07", "breach_incident_ids": "I2"})
    force.referrals.append({"referral_id": "F1", "record_id": "R2", "type": "marac", "date": "2025-01-20"})
    # Long before his incidents: shown on his profile, without effect on any score.
    force.custody.append({"custody_id": "C1", "record_id": "R4", "start_date": "2020-01-01",
                          "expected_release_date": "2020-06-01", "released_date": "2020-06-01"})
    return force


@pytest.fixture
def store_path(tmp_path: Path, force_factory, catalogue: OffenceCatalogue) -> Path:  # type: ignore[no-untyped-def]
    """A store file holding the small force (closed again, as the app opens it per request)."""
    path = tmp_path / "app.duckdb"
    folder = small_force(force_factory).write(tmp_path / "extract")
    with EmbeddedStore(path) as store:
        ingest_folder(folder, store, catalogue.keys)
    add_test_users(path)
    return path


@pytest.fixture
def person_ids(store_path: Path) -> dict[str, str]:
    """Record id -> person id in the small store."""
    with EmbeddedStore(store_path) as store:
        clusters = store.clusters()
    return dict(zip(clusters["record_id"], clusters["person_id"]))


@pytest.fixture
def app_as(store_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``app_as(role)``: an AppTest of harmgraph/app.py on the small store, signed in as that role's user."""
    monkeypatch.setenv("HARMGRAPH_STORE", str(store_path))
    monkeypatch.delenv("HARMGRAPH_AUTH", raising=False)
    import streamlit as st

    def make(role: str) -> AppTest:
        st.cache_data.clear()
        st.cache_resource.clear()
        return sign_in(AppTest.from_file(str(APP), default_timeout=60), user_of(role))

    return make


@pytest.fixture
def app(app_as):  # type: ignore[no-untyped-def]
    """An AppTest of harmgraph/app.py reading the small store, signed in as an analyst."""
    return app_as("analyst")

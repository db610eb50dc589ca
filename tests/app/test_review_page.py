"""The identity review page: the analyst sees each item with the evidence for and against and
decides it (link / unlink), logged; other roles do not see the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from ingest.load import ingest_folder
from scoring.catalogue import OffenceCatalogue
from tests.app.conftest import add_test_users

PAGE = "app_pages/review.py"


@pytest.fixture
def store_path(tmp_path: Path, duplicate_victim_force, catalogue: OffenceCatalogue) -> Path:  # type: ignore[no-untyped-def]
    """The duplicate-victim force (tests/conftest.py): S's "new partner" may rest on one woman."""
    force = duplicate_victim_force
    path = tmp_path / "review.duckdb"
    with EmbeddedStore(path) as store:
        ingest_folder(force.write(tmp_path / "extract"), store, catalogue.keys)
    add_test_users(path)
    return path


def _no_errors(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_the_analyst_reads_the_evidence_and_unlinks_and_it_is_logged(app_as, store_path) -> None:
    at = app_as("analyst")
    at.switch_page(PAGE).run()
    _no_errors(at)
    table = at.dataframe[0].value
    victims = table[table["kind"] == "duplicate_victim"]
    assert len(victims) == 1
    item = victims.iloc[0]
    assert {item["record_l"], item["record_r"]} == {"V1: Cheryl Wells | 1986-09-01 | SR265BY",
                                                   "V2: Cheril Wellls | no DOB | DH474QS"}
    at.selectbox(key="review_item").set_value(item["item_id"]).run()
    shown = " ".join(m.value for m in at.markdown)
    assert "Evidence for one person:** names a keying error apart" in shown
    assert "Evidence against:** date of birth missing on one record" in shown

    at.radio(key="review_decision").set_value("unlink: two different people")
    at.text_area(key="review_reason").input("spoke to both women")
    at.button(key="review_submit").click().run()
    _no_errors(at)
    assert "Recorded cannot-link for V1 / V2" in at.success[0].value
    with EmbeddedStore(store_path) as store:
        overrides, log = store.overrides(), store.audit_log()
    assert overrides[["kind", "record_id_l", "record_id_r"]].values.tolist() == [["cannot_link", "V1", "V2"]]
    decision = log[log["action"] == "review_decision"]
    assert decision[["subject", "detail", "reason"]].values.tolist() == [
        [item["item_id"], "different person", "spoke to both women"]]
    assert "analyst" in decision["who"].item()
    assert (log["subject"] == "identity:review").any()  # reading the queue is logged too


def test_a_decision_needs_a_reason(app_as, store_path) -> None:
    at = app_as("analyst")
    at.switch_page(PAGE).run()
    at.text_area(key="review_reason").input("  ")
    at.button(key="review_submit").click().run()
    assert "needs a reason" in at.error[0].value
    with EmbeddedStore(store_path) as store:
        assert store.overrides().empty


@pytest.mark.parametrize("role", ["matac_chair", "detective", "admin"])
def test_only_the_analyst_sees_the_review_page(app_as, role) -> None:
    at = app_as(role)
    with pytest.raises(Exception):
        at.switch_page(PAGE).run()

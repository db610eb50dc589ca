"""The MATAC decisions & cohort page: only the chair records; everyone else reads."""

from __future__ import annotations

from datetime import date, datetime

from graph.decisions import MatacDecision
from graph.embedded import EmbeddedStore

PAGE = "app_pages/matac.py"


def _no_errors(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _table(at, name: str):  # type: ignore[no-untyped-def]
    """The page's tables, in the order drawn: cohort, new since last meeting, history."""
    return at.dataframe[["cohort", "new", "history"].index(name)].value


def _fill(at, person_id: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    at.text_input(key="matac_person").input(person_id)
    at.radio(key="matac_decision").set_value("adopt")
    at.date_input(key="matac_meeting").set_value(date(2025, 10, 6))
    at.text_area(key="matac_reason").input(reason)
    at.button(key="matac_submit").click().run()


def test_the_chair_records_a_decision_with_its_score_and_it_is_logged(app_as, person_ids, store_path) -> None:
    at = app_as("matac_chair")
    at.switch_page(PAGE).run()
    _no_errors(at)
    _fill(at, person_ids["R1"], "three partners in a year")
    _no_errors(at)
    assert "Recorded adopt for" in at.success[0].value
    with EmbeddedStore(store_path) as store:
        decisions, log = store.matac_decisions(), store.audit_log()
    assert decisions["person_id"].tolist() == [person_ids["R1"]]
    row = decisions.iloc[0]
    assert row["rank"] == 1 and row["as_of"].date() == date(2025, 10, 1)  # meeting after the last incident
    assert "matac_chair" in row["who"] and row["reason"] == "three partners in a year"
    assert log[log["action"] == "matac_decision"]["subject"].tolist() == [person_ids["R1"]]
    assert person_ids["R1"] in set(_table(at, "history")["person_id"])


def test_the_chair_is_told_a_reason_is_needed(app_as, person_ids, store_path) -> None:
    at = app_as("matac_chair")
    at.switch_page(PAGE).run()
    _fill(at, person_ids["R1"], "   ")
    assert "needs a reason" in at.error[0].value
    with EmbeddedStore(store_path) as store:
        assert store.matac_decisions().empty


def test_an_analyst_sees_the_cohort_read_only_without_the_form(app_as, person_ids, store_path) -> None:
    with EmbeddedStore(store_path) as store:
        store.add_matac_decision(MatacDecision(
            person_ids["R1"], date(2025, 6, 2), "adopt", "panel view", "chair", datetime(2025, 6, 2, 10),
            50.0, 1, date(2025, 6, 2), "v", "f"))
    at = app_as("analyst")
    at.switch_page(PAGE).run()
    _no_errors(at)
    assert not [b for b in at.button if b.key == "matac_submit"]
    assert "Only the MATAC chair records decisions" in at.info[0].value
    cohort = _table(at, "cohort")
    assert cohort["person_id"].tolist() == [person_ids["R1"]] and cohort.iloc[0]["score_at_adoption"] == 50.0
    assert person_ids["R1"] not in set(_table(at, "new")["person_id"])

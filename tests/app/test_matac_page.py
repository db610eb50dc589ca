"""The MATAC meetings page: only the chair records; everyone else reads; the chair's path end to end."""

from __future__ import annotations

from datetime import date, datetime

from graph.decisions import MATAC_ACTION_COLUMNS, MATAC_DECISION_COLUMNS, MATAC_MEETING_COLUMNS, MatacDecision
from scoring.matac import (COHORT_COLUMNS, DEFERRED_COLUMNS, DISCHARGE_COLUMNS, NEW_COLUMNS, OUTCOME_SUMMARY_COLUMNS,
                           REFERRED_COLUMNS, REVIEW_COLUMNS)
from graph.embedded import EmbeddedStore

PAGE = "app_pages/matac.py"


def _no_errors(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


# Each table's columns (a read-only table carries no key AppTest can read).
COLUMNS = {"agenda_new": NEW_COLUMNS, "agenda_referred": REFERRED_COLUMNS, "agenda_deferred": DEFERRED_COLUMNS, "agenda_reviews": REVIEW_COLUMNS,
           "agenda_actions_due": [*MATAC_ACTION_COLUMNS, "why"], "agenda_discharge": DISCHARGE_COLUMNS,
           "cohort": COHORT_COLUMNS, "outcomes": OUTCOME_SUMMARY_COLUMNS, "history": MATAC_DECISION_COLUMNS,
           "actions": MATAC_ACTION_COLUMNS, "meetings": MATAC_MEETING_COLUMNS}


def _table(at, name: str):  # type: ignore[no-untyped-def]
    """One of the page's tables (agenda sections are agenda_<section>), found by its columns."""
    found = [frame.value for frame in at.dataframe if list(frame.value.columns) == COLUMNS[name]]
    assert len(found) == 1, (name, [list(frame.value.columns) for frame in at.dataframe])
    return found[0]


def _items(at, section: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The person ids of a chair's agenda section: the items drawn with decision buttons."""
    prefix = f"agenda_{section}_"
    return sorted({b.key[len(prefix):].rsplit("_", 1)[0] for b in at.button if b.key and b.key.startswith(prefix)})


def _adopted(store_path, person_id: str, meeting: date) -> None:  # type: ignore[no-untyped-def]
    """An adoption at ``meeting`` on score 50, rank 1, already in the store."""
    with EmbeddedStore(store_path) as store:
        store.add_matac_decision(MatacDecision(person_id, meeting, "adopt", "panel view", "chair",
                                               datetime.combine(meeting, datetime.min.time()).replace(hour=10),
                                               50.0, 1, meeting, "v", "f"))


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
    _adopted(store_path, person_ids["R1"], date(2025, 9, 2))
    at = app_as("analyst")
    at.switch_page(PAGE).run()
    _no_errors(at)
    assert not [b for b in at.button if b.key == "matac_submit"]
    assert not [b for b in at.button if b.key and b.key.startswith("agenda_")]  # only a deciding role gets them
    assert "Only the MATAC chair records decisions" in at.info[0].value
    cohort = _table(at, "cohort")
    assert cohort["person_id"].tolist() == [person_ids["R1"]] and cohort.iloc[0]["score_at_adoption"] == 50.0
    assert person_ids["R1"] not in set(_table(at, "agenda_new")["person_id"])
    # Dave Green (R4), ranked that day and never adopted, is the comparison
    assert _table(at, "outcomes")["group"].tolist() == ["adopted", "comparison"]
    assert any("Not causal" in caption.value for caption in at.caption)


def test_the_chairs_path_from_decision_to_action_to_the_next_agenda(app_as, person_ids, store_path) -> None:
    subject = person_ids["R1"]
    at = app_as("matac_chair")
    at.switch_page(PAGE).run()
    at.date_input(key="meeting_date").set_value(date(2025, 10, 6))
    at.text_input(key="meeting_agencies").input("Police; Probation; IDVA service")
    at.button(key="meeting_submit").click().run()
    _no_errors(at)
    assert "Recorded the meeting of 2025-10-06" in at.success[0].value
    # the decision form now defaults to that meeting, after the extract's last incident (2025-10-01)
    at.run()
    assert at.date_input(key="matac_meeting").value == date(2025, 10, 6)
    at.text_input(key="matac_person").input(subject)
    at.radio(key="matac_decision").set_value("adopt")
    at.text_area(key="matac_reason").input("three partners in a year")
    at.button(key="matac_submit").click().run()
    _no_errors(at)
    assert _table(at, "cohort")["person_id"].tolist() == [subject]
    assert _table(at, "cohort")["status"].tolist() == ["in cohort"]
    assert _items(at, "new") == [person_ids["R4"]]  # the chair decides the rest of the agenda in one click

    at.text_input(key="action_person").input(subject)
    at.selectbox(key="action_tactic").set_value("clares_law_right_to_know")
    at.text_input(key="action_owner").input("Police")
    at.date_input(key="action_due").set_value(date(2025, 10, 20))
    at.date_input(key="action_review").set_value(date(2025, 11, 3))
    at.button(key="action_submit").click().run()
    _no_errors(at)
    at.date_input(key="matac_next").set_value(date(2025, 11, 3)).run()
    due = _table(at, "agenda_actions_due")
    assert due["person_id"].tolist() == [subject] and due["why"].tolist() == ["due 2025-10-20; review 2025-11-03"]
    assert _table(at, "agenda_discharge").empty
    assert _items(at, "reviews") == [subject]  # adopted at the meeting before, so reviewed at this one

    at.radio(key="update_status").set_value("done")
    at.button(key="update_submit").click().run()
    _no_errors(at)
    assert _table(at, "agenda_actions_due").empty
    assert _items(at, "discharge") == [subject]
    with EmbeddedStore(store_path) as store:
        log = store.audit_log()
        assert store.matac_actions()["status"].tolist() == ["open", "done"]
    assert {"matac_meeting", "matac_decision", "matac_action"} <= set(log["action"])


def test_a_deferral_is_carried_forward_to_the_agenda(app_as, person_ids, store_path) -> None:
    with EmbeddedStore(store_path) as store:
        store.add_matac_decision(MatacDecision(
            person_ids["R4"], date(2025, 10, 6), "defer", "await the MARAC minutes", "chair",
            datetime(2025, 10, 6, 10), 30.0, 2, date(2025, 10, 1), "v", "f"))
    at = app_as("analyst")
    at.switch_page(PAGE).run()
    _no_errors(at)
    deferred = _table(at, "agenda_deferred")
    assert deferred["person_id"].tolist() == [person_ids["R4"]]
    assert deferred["reason"].tolist() == ["await the MARAC minutes"]
    assert person_ids["R4"] not in set(_table(at, "agenda_new")["person_id"])


def test_the_chair_decides_from_the_agenda_in_one_click_dated_by_its_meeting(app_as, person_ids, store_path) -> None:
    _adopted(store_path, person_ids["R1"], date(2025, 9, 1))
    at = app_as("matac_chair")
    at.switch_page(PAGE).run()
    at.date_input(key="matac_next").set_value(date(2025, 10, 6)).run()
    assert _items(at, "new") == [person_ids["R4"]] and _items(at, "reviews") == [person_ids["R1"]]
    at.button(key=f"agenda_new_{person_ids['R4']}_defer").click().run()
    _no_errors(at)
    assert "Recorded defer for" in at.success[0].value
    assert _items(at, "deferred") == [person_ids["R4"]] and _items(at, "new") == []
    at.text_input(key="agenda_reason").input("risk reduced: moved out of the force area")
    at.button(key=f"agenda_reviews_{person_ids['R1']}_discharge").click().run()
    _no_errors(at)
    assert at.text_input(key="agenda_reason").value == ""  # a typed reason is used once
    with EmbeddedStore(store_path) as store:
        decisions, log = store.matac_decisions(), store.audit_log()
    taken = decisions.iloc[1:]
    assert taken["decision"].tolist() == ["defer", "discharge"]
    assert {d.date() for d in taken["meeting_date"]} == {date(2025, 10, 6)}  # the agenda's meeting, not today
    assert taken["reason"].tolist()[0].startswith("from the agenda of 2025-10-06: 2. Dave GREEN")
    assert taken["reason"].tolist()[1] == "risk reduced: moved out of the force area"
    assert log[log["action"] == "matac_decision"]["subject"].tolist() == [person_ids["R4"], person_ids["R1"]]


def test_an_analyst_records_a_partner_referral_and_the_chair_sees_it_on_the_agenda(
        app_as, person_ids, store_path) -> None:
    at = app_as("analyst")
    at.switch_page(PAGE).run()
    at.text_input(key="referral_person").input(person_ids["R2"])  # a victim: not on the perpetrator list
    at.text_input(key="referral_agency").input("IDVA service")
    at.text_area(key="referral_reason").input("threats since the last incident")
    at.button(key="referral_submit").click().run()
    _no_errors(at)
    assert f"Recorded the referral of {person_ids['R2']} by IDVA service" in at.success[0].value
    referred = _table(at, "agenda_referred")
    assert referred["person_id"].tolist() == [person_ids["R2"]]
    assert referred["on_list"].tolist() == ["not ranked: no incident in the window"] and referred["score"].tolist() == [0.0]
    assert referred["referred"].iloc[0].startswith("referred by IDVA service on 20")
    with EmbeddedStore(store_path) as store:
        log = store.audit_log()
    logged = log[log["action"] == "matac_referral"]
    assert logged["subject"].tolist() == [person_ids["R2"]] and "analyst" in logged["who"].iloc[0]

    chair = app_as("matac_chair")
    chair.switch_page(PAGE).run()
    assert _items(chair, "referred") == [person_ids["R2"]]
    chair.button(key=f"agenda_referred_{person_ids['R2']}_decline").click().run()
    _no_errors(chair)
    assert _table(chair, "agenda_referred").empty  # answered by the panel's decision

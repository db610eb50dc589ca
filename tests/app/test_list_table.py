"""The readable list tables (harmgraph/ui/list_table.py) on the small store's real rankings, and
the candidates page's detail pane driven through AppTest."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from harmgraph.context import build_context
from harmgraph.ui.format import postcode_district
from harmgraph.ui.list_table import candidate_table, grid_view, victim_table
from scoring.lists import PerpetratorList, VictimList, rank_perpetrators, rank_victims


@pytest.fixture
def ranked(store_path):  # type: ignore[no-untyped-def]
    with EmbeddedStore(store_path) as store:
        context = build_context(store)
    persons = context.tables.persons
    districts = dict(zip(persons["person_id"], postcode_district(persons["postcode"])))
    perpetrators = rank_perpetrators(context, PerpetratorList.OVERALL)
    perpetrators["district"] = perpetrators["person_id"].map(districts)
    return perpetrators, rank_victims(context, VictimList.MOST_OFFENCES), context.config


def _cells(markup: str, css: str) -> list[str]:
    """The text of each ``<td class='css'>`` (tags removed, entities decoded)."""
    found = re.findall(rf"<td class='{css}'>(.*?)</td>", markup, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", " ", cell)).strip() for cell in found]


def test_candidate_table_shows_every_reason_in_full_with_short_flags_and_plain_dates(ranked) -> None:
    perpetrators, _, config = ranked
    markup = candidate_table(grid_view(perpetrators, config), config)
    # whole sentences, never cut, then what orders the row above the next
    assert _cells(markup, "reason") == [f"{r}  Order: {o}" if o else r for r, o in
                                        zip(perpetrators["reasons"], perpetrators["order_reason"].fillna(""))]
    smith = perpetrators.iloc[0]
    assert "multiple_victims" in smith["flags"]
    flags = _cells(markup, "flags")[0]
    assert "multiple victims" in flags and "_" not in flags  # labels, not codes
    assert "00:00:00" not in markup and "None" not in markup and "NaT" not in markup
    assert _cells(markup, "pin name")[0].startswith(smith["display_name"])
    # Dave Green lives in SR3; John Smith's district is NE1.
    assert [c.split()[-1] for c in _cells(markup, "last")] == perpetrators["district"].tolist()


def test_a_person_without_a_district_gets_a_blank_cell(ranked) -> None:
    perpetrators, _, config = ranked
    frame = grid_view(perpetrators.assign(district=[None] * len(perpetrators)), config)
    assert frame["district_text"].tolist() == [""] * len(perpetrators)
    days = [pd.Timestamp(v).strftime("%Y-%m-%d") for v in perpetrators["last_incident"]]
    assert _cells(candidate_table(frame, config), "last") == days


def test_victim_table_lists_offenders_with_ranks_and_reasons(ranked, person_ids) -> None:
    _, victims, _ = ranked
    markup = victim_table(victims)
    assert _cells(markup, "reason") == victims["reasons"].tolist()
    assert f"{person_ids['R1']}, rank 1" in _cells(markup, "offenders")[0]


def test_the_detail_pane_shows_the_chosen_candidate(app, person_ids) -> None:
    app.run()
    assert not app.exception
    assert app.selectbox(key="candidate_pick").value == person_ids["R1"]  # the top row by default
    assert app.session_state["person_id"] == person_ids["R1"]
    pane = " ".join(m.value for m in app.sidebar.markdown)
    assert "Rank 1" in pane and "multiple victims" in pane
    assert not [b for b in app.button if b.key and b.key.startswith("pane_")]  # an analyst may not decide
    app.selectbox(key="candidate_pick").select(person_ids["R4"]).run()
    assert app.session_state["person_id"] == person_ids["R4"]
    assert "Rank 2" in " ".join(m.value for m in app.sidebar.markdown)


def test_the_chair_decides_on_the_selected_candidate_in_one_click_dated_by_the_meeting(
        app_as, person_ids, store_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    at = app_as("matac_chair")
    assert not [b for b in at.button if b.key == "pane_adopt"]  # no meeting recorded: its date is asked first
    at.date_input(key="decision_meeting_asked").set_value(date(2025, 10, 6)).run()
    at.selectbox(key="candidate_pick").select(person_ids["R4"]).run()
    at.button(key="pane_adopt").click().run()
    assert not at.exception and not at.error
    assert "Recorded adopt for" in at.sidebar.success[0].value
    with EmbeddedStore(store_path) as store:
        decisions, log = store.matac_decisions(), store.audit_log()
    assert decisions["person_id"].tolist() == [person_ids["R4"]]
    row = decisions.iloc[0]
    assert row["decision"] == "adopt" and row["meeting_date"].date() == date(2025, 10, 6)  # the meeting, not today
    assert row["reason"].startswith("from the candidate list at rank 2")
    assert log[log["action"] == "matac_decision"]["subject"].tolist() == [person_ids["R4"]]
    # asked once: the pane keeps the meeting, shows the decision and offers discharge now
    assert at.selectbox(key="candidate_pick").value == person_ids["R4"]
    assert "Current decision: **adopt** at the 2025-10-06 meeting" in " ".join(m.value for m in at.sidebar.markdown)
    assert [b.key for b in at.button if b.key and b.key.startswith("pane_")] == ["pane_discharge"]


def test_a_referred_candidate_carries_the_referral_under_the_name(app, person_ids, store_path) -> None:  # type: ignore[no-untyped-def]
    from harmgraph.matac import record_referral

    with EmbeddedStore(store_path) as store:
        record_referral(store, person_ids["R4"], "Probation", "licence breach", "analyst")
    app.run()
    assert not app.exception
    markup = next(h.proto.body for h in app.get("html") if "candidate-list" in h.proto.body)
    rows = dict(re.findall(r"<tr data-person='([^']+)'>(.*?)</tr>", markup, flags=re.S))
    assert "referred by Probation on 20" in rows[person_ids["R4"]] and "data-referred" not in rows[person_ids["R1"]]
    app.selectbox(key="candidate_pick").select(person_ids["R4"]).run()
    assert "Partner referral:** referred by Probation" in " ".join(m.value for m in app.sidebar.markdown)

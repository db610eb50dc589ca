"""Each page of the app, driven with streamlit.testing.v1.AppTest against a small store."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from scoring.lists import PERPETRATOR_COLUMNS


def _no_errors(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _candidates(at) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return at.dataframe(key="candidate_table").value


def test_candidate_list_ranks_the_serial_perpetrator_first(app, person_ids) -> None:
    app.run()
    _no_errors(app)
    table = _candidates(app)
    assert table.iloc[0]["person_id"] == person_ids["R1"]
    assert set(table["person_id"]) == {person_ids["R1"], person_ids["R4"]}
    assert {"recency_points", "frequency_points", "gravity_points", "victims_points"} <= set(table.columns)
    assert "As of 2025-10-01" in " ".join(c.value for c in app.caption)


def test_minimum_victims_filter_shortens_the_list(app, person_ids) -> None:
    app.run()
    app.number_input(key="candidate_min_victims").set_value(3).run()
    _no_errors(app)
    assert list(_candidates(app)["person_id"]) == [person_ids["R1"]]


def test_area_filter_keeps_people_living_in_the_district(app, person_ids) -> None:
    app.run()
    app.text_input(key="candidate_area").input("SR3").run()
    assert list(_candidates(app)["person_id"]) == [person_ids["R4"]]
    app.text_input(key="candidate_area").input("NE").run()
    assert list(_candidates(app)["person_id"]) == [person_ids["R1"]]


def test_search_by_name_or_id(app, person_ids) -> None:
    app.run()
    app.text_input(key="candidate_search").input("green").run()
    assert list(_candidates(app)["person_id"]) == [person_ids["R4"]]
    app.text_input(key="candidate_search").input(person_ids["R1"]).run()
    assert list(_candidates(app)["person_id"]) == [person_ids["R1"]]


def test_flag_filter_and_lookback_window_change_the_list(app, person_ids) -> None:
    app.run()
    app.multiselect(key="candidate_flags").set_value(["multiple_victims"]).run()
    assert list(_candidates(app)["person_id"]) == [person_ids["R1"]]
    app.multiselect(key="candidate_flags").set_value([]).run()
    # As of 2025-10-01 with a one-month window only John Smith's harassment (I4) is in it.
    app.sidebar.number_input(key="lookback_years").set_value(0.5).run()
    wide = set(_candidates(app)["person_id"])
    assert wide == {person_ids["R1"], person_ids["R4"]}
    app.sidebar.date_input(key="as_of").set_value(pd.Timestamp("2025-03-01").date()).run()
    _no_errors(app)
    assert list(_candidates(app)["person_id"]) == [person_ids["R1"]]


def test_different_victims_list_is_offered(app, person_ids) -> None:
    app.run()
    app.button_group(key="candidate_list").set_value("different-victims").run()
    _no_errors(app)
    assert _candidates(app).iloc[0]["person_id"] == person_ids["R1"]


def test_serial_history_list_is_offered(app, person_ids) -> None:
    app.run()
    # Half a year back from 2026-09-01 nobody has an incident; John Smith harmed four people before.
    app.sidebar.number_input(key="lookback_years").set_value(0.5).run()
    app.sidebar.date_input(key="as_of").set_value(pd.Timestamp("2026-09-01").date()).run()
    app.button_group(key="candidate_list").set_value("serial-history").run()
    _no_errors(app)
    table = _candidates(app)
    assert list(table["person_id"]) == [person_ids["R1"]]
    assert table.iloc[0]["reasons"].startswith("Whole record: ")


def test_exports_carry_the_contract_columns_provenance_and_are_logged(store_path, monkeypatch) -> None:
    import openpyxl

    from harmgraph.ui.chrome import View
    from harmgraph.ui.exports import build_export
    from harmgraph.ui.settings import Settings
    from scoring.lists import rank_perpetrators

    import os

    from harmgraph.context import build_context, provenance

    catalogue = os.environ.get("HARMGRAPH_CATALOGUE")
    with EmbeddedStore(store_path) as store:
        context = build_context(store, catalogue_path=catalogue)
        ranked = rank_perpetrators(context)
        ranked.loc[0, "display_name"] = "=HYPERLINK(\"http://x\")"
        prov = provenance(context, "perpetrators:overall", store)
        version = store.version()
    view = View(Settings(str(store_path), None, catalogue), version, context.as_of, 3.0, "analyst")

    text = build_export("csv", ranked, PERPETRATOR_COLUMNS, prov, "t", view).decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text))
    assert list(frame.columns) == PERPETRATOR_COLUMNS
    assert frame.loc[0, "display_name"].startswith("'=")

    book = openpyxl.load_workbook(io.BytesIO(build_export("xlsx", ranked, PERPETRATOR_COLUMNS, prov, "t", view)))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == PERPETRATOR_COLUMNS
    assert sheet.cell(row=2, column=3).data_type == "s" and sheet.cell(row=2, column=3).value.startswith("'=")
    meta = {row[0].value: row[1].value for row in book["provenance"].iter_rows(min_row=2)}
    assert meta["config_fingerprint"] == prov["config_fingerprint"] and meta["as_of"] == prov["as_of"]

    with EmbeddedStore(store_path) as store:
        log = store.audit_log()
    exports = log[log["action"] == "export"]
    assert len(exports) == 2 and exports["detail"].str.contains(str(prov["config_fingerprint"])).all()


def test_the_meeting_pack_has_a_page_for_each_candidate_shown_and_is_logged(store_path) -> None:
    import os

    from pypdf import PdfReader

    from harmgraph.context import build_context
    from harmgraph.ui.chrome import View
    from harmgraph.ui.exports import meeting_pack
    from harmgraph.ui.settings import Settings
    from scoring.lists import rank_perpetrators

    catalogue = os.environ.get("HARMGRAPH_CATALOGUE")
    with EmbeddedStore(store_path) as store:
        context = build_context(store, catalogue_path=catalogue)
        version = store.version()
    shown = rank_perpetrators(context)["person_id"].tolist()[::-1]  # as a filtered, re-sorted page shows them
    chair = View(Settings(str(store_path), None, catalogue), version, context.as_of, 3.0, "matac_chair")
    pages = PdfReader(io.BytesIO(meeting_pack(chair, "overall", shown, date(2025, 10, 6), "panel"))).pages
    assert len(pages) == len(shown) + 2
    for page, person_id in zip(pages[2:], shown):
        assert f"({person_id})" in page.extract_text().split("\n")[2]
    with pytest.raises(PermissionError):
        meeting_pack(View(chair.settings, version, context.as_of, 3.0, "detective"), "overall", shown,
                     date(2025, 10, 6), "panel")
    with EmbeddedStore(store_path) as store:
        log = store.audit_log()
    assert log[log["action"] == "export"]["subject"].tolist() == ["matac:pack:overall"]


def test_candidate_page_offers_the_three_exports(app) -> None:
    app.run()
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == ["CSV", "Excel (XLSX)", "Meeting pack (PDF)"]


def test_profile_shows_the_reason_and_logs_the_view(app, person_ids, store_path) -> None:
    app.session_state["person_id"] = person_ids["R1"]
    app.switch_page("app_pages/profile.py").run()
    _no_errors(app)
    text = " ".join(m.value for m in app.markdown)
    assert "**Reason:**" in text and "5 incidents against 4 victims" in text
    assert "- **multiple victims**: 4 different victims in the window" in text  # why each flag
    assert any(m.label == "Rank (overall)" and m.value == "1" for m in app.metric)
    assert app.get("plotly_chart"), "the incident timeline is drawn"
    with EmbeddedStore(store_path) as store:
        log = store.audit_log()
    views = log[log["action"] == "view_person"]
    assert list(views["subject"]) == [person_ids["R1"]]


def test_profile_shows_time_in_custody(app, person_ids) -> None:
    app.session_state["person_id"] = person_ids["R4"]
    app.switch_page("app_pages/profile.py").run()
    _no_errors(app)
    assert any(m.value.startswith("**Custody**") for m in app.markdown)
    spells = next(d.value for d in app.dataframe if "custody_id" in d.value.columns)
    assert spells["custody_id"].tolist() == ["C1"]


def test_profile_of_unknown_person_says_so(app) -> None:
    app.session_state["person_id"] = "P-nobody"
    app.switch_page("app_pages/profile.py").run()
    assert not app.exception
    assert "No person P-nobody" in app.error[0].value


def test_repeat_victims_show_offenders_with_their_ranks(app, person_ids) -> None:
    app.switch_page("app_pages/victims.py").run()
    _no_errors(app)
    table = app.dataframe(key="victim_table").value
    eve = table.iloc[0]
    assert eve["person_id"] == person_ids["R6"]  # two offences (I5, I6) by two offenders
    assert f"{person_ids['R1']}, rank 1" in eve["offender_ranks"]
    assert f"{person_ids['R4']}, rank 2" in eve["offender_ranks"]
    anne = table[table["person_id"] == person_ids["R2"]].iloc[0]
    assert anne["offences"] == 2 and f"{person_ids['R1']}, rank 1" in anne["offender_ranks"]


def test_repeat_victims_are_women_and_girls_with_a_switch_for_all_and_a_girls_filter(app, person_ids) -> None:
    app.switch_page("app_pages/victims.py").run()
    _no_errors(app)
    assert any("(women and girls)" in c.value for c in app.caption)
    women = len(app.dataframe(key="victim_table").value)
    app.checkbox(key="victim_under_18").check().run()
    _no_errors(app)
    assert any("0 victims in the window (girls under 18)" in c.value for c in app.caption)  # no dates of birth
    app.checkbox(key="victim_under_18").uncheck().run()
    app.toggle(key="victim_all").set_value(True).run()
    _no_errors(app)
    assert any("(all victims)" in c.value for c in app.caption)
    assert len(app.dataframe(key="victim_table").value) == women  # every victim here is a woman


def test_network_explorer_draws_the_ego_network(app, person_ids) -> None:
    app.session_state["network_centre"] = person_ids["R4"]
    app.switch_page("app_pages/network.py").run()
    _no_errors(app)
    assert any("nodes" in c.value and "links" in c.value for c in app.caption)
    beside = " ".join(m.value for m in app.markdown)
    assert "**Co-offenders**" in beside and "John SMITH" in beside.split("**Co-offenders**")[1]
    app.text_input(key="path_to").input(person_ids["R2"]).run()
    path = app.success[0].value
    assert path.startswith("2 incident hop(s)")
    assert [person_ids["R4"], "I6", person_ids["R1"], "I1", person_ids["R2"]] == [
        part for part in path.replace("(", " ").replace(")", " ").split() if part.startswith(("P-", "I"))
        and part != "incident"]
    steps = next(d.value for d in app.dataframe if "Their role" in d.value.columns)
    assert steps[["Incident", "Role", "Their role"]].values.tolist() == [["I6", "suspect", "suspect"],
                                                                        ["I1", "suspect", "victim"]]


def test_network_centre_box_finds_people_by_name(app, person_ids) -> None:
    app.session_state["network_centre"] = "smith"
    app.switch_page("app_pages/network.py").run()
    _no_errors(app)
    assert app.session_state["network_last_centre"] == person_ids["R1"]  # one match: centred at once
    app.text_input(key="network_centre").input("e").run()  # several names hold an 'e'
    _no_errors(app)
    box = app.selectbox(key="network_match:e")
    assert person_ids["R4"] in box.options[0] or len(box.options) > 1
    box.select(person_ids["R4"]).run()
    assert app.session_state["network_last_centre"] == person_ids["R4"]
    app.text_input(key="network_centre").input("nobody at all").run()
    assert "No person named or numbered 'nobody at all'" in app.error[0].value


def test_network_and_paths_keep_to_the_as_of_date(app, person_ids) -> None:
    # As of 2025-08-10, Dave Green's shared incident I6 (2025-08-20) has not happened yet.
    app.sidebar.date_input(key="as_of").set_value(pd.Timestamp("2025-08-10").date()).run()
    app.session_state["network_centre"] = person_ids["R4"]
    app.switch_page("app_pages/network.py").run()
    _no_errors(app)
    table = app.expander[-1].dataframe[0].value
    assert "I:I5" in set(table["node"]) and "I:I6" not in set(table["node"])
    assert person_ids["R1"] not in set(table["node"])
    app.text_input(key="path_to").input(person_ids["R2"]).run()
    assert "No chain of incidents between" in app.info[0].value


def test_network_view_is_logged_and_re_centres_on_a_chosen_person(app, person_ids, store_path) -> None:
    app.session_state["network_centre"] = person_ids["R4"]
    app.switch_page("app_pages/network.py").run()
    _no_errors(app)
    app.selectbox(key="network_pick").select(person_ids["R1"]).run()
    app.button(key="network_recentre_button").click().run()
    _no_errors(app)
    assert app.text_input(key="network_centre").value == person_ids["R1"]
    assert app.text_input(key="path_from").value == person_ids["R1"]  # the pickers follow the centre
    with EmbeddedStore(store_path) as store:
        log = store.audit_log()
    viewed = log.loc[log["action"] == "view_network", "subject"].tolist()
    assert viewed == [person_ids["R4"], person_ids["R1"]]  # each centre once, however many reruns


def test_data_quality_lists_the_quarantined_row(app) -> None:
    app.switch_page("app_pages/quality.py").run()
    _no_errors(app)
    rejects = next(d.value for d in app.dataframe if "value" in d.value.columns and "load_id" in d.value.columns
                   and len(d.value) and d.value["file"].eq("incidents.csv").any())
    row = rejects[rejects["file"] == "incidents.csv"].iloc[0]
    assert row["column"] == "offence" and row["value"] == "punching"
    assert "not a key of the offence catalogue" in row["reason"]
    assert [b.proto.label for b in app.get("download_button")] == ["Download rejects (CSV)"]


def test_empty_store_explains_what_to_do(tmp_path, monkeypatch) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP, add_test_users, sign_in, user_of

    empty = tmp_path / "empty.duckdb"
    add_test_users(empty)
    monkeypatch.setenv("HARMGRAPH_STORE", str(empty))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60), user_of("analyst"))
    _no_errors(at)
    assert "holds no incidents yet" in at.info[0].value




def _noted_example_list():  # type: ignore[no-untyped-def]
    """The example force ranked with notes from its first three rows (it is shorter than 20)."""
    from dataclasses import replace

    from scoring.lists import PerpetratorList, rank_perpetrators
    from scoring.signals.example import example_context

    context = example_context()
    signals = context.config.signals
    notes = signals.notes.model_copy(update={"tops": (3,), "min_rows": 1})
    config = context.config.model_copy(update={"signals": signals.model_copy(update={"notes": notes})})
    return rank_perpetrators(replace(context, config=config), PerpetratorList.OVERALL)


def _page_with_list_notes() -> None:
    from harmgraph.ui.chrome import show_list_notes
    from tests.app.test_pages import _noted_example_list

    show_list_notes(_noted_example_list())


def test_list_notes_are_one_short_box_above_the_list_with_their_meaning_below() -> None:
    from streamlit.testing.v1 import AppTest

    from scoring.lists import list_note_heads, list_notes

    ranked = _noted_example_list()
    assert list_notes(ranked), "a flag common to the example's first three rows"
    page = AppTest.from_function(_page_with_list_notes).run()
    assert not page.exception, page.exception
    assert [box.value for box in page.info] == [
        "True of most of the top rows, so not repeated on them: " + " · ".join(list_note_heads(ranked)) + "."]
    meaning = next(e for e in page.expander if e.label == "What these mean")
    assert [m.value for m in meaning.markdown] == ["\n".join(f"- {note}" for note in list_notes(ranked))]

"""Sign-in and role-based pages in the app (AppTest against the small store)."""

from __future__ import annotations

import pytest

def test_the_app_asks_for_sign_in_and_refuses_a_wrong_password(store_path, monkeypatch) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP, sign_in, user_of

    monkeypatch.setenv("HARMGRAPH_STORE", str(store_path))
    monkeypatch.delenv("HARMGRAPH_AUTH", raising=False)
    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert not at.get("dataframe")  # nothing is shown before signing in
    sign_in(at, user_of("analyst"), "not the password")
    assert "Wrong user name or password" in at.error[0].value and "account" not in at.session_state


def test_a_detective_sees_profile_and_network_but_not_the_candidate_list(app_as, person_ids) -> None:
    at = app_as("detective")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Perpetrator profile"  # the first page the role may see
    with pytest.raises(Exception):
        at.switch_page("app_pages/candidates.py").run()
    at = app_as("detective")
    at.session_state["network_centre"] = person_ids["R4"]
    at.switch_page("app_pages/network.py").run()
    assert not at.exception and at.title[0].value == "Network explorer"


def test_an_admin_manages_users_and_sees_the_verified_access_log(app_as) -> None:
    at = app_as("admin")
    at.switch_page("app_pages/users.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "detective-user" in at.dataframe[0].value["name"].tolist()
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception and "hash chain of all" in at.success[0].value


def test_an_analyst_sees_no_user_management(app_as) -> None:
    at = app_as("analyst")
    assert at.title[0].value == "MATAC candidates"
    with pytest.raises(Exception):
        at.switch_page("app_pages/users.py").run()


def test_an_export_in_the_app_needs_a_reason(app) -> None:
    buttons = {b.proto.label: b for b in app.get("download_button")}
    assert buttons["CSV"].proto.disabled
    app.text_input(key="export_reason").input("MATAC 3 November").run()
    assert not {b.proto.label: b for b in app.get("download_button")}["CSV"].proto.disabled


def test_dev_mode_needs_no_sign_in_on_a_store_without_users(tmp_path, force_factory, catalogue, monkeypatch) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from graph.embedded import EmbeddedStore
    from ingest.load import ingest_folder
    from tests.app.conftest import APP, small_force

    path = tmp_path / "dev.duckdb"
    with EmbeddedStore(path) as store:
        ingest_folder(small_force(force_factory).write(tmp_path / "extract"), store, catalogue.keys)
    monkeypatch.setenv("HARMGRAPH_STORE", str(path))
    monkeypatch.setenv("HARMGRAPH_AUTH", "none")
    monkeypatch.setenv("HARMGRAPH_ROLE", "detective")
    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception and at.title[0].value == "Perpetrator profile"
    assert "Development mode" in at.sidebar.warning[0].value
    assert "NO SIGN-IN" in at.error[0].value  # the banner above every page


def test_the_add_user_form_keeps_its_values_when_a_check_fails_and_empties_once_added(app_as) -> None:
    from harmgraph.access import ROLES

    at = app_as("admin")
    at.switch_page("app_pages/users.py").run()
    at.text_input(key="new_user_name").input("new.analyst")
    at.selectbox(key="new_user_role").select(ROLES[-1])
    at.text_input(key="new_user_password").input("short")  # fails the length check
    at.button(key="add_user_submit").click().run()
    assert "at least" in at.error[0].value
    assert at.text_input(key="new_user_name").value == "new.analyst"
    assert at.selectbox(key="new_user_role").value == ROLES[-1]
    at.text_input(key="new_user_password").input("a long enough password")
    at.button(key="add_user_submit").click().run()
    assert not at.error and "Added new.analyst" in at.success[0].value
    assert at.text_input(key="new_user_name").value == ""

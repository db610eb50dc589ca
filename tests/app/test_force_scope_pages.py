"""Per-force access in the app: a force filter on the lists of a regional store, cut to the
user's scope, and profiles refused outside it (AppTest, real sign-in, a two-force store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from graph.embedded import EmbeddedStore
from harmgraph.accounts import add_user
from ingest.load import ingest_folder
from tests.app.conftest import APP, PASSWORD, sign_in

USERS = {"region": (), "north": ("NTH",), "both": ("NTH", "STH")}


@pytest.fixture(scope="module")
def region_store(tmp_path_factory, two_forces, catalogue) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("region_app")
    path = folder / "region.duckdb"
    with EmbeddedStore(path) as store:
        for code, force in two_forces.items():
            ingest_folder(force.write(folder / code), store, catalogue.keys, force=code)
        for name, forces in USERS.items():
            add_user(store, name, "analyst", PASSWORD, by="tests", forces=forces)
        add_user(store, "keeper", "admin", PASSWORD, by="tests")
    return path


@pytest.fixture(scope="module")
def people(region_store: Path) -> dict[str, str]:
    """Person id by record id (NTH:R1 and STH:R1 are the same man)."""
    with EmbeddedStore(region_store) as store:
        clusters = store.clusters()
    return dict(zip(clusters["record_id"], clusters["person_id"]))


def _signed_in(region_store: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> AppTest:
    import streamlit as st

    monkeypatch.setenv("HARMGRAPH_STORE", str(region_store))
    monkeypatch.delenv("HARMGRAPH_AUTH", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60), name)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _listed(at: AppTest, key: str) -> set[str]:
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    return set(at.dataframe(key=key).value["person_id"])


def test_the_region_picks_a_force_and_a_one_force_user_sees_only_theirs(region_store, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    man, olly, sid = people["NTH:R1"], people["NTH:R3"], people["STH:R3"]
    at = _signed_in(region_store, monkeypatch, "region")
    assert {man, olly, sid} <= _listed(at, "candidate_table")
    assert at.multiselect(key="candidate_forces").options == ["NTH", "STH"]
    at.multiselect(key="candidate_forces").set_value(["STH"]).run()
    assert _listed(at, "candidate_table") == {man, sid}

    at = _signed_in(region_store, monkeypatch, "north")
    assert _listed(at, "candidate_table") == {man, olly}
    assert not [m for m in at.multiselect if m.key == "candidate_forces"]  # one force: nothing to choose
    assert "you see force NTH's people" in " ".join(c.value for c in at.sidebar.caption)
    at.switch_page("app_pages/victims.py").run()
    victims = at.dataframe(key="victim_table").value
    assert set(victims["record_ids"]) == {"NTH:R2", "NTH:R4"}


def test_a_user_of_two_forces_chooses_between_them_only(region_store, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    at = _signed_in(region_store, monkeypatch, "both")
    at.switch_page("app_pages/victims.py").run()
    assert at.multiselect(key="victim_forces").options == ["NTH", "STH"]
    at.multiselect(key="victim_forces").set_value(["NTH"]).run()
    assert set(at.dataframe(key="victim_table").value["record_ids"]) == {"NTH:R2", "NTH:R4"}


def test_a_profile_outside_the_users_force_is_refused_and_logged(region_store, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sid, man = people["STH:R3"], people["NTH:R1"]
    at = _signed_in(region_store, monkeypatch, "north")
    at.session_state["person_id"] = sid
    at.switch_page("app_pages/profile.py").run()
    shown = [e.value.replace("\\", "") for e in at.error]  # as written, without markdown's escapes
    assert shown == [f"{sid} holds no record of force NTH, which is all north may see (an admin can widen it: "
                     "'harmgraph users grant north --force CODE' or --region)"]
    assert not at.header  # nothing of the person is drawn
    at.text_input(key="profile_person_input").input(man).run()
    assert not at.error and at.header[0].value == "Mark HALE"
    at.switch_page("app_pages/network.py").run()
    at.text_input(key="network_centre").input("Moss").run()  # his name finds no one for a North user
    assert [e.value for e in at.error] == ["No person named or numbered 'Moss' in the store."]
    at.text_input(key="network_centre").input(sid).run()  # nor does his id: that is refused
    assert "holds no record of force NTH" in at.error[0].value and not at.get("network_view")
    with EmbeddedStore(region_store) as store:
        log = store.audit_log()
    north = log[log["who"] == "north (analyst)"]
    assert [(a, s, d.split()[0].rstrip(":")) for a, s, d in zip(north["action"], north["subject"], north["detail"])
            if s in (sid, man) and a != "view_network"] == [
        ("refused", sid, "profile"), ("view_person", man, "profile"), ("refused", sid, "network")]


def test_an_admin_gives_a_user_forces_and_the_region_in_the_app(region_store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    at = _signed_in(region_store, monkeypatch, "keeper")
    at.switch_page("app_pages/users.py").run()
    at.text_input(key="new_user_name").input("east")
    at.text_input(key="new_user_password").input(PASSWORD)
    at.text_input(key="new_user_forces").input("sth; NTH")
    at.button(key="add_user_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    listing = at.dataframe[0].value.set_index("name")
    assert listing.at["east", "forces"] == "NTH;STH" and listing.at["region", "forces"] == "all"
    at.selectbox(key="scope_user").select("east")
    at.text_input(key="scope_forces").input("N:1")
    at.button(key="scope_submit").click().run()
    assert "force code 'N:1' must be 2 to 8 letters or digits" in at.error[0].value.replace("\\", "")
    at.text_input(key="scope_forces").input("")
    at.button(key="scope_submit").click().run()
    assert at.success[-1].value == "east now sees every force."
    with EmbeddedStore(region_store) as store:
        assert store.user("east")["forces"] is None


def test_data_quality_shows_a_one_force_user_only_their_forces_loads(tmp_path, force_factory, catalogue,  # type: ignore[no-untyped-def]
                                                                     monkeypatch) -> None:
    path = tmp_path / "region.duckdb"
    with EmbeddedStore(path) as store:
        for code in ("NTH", "STH"):
            force = force_factory()
            force.person("R8", "Sam", "Rowe", "M")
            force.person("R9", "Ann", "Lee", "F")
            force.incident("I8", "2025-01-01", "abh", "R8", ("R9",))
            force.incident("I9", "2025-01-02", f"{code.lower()}_no_such_offence")
            ingest_folder(force.write(tmp_path / code), store, catalogue.keys, force=code)
        for name, forces in (("region", ()), ("north", ("NTH",))):
            add_user(store, name, "analyst", PASSWORD, by="tests", forces=forces)

    def quarantined(name: str) -> set[str]:
        at = _signed_in(path, monkeypatch, name)
        at.switch_page("app_pages/quality.py").run()
        assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
        rows = [d.value for d in at.dataframe if {"load_id", "value"} <= set(d.value.columns)]
        return set(rows[0]["value"]) if rows else set()

    assert quarantined("region") == {"nth_no_such_offence", "sth_no_such_offence"}
    assert quarantined("north") == {"nth_no_such_offence"}


def test_the_evidence_page_tells_a_one_force_user_its_figures_are_the_regions(region_store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def warnings(name: str) -> list[str]:
        at = _signed_in(region_store, monkeypatch, name)
        at.switch_page("app_pages/evidence.py").run()
        assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
        return [w.value for w in at.warning]

    assert any("not force NTH's alone" in text for text in warnings("north"))
    assert not any("whole store" in text for text in warnings("region"))

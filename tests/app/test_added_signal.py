"""Adding a signal is one record and one config key: a signal defined here, registered for the
test, shows on the ranked list's flags, in explain's reasons and on the profile page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest
import yaml
from pydantic import Field

from core.errors import ConfigError
from graph.embedded import EmbeddedStore
from harmgraph.context import build_context
from scoring.config import default_config_path
from scoring.explain import explain_person
from scoring.lists import rank_perpetrators
from scoring.signals.base import Rule, Signal
from scoring.signals.registry import register, signals, unregister
from scoring.signals.settings import SignalSettings


class ManyIncidentsSettings(SignalSettings):
    at_least: Annotated[int, Field(ge=1)] = 3


MANY_INCIDENTS = Signal(
    name="many_incidents", label="many incidents in the window", group="extent",
    settings_model=ManyIncidentsSettings,
    perpetrators=Rule(
        flag=lambda data, rows, settings: rows["incidents"] >= settings.at_least,
        reason=lambda row, context, settings: (f"{row['incidents']} incidents in the window "
                                               f"(at least {settings.at_least})"),
        description="at least `at_least` incidents in the window"))


@pytest.fixture
def many_incidents():  # type: ignore[no-untyped-def]
    """The test signal in the registry, after multiple_victims; taken out again afterwards."""
    register(MANY_INCIDENTS, after="multiple_victims")
    yield MANY_INCIDENTS
    unregister("many_incidents")
    assert "many_incidents" not in [s.name for s in signals()]


def _config(tmp_path: Path, key: str) -> Path:
    """The shipped config with one more key under ``signals:`` (``key`` as YAML)."""
    settings = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    settings["signals"].update(yaml.safe_load(key))
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


def _context(store_path: Path, config: Path | None):  # type: ignore[no-untyped-def]
    with EmbeddedStore(store_path) as store:
        return build_context(store, None, config)


def test_an_added_signal_shows_on_the_list_and_in_explain(many_incidents, store_path, person_ids, tmp_path) -> None:
    context = _context(store_path, _config(tmp_path, "many_incidents: {at_least: 5}"))
    ranked = rank_perpetrators(context).set_index("person_id")
    john, dave = person_ids["R1"], person_ids["R4"]
    assert ranked.loc[john, "frequency"] == 5 and ranked.loc[dave, "frequency"] == 2
    john_flags = ranked.loc[john, "flags"].split(";")
    assert john_flags[-2:] == ["multiple_victims", "many_incidents"]  # in the registry's order
    assert "many_incidents" not in ranked.loc[dave, "flags"].split(";")
    reasons = explain_person(context, john).flag_reasons
    assert reasons["flag"].tolist() == john_flags
    assert reasons.set_index("flag").loc["many_incidents", "reason"] == "5 incidents in the window (at least 5)"


def test_an_added_signal_is_on_only_when_the_config_names_it(many_incidents, store_path, person_ids,
                                                              tmp_path) -> None:
    plain = rank_perpetrators(_context(store_path, None))
    assert not plain["flags"].str.contains("many_incidents").any()
    defaults = rank_perpetrators(_context(store_path, _config(tmp_path, "many_incidents:")))  # at_least 3
    assert "many_incidents" in defaults.set_index("person_id").loc[person_ids["R1"], "flags"].split(";")


def test_an_added_signals_settings_are_validated(many_incidents, store_path, tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"signals\.many_incidents\.at_least"):
        rank_perpetrators(_context(store_path, _config(tmp_path, "many_incidents: {at_least: 0}")))
    with pytest.raises(ConfigError, match=r"signals\.many_incidents\.at_most"):
        rank_perpetrators(_context(store_path, _config(tmp_path, "many_incidents: {at_most: 3}")))


def test_an_unknown_signal_key_is_a_config_error(store_path, tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"signals\.many_incidents: no such signal"):
        rank_perpetrators(_context(store_path, _config(tmp_path, "many_incidents: {at_least: 5}")))


def test_an_added_signal_shows_on_the_profile_page(many_incidents, app_as, person_ids, tmp_path,
                                                     monkeypatch) -> None:
    monkeypatch.setenv("HARMGRAPH_CONFIG", str(_config(tmp_path, "many_incidents: {at_least: 5}")))
    app = app_as("analyst")
    app.session_state["person_id"] = person_ids["R1"]
    app.switch_page("app_pages/profile.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("⚑ many incidents in the window" in w.value for w in app.warning)
    assert any("- **many incidents in the window**: 5 incidents in the window (at least 5)" in m.value
               for m in app.markdown)

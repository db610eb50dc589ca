"""Names reach the terminal and the app as text, never as markup or escape codes (issue 19).

Before, a forename ``[/]`` made ``rank``, ``victims``, ``explain`` and ``audit`` fail with a rich
MarkupError traceback (and a user name typed into the sign-in form planted it in the access
log), ANSI colour codes and OSC 8 hyperlinks went to the terminal raw, and names went
unescaped into Streamlit markdown.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from graph.embedded import EmbeddedStore
from harmgraph.accounts import authenticate

HARMGRAPH = str(Path(sys.executable).parent / "harmgraph")
APP = Path(__file__).resolve().parents[2] / "harmgraph" / "app.py"

MARKUP = "[/]"
ANSI = "\x1b[31mRed\x1b[0m"
OSC8 = "\x1b]8;;http://evil.example\x1b\\Click\x1b]8;;\x1b\\"
BIDI = "Ann\u202eeva"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, cli_users, force_factory) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("hostile-screen")
    force = force_factory()
    force.person("S1", MARKUP, ANSI, "M")
    force.person("S2", OSC8, BIDI, "M")
    force.person("V1", MARKUP, "[bold]Victim", "F")
    force.person("V2", ANSI, "Victim", "F")
    force.incident("I1", "2025-01-10", "abh", "S1", ("V1",))
    force.incident("I2", "2025-03-10", "abh", "S1", ("V2",))
    force.incident("I3", "2025-04-10", "harassment", "S2", ("V1",), relationship="ex_partner")
    path = cli_users(root / "s.duckdb")
    done = _cli("ingest", str(force.write(root / "extract")), "--store", str(path), "--strict")
    assert done.returncode == 0, done.stderr
    with EmbeddedStore(path) as opened:  # a name planted through a sign-in form: it lands in `who`
        assert authenticate(opened, f"{MARKUP}{ANSI}", "no such user's password") is None
    return path


def _cli(*args: str, user: str = "analyst") -> subprocess.CompletedProcess[str]:
    return subprocess.run([HARMGRAPH, *args], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
                          env={**os.environ, "HARMGRAPH_USER": user, "COLUMNS": "200", "TERM": "xterm-256color",
                               "FORCE_COLOR": "1"})


def _person_id(store: Path, record_id: str) -> str:
    with EmbeddedStore(store) as opened:
        clusters = opened.clusters()
    return str(clusters.set_index("record_id").at[record_id, "person_id"])


def _shown_as_text(done: subprocess.CompletedProcess[str]) -> str:
    """The output of a command that must have worked, with rich's own colour codes removed."""
    import re

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr and "MarkupError" not in done.stderr
    # rich colours its own output (FORCE_COLOR): SGR codes it writes itself are fine; none may
    # come from a name, which shows as the visible text \x1b instead.
    return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)


@pytest.mark.parametrize("command", [
    ["rank", "--top", "5"], ["victims", "--top", "5"], ["persons", "--format", "table"],
    ["victims", "--list", "most-offenders"]])
def test_lists_show_markup_and_escape_codes_as_text(store: Path, command: list[str]) -> None:
    shown = _shown_as_text(_cli(*command, "--store", str(store)))
    assert MARKUP in shown and "\\x1b[31" in shown
    assert "\x1b]8" not in shown and "\x1b" not in shown  # no hyperlink, no code of a name's own
    if command[0] in ("rank", "persons"):
        assert "\\x1b]8;;http://evil.example" in shown.lower() and "\\u202e" in shown  # (names are title-cased)


def test_explain_shows_the_names_as_text(store: Path) -> None:
    shown = _shown_as_text(_cli("explain", _person_id(store, "S1"), "--store", str(store)))
    assert f"{MARKUP} " in shown and "\\x1b[31" in shown and "\x1b" not in shown


def test_the_audit_log_shows_a_planted_user_name_as_text(store: Path) -> None:
    shown = _shown_as_text(_cli("audit", "--store", str(store), "--last", "200", user="admin"))
    assert "sign_in_failed" in shown and MARKUP in shown and "\\x1b[31mRed" in shown.replace("\n", "")


def test_the_profile_page_shows_the_name_as_text_not_markdown(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARMGRAPH_STORE", str(store))
    monkeypatch.delenv("HARMGRAPH_AUTH", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.text_input(key="signin_name").input("analyst")
    at.text_input(key="signin_password").input(os.environ["HARMGRAPH_PASSWORD"])
    at.button(key="signin_submit").click().run()
    at.session_state["person_id"] = _person_id(store, "S1")
    at.switch_page("app_pages/profile.py").run()
    assert not at.exception, [e.value for e in at.exception]
    header = at.header[0].value
    # The markdown source escapes the brackets and shows the escape code as text.
    assert "\\[/\\]" in header and "\x1b" not in header and "\\\\x1b" in header, header

"""Mistakes at the command line are one line, never a traceback or a silent empty result
(issue 19): a mistyped --store, an unknown --list for share, a mistyped HARMGRAPH_AUTH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harmgraph.cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env={**os.environ, "COLUMNS": "80", "TERM": "dumb", **env})


def _one_line_error(done: subprocess.CompletedProcess[str], code: int, words: str) -> None:
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0], done.stderr


@pytest.mark.parametrize("command", [
    ["rank"], ["victims"], ["explain", "P-0000000001"], ["persons", "--reason", "x"], ["audit"],
    ["quarantine", "--reason", "x"],
    ["matac", "history"]])
def test_a_command_that_reads_refuses_a_store_that_does_not_exist(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "typo.duckdb"
    _one_line_error(_cli(*command, "--store", str(missing)), 1, f"no store at {missing}")
    assert not missing.exists()  # not created empty


def test_users_add_creates_the_store(tmp_path: Path) -> None:
    store = tmp_path / "new.duckdb"
    done = _cli("users", "add", "ana", "--role", "admin", "--store", str(store),
                HARMGRAPH_PASSWORD="a long enough password")
    assert done.returncode == 0, done.stderr
    assert store.exists()


def test_share_with_an_unknown_list_is_one_line(tmp_path: Path) -> None:
    _one_line_error(_cli("share", "--list", "bogus", "--key-file", str(tmp_path / "k"), "-o",
                         str(tmp_path / "out.csv"), "--reason", "test"), 2, "'bogus' is not a list")


def test_a_force_smaller_than_the_generator_makes_is_a_usage_error(tmp_path: Path) -> None:
    from synth.generate import MIN_PEOPLE

    done = _cli("generate", str(tmp_path / "force"), "--people", str(MIN_PEOPLE - 1))
    assert done.returncode == 2 and "Traceback" not in done.stdout + done.stderr
    assert f"greater than or equal to {MIN_PEOPLE}" in done.stderr
    assert not (tmp_path / "force").exists()


def test_a_mistyped_auth_mode_is_one_line_before_the_app_starts() -> None:
    _one_line_error(_cli("app", HARMGRAPH_AUTH="nnone"), 2, "HARMGRAPH_AUTH='nnone'")


def test_the_app_without_its_extra_says_how_to_install_it(tmp_path: Path) -> None:
    """A plain ``pip install .`` has no Streamlit: ``harmgraph app`` says so in one line, exit 2."""
    # streamlit made unimportable in this interpreter alone (as if never installed)
    without = ("import sys; sys.modules['streamlit'] = None; sys.argv = ['harmgraph', 'app', '--store', "
               f"{str(tmp_path / 'h.duckdb')!r}]; from harmgraph.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", without], capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "COLUMNS": "200", "TERM": "dumb"})
    _one_line_error(done, 2, "pip install 'harmgraph[app]'")


def _signed_in_page() -> None:
    import os

    from harmgraph.ui.auth import require_account
    from harmgraph.ui.settings import Settings

    account = require_account(Settings(store="unused.duckdb"), os.environ)
    import streamlit as st

    st.write(f"signed in as {account.name}")


def test_a_mistyped_auth_mode_in_the_app_is_an_error_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARMGRAPH_AUTH", "nnone")
    at = AppTest.from_function(_signed_in_page).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["HARMGRAPH_AUTH='nnone': use one of password, header, oidc, none"]
    assert not at.markdown  # the page stopped at the error

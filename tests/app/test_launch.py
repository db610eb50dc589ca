"""``harmgraph app`` starts Streamlit on the entry script inside the package, not the checkout's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import harmgraph
from harmgraph.cli import run_app
from harmgraph.ui.chrome import PAGES


def _launched(monkeypatch: pytest.MonkeyPatch, **options: object) -> list[str]:
    calls: list[list[str]] = []
    # Streamlit not started: the command is recorded, and the server "exits" as a real one would.
    monkeypatch.setattr(subprocess, "run",
                        lambda command, **_: calls.append(command) or subprocess.CompletedProcess(command, 0))
    monkeypatch.delenv("HARMGRAPH_AUTH", raising=False)
    run_app("x.duckdb", **options)
    assert len(calls) == 1
    return calls[0]


def test_the_app_runs_the_packaged_entry_script_and_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    package = Path(harmgraph.__file__).resolve().parent
    command = _launched(monkeypatch)
    assert command[3:5] == ["run", str(package / "app.py")]
    assert command[-2:] == ["--store", "x.duckdb"] and "--server.headless" not in command
    assert all(Path(path).is_file() and Path(path).parent == package / "app_pages" for path in PAGES.values())


def test_headless_port_and_address_reach_streamlit(monkeypatch: pytest.MonkeyPatch) -> None:
    command = _launched(monkeypatch, headless=True, port=8765, address="127.0.0.1")
    options = command[:command.index("--")]
    for name, value in (("--server.headless", "true"), ("--server.port", "8765"), ("--server.address", "127.0.0.1")):
        assert options[options.index(name) + 1] == value

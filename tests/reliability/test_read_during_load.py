"""Readers keep working while a load runs (issue 19, item 8).

Before, ``harmgraph ingest`` held the store file for its whole run and every ``rank``,
``explain`` or app page failed meanwhile (35 s on a 20,000-person force). Now a load builds a
staging copy and swaps it in (graph/staging.py). A store holding one extract is loaded with a
second, larger one in a subprocess; ``harmgraph rank`` runs again and again until the load
ends. Every rank must succeed, at least one must finish while the load is still running, the
lists' access-log entries written during the load must survive the swap with the chain
intact, and the store must then hold the second extract.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.audit_chain import verify
from graph.embedded import EmbeddedStore
from graph.staging import staging_path
from synth.generate import generate_force

HARMGRAPH = str(Path(sys.executable).parent / "harmgraph")


def _env() -> dict[str, str]:
    """The environment when the command runs (the session's sign-in included)."""
    return {**os.environ, "COLUMNS": "120", "TERM": "dumb"}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HARMGRAPH, *args], capture_output=True, text=True, timeout=600, env=_env())


@pytest.fixture(scope="module")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("during-load")
    generate_force(folder / "small", people=200, seed=2)
    generate_force(folder / "large", people=800, seed=3)
    return folder / "small", folder / "large"


def test_rank_works_while_a_load_runs_and_its_log_survives_the_swap(extracts: tuple[Path, Path],  # type: ignore[no-untyped-def]
                                                                    tmp_path: Path, cli_users) -> None:
    small, large = extracts
    store = cli_users(tmp_path / "s.duckdb")
    assert _run("ingest", str(small), "--store", str(store)).returncode == 0
    with EmbeddedStore(store) as graph_store:
        records_before = graph_store.counts()["person_records"]

    load = subprocess.Popen([HARMGRAPH, "ingest", str(large), "--store", str(store)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env())
    ranks, during = 0, 0
    started = time.monotonic()
    while load.poll() is None:
        done = _run("rank", "--store", str(store), "--top", "5")
        assert done.returncode == 0, done.stdout + done.stderr
        ranks += 1
        during += load.poll() is None  # finished while the load was still running
    output = load.communicate()[0]
    elapsed = time.monotonic() - started
    assert load.returncode == 0, output
    print(f"load took {elapsed:.1f} s; {ranks} rank runs, {during} of them finished during the load")
    assert during >= 1

    with EmbeddedStore(store) as graph_store:
        log = graph_store.audit_log()
        assert graph_store.counts()["person_records"] > records_before  # the second extract is in
    assert verify(log).ok
    listed = log[(log["action"] == "list") & log["subject"].str.startswith("perpetrators")]
    assert len(listed) >= ranks  # every rank's entry, those written during the load included
    assert (log["action"] == "load").sum() == 2
    assert not staging_path(store).exists()


def test_a_failed_load_leaves_the_store_as_it_was(extracts: tuple[Path, Path], tmp_path: Path, cli_users) -> None:  # type: ignore[no-untyped-def]
    small, _large = extracts
    store = cli_users(tmp_path / "s.duckdb")
    assert _run("ingest", str(small), "--store", str(store)).returncode == 0
    with EmbeddedStore(store) as graph_store:
        before = graph_store.counts()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "people.csv").write_text("not,a,contract\n1,2,3\n")
    done = _run("ingest", str(broken), "--store", str(store))
    assert done.returncode != 0
    with EmbeddedStore(store) as graph_store:
        after = graph_store.counts()
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}

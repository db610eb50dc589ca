"""A load killed with SIGKILL leaves the store exactly as before or exactly as after (issue 7, item 1).

A store already holds one extract (so "before" is not empty). ``harmgraph ingest`` of a second
extract runs in a subprocess and is killed at random moments spread over the whole run, with
extra kills around the moment the store file starts changing (the write). After every kill
the store is opened (DuckDB replays or discards its log) and its content fingerprint (every
data table via ``export_table``, the counts and the store version) must equal the fingerprint
before the load or after a clean load; re-running the same command must then complete it; and
loading the same extract once more must change nothing.

The access log is left out of the fingerprint: it is written after the load commits, by the
command, and is covered by the audit tests.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from graph.store import TABLE_COLUMNS
from synth.generate import generate_force

HARMGRAPH = str(Path(sys.executable).parent / "harmgraph")
KILLS = int(os.environ.get("HARMGRAPH_KILLS", "16"))
VOLATILE = {"load_id", "started_at", "finished_at", "at"}  # clock readings and random ids
LOAD_ID = r"L-\d{14}-[0-9a-f]+"
NOT_LOAD_STATE = {"audit_log"}


def fingerprint(path: Path) -> tuple[str, dict[str, int], int]:
    """A hash of every stored table's content (rows sorted), the counts and the store version."""
    digest = hashlib.sha256()
    with EmbeddedStore(path) as store:
        for table in sorted(TABLE_COLUMNS):
            if table in NOT_LOAD_STATE:
                continue
            frame = store.export_table(table)
            frame = frame[[c for c in frame.columns if c not in VOLATILE]]
            for column in frame.columns:
                if pd.api.types.is_float_dtype(frame[column]):
                    frame[column] = frame[column].round(6)
            # a load's id is random and may be quoted in text (the lineage's cause)
            text = frame.astype("string").replace(LOAD_ID, "L-*", regex=True)
            rows = sorted(text.fillna("<NA>").itertuples(index=False, name=None))
            digest.update(f"{table}:{len(rows)}:{rows!r};".encode())
        counts = {t: n for t, n in store.counts().items() if t not in NOT_LOAD_STATE}
        return digest.hexdigest(), counts, store.version()


def ingest(folder: Path, store: Path) -> subprocess.Popen:
    return subprocess.Popen([HARMGRAPH, "ingest", str(folder), "--store", str(store)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TERM": "dumb"})


def finish(process: subprocess.Popen) -> str:
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return err


def _files_signature(store: Path) -> tuple:
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                 for p in sorted(store.parent.glob(store.name + "*")) if p.exists())


@pytest.fixture(scope="module")
def forces(tmp_path_factory: pytest.TempPathFactory, cli_users) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("kill")
    earlier, later = root / "earlier", root / "later"
    generate_force(earlier, people=300, seed=11)
    generate_force(later, people=300, seed=12)
    base = root / "base.duckdb"
    finish(ingest(earlier, cli_users(base)))  # its copies keep its users
    return {"root": root, "later": later, "base": base}


def test_a_killed_load_leaves_the_store_as_before_or_after_and_a_rerun_completes_it(
        forces: dict[str, Path]) -> None:
    root, later, base = forces["root"], forces["later"], forces["base"]
    before = fingerprint(base)
    assert before[1]["person_records"] > 0 and before[1]["loads"] == 1

    # A clean load, timed: when it starts writing to the store file and when it ends.
    clean = root / "clean.duckdb"
    shutil.copy(base, clean)
    initial = _files_signature(clean)
    started = time.monotonic()
    process = ingest(later, clean)
    first_write = None
    while process.poll() is None:
        if first_write is None and _files_signature(clean) != initial:
            first_write = time.monotonic() - started
        time.sleep(0.005)
    finish(process)
    duration = time.monotonic() - started
    after = fingerprint(clean)
    assert after != before and after[2] == before[2] + 1
    assert after[1]["loads"] == 2

    write = first_write if first_write is not None else duration * 0.8
    rng = random.Random(20261123)
    # Half the kills at random moments of the run; half once the store file starts changing
    # (the write), watched for rather than predicted, so a slow or busy machine still kills
    # inside the write instead of after the load has finished.
    plans = [("any", rng.uniform(0.05, duration * 0.9)) for _ in range(KILLS // 2)]
    plans += [("write", rng.uniform(0.0, 0.05)) for _ in range(KILLS - KILLS // 2)]
    rng.shuffle(plans)
    delays = []
    outcomes = []
    for number, (moment, delay) in enumerate(plans):
        store = root / f"killed-{number}.duckdb"
        shutil.copy(base, store)
        untouched = _files_signature(store)
        process = ingest(later, store)
        started = time.monotonic()
        if moment == "write":
            while process.poll() is None and _files_signature(store) == untouched:
                time.sleep(0.002)
        time.sleep(delay)
        delays.append(time.monotonic() - started)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        killed = process.returncode == -signal.SIGKILL
        state = fingerprint(store)
        assert state in (before, after), (
            f"kill {number} at {delay:.2f}s ({moment}; load takes {duration:.2f}s, writes from {write:.2f}s) "
            f"left a half-written store: counts {state[1]} version {state[2]}; "
            f"before {before[1]} v{before[2]}, after {after[1]} v{after[2]}")
        outcomes.append(("before" if state == before else "after", killed))
        finish(ingest(later, store))  # re-running completes the load
        assert fingerprint(store) == after, f"re-run after kill {number} did not complete the load"
        for leftover in root.glob(f"killed-{number}.duckdb*"):
            leftover.unlink()
    print(f"load {duration:.2f}s, writes from {write:.2f}s; kills at "
          + ", ".join(f"{d:.2f}s->{o}{'' if k else ' (had finished)'}" for d, (o, k) in zip(delays, outcomes)))
    assert sum(killed for _, killed in outcomes) >= KILLS // 2, outcomes  # the kills really happened
    assert any(state == "before" for state, _ in outcomes), outcomes

    # Loading the same extract again changes nothing.
    err = finish(ingest(later, clean))
    assert "already loaded" in err
    assert fingerprint(clean) == after

"""Time each app page with streamlit.testing.v1.AppTest on a generated force (~100k incidents).

    .venv/bin/python bench/app_render.py                      # generate + ingest into bench/results/
    .venv/bin/python bench/app_render.py --store PATH         # reuse a loaded store

Prints seconds per page: the first (cold) run reads the store and fills the caches, the second
(warm) run is what a user sees when moving between pages; then each page's first view after
the as-of date is moved 30 days back (a new ranking on the tables already loaded).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["candidates", "profile", "victims", "network", "quality"]


def _prepare(people: int, seed: int, folder: Path) -> Path:
    store = folder / "app_render.duckdb"
    if store.exists():
        return store
    from synth.generate import generate_force

    force = folder / "force"
    started = time.perf_counter()
    generate_force(force, people=people, seed=seed)
    harmgraph = [sys.executable, "-m", "harmgraph.cli"]
    catalogue = os.environ.get("HARMGRAPH_CATALOGUE")
    extra = ["--catalogue", catalogue] if catalogue else []
    subprocess.run([*harmgraph, "ingest", str(force), "--store", str(store), *extra], check=True)
    print(f"generated and loaded {people:,} people in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="A loaded store (default: generate one).")
    parser.add_argument("--people", type=int, default=160_000, help="People to generate (~0.63 incidents each).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    store = args.store or _prepare(args.people, args.seed, args.out)
    os.environ["HARMGRAPH_STORE"] = str(store)
    # Time the pages, not the sign-in form: the development mode shows every page (docs/access.md).
    os.environ["HARMGRAPH_AUTH"] = "none"

    from streamlit.testing.v1 import AppTest

    from graph import open_store

    with open_store(store) as opened:
        counts = opened.counts()
    print(f"store {store}: {counts.get('incidents', 0):,} incidents, {counts.get('person_records', 0):,} records")
    at = AppTest.from_file(str(ROOT / "harmgraph" / "app.py"), default_timeout=600)
    results: list[tuple[str, float, float]] = []
    for page in PAGES:
        timings = []
        for _attempt in ("cold", "warm"):
            if page != "candidates":
                at.switch_page(f"app_pages/{page}.py")
            started = time.perf_counter()
            at.run()
            timings.append(time.perf_counter() - started)
            if at.exception:
                raise SystemExit(f"{page}: {at.exception[0].value}")
        if page == "candidates":
            top = at.dataframe(key="candidate_table").value.iloc[0]["person_id"]
            at.session_state["person_id"] = top
            at.session_state["network_centre"] = top
        results.append((page, timings[0], timings[1]))
    print(f"{'page':<12} {'cold s':>8} {'warm s':>8}")
    for page, cold, warm in results:
        print(f"{page:<12} {cold:>8.2f} {warm:>8.2f}")
    # What an analyst waits for after picking another as-of date: each page's first view then
    # ranks again on the tables already loaded.
    print(f"{'page':<12} {'new as-of date s':>17}")
    at.switch_page("app_pages/candidates.py").run()
    at.date_input(key="as_of").set_value(at.date_input(key="as_of").value - timedelta(days=30))
    for page in PAGES:
        if page != "candidates":
            at.switch_page(f"app_pages/{page}.py")
        started = time.perf_counter()
        at.run()
        print(f"{page:<12} {time.perf_counter() - started:>17.2f}")
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].value}")


if __name__ == "__main__":
    main()

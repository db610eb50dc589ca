"""Time the MATAC meeting pack (``harmgraph matac pack --top N``) on the demo force.

    .venv/bin/python -m bench pack                         # the demo force (made once), top 20
    .venv/bin/python -m bench pack --store PATH --top 20   # a loaded store
    .venv/bin/python -m bench pack --profile 25            # and the 25 costliest calls (cProfile)

Does what the command does, in this process (a benchmark's store has no users to sign in):
read the store and build the scoring context, then build the pack (rank, agenda, one page per
candidate, the PDF) and log it. The store is copied first, so the pack's access-log entry does
not land in the demo store. Prints wall-clock seconds per stage, the process's CPU seconds (the
fairer figure on a shared machine), the pages and the PDF's size.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench.* is imported from the checkout
    sys.path.insert(0, str(ROOT))


def time_pack(store: Path, top: int, meeting: date, repeat: int = 1,
              profile: int = 0) -> list[dict[str, float]]:
    """Build the pack ``repeat`` times on a copy of ``store``; seconds per stage for each run."""
    from graph.embedded import EmbeddedStore
    from harmgraph.context import build_context
    from harmgraph.pack import PackRequest, build_pack
    from scoring.lists import PerpetratorList

    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "pack.duckdb"
        shutil.copy(store, copy)
        for _ in range(repeat):
            profiler = cProfile.Profile() if profile else None
            started, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            with EmbeddedStore(copy) as opened:
                context = build_context(opened)
                read = time.perf_counter()
                request = PackRequest(top=top, which=PerpetratorList.OVERALL, meeting=meeting, who="bench (analyst)",
                                      reason="benchmark")
                built = build_pack(opened, context, request)
            done, cpu_done = time.perf_counter(), time.process_time()
            if profiler:
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(profile)
                print(out.getvalue())
            runs.append({"context": read - started, "pack": done - read, "total": done - started, "cpu": cpu_done - cpu,
                         "pages": len(built.person_ids) + 2, "kib": len(built.pdf) / 1024})
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="A loaded store (default: the demo force, made once).")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--meeting", type=date.fromisoformat, default=date.today())
    parser.add_argument("--repeat", type=int, default=2, help="Runs (the first reads a cold store).")
    parser.add_argument("--profile", type=int, default=0, help="Print this many costliest calls of each run.")
    args = parser.parse_args()
    if args.store is None:
        from bench.screenshots import demo_store

        args.store = demo_store(ROOT / "bench" / "results" / "screens")
    from graph.embedded import EmbeddedStore

    with EmbeddedStore(args.store) as opened:
        counts = opened.counts()
    print(f"store {args.store}: {counts['persons']:,} people, {counts['incidents']:,} incidents; top {args.top}")
    print(f"{'run':>3} {'context s':>10} {'pack s':>8} {'total s':>8} {'CPU s':>6} {'pages':>6} {'PDF KiB':>8}")
    for number, run in enumerate(time_pack(args.store, args.top, args.meeting, args.repeat, args.profile), 1):
        print(f"{number:>3} {run['context']:>10.2f} {run['pack']:>8.2f} {run['total']:>8.2f} {run['cpu']:>6.2f} "
              f"{run['pages']:>6.0f} "
              f"{run['kib']:>8.0f}")


if __name__ == "__main__":
    main()

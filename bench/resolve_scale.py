"""How long person resolution takes, and how much memory, on a force-sized extract.

Generates synthetic fragmented person records (``synth.person_records``: skewed name
frequencies, households, namesakes, typos, swapped fields and dates, moves, PNC ids on some
records), resolves them with the default ``ResolutionConfig`` on splink's DuckDB backend, and
prints seconds per stage, peak resident memory of the process (DuckDB runs in-process, so its
memory is included) and pairwise precision/recall/F1 against the generator's truth.

Records are generated in a child process and read back from Parquet, so the reported peak
is that of loading the extract and resolving it, not of the generator.

This is a benchmark, not a test: run it by hand on the target machine.

Usage:
    python bench/resolve_scale.py [--records 200000] [--seed 7] [--threads 2]
                                  [--memory-limit 3GB] [--chunks 1]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.resolve import ResolutionConfig, resolve_records  # noqa: E402
from synth.person_records import pairwise_accuracy, synthetic_records  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float | None:
    """Resident set size now, in MB (Linux only; None elsewhere)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def _generate_to(folder: str, n_records: int, seed: int, hard_negatives: bool = False) -> None:
    """Child process: generate and write records + truth as Parquet (so the generator's
    own memory does not count in the resolution's peak)."""
    records, truth = synthetic_records(n_records, seed=seed, hard_negatives=hard_negatives)
    records.to_parquet(Path(folder) / "records.parquet", index=False)
    np.save(Path(folder) / "truth.npy", truth)


def generate(n_records: int, seed: int, hard_negatives: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    """Synthetic records and truth, generated in a separate process."""
    with tempfile.TemporaryDirectory(prefix="resolve_scale_") as folder:
        child = multiprocessing.get_context("spawn").Process(
            target=_generate_to, args=(folder, n_records, seed, hard_negatives))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise RuntimeError(f"record generation failed (exit code {child.exitcode})")
        records = pd.read_parquet(Path(folder) / "records.parquet")
        truth = np.load(Path(folder) / "truth.npy")
    return records, truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    parser.add_argument("--memory-limit", default=None,
                        help="DuckDB memory limit, e.g. 3GB (default: the config's, as ingest uses; "
                             "'none' for DuckDB's own, 80%% of RAM)")
    parser.add_argument("--chunks", type=int, default=1,
                        help="score in chunks x chunks pieces to cap memory")
    parser.add_argument("--hard-negatives", action="store_true",
                        help="namesakes, brothers and twins at one address, fathers and sons of "
                             "one name, victims split into records (synth.person_records)")
    args = parser.parse_args(argv)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, python "
          f"{platform.python_version()}")
    started = time.perf_counter()
    records, truth = generate(args.records, args.seed, args.hard_negatives)
    generate_seconds = time.perf_counter() - started
    print(f"generated {len(records):,} records of {len(np.unique(truth)):,} people "
          f"in {generate_seconds:.1f} s (in a child process); after loading them the peak RSS "
          f"is {peak_rss_mb():,.0f} MB")

    # Only what was asked for is changed: the run measures the settings ingest uses.
    changes: dict[str, object] = {"duckdb_threads": args.threads, "predict_chunks": args.chunks}
    if args.memory_limit is not None:
        changes["duckdb_memory_limit"] = None if args.memory_limit.lower() == "none" else args.memory_limit
    config = ResolutionConfig(**changes)
    print(f"DuckDB memory limit: {config.duckdb_memory_limit or 'DuckDB own (80% of RAM)'}")
    stage_start = time.perf_counter()

    def progress(message: str) -> None:
        now = current_rss_mb()
        now_text = f"{now:6,.0f} MB now, " if now is not None else ""
        print(f"  [{time.perf_counter() - stage_start:7.1f} s | {now_text}"
              f"{peak_rss_mb():6,.0f} MB peak] {message}", flush=True)

    resolution = resolve_records(records, config, progress=progress)
    resolve_seconds = time.perf_counter() - stage_start

    person = resolution.clusters.set_index("record_id").loc[records["record_id"], "person_id"]
    scores = pairwise_accuracy(truth, person.to_numpy())
    print("\nstage seconds:")
    for stage, seconds in resolution.stats["seconds"].items():
        print(f"  {stage:<10} {seconds:8.1f}")
    print(f"  {'total':<10} {resolve_seconds:8.1f}   (resolve_records, excluding generation)")
    print(f"\nrecords {len(records):,}  persons {resolution.stats['persons']:,}  "
          f"links {resolution.stats['links']:,}  fitted {resolution.stats['fitted']}")
    print(f"peak RSS {peak_rss_mb():,.0f} MB")
    print(f"pairwise precision {scores['precision']:.4f}  recall {scores['recall']:.4f}  "
          f"F1 {scores['f1']:.4f}  (true pairs {scores['true_pairs']:,}, "
          f"predicted {scores['predicted_pairs']:,})")
    chained = _connected_components(records["record_id"], resolution)
    plain = pairwise_accuracy(truth, chained.loc[records["record_id"]].to_numpy())
    print(f"connected components of the same links (no rules): precision {plain['precision']:.4f}  "
          f"recall {plain['recall']:.4f}  F1 {plain['f1']:.4f}")
    print(f"review queue: {len(resolution.review):,} items "
          + str(resolution.review["kind"].value_counts().to_dict()))
    return 0


def _connected_components(record_ids: pd.Series, resolution) -> pd.Series:  # type: ignore[no-untyped-def]
    """What plain connected components (splink's clustering, before this issue) make of every
    link the resolution scored above the threshold, for comparison."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(record_ids)
    for frame in (resolution.links, resolution.cut_links):
        graph.add_edges_from(zip(frame["record_id_l"], frame["record_id_r"]))
    label = {}
    for number, part in enumerate(nx.connected_components(graph)):
        label.update(dict.fromkeys(part, number))
    return pd.Series(label)


if __name__ == "__main__":
    raise SystemExit(main())

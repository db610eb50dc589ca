"""Person resolution on DuckDB and on Spark side by side: time, memory and how far they agree.

Generates synthetic fragmented person records (``synth.person_records``), then resolves the
same records once per backend (``ResolutionConfig.backend``), each in its own child process so
that one's memory and warm-up do not count for the other. Prints, per backend, seconds per
stage, the peak resident memory of the child and everything it started (Spark's JVM
included), persons, links and pairwise F1 against the generator's truth; then how far the two
agree: pairwise precision/recall of Spark's persons against DuckDB's, links found by only
one, and the trained model's prior.

Both train the same model without labels; u is estimated from a seeded random sample that
each engine draws in its own way, so on inputs large enough to train (1,000 records or more)
the m/u values, and so a few scores near the threshold, can differ slightly. Inputs too small
to train use the fixed priors and give identical persons.

This is a benchmark, not a test: run it by hand (``python -m bench resolve-backends``).

Usage:
    python bench/resolve_backends.py [--records 20000] [--seed 7] [--spark-master local[2]]
                                     [--driver-memory 2g] [--partitions 8] [--backends duckdb,spark]
                                     [--spark-conf KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.resolve_scale import generate  # noqa: E402
from ingest.resolve import ResolutionConfig, resolve_records  # noqa: E402
from synth.person_records import pairwise_accuracy  # noqa: E402


def _children(pid: int) -> list[int]:
    """Every process started by ``pid``, at any depth (Linux /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants now, in MB (0 off Linux)."""
    total_kb = 0
    for each in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


class PeakMemory:
    """Samples the resident memory of this process and its descendants in the background."""

    def __init__(self, every_seconds: float = 0.25) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._every = every_seconds
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(os.getpid()))
            self._stop.wait(self._every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _resolve_in_child(folder: str, backend: str, settings: dict[str, object]) -> None:
    """Child process: resolve the records on ``backend``; write persons, links and figures."""
    records = pd.read_parquet(Path(folder) / "records.parquet")
    config = ResolutionConfig(backend=backend, **settings)
    started = time.perf_counter()
    with PeakMemory() as memory:
        if backend == "spark":  # the session's start is part of what Spark costs
            from ingest.resolve_backends.spark import spark_session

            spark_session(config)
        session_seconds = time.perf_counter() - started
        resolution = resolve_records(records, config, progress=lambda message: print(
            f"  [{backend} {time.perf_counter() - started:7.1f} s | {memory.peak_mb:6,.0f} MB peak] "
            f"{message}", flush=True))
    seconds = time.perf_counter() - started
    resolution.clusters.to_parquet(Path(folder) / f"{backend}_clusters.parquet", index=False)
    resolution.links[["record_id_l", "record_id_r", "match_weight"]].to_parquet(
        Path(folder) / f"{backend}_links.parquet", index=False)
    figures = {"seconds": seconds, "session": session_seconds, "peak_mb": memory.peak_mb,
               "stages": resolution.stats["seconds"], "persons": resolution.stats["persons"],
               "links": resolution.stats["links"], "fitted": resolution.stats["fitted"],
               "prior": resolution.stats["probability_two_random_records_match"],
               "levels": level_weights(resolution.model)}
    (Path(folder) / f"{backend}.json").write_text(json.dumps(figures))


def level_weights(model: dict) -> dict[str, float]:  # type: ignore[type-arg]
    """Each comparison level's weight, log2(m/u), keyed 'comparison: label' (null levels
    and levels without both estimates left out)."""
    weights = {}
    for comparison in model.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if m and u:
                weights[f"{comparison['output_column_name']}: {level['label_for_charts']}"] = float(np.log2(m / u))
    return weights


def run_backend(folder: str, backend: str, settings: dict[str, object]) -> dict[str, object]:
    child = multiprocessing.get_context("spawn").Process(target=_resolve_in_child,
                                                         args=(folder, backend, settings))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"resolution on {backend} failed (exit code {child.exitcode})")
    return json.loads((Path(folder) / f"{backend}.json").read_text())


def _persons(folder: str, backend: str, record_ids: pd.Series) -> np.ndarray:
    clusters = pd.read_parquet(Path(folder) / f"{backend}_clusters.parquet")
    return clusters.set_index("record_id").loc[record_ids, "person_id"].to_numpy()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000,
                        help="records to resolve (20,000; 2,000,000 for a force-wide run)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--driver-memory", default="2g", help="Spark driver memory, e.g. 6g")
    parser.add_argument("--partitions", type=int, default=8, help="Spark shuffle partitions")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                        help="a further Spark setting (repeatable), e.g. spark.sql.codegen.wholeStage=false")
    parser.add_argument("--backends", default="duckdb,spark")
    args = parser.parse_args(argv)
    backends = args.backends.split(",")

    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, python {platform.python_version()}")
    records, truth = generate(args.records, args.seed)
    print(f"{len(records):,} records of {len(np.unique(truth)):,} people (seed {args.seed})")
    settings = {"spark_master": args.spark_master, "spark_driver_memory": args.driver_memory,
                "spark_shuffle_partitions": args.partitions,
                "spark_conf": dict(item.split("=", 1) for item in args.spark_conf)}
    results: dict[str, dict[str, object]] = {}
    persons: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory(prefix="resolve_backends_") as folder:
        records.to_parquet(Path(folder) / "records.parquet", index=False)
        for backend in backends:
            print(f"resolving on {backend} ...", flush=True)
            results[backend] = run_backend(folder, backend, settings)
            persons[backend] = _persons(folder, backend, records["record_id"])
        links = {backend: pd.read_parquet(Path(folder) / f"{backend}_links.parquet") for backend in backends}

    print(f"\n{'backend':<8} {'seconds':>8} {'session':>8} {'train':>7} {'predict':>8} {'cluster':>8} "
          f"{'peak MB':>8} {'persons':>8} {'links':>8} {'fitted':>7} {'F1 truth':>9}")
    for backend, figures in results.items():
        stages = figures["stages"]
        truth_f1 = pairwise_accuracy(truth, persons[backend])["f1"]
        print(f"{backend:<8} {figures['seconds']:8.1f} {figures['session']:8.1f} {stages['train']:7.1f} "
              f"{stages['predict']:8.1f} {stages['cluster']:8.1f} {figures['peak_mb']:8,.0f} "
              f"{figures['persons']:8,} {figures['links']:8,} {figures['fitted']:>7} {truth_f1:9.4f}")
    if len(backends) == 2:
        first, second = backends
        agreement = pairwise_accuracy(persons[first], persons[second])
        key = ["record_id_l", "record_id_r"]
        joined = links[first].merge(links[second], on=key, how="outer", indicator=True,
                                    suffixes=(f"_{first}", f"_{second}"))
        both = joined[joined["_merge"] == "both"]
        weight_gap = (both[f"match_weight_{first}"] - both[f"match_weight_{second}"]).abs()
        print(f"\n{second} against {first}: pairwise precision {agreement['precision']:.4f}  "
              f"recall {agreement['recall']:.4f}  F1 {agreement['f1']:.4f}  (same-person pairs: "
              f"{agreement['true_pairs']:,} on {first}, {agreement['predicted_pairs']:,} on {second}, "
              f"{agreement['correct_pairs']:,} on both)")
        print(f"links on both {len(both):,}, only {first} {(joined['_merge'] == 'left_only').sum():,}, "
              f"only {second} {(joined['_merge'] == 'right_only').sum():,}; largest weight gap on a "
              f"shared link {weight_gap.max() if len(both) else 0:.4f} bits")
        print(f"prior (two random records one person): {first} {results[first]['prior']:.3g}, "
              f"{second} {results[second]['prior']:.3g}")
        gaps = pd.DataFrame({first: pd.Series(results[first]["levels"]),
                             second: pd.Series(results[second]["levels"])})
        gaps["gap"] = (gaps[second] - gaps[first]).abs()
        print("levels whose trained weight (bits) differs most between the two models:")
        print(gaps.sort_values("gap", ascending=False).head(5).round(2).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())

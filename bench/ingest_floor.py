"""How far `harmgraph ingest` is from its floor, measured side by side in one run.

The floor is what any ingest of the same extract has to do at least:

* **bulk load**: DuckDB reads every CSV of the force into a table of a fresh database file,
  as text, with no checks (``CREATE TABLE ... AS SELECT * FROM read_csv(...)``);
* **splink alone**: splink's own calls on the same person records with the same model and
  training (prior, u by random sampling, one EM session per training rule, scoring the
  blocked pairs at the match threshold, connected components), on splink's DuckDB with the
  same memory cap. The comparison columns splink needs are prepared before its clock starts.

Ingest is ``harmgraph ingest`` (the same resolver and loader: read, validate, check
references, features, splink, no-chain clustering, stable ids, review queue, one store
transaction). Each side runs in its own child process, so each peak memory is its own. Every
side takes Arrow's memory from the allocator the CLI chooses (``core/memory.py``), so the floor
has whatever that allocator gives as well. The order alternates over ``--rounds`` and the
fastest of each is kept (the machine is shared).
It prints ingest's own stages beside the floor and the ratio (issue 20's target: at most 1.5
at 1M incidents).

    .venv/bin/python bench/ingest_floor.py --incidents 100000 [--rounds 2] [--keep DIR]

A benchmark, not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale import _ingest, peak_rss_mb, step_generate  # noqa: E402



def step_bulk_load(force: Path, database: Path) -> dict[str, Any]:
    """Every CSV into a table of a fresh DuckDB file, as text, nothing checked."""
    import duckdb

    started = time.perf_counter()
    rows = 0
    with duckdb.connect(str(database)) as con:
        for csv in sorted(force.glob("*.csv")):
            con.execute(f'CREATE TABLE "{csv.stem}" AS SELECT * FROM '
                        "read_csv(?, all_varchar = true, header = true)", [str(csv)])
            rows += con.execute(f'SELECT count(*) FROM "{csv.stem}"').fetchone()[0]
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_rss_mb": peak_rss_mb()}


def step_splink_alone(force: Path) -> dict[str, Any]:
    """splink's calls on the force's person records (features prepared before the clock)."""
    import pandas as pd
    from splink import DuckDBAPI, Linker
    from splink.blocking_rule_library import block_on

    from ingest.resolve import ResolutionConfig, build_settings
    from ingest.resolve_features import prepare_features
    from ingest.resolve_model import blocking_rule_creator

    config = ResolutionConfig()
    people = pd.read_csv(force / "people.csv", dtype=str, keep_default_na=False).replace("", None)
    features = prepare_features(people)
    started = time.perf_counter()
    db_api = DuckDBAPI(":memory:")
    # The cap ingest's resolver sets (ResolutionConfig.duckdb_memory_limit), so both sides share it.
    db_api.duckdb_con.execute("SET memory_limit = ?", [config.duckdb_memory_limit])
    db_api.duckdb_con.register("features_frame", features)
    db_api.duckdb_con.execute("CREATE TABLE features AS SELECT * FROM features_frame")
    db_api.duckdb_con.unregister("features_frame")
    linker = Linker(db_api.register("features"), build_settings(config), log_level=None)
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [blocking_rule_creator(rule) for rule in config.prior_deterministic_rules],
        recall=config.prior_deterministic_recall)
    training.estimate_u_using_random_sampling(max_pairs=config.max_pairs_for_u, seed=config.seed)
    for rule in config.training_blocking_rules:  # sampled as ingest samples them
        training.estimate_parameters_using_expectation_maximisation(
            block_on(*rule), estimate_without_term_frequencies=True,
            max_pairs=config.max_pairs_for_training if len(people) >= 50_000 else None)
    predictions = linker.inference.predict(threshold_match_probability=config.match_threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, config.match_threshold)
    persons = db_api.duckdb_con.execute(
        f"SELECT count(DISTINCT cluster_id) FROM {clusters.physical_name}").fetchall()[0][0]
    return {"seconds": time.perf_counter() - started, "rows": len(people), "persons": persons,
            "peak_rss_mb": peak_rss_mb()}


def step_ingest(force: Path, store_path: Path) -> dict[str, Any]:
    """``harmgraph ingest``'s resolver and loader (``bench.scale``'s ingest step, which prints
    the time of each stage it reports on stderr)."""
    rows: list[dict[str, Any]] = []
    _ingest(force, store_path, rows, "ingest", "incidents")
    return rows[0]


STEPS = {"bulk": step_bulk_load, "splink": step_splink_alone, "ingest": step_ingest}


def _child(step: str, *args: str) -> Any:
    """One step in a fresh interpreter: its result (the last line of stdout), with the stages
    an ingest reports (a JSON line on stderr)."""
    done = subprocess.run([sys.executable, __file__, "--step", step, *args], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for line in done.stderr.splitlines():
        if line.startswith('{"stages"'):
            result.update(json.loads(line))
    return result


def _stage_lengths(stages: list[tuple[str, float]], total: float) -> list[tuple[str, float]]:
    """Each reported stage's length: the time to the next mark."""
    ends = [at for _, at in stages[1:]] + [total]
    return [(name, end - at) for (name, at), end in zip(stages, ends)]


def run(incidents: int, seed: int, folder: Path, rounds: int) -> None:
    force = folder / "force"
    if (force / "incidents.csv").exists():  # a kept force is reused as it is
        print(f"force: {force} (kept from an earlier run)", flush=True)
    else:
        generated = _child("generate", str(force), str(incidents), str(seed))[0]
        print(f"force: {generated['rows']:,} incidents ({force})", flush=True)
    best: dict[str, dict[str, Any]] = {}
    per_round: list[dict[str, float]] = []
    for number in range(rounds):
        per_round.append({})
        order = ["ingest", "splink", "bulk"] if number % 2 == 0 else ["bulk", "splink", "ingest"]
        for side in order:
            for stale in folder.glob(f"*{number}.duckdb*"):
                stale.unlink()
            args = {"ingest": (str(force), str(folder / f"store{number}.duckdb")),
                    "splink": (str(force),), "bulk": (str(force), str(folder / f"bulk{number}.duckdb"))}[side]
            result = _child(side, *args)
            per_round[-1][side] = result["seconds"]
            print(f"  round {number + 1}: {side:<7} {result['seconds']:7.1f} s  "
                  f"peak {result['peak_rss_mb'] / 1024:.2f} GB", flush=True)
            if side not in best or result["seconds"] < best[side]["seconds"]:
                best[side] = result
    floor = best["bulk"]["seconds"] + best["splink"]["seconds"]
    ingest = best["ingest"]
    print(f"\nfastest of {rounds} round(s), {ingest['rows']:,} incidents loaded:")
    print(f"  {'floor: bulk load of every CSV into DuckDB':<58}{best['bulk']['seconds']:8.1f} s")
    print(f"  {'floor: splink alone on the person records':<58}{best['splink']['seconds']:8.1f} s"
          f"   ({best['splink']['rows']:,} records, {best['splink']['persons']:,} clusters)")
    print(f"  {'FLOOR':<58}{floor:8.1f} s")
    print(f"  {'INGEST (harmgraph ingest)':<58}{ingest['seconds']:8.1f} s"
          f"   peak {ingest['peak_rss_mb'] / 1024:.2f} GB")
    print(f"  {'ratio ingest / floor (target at 1M: at most 1.5)':<58}{ingest['seconds'] / floor:8.2f}")
    # Each round's own ratio: both sides ran next to each other, so the spread is the noise.
    ratios = [r["ingest"] / (r["bulk"] + r["splink"]) for r in per_round]
    print(f"  {'the ratio within each round':<58}" + ", ".join(f"{ratio:.2f}" for ratio in ratios))
    print("\ningest's stages (time to the next reported stage):")
    for name, seconds in _stage_lengths(ingest["stages"], ingest["seconds"]):
        print(f"  {seconds:7.1f} s  {name[:80]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="Keep the force and stores in this folder.")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    if args.step:
        from core.memory import POOL_VARIABLE, use_preferred_arrow_pool

        use_preferred_arrow_pool(os.environ.get(POOL_VARIABLE))  # every side, as the CLI does
        if args.step == "generate":
            result = step_generate(Path(rest[0]), int(rest[1]), int(rest[2]))
        else:
            result = STEPS[args.step](*map(Path, rest))
        print(json.dumps(result))
        return 0
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args.incidents, args.seed, args.keep, args.rounds)
    else:
        with tempfile.TemporaryDirectory(prefix="ingest_floor_") as scratch:
            run(args.incidents, args.seed, Path(scratch), args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

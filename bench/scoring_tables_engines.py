"""The scoring tables of a (regional) store computed three ways, side by side in one run: by the
embedded store itself, and from Parquet copies of its base tables by DuckDB and by Spark SQL
(local mode). Time, peak memory, and whether everything agrees.

    .venv/bin/python -m bench scoring-tables --store REGION.duckdb [--work DIR]
        [--spark-master local[2]] [--driver-memory 8g] [--partitions 8] [--spark-conf KEY=VALUE ...]

The store is copied into the work folder first (it is opened read-write by the embedded store;
the original is never touched), and its base tables exported to Parquet (timed). Then each
engine runs in a fresh interpreter (its own peak memory, Spark's JVM included): the tables, and
for the Parquet engines the two offender lists and the two repeat-victim lists ranked from their
own tables at the latest incident's date. Spark's session start is timed apart from its queries.
Checked: every table equal row for row, dtypes included, between the three; every list equal
between the two Parquet engines. Exit 1 on a difference. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENGINES = ("embedded", "duckdb", "spark")
RANKED = ("duckdb", "spark")  # the embedded tables are the reference the others must equal


def _lists(tables: Any) -> dict[str, pd.DataFrame]:
    """Both offender lists and both repeat-victim lists at the latest incident's date."""
    from harmgraph.context import latest_incident_date
    from scoring.catalogue import load_catalogue
    from scoring.config import load_config
    from scoring.context import ScoringContext
    from scoring.lists import PerpetratorList, VictimList, rank_perpetrators, rank_victims

    context = ScoringContext(tables, load_config(), load_catalogue(), latest_incident_date(tables))
    found = {f"offenders-{which.value}": rank_perpetrators(context, which)
             for which in (PerpetratorList.OVERALL, PerpetratorList.DIFFERENT_VICTIMS)}
    return found | {f"victims-{which.value}": rank_victims(context, which) for which in VictimList}


def run_engine(engine: str, work: Path, known: argparse.Namespace) -> dict[str, Any]:
    """In the child: compute the tables on ``engine``, write them and (Parquet engines) the
    ranked lists under ``work/engine``; the figures."""
    from bench.resolve_backends import PeakMemory
    from graph.embedded import EmbeddedStore
    from graph.parquet_scoring import duckdb_scoring_tables, spark_scoring_tables

    out = work / engine
    out.mkdir(exist_ok=True)
    figures: dict[str, Any] = {"engine": engine, "session_s": None}
    with PeakMemory() as memory:
        started = time.perf_counter()
        if engine == "embedded":
            with EmbeddedStore(work / "store.duckdb") as store:
                tables = store.scoring_tables()
        elif engine == "duckdb":
            tables = duckdb_scoring_tables(work / "parquet")
        else:
            from ingest.resolve_backends.spark import spark_session
            from ingest.resolve_config import ResolutionConfig

            config = ResolutionConfig(backend="spark", spark_master=known.spark_master,
                                      spark_driver_memory=known.driver_memory,
                                      spark_shuffle_partitions=known.partitions,
                                      spark_conf=dict(pair.split("=", 1) for pair in known.spark_conf))
            spark = spark_session(config)
            figures["session_s"] = time.perf_counter() - started
            started = time.perf_counter()
            tables = spark_scoring_tables(spark, work / "parquet")
        figures["tables_s"] = time.perf_counter() - started
        figures["tables_peak_mb"] = memory.peak_mb
        if engine in RANKED:
            started = time.perf_counter()
            lists = _lists(tables)
            figures["rank_s"] = time.perf_counter() - started
            for name, frame in lists.items():
                frame.to_pickle(out / f"{name}.pkl")
    figures["peak_mb"] = memory.peak_mb
    figures["rows"] = {table.name: len(getattr(tables, table.name)) for table in fields(tables)}
    figures["dtypes"] = {table.name: [str(d) for d in getattr(tables, table.name).dtypes] for table in fields(tables)}
    for table in fields(tables):
        getattr(tables, table.name).to_parquet(out / f"{table.name}.parquet", index=False)
    return figures


def _child(engine: str, work: Path, known: argparse.Namespace) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", engine, "--work", str(work), "--spark-master", known.spark_master,
            "--driver-memory", known.driver_memory, "--partitions", str(known.partitions),
            *[arg for pair in known.spark_conf for arg in ("--spark-conf", pair)]]
    subprocess.run(argv, check=True)
    return json.loads((work / f"{engine}.json").read_text())


def _export(store: Path, work: Path) -> dict[str, Any]:
    import duckdb

    from graph.parquet_scoring import export_base_tables

    shutil.copyfile(store, work / "store.duckdb")
    started = time.perf_counter()
    con = duckdb.connect(str(work / "store.duckdb"), read_only=True)
    try:
        files = export_base_tables(con, work / "parquet")
        records = int(con.execute("SELECT count(*) FROM person_records").fetchall()[0][0])
    finally:
        con.close()
    return {"export_s": time.perf_counter() - started, "records": records,
            "parquet_mb": sum(path.stat().st_size for path in files.values()) / 2**20}


def _table_differences(work: Path, names: list[str]) -> list[str]:
    """Each scoring table of each engine against the embedded store's, row for row."""
    from bench.same_lists import differences

    found = []
    for name in names:
        expected = pd.read_parquet(work / "embedded" / f"{name}.parquet")
        for engine in ENGINES[1:]:
            found += [f"table {name}, {engine}: {line}"
                      for line in differences(expected, pd.read_parquet(work / engine / f"{name}.parquet"))]
    return found


def _list_differences(work: Path) -> list[str]:
    from bench.same_lists import differences

    found = []
    for path in sorted((work / RANKED[0]).glob("*.pkl")):
        found += [f"list {path.stem}: {line}"
                  for line in differences(pd.read_pickle(path), pd.read_pickle(work / RANKED[1] / path.name))]
    return found


def _print(export: dict[str, Any], runs: list[dict[str, Any]]) -> None:
    print(f"\n{export['records']:,} person records; base tables exported to Parquet in "
          f"{export['export_s']:.1f} s ({export['parquet_mb']:,.0f} MB)")
    print(f"{'engine':<10} {'session s':>10} {'tables s':>9} {'peak MB (tables)':>17} {'rank 4 lists s':>15} {'peak MB':>9}")
    for run in runs:
        session = f"{run['session_s']:.1f}" if run["session_s"] is not None else "-"
        rank = f"{run['rank_s']:.1f}" if "rank_s" in run else "-"
        print(f"{run['engine']:<10} {session:>10} {run['tables_s']:>9.1f} {run['tables_peak_mb']:>17,.0f} "
              f"{rank:>15} {run['peak_mb']:>9,.0f}")
    by = {run["engine"]: run for run in runs}
    print(f"tables, Spark / DuckDB on Parquet: {by['spark']['tables_s'] / by['duckdb']['tables_s']:.1f}x "
          f"(with the session's start {(by['spark']['tables_s'] + by['spark']['session_s']) / by['duckdb']['tables_s']:.1f}x); "
          f"DuckDB on Parquet / embedded: {by['duckdb']['tables_s'] / by['embedded']['tables_s']:.2f}x")
    print("rows: " + ", ".join(f"{name} {rows:,}" for name, rows in by["embedded"]["rows"].items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="the store whose scoring tables are computed")
    parser.add_argument("--work", type=Path, help="folder for the copy, Parquet and results (kept)")
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--partitions", type=int, default=8, help="Spark's shuffle partitions")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    known = parser.parse_args(argv)
    if known.child:
        figures = run_engine(known.child, known.work, known)
        (known.work / f"{known.child}.json").write_text(json.dumps(figures))
        return 0
    if known.store is None:
        parser.error("--store is required")
    work = known.work or Path(tempfile.mkdtemp(prefix="harmgraph-scoring-tables-"))
    work.mkdir(parents=True, exist_ok=True)
    export = _export(known.store, work)
    print(f"exported {export['records']:,} records' base tables in {export['export_s']:.1f} s", flush=True)
    runs = []
    for engine in ENGINES:
        runs.append(_child(engine, work, known))
        print(f"{engine}: tables in {runs[-1]['tables_s']:.1f} s", flush=True)
    names = list(runs[0]["rows"])
    problems = [f"dtypes of {engine}'s tables differ from the embedded store's"
                for engine, run in zip(ENGINES, runs) if run["dtypes"] != runs[0]["dtypes"]]
    problems += _table_differences(work, names) + _list_differences(work)
    _print(export, runs)
    print("every table the same in all three; every list the same from both Parquet engines"
          if not problems else "\n".join(problems))
    (work / "store.duckdb").unlink(missing_ok=True)  # the copy (the Parquet and results stay)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

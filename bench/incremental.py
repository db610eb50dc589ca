"""A day with new person records, loaded two ways side by side: resolving only what it
changed (``ingest.resolve_increment``) and resolving every record again (the path before).

    python -m bench incremental --store FORCE/store.duckdb [--rounds 2] [--new-records 100]

The store must hold a model kept from its last resolution (``harmgraph resolve`` keeps one;
``bench/scale.py``'s ingest does too). The day is ``bench/scale.py``'s second daily extract:
1,000 incidents in which ``--new-records`` victims come as a new record (a copy of her stored
record under a new id). Each load runs in its own process on its own copy of the store, the
two ways alternating; then the two stores' identities are compared: persons and person ids,
lineage, and which links and review items they hold (scores aside: links between unchanged
records keep their stored scores, which the day's records would move by a few hundredths).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

IDENTITY_TABLES = ("record_person", "persons", "person_lineage", "identity_links", "identity_review")


def load_one_way(store: Path, day: Path, whole: bool) -> dict[str, Any]:
    """Load ``day`` into ``store`` (in this process); ``whole``: resolve every record."""
    from bench.scale import _ingest, _rekeyed_joined

    rows: list[dict[str, Any]] = []
    _ingest(day, store, rows, "day", "incidents", resolve_everything=whole)
    return {"seconds": rows[0]["seconds"], "peak_rss_mb": rows[0]["peak_rss_mb"],
            "joined": _rekeyed_joined(store)}


def compare(incremental: Path, whole: Path) -> dict[str, Any]:
    """How far the two stores' identities agree, table by table."""
    from graph.embedded import EmbeddedStore

    found: dict[str, Any] = {}
    tables = {}
    for side, path in (("incremental", incremental), ("whole", whole)):
        with EmbeddedStore(path) as store:
            tables[side] = {name: store.export_table(name) for name in IDENTITY_TABLES}
    for name in IDENTITY_TABLES:
        mine, theirs = tables["incremental"][name], tables["whole"][name]
        scores = [c for c in ("match_weight", "match_probability", "reasons", "evidence_for",
                              "evidence_against", "at", "cause") if c in mine.columns]
        key = [c for c in mine.columns if c not in scores]
        both = mine[key].astype(str).merge(theirs[key].astype(str), how="outer", indicator=True)
        found[name] = {"rows": [len(mine), len(theirs)],
                       "only_incremental": int((both["_merge"] == "left_only").sum()),
                       "only_whole": int((both["_merge"] == "right_only").sum())}
        differ = both[both["_merge"] != "both"]
        if len(differ):  # (identifiers and kinds only)
            found[name]["first_differences"] = differ.head(6).astype(str).values.tolist()
        if "match_weight" in mine.columns and len(mine):
            pair = [c for c in ("kind", "record_id_l", "record_id_r") if c in mine.columns]
            joined = mine.merge(theirs, on=pair)
            drift = (joined["match_weight_x"] - joined["match_weight_y"]).abs()
            found[name]["largest_score_difference"] = round(float(drift.max()), 4) if len(drift) else 0.0
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--new-records", type=int, default=100)
    parser.add_argument("--one-way", choices=["incremental", "whole"], help=argparse.SUPPRESS)
    parser.add_argument("--day", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_way:  # a child process: one load, its figures as JSON on the last line
        print(json.dumps(load_one_way(args.store, args.day, args.one_way == "whole")))
        return
    from bench.scale import daily_extract

    with tempfile.TemporaryDirectory(prefix="harmgraph-incremental-") as scratch:
        day = Path(scratch) / "day"
        daily_extract(args.store, day, 1_000, seed=20261124, new_victim_records=args.new_records)
        copies = {}
        for round_number in range(1, args.rounds + 1):
            for way in ("incremental", "whole"):
                copies[way] = Path(scratch) / f"{way}.duckdb"
                shutil.copy(args.store, copies[way])
                child = subprocess.run(
                    [sys.executable, str(Path(__file__).resolve()), "--store", str(copies[way]),
                     "--day", str(day), "--one-way", way],
                    capture_output=True, text=True, check=True)
                figures = json.loads(child.stdout.strip().splitlines()[-1])
                print(f"round {round_number} {way:11s} {figures['seconds']:7.1f} s  "
                      f"peak {figures['peak_rss_mb'] / 1024:.2f} GB  {figures['joined']}", flush=True)
        print(json.dumps(compare(copies["incremental"], copies["whole"]), indent=1))


if __name__ == "__main__":
    main()

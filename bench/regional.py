"""A regional store: several generated forces whose offenders cross boundaries, loaded one after
another (each with its force code), resolved across forces and ranked; time and memory per
load, and how the cost grows as the region grows.

    .venv/bin/python bench/regional.py --forces 5 --incidents 20000 [--crossing 0.1] [--keep DIR]

Each force is the generator's (``synth.generate``, its own seed). A share of each force's
offenders (``--crossing``) also offend in the next force: their incidents there copy some of
their incidents here (new incident ids), with their own person records copied as that force
holds them (new record ids, the same name, date of birth and PNC id). So the same man is in two
forces' files under different ids, as he would be, and a regional store should find him as
one person with his victims in both.

Every load re-resolves the whole region's records (a man in force 5 may be force 1's), so load
k resolves k forces' records: the curve is the point. Each load and ranking runs in a fresh
interpreter (its own peak memory). Printed per load: records held, load and ranking seconds,
peak memory, persons, persons holding records of two or more forces, and of the crossing
offenders copied so far, how many the store holds as one person with their original.
Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale import INCIDENTS_PER_PERSON  # noqa: E402

CROSSED = "crossed.csv"  # per force folder: copied record id -> the original's force and id


def _code(index: int) -> str:
    return f"F{index + 1:02d}"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def _crossing_offenders(folder: Path, share: float, rng: np.random.Generator) -> pd.Series:
    """Record ids of a ``share`` of the force's offenders (all the records of each true person)."""
    truth = _read(folder, "ground_truth_people.csv")
    roles = _read(folder, "involvements.csv")
    offending = set(roles.loc[roles["role"].isin(["offender", "suspect"]), "record_id"])
    offenders = truth.loc[truth["record_id"].isin(offending), "true_person_id"].unique()
    chosen = rng.choice(offenders, size=math.ceil(share * len(offenders)), replace=False)
    return truth.loc[truth["true_person_id"].isin(chosen), "record_id"]


def cross(source: Path, target: Path, source_code: str, share: float, seed: int) -> int:
    """Copy some of ``source``'s offenders, with half of their incidents and those incidents'
    other people, into ``target``'s files under new ids; returns the records copied."""
    rng = np.random.default_rng(seed)
    records = set(_crossing_offenders(source, share, rng))
    roles = _read(source, "involvements.csv")
    theirs = roles.loc[roles["record_id"].isin(records), "incident_id"].unique()
    incidents = set(rng.choice(theirs, size=math.ceil(len(theirs) / 2), replace=False)) if len(theirs) else set()
    copied_roles = roles[roles["incident_id"].isin(incidents)].copy()
    people = _read(source, "people.csv")
    copied_people = people[people["record_id"].isin(set(copied_roles["record_id"]))].copy()
    prefix = f"X{source_code}"
    crossed = pd.DataFrame({"record_id": prefix + copied_people["record_id"],
                            "original_force": source_code, "original_record_id": copied_people["record_id"]})
    copied_people["record_id"] = prefix + copied_people["record_id"]
    copied_roles["record_id"] = prefix + copied_roles["record_id"]
    copied_roles["incident_id"] = prefix + copied_roles["incident_id"]
    source_incidents = _read(source, "incidents.csv")
    copied_incidents = source_incidents[source_incidents["incident_id"].isin(incidents)].copy()
    copied_incidents["incident_id"] = prefix + copied_incidents["incident_id"]
    for name, rows in (("people.csv", copied_people), ("involvements.csv", copied_roles),
                       ("incidents.csv", copied_incidents)):
        rows.to_csv(target / name, mode="a", header=False, index=False)
    crossed.to_csv(target / CROSSED, index=False)
    return len(crossed)


# --- steps, each in a fresh interpreter ------------------------------------------------------
def step_load(folder: Path, store_path: Path, code: str) -> dict[str, Any]:
    from graph.embedded import EmbeddedStore
    from ingest.identity import make_splink_resolver
    from ingest.load import ingest_folder
    from scoring.catalogue import load_catalogue

    started = time.perf_counter()
    with EmbeddedStore(store_path) as store:
        ingest_folder(folder, store, load_catalogue(None).keys, resolver=make_splink_resolver(), force=code)
        clusters = store.clusters()
    return {"load_s": round(time.perf_counter() - started, 1), "load_peak_gb": round(_peak_mb() / 1024, 2),
            "records": len(clusters), "persons": int(clusters["person_id"].nunique())}


def step_rank(store_path: Path, folders: list[Path]) -> dict[str, Any]:
    from core.forces import forces_of
    from graph.embedded import EmbeddedStore
    from harmgraph.context import build_context
    from scoring.lists import PerpetratorList, rank_perpetrators

    started = time.perf_counter()
    with EmbeddedStore(store_path) as store:
        context = build_context(store)
        clusters = store.clusters()
    rank_perpetrators(context, PerpetratorList.OVERALL)
    rank_perpetrators(context, PerpetratorList.DIFFERENT_VICTIMS)
    seconds = time.perf_counter() - started
    persons = context.tables.persons
    several = int((forces_of(persons["record_ids"]).str.contains(";")).sum())
    person = clusters.set_index("record_id")["person_id"]
    found = total = 0
    for folder in folders:
        if not (folder / CROSSED).exists():
            continue
        crossed = pd.read_csv(folder / CROSSED, dtype=str)
        code = folder.name
        copy = person.reindex(code + ":" + crossed["record_id"]).to_numpy()
        original = person.reindex(crossed["original_force"] + ":" + crossed["original_record_id"]).to_numpy()
        total += len(crossed)
        found += int((pd.notna(copy) & (copy == original)).sum())
    return {"rank_s": round(seconds, 1), "rank_peak_gb": round(_peak_mb() / 1024, 2),
            "persons_in_2+_forces": several, "copies_found": f"{found}/{total}"}


STEPS = {"load": step_load, "rank": step_rank}


def _child(step: str, *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--step", step, *args], cwd=ROOT,
                          stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(forces: int, incidents: int, crossing: float, seed: int, folder: Path) -> pd.DataFrame:
    from synth.generate import generate_force

    folders = [folder / _code(i) for i in range(forces)]
    for i, force in enumerate(folders):
        if not (force / "incidents.csv").exists():  # a kept region is reused as it is
            generate_force(force, people=math.ceil(incidents / INCIDENTS_PER_PERSON), seed=seed + i)
            if i:
                copied = cross(folders[i - 1], force, _code(i - 1), crossing, seed + i)
                print(f"{_code(i)}: generated, {copied} records of {_code(i - 1)}'s offenders copied in", flush=True)
    store = folder / "region.duckdb"
    for path in folder.glob("region.duckdb*"):
        path.unlink()
    rows = []
    for i, force in enumerate(folders):
        row = {"after load": _code(i)}
        row |= _child("load", str(force), str(store), _code(i))
        row |= _child("rank", str(store), *[str(f) for f in folders[: i + 1]])
        rows.append(row)
        print(json.dumps(row), flush=True)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forces", type=int, default=5)
    parser.add_argument("--incidents", type=int, default=20_000, help="incidents per force")
    parser.add_argument("--crossing", type=float, default=0.1,
                        help="share of each force's offenders who also offend in the next")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="Keep the forces and the store in this folder.")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    known, rest = parser.parse_known_args(argv)
    if known.step == "load":
        print(json.dumps(step_load(Path(rest[0]), Path(rest[1]), rest[2])))
        return 0
    if known.step == "rank":
        print(json.dumps(step_rank(Path(rest[0]), [Path(a) for a in rest[1:]])))
        return 0
    print(f"{known.forces} forces of about {known.incidents:,} incidents, {known.crossing:.0%} of offenders "
          f"crossing into the next force", flush=True)
    with tempfile.TemporaryDirectory(prefix="harmgraph_region_") as scratch:
        folder = known.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        table = run(known.forces, known.incidents, known.crossing, known.seed, folder)
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

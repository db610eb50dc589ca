"""What entity resolution does to the ranking, on a generated force with fragmentation on.

    .venv/bin/python bench/resolution_effect.py                   # 20,000 people, seed 7
    .venv/bin/python bench/resolution_effect.py --people 50000 --top 50
    .venv/bin/python bench/resolution_effect.py --hard-negatives       # namesakes, brothers, fathers/sons

Generates a force whose people are recorded under name variants, swapped names, DOB typos and
changed postcodes, loads it (which resolves records into persons with splink), then ranks the
same incidents three ways:

* **no resolution**: every source record is its own person (what a record-level export gives);
* **splink**: the persons the store resolved;
* **truth**: the generator's true identities (the best any resolution could do).

For each it prints how many of the planted serial perpetrators (ground truth) appear in the top
N of the overall list, and for splink the pairwise and cluster-level accuracy of resolution and,
in the top N of both offender lists, the rows that merge two or more real people and the rows
that count more victims than the real person has.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.embedded import EmbeddedStore  # noqa: E402
from harmgraph.context import build_context  # noqa: E402
from synth.person_records import pairwise_accuracy  # noqa: E402
from scoring.lists import PerpetratorList, rank_perpetrators  # noqa: E402
from core.tables import ScoringTables, normalise_tables  # noqa: E402


def _load(folder: Path, store_path: Path) -> None:
    """Ingest through the same code path as ``harmgraph ingest`` (resolution included)."""
    from bench.loading import load_folder

    load_folder(folder, store_path)


def tables_with_identity(store: EmbeddedStore, person_of: pd.Series) -> ScoringTables:
    """Scoring tables where ``person_of`` (record_id -> person id) decides who is who; persons
    are described from their records as the store describes them (``describe_persons``)."""
    from ingest.identity import describe_persons

    records = store.export_table("person_records")
    involvements = store.export_table("involvements")
    measures = store.export_table("measures")
    referrals = store.export_table("referrals")
    incidents = store.export_table("incidents")
    roles = involvements.assign(person_id=involvements["record_id"].map(person_of))
    roles = roles.drop_duplicates(["incident_id", "person_id", "role"])
    clusters = pd.DataFrame({"record_id": records["record_id"], "person_id": records["record_id"].map(person_of)})
    record_ids = clusters.groupby("person_id")["record_id"].agg(lambda ids: ";".join(sorted(ids))).rename("record_ids")
    persons = describe_persons(records, clusters).merge(record_ids, left_on="person_id", right_index=True)
    return normalise_tables(
        incidents=incidents,
        roles=roles[["incident_id", "person_id", "role", "relationship"]],
        persons=persons,
        measures=measures.assign(subject_person_id=measures["subject_record_id"].map(person_of),
                                 protected_person_id=measures["protected_record_id"].map(person_of)),
        breaches=store.export_table("measure_breaches"),
        referrals=referrals.assign(person_id=referrals["record_id"].map(person_of)),
    )


def planted_in_top(ranked: pd.DataFrame, truth: pd.DataFrame, top: int) -> tuple[int, int]:
    """(planted serial perpetrators found in the top ``top``, how many could fit there)."""
    true_of = truth.set_index("record_id")["true_person_id"]
    planted = set(truth.loc[truth["planted_serial"] == "true", "true_person_id"])
    head = ranked.head(top)["record_ids"].str.split(";").explode()
    found = set(head.map(true_of)) & planted
    return len(found), min(top, len(planted))


def cluster_accuracy(truth: pd.DataFrame, clusters: pd.DataFrame) -> dict[str, float]:
    """Share of true people whose records form exactly one predicted cluster, and the same
    for true people with more than one record (the ones resolution has to work for)."""
    merged = truth.merge(clusters, on="record_id")
    per_true = merged.groupby("true_person_id").agg(records=("record_id", "size"),
                                                    clusters=("person_id", "nunique"))
    cluster_sizes = merged.groupby("person_id")["record_id"].size()
    first_cluster = merged.groupby("true_person_id")["person_id"].first()
    exact = (per_true["clusters"] == 1) & (
        cluster_sizes.reindex(first_cluster).to_numpy() == per_true["records"].to_numpy())
    multi = per_true["records"] > 1
    return {"exact_all": round(float(exact.mean()), 4),
            "exact_multi_record": round(float(exact[multi].mean()), 4),
            "true_people": int(len(per_true)), "multi_record_people": int(multi.sum())}


def identity_errors(ranked: pd.DataFrame, truth_ranked: pd.DataFrame, truth: pd.DataFrame,
                    top: int, counted: pd.DataFrame) -> tuple[int, int, int]:
    """In the top ``top`` rows of a list ranked on resolved persons: (rows holding records of
    two or more real people, rows whose *counted* incidents are two or more real people's,
    rows that count more victims than the real person has).

    ``counted``: (person_id, record_id) of the perpetrator records behind the incidents each
    person is scored on (scoring sets aside incidents resting on a name-and-address-only record
    that would add a victim: such a record is held, and said, but not counted). A row's real
    person is the one behind most of its counted incidents; what he really has is his
    ``victims`` in the same list ranked on the true identities (0 when he is not on it)."""
    true_of = truth.set_index("record_id")["true_person_id"]
    head = ranked.head(top)
    held = head["record_ids"].str.split(";").map(lambda ids: pd.Series(ids).map(true_of))
    merged_held = int(sum(owner.nunique() > 1 for owner in held))
    behind = counted[counted["person_id"].isin(head["person_id"])].assign(
        owner=lambda frame: frame["record_id"].map(true_of))
    owners = behind.groupby("person_id")["owner"]
    merged_counted = int((owners.nunique() > 1).sum())
    main = owners.agg(lambda owner: owner.value_counts().index[0])
    really = truth_ranked.set_index("person_id")["victims"]
    over = int((head["victims"].to_numpy()
                > head["person_id"].map(main).map(really).fillna(0).to_numpy()).sum())
    return merged_held, merged_counted, over


def whole_record_victims(context) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """(person_id, victims): distinct victims over each person's whole record up to the as-of date."""
    from scoring.perpetrators import score_history_coded
    from scoring.prepared import Prepared

    prepared = Prepared(context)
    return prepared.decode(score_history_coded(context, prepared))[["person_id", "victims"]]


def counted_records(store: EmbeddedStore, context) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """(person_id, record_id, incident_id) of every perpetrator involvement a person is scored
    on: all of his suspect and offender involvements except the incidents scoring set aside."""
    from scoring.prepared import Prepared

    index = Prepared(context).index
    aside = pd.DataFrame({"person_id": index.ids(index.set_aside["person"].to_numpy()),
                          "incident_id": index.incidents["incident_id"].to_numpy()[index.set_aside["row"].to_numpy()]})
    involvements = store.export_table("involvements")
    roles = involvements[involvements["role"].isin(list(context.config.perpetrator_roles))]
    roles = roles.merge(store.clusters()[["record_id", "person_id"]], on="record_id")
    roles = roles.merge(aside.assign(aside=True), on=["person_id", "incident_id"], how="left")
    return roles[roles["aside"].isna()][["person_id", "record_id", "incident_id"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--top", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="Keep the force and store in this folder.")
    parser.add_argument("--hard-negatives", action="store_true",
                        help="Plant namesakes, brothers and fathers/sons of repeat and serial perpetrators.")
    args = parser.parse_args(argv)
    from synth.generate import generate_force

    with tempfile.TemporaryDirectory(prefix="resolution_effect_") as scratch:
        folder = args.keep or Path(scratch)
        force, store_path = folder / "force", folder / "store.duckdb"
        started = time.perf_counter()
        if not (force / "people.csv").exists():
            generate_force(force, people=args.people, seed=args.seed, fragmentation=True,
                           hard_negatives=args.hard_negatives)
        if not store_path.exists():
            _load(force, store_path)
        print(f"generated and loaded {args.people:,} people in {time.perf_counter() - started:.0f} s")
        truth = pd.read_csv(force / "ground_truth_people.csv", dtype=str)
        with EmbeddedStore(store_path) as store:
            context = build_context(store)
            clusters = store.clusters()[["record_id", "person_id"]]
            records = store.export_table("person_records")
            variants = {
                "no resolution (one person per record)": pd.Series(records["record_id"].to_numpy(),
                                                                   index=records["record_id"]),
                "splink (what harmgraph stores)": clusters.set_index("record_id")["person_id"],
                "truth (perfect resolution)": truth.set_index("record_id")["true_person_id"],
            }
            rows, lists = [], {}
            for label, person_of in variants.items():
                tables = context.tables if label.startswith("splink") else \
                    tables_with_identity(store, person_of)
                for which in PerpetratorList:
                    lists[label, which] = rank_perpetrators(replace(context, tables=tables), which)
                ranked = lists[label, PerpetratorList.OVERALL]
                found, possible = planted_in_top(ranked, truth, args.top)
                rows.append({"identity": label, "persons": tables.persons.shape[0],
                             f"planted in top {args.top}": f"{found} / {possible}",
                             "recall": round(found / possible, 3) if possible else float("nan")})
            errors = []
            counted = counted_records(store, context)
            truth_context = replace(context, tables=tables_with_identity(store, variants["truth (perfect resolution)"]))
            for which in PerpetratorList:
                # What the real person has: his count on the same list ranked on the true
                # identities; for the serial-history list his whole record's count (a real man
                # with many victims in the window is not on that list at all).
                really = (whole_record_victims(truth_context) if which is PerpetratorList.SERIAL_HISTORY
                          else lists["truth (perfect resolution)", which])
                held, merged, over = identity_errors(lists["splink (what harmgraph stores)", which],
                                                     really, truth, args.top, counted)
                errors.append({"list": which.value, "holding 2+ real people's records": held,
                               "counting 2+ real people's incidents": merged,
                               "counting more victims than the person has": over})
        scores = pairwise_accuracy(truth.set_index("record_id").loc[clusters["record_id"], "true_person_id"]
                                   .to_numpy(), clusters["person_id"].to_numpy())
    print(f"\nas of {context.as_of}; planted serial perpetrators = the generator's ground truth\n")
    print(pd.DataFrame(rows).to_string(index=False))
    print(f"\nidentity errors: rows in the top {args.top} of each offender list (splink vs truth):\n")
    print(pd.DataFrame(errors).to_string(index=False))
    print("\nresolution accuracy (splink vs truth):")
    print("  pairwise:", {k: scores[k] for k in ("precision", "recall", "f1")})
    print("  cluster-level:", cluster_accuracy(truth, clusters))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Neo4jStore's write over Bolt beside a bare driver ``UNWIND`` of the same rows, in one run.

    python bench/neo4j_write.py                  # 2,000 people: about a minute
    python bench/neo4j_write.py --people 20000 --rounds 3

Generates a synthetic force (synth.generate.generate_force) and ingests it once into an
in-memory embedded store to get the LoadBatch an ingest hands a store. Then, on one server
(a throw-away ArcadeDB with its Bolt plugin, tests/graph/arcadedb_server.py; or the server
named by NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD/NEO4J_DATABASE - that database is EMPTIED), each
round (after uncounted warm-up rounds) empties the database and times, side by side:

* ``store``: ``Neo4jStore.apply_load(batch)``, the whole load as ingest writes it;
* ``bare``: the neo4j driver alone running ``UNWIND $rows AS row MERGE ...`` per node label and
  relationship type over the same rows, ``--batch-rows`` rows per transaction, the rows already
  converted to driver values before the clock starts (the floor a hand-written loader reaches).

It prints rows/s for each and the store/bare ratio (the target is at least 0.8x). Rows counted
are every row of the LoadBatch: records, incidents, involvements, measures, breaches,
referrals, quarantine, warnings, clusters, persons, identity links, person-id lineage
and the review queue.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from neo4j import GraphDatabase  # noqa: E402

from graph.batch import LoadBatch  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from graph.neo4j_store import Neo4jStore, driver_rows  # noqa: E402
from ingest.load import ingest_folder  # noqa: E402
from scoring.catalogue import load_catalogue  # noqa: E402
from synth.generate import generate_force  # noqa: E402

# What a hand-written loader sends: one MERGE statement per label and relationship type.
_NODE = "UNWIND $rows AS row MERGE (n:{label} {{{key}: row.{key}}}) SET n = row"
_EDGE = ("UNWIND $rows AS row MATCH (a:{start} {{{a}: row.{a_col}}}) MATCH (b:{end} {{{b}: row.{b_col}}}) "
         "MERGE (a)-[x:{rel}]->(b){set}")
_CREATE = "UNWIND $rows AS row CREATE (n:{label}) SET n = row"


def _server_module():  # type: ignore[no-untyped-def]
    path = ROOT / "tests" / "graph" / "arcadedb_server.py"
    spec = importlib.util.spec_from_file_location("harmgraph_arcadedb_server", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def batch_rows(batch: LoadBatch) -> int:
    """Every row the batch carries (the figure rows/s is counted in)."""
    frames = [batch.records, batch.incidents, batch.involvements, batch.measures, batch.breaches,
              batch.referrals, batch.quarantine, batch.warnings]
    if batch.identity is not None:
        identity = batch.identity
        frames += [identity.clusters, identity.persons, identity.links, identity.lineage, identity.review]
    return sum(len(f) for f in frames if f is not None)


def captured_batch(folder: Path, catalogue: Path | None) -> LoadBatch:
    """The LoadBatch ingest hands a store for ``folder`` (captured from an in-memory store)."""
    seen: list[LoadBatch] = []

    class Capturing(EmbeddedStore):
        def apply_load(self, batch: LoadBatch) -> None:
            seen.append(batch)
            super().apply_load(batch)

    with Capturing(":memory:") as store:
        ingest_folder(folder, store, load_catalogue(catalogue).keys)
    return seen[0]


def bare_statements(batch: LoadBatch) -> list[tuple[str, list[dict[str, object]]]]:
    """(statement, rows) a bare-driver loader runs for ``batch``, rows already driver values."""
    def edge(start: str, a: str, end: str, b: str, rel: str, frame, a_col: str | None = None,  # type: ignore[no-untyped-def]
             b_col: str | None = None, props: tuple[str, ...] = ()) -> tuple[str, list[dict[str, object]]]:
        a_col, b_col = a_col or a, b_col or b
        assign = "".join(f" SET x.{p} = row.{p}" for p in props)
        text = _EDGE.format(start=start, a=a, a_col=a_col, end=end, b=b, b_col=b_col, rel=rel, set=assign)
        return text, driver_rows(frame.dropna(subset=[a_col, b_col]), [a_col, b_col, *props])

    involvements, measures, incidents = batch.involvements, batch.measures, batch.incidents
    steps = [
        (_NODE.format(label="PersonRecord", key="record_id"), driver_rows(batch.records, list(batch.records.columns))),
        (_NODE.format(label="Incident", key="incident_id"), driver_rows(incidents, list(incidents.columns))),
        (_NODE.format(label="Location", key="postcode"),
         driver_rows(incidents[["postcode"]].dropna().drop_duplicates(), ["postcode"])),
        edge("Incident", "incident_id", "Location", "postcode", "OCCURRED_AT", incidents),
    ]
    for role, rel in (("victim", "VICTIM_IN"), ("suspect", "SUSPECT_IN"), ("offender", "OFFENDER_IN"),
                      ("witness", "WITNESS_IN")):
        steps.append(edge("PersonRecord", "record_id", "Incident", "incident_id", rel,
                          involvements[involvements["role"] == role], props=("relationship",)))
    steps += [
        (_NODE.format(label="Measure", key="measure_id"),
         driver_rows(measures, ["measure_id", "type", "start_date", "end_date"])),
        edge("Measure", "measure_id", "PersonRecord", "record_id", "RESTRICTS", measures, b_col="subject_record_id"),
        edge("Measure", "measure_id", "PersonRecord", "record_id", "PROTECTS", measures, b_col="protected_record_id"),
        edge("Measure", "measure_id", "Incident", "incident_id", "BREACHED_BY", batch.breaches),
        (_NODE.format(label="Referral", key="referral_id"),
         driver_rows(batch.referrals, ["referral_id", "type", "date", "detail"])),
        edge("Referral", "referral_id", "PersonRecord", "record_id", "ABOUT", batch.referrals),
        (_CREATE.format(label="QuarantinedRow"), driver_rows(batch.quarantine, list(batch.quarantine.columns))),
        (_CREATE.format(label="LoadWarning"), driver_rows(batch.warnings, list(batch.warnings.columns))),
    ]
    if batch.identity is not None:
        identity = batch.identity
        steps += [
            (_NODE.format(label="Person", key="person_id"), driver_rows(identity.persons, list(identity.persons.columns))),
            edge("PersonRecord", "record_id", "Person", "person_id", "RESOLVES_TO", identity.clusters),
            (_CREATE.format(label="IdentityLink"), driver_rows(identity.links, list(identity.links.columns))),
            (_CREATE.format(label="PersonIdEvent"), driver_rows(identity.lineage, list(identity.lineage.columns))),
        ]
        if identity.review is not None:
            steps.append((_CREATE.format(label="ReviewItem"), driver_rows(identity.review, list(identity.review.columns))))
    return [(text, rows) for text, rows in steps if rows]


def run_bare(driver, database: str | None, steps, batch_size: int) -> None:  # type: ignore[no-untyped-def]
    """Each step in transactions of ``batch_size`` rows, one after another."""
    with driver.session(database=database) as session:
        for text, rows in steps:
            for start in range(0, len(rows), batch_size):
                chunk = rows[start:start + batch_size]
                session.execute_write(lambda tx, c=chunk, t=text: tx.run(t, rows=c).consume())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000, help="people in the generated force")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each (median reported)")
    parser.add_argument("--warm-up", type=int, default=2,
                        help="uncounted rounds first (the server's JIT needs a few loads to settle)")
    parser.add_argument("--batch-rows", type=int, default=None,
                        help="rows per UNWIND statement, store and bare alike (default: the store's)")
    parser.add_argument("--writers", type=int, default=None,
                        help="the store's concurrent write sessions (default: the store's)")
    parser.add_argument("--catalogue", type=Path, default=None, help="offence catalogue CSV")
    parser.add_argument("--heap", default="2g", help="JVM heap of the throw-away ArcadeDB")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="harmgraph-bench-"))
    started = time.perf_counter()
    generate_force(work / "force", people=args.people)
    batch = captured_batch(work / "force", args.catalogue)
    rows = batch_rows(batch)
    print(f"generated and ingested {args.people} people ({rows:,} rows to write) in "
          f"{time.perf_counter() - started:.1f}s")
    server = None
    if os.environ.get("NEO4J_URI"):
        uri, user = os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j")
        password, database = os.environ.get("NEO4J_PASSWORD", ""), os.environ.get("NEO4J_DATABASE")
    else:
        server = _server_module().start_server(work / "arcadedb", heap=args.heap)
        uri, user, password, database = server.uri, server.user, server.password, server.database
    options = {key: value for key, value in (("batch_rows", args.batch_rows), ("writers", args.writers))
               if value is not None}
    store = Neo4jStore(uri, user=user, password=password, database=database, **options)
    driver = GraphDatabase.driver(uri, auth=(user, password))
    batch_size = args.batch_rows or store.batch_rows
    steps = bare_statements(batch)
    seconds: dict[str, list[float]] = {"store": [], "bare": []}
    try:
        # The first rounds warm the server's JIT and caches up and are not counted.
        for round_number in range(args.warm_up + args.rounds):
            # Each round swaps who goes first, so neither always meets the server just emptied.
            for name in (("store", "bare") if round_number % 2 == 0 else ("bare", "store")):
                store.delete_everything()
                begin = time.perf_counter()
                if name == "store":
                    store.apply_load(batch)
                else:
                    run_bare(driver, database, steps, batch_size)
                if round_number >= args.warm_up:
                    seconds[name].append(time.perf_counter() - begin)
        report = store.last_write_report
        if report is not None:
            print(f"store's last first load: {report.concurrent} chunks written concurrently, "
                  f"{report.one_writer} by one writer" + (f" after the server refused concurrent writes "
                                                          f"({report.refusals[0][:120]})" if report.fell_back else ""))
        counts = store.counts()
        print(f"server: {store.location}; {store.batch_rows:,} rows per statement; "
              f"store writers: {store.writers}")
        print(f"stored after the last round: person_records {counts['person_records']:,}, "
              f"incidents {counts['incidents']:,}, involvements {counts['involvements']:,}")
        for name, times in seconds.items():
            middle = statistics.median(times)
            print(f"{name:>5}: {middle:6.2f}s median of {len(times)} "
                  f"({', '.join(f'{t:.2f}' for t in times)}) = {rows / middle:>9,.0f} rows/s")
        # Each round's pair ran back to back, so its ratio is the one a busy machine disturbs least.
        # (seconds[...] are in round order for both, whichever went first.)
        ratios = [bare / store for store, bare in zip(seconds["store"], seconds["bare"])]
        print(f"store / bare driver: {statistics.median(ratios):.2f}x median of the rounds' ratios "
              f"({', '.join(f'{r:.2f}' for r in ratios)}); target >= 0.80x")
    finally:
        driver.close()
        store.close()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()

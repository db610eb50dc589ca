"""Write a generated force into a Neo4j-compatible server over Bolt and print rows/s.

    python bench/neo4j_write.py --people 5000

Generates a synthetic force (synth.generate.generate_force), starts a throw-away ArcadeDB with
its Bolt plugin (tests/graph/arcadedb_server.py; or uses NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD/
NEO4J_DATABASE when NEO4J_URI is set - that database is emptied first), ingests the force
through Neo4jStore and times the one write transaction (apply_load). Rows counted are every
row of the LoadBatch: records, incidents, involvements, measures, breaches, referrals,
quarantine, warnings, clusters, persons and identity links.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.neo4j_store import Neo4jStore  # noqa: E402
from ingest.load import ingest_folder  # noqa: E402
from scoring.catalogue import load_catalogue  # noqa: E402
from synth.generate import generate_force  # noqa: E402


def _server_module():  # type: ignore[no-untyped-def]
    path = ROOT / "tests" / "graph" / "arcadedb_server.py"
    spec = importlib.util.spec_from_file_location("harmgraph_arcadedb_server", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _batch_rows(batch) -> int:  # type: ignore[no-untyped-def]
    frames = [batch.records, batch.incidents, batch.involvements, batch.measures, batch.breaches,
              batch.referrals, batch.quarantine, batch.warnings]
    if batch.identity is not None:
        frames += [batch.identity.clusters, batch.identity.persons, batch.identity.links]
    return sum(len(f) for f in frames if f is not None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000, help="people in the generated force")
    parser.add_argument("--catalogue", type=Path, default=None, help="offence catalogue CSV")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="harmgraph-bench-"))
    started = time.perf_counter()
    generate_force(work / "force", people=args.people)
    print(f"generated {args.people} people in {time.perf_counter() - started:.1f}s")
    server = None
    if os.environ.get("NEO4J_URI"):
        store = Neo4jStore.from_env()
    else:
        server = _server_module().start_server(work / "arcadedb", heap="2g")
        store = Neo4jStore(server.uri, user=server.user, password=server.password, database=server.database)
    try:
        store.delete_everything()
        timing: dict[str, float] = {}
        apply = store.apply_load

        def timed(batch):  # type: ignore[no-untyped-def]
            timing["rows"] = _batch_rows(batch)
            begin = time.perf_counter()
            apply(batch)
            timing["seconds"] = time.perf_counter() - begin

        store.apply_load = timed  # type: ignore[method-assign]
        begin = time.perf_counter()
        ingest_folder(work / "force", store, load_catalogue(args.catalogue).keys)
        total = time.perf_counter() - begin
        rows, seconds = int(timing["rows"]), timing["seconds"]
        print(f"server: {store.location}")
        print(f"counts: {store.counts()}")
        print(f"ingest total {total:.1f}s; write transaction {seconds:.1f}s for {rows} rows "
              f"= {rows / seconds:,.0f} rows/s")
    finally:
        store.close()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()

"""Hostile names on the Neo4j store (issue 7, item 3; the embedded store and the exports are in
tests/reliability/test_injection.py): quotes, SQL and Cypher fragments, backslashes, unicode
and NUL bytes are bound as parameters, so they round-trip unchanged and nothing is deleted.
"""

from __future__ import annotations

from pathlib import Path

from graph.store import GraphStore
from harmgraph.context import latest_incident_date
from ingest.load import ingest_folder
from scoring.config import load_config
from scoring.explain import explain_person
from scoring.lists import rank_perpetrators
from scoring.context import ScoringContext

HOSTILE = [
    "O'Brien",
    "'; DROP TABLE persons; --",
    '"}) MATCH (n) DETACH DELETE n //',
    "x' OR '1'='1",
    "back\\slash\\",
    "\\'}) RETURN 1 //",
    "`Person` {name: 'x'}",
    "Zoë 李小龙 🙂",
    "nul\x00byte",
    "=HYPERLINK(\"http://evil.example\")",
    "$param {{7*7}}",
]


def test_hostile_names_round_trip_through_the_neo4j_store(
        neo4j_store: GraphStore, force_factory, catalogue, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    force = force_factory()
    for number, name in enumerate(HOSTILE):
        suspect = force.person(f"S'{number}\"}}) //", name, name, "M", ethnicity=name)
        victim = force.person(f"V{number}", name + " victim", "Victim", "F")
        force.incident(f"I{number}'--", f"2025-03-1{number % 9}", "common_assault", suspect, (victim,),
                       domestic_abuse="Y")
    ingest_folder(force.write(tmp_path / "extract"), neo4j_store, catalogue.keys)

    counts = neo4j_store.counts()
    assert counts["person_records"] == 2 * len(HOSTILE)
    assert counts["incidents"] == len(HOSTILE) and counts["involvements"] == 2 * len(HOSTILE)
    assert counts["quarantine"] == 0
    records = neo4j_store.person_records().set_index("record_id")
    for number, name in enumerate(HOSTILE):
        record_id = f"S'{number}\"}}) //"
        assert records.at[record_id, "forename"] == name
        assert records.at[record_id, "surname"] == name
        assert records.at[record_id, "ethnicity"] == name

    tables = neo4j_store.scoring_tables()
    context = ScoringContext(tables=tables, config=load_config(), catalogue=catalogue,
                             as_of=latest_incident_date(tables))
    ranked = rank_perpetrators(context)
    assert len(ranked) == len(HOSTILE)
    expected_names = {f"{n.title()} {n.upper()}" for n in HOSTILE}
    assert set(ranked["display_name"]) == expected_names
    for person_id in ranked["person_id"]:
        evidence = explain_person(context, person_id)
        assert evidence.person["display_name"] in expected_names
        assert len(neo4j_store.person_record_rows(person_id)) == 1
    assert neo4j_store.counts() == counts  # nothing was executed as a query

"""The victim-offender-incident graph: stores and graph views. Owns every query."""

from __future__ import annotations

from pathlib import Path

from graph.credentials import Neo4jCredentials
from graph.store import GraphStore

EMBEDDED_DEFAULT = "harmgraph.duckdb"
BOLT_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def is_bolt_uri(location: str | Path | None) -> bool:
    """Whether ``location`` names a Neo4j server (bolt:// or neo4j:// URI) rather than a file."""
    return str(location or "").startswith(BOLT_SCHEMES)


def open_store(location: str | Path | None = None, credentials: Neo4jCredentials | None = None) -> GraphStore:
    """Open the store at ``location``: a file path (embedded, the default) or a bolt:// URI.

    A bolt:// or neo4j:// URI opens the Neo4j store with ``credentials``; no location opens
    the embedded file ``harmgraph.duckdb``.
    """
    target = str(location or EMBEDDED_DEFAULT)
    if is_bolt_uri(target):
        from graph.neo4j_store import Neo4jStore

        return Neo4jStore.connect(target, credentials)
    from graph.embedded import EmbeddedStore

    return EmbeddedStore(target)


__all__ = ["GraphStore", "Neo4jCredentials", "open_store", "is_bolt_uri", "EMBEDDED_DEFAULT"]

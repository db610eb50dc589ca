"""The victim-offender-incident graph: stores and graph views. Owns every query."""

from __future__ import annotations

import os
from pathlib import Path

from graph.store import GraphStore

EMBEDDED_DEFAULT = "harmgraph.duckdb"
# Read once at start-up so every command's --store default (and the app's) names the force's
# Neo4j server when NEO4J_URI is set, and the embedded file otherwise.
DEFAULT_STORE = os.environ.get("NEO4J_URI") or EMBEDDED_DEFAULT
BOLT_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def is_bolt_uri(location: str | Path | None) -> bool:
    """Whether ``location`` names a Neo4j server (bolt:// or neo4j:// URI) rather than a file."""
    return str(location or "").startswith(BOLT_SCHEMES)


def open_store(location: str | Path | None = None) -> GraphStore:
    """Open the store at ``location``: a file path (embedded, the default) or a bolt:// URI.

    A bolt:// or neo4j:// URI opens the Neo4j store with NEO4J_USER (default ``neo4j``),
    NEO4J_PASSWORD and NEO4J_DATABASE from the environment. With no location, NEO4J_URI (when
    set) is used, else the embedded file ``harmgraph.duckdb``.
    """
    target = str(location or os.environ.get("NEO4J_URI") or EMBEDDED_DEFAULT)
    if is_bolt_uri(target):
        from graph.neo4j_store import Neo4jStore

        return Neo4jStore.from_env(target)
    from graph.embedded import EmbeddedStore

    return EmbeddedStore(target)


__all__ = ["GraphStore", "open_store", "is_bolt_uri", "DEFAULT_STORE", "EMBEDDED_DEFAULT"]

"""The victim-offender-incident graph: stores and graph views. Owns every query."""

from __future__ import annotations

from pathlib import Path

from graph.store import GraphStore

DEFAULT_STORE = "harmgraph.duckdb"


def open_store(location: str | Path | None = None) -> GraphStore:
    """Open the store at ``location``: a file path (embedded, the default) or a bolt:// URI."""
    target = str(location or DEFAULT_STORE)
    if target.startswith(("bolt://", "bolt+s://", "neo4j://", "neo4j+s://")):
        from harmgraph.errors import StoreError

        raise StoreError(f"{target}: the Neo4j store is not available in this version")
    from graph.embedded import EmbeddedStore

    return EmbeddedStore(target)


__all__ = ["GraphStore", "open_store", "DEFAULT_STORE"]

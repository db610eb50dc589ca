"""How to sign in to (and write to) a Neo4j server; the edges (CLI, app) fill it from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.errors import ConfigError


@dataclass(frozen=True)
class Neo4jCredentials:
    """Who to sign in to a Neo4j server as; the edges (CLI, app) read them from the environment."""

    user: str = "neo4j"
    password: str | None = None
    database: str | None = None
    # How loads are written (docs/neo4j.md): rows per UNWIND statement (None: the store's
    # default) and concurrent write sessions for the first load into an empty database.
    batch_rows: int | None = None
    writers: int = 1

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Neo4jCredentials":
        """NEO4J_USER (default ``neo4j``), NEO4J_PASSWORD, NEO4J_DATABASE, and the write
        settings NEO4J_BATCH_ROWS and NEO4J_WRITERS (default 1).

        >>> Neo4jCredentials.from_environ({"NEO4J_PASSWORD": "s", "NEO4J_WRITERS": "4"})
        Neo4jCredentials(user='neo4j', password='s', database=None, batch_rows=None, writers=4)
        """
        batch_rows = _count(environ, "NEO4J_BATCH_ROWS")
        return cls(user=environ.get("NEO4J_USER") or "neo4j", password=environ.get("NEO4J_PASSWORD"),
                   database=environ.get("NEO4J_DATABASE") or None, batch_rows=batch_rows,
                   writers=_count(environ, "NEO4J_WRITERS") or 1)


def _count(environ: Mapping[str, str], name: str) -> int | None:
    """The positive whole number in ``environ[name]``; None when it is unset or empty."""
    text = (environ.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, not {text!r}")
    return int(text)

"""How to sign in to a Neo4j server; the edges (CLI, app) fill it from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Neo4jCredentials:
    """Who to sign in to a Neo4j server as; the edges (CLI, app) read them from the environment."""

    user: str = "neo4j"
    password: str | None = None
    database: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Neo4jCredentials":
        """NEO4J_USER (default ``neo4j``), NEO4J_PASSWORD and NEO4J_DATABASE.

        >>> Neo4jCredentials.from_environ({"NEO4J_PASSWORD": "s"})
        Neo4jCredentials(user='neo4j', password='s', database=None)
        """
        return cls(user=environ.get("NEO4J_USER") or "neo4j", password=environ.get("NEO4J_PASSWORD"),
                   database=environ.get("NEO4J_DATABASE") or None)

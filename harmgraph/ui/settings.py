"""Where the app reads from: store, scoring config and offence catalogue.

Resolved once per run from the command line (``streamlit run app.py -- --store PATH``), then
the environment (HARMGRAPH_STORE, NEO4J_URI, HARMGRAPH_CONFIG, HARMGRAPH_CATALOGUE; Neo4j's
NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE), then the default.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from graph import EMBEDDED_DEFAULT, GraphStore, Neo4jCredentials, open_store
from harmgraph.access import ROLES  # noqa: F401  (the roles live with their permissions)


@dataclass(frozen=True)
class Settings:
    """The store location and the optional config / catalogue files the app scores with."""

    store: str
    config_path: str | None = None
    catalogue_path: str | None = None
    neo4j: Neo4jCredentials = Neo4jCredentials()
    # Entity-resolution settings a review decision re-resolves with (as `harmgraph review`).
    resolution_config_path: str | None = None

    def open_store(self) -> GraphStore:
        """The store the app reads, signed in to Neo4j with the credentials given at start-up."""
        return open_store(self.store, self.neo4j)


def settings_from(argv: Sequence[str], environ: Mapping[str, str]) -> Settings:
    """Read ``--store/--config/--catalogue`` from ``argv``, falling back to the environment.

    Unknown arguments are ignored (the app may run under a test runner with its own).

    >>> settings_from(["--store", "x.duckdb"], {}).store
    'x.duckdb'
    >>> settings_from([], {"HARMGRAPH_STORE": "y.duckdb"}).store
    'y.duckdb'
    >>> settings_from([], {}).store
    'harmgraph.duckdb'
    """
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--store")
    parser.add_argument("--config")
    parser.add_argument("--catalogue")
    known, _unknown = parser.parse_known_args(list(argv))
    return Settings(
        store=known.store or environ.get("HARMGRAPH_STORE") or environ.get("NEO4J_URI") or EMBEDDED_DEFAULT,
        config_path=known.config or environ.get("HARMGRAPH_CONFIG") or None,
        catalogue_path=known.catalogue or environ.get("HARMGRAPH_CATALOGUE") or None,
        neo4j=Neo4jCredentials.from_environ(environ),
        resolution_config_path=environ.get("HARMGRAPH_RESOLUTION_CONFIG") or None,
    )

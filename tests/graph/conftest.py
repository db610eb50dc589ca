"""Stores for the contract suite: the embedded store and a Neo4jStore on a real Bolt server.

The Bolt server is an ArcadeDB started once per session in a temp dir on 127.0.0.1 (see
arcadedb_server.py), or the server named by NEO4J_URI (with NEO4J_USER / NEO4J_PASSWORD /
NEO4J_DATABASE) when that is set. WARNING: every Neo4j test empties that database first.

Without arcadedb-embedded and NEO4J_URI the Neo4j cases skip, except under CI (env CI set),
where they fail: CI must never pass by silently skipping the Neo4j store.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from graph.store import GraphStore

_HERE = Path(__file__).resolve().parent


def _server_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("harmgraph_arcadedb_server", _HERE / "arcadedb_server.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def bolt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str | None]]:
    """Where the Neo4j tests connect: NEO4J_URI if set, else a fresh ArcadeDB."""
    if os.environ.get("NEO4J_URI"):
        yield {"uri": os.environ["NEO4J_URI"], "user": os.environ.get("NEO4J_USER", "neo4j"),
               "password": os.environ.get("NEO4J_PASSWORD"),
               "database": os.environ.get("NEO4J_DATABASE")}
        return
    server_module = _server_module()
    if not server_module.arcadedb_available():
        message = ("Neo4j store tests need a Bolt server: pip install arcadedb-embedded, "
                   "or set NEO4J_URI (+ NEO4J_USER/NEO4J_PASSWORD/NEO4J_DATABASE)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = server_module.start_server(tmp_path_factory.mktemp("arcadedb"))
    try:
        yield {"uri": server.uri, "user": server.user, "password": server.password,
               "database": server.database}
    finally:
        server.stop()


@pytest.fixture
def neo4j_store(bolt_server: dict[str, str | None]) -> Iterator[GraphStore]:
    """An empty Neo4jStore (the whole database is emptied before the test)."""
    from graph.neo4j_store import Neo4jStore

    store = Neo4jStore(bolt_server["uri"], user=bolt_server["user"],
                       password=bolt_server["password"], database=bolt_server["database"])
    store.delete_everything()
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=["embedded", "neo4j"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """Each contract test runs once per store, on an empty store."""
    if request.param == "embedded":
        with EmbeddedStore(tmp_path / "contract.duckdb") as store:
            yield store
    else:
        yield request.getfixturevalue("neo4j_store")


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The shipped offence catalogue; a stand-in with every required key if it is missing.

    The contract suite compares stores, not weights, so a stand-in catalogue is enough when
    the shipped CSV is absent from a checkout.
    """
    from core.errors import ConfigError
    from scoring.catalogue import FLAG_COLUMNS, REQUIRED_KEYS, load_catalogue

    try:
        return load_catalogue()
    except ConfigError:
        path = tmp_path_factory.mktemp("catalogue") / "offence_catalogue.csv"
        lines = ["offence,label,harm_days," + ",".join(FLAG_COLUMNS)]
        for number, key in enumerate(sorted(REQUIRED_KEYS)):
            flags = ["true" if key not in ("da_non_crime",) else "false", "true" if key in ("rape", "sexual_assault") else "false",
                     "true" if key in ("stalking", "harassment") else "false",
                     "true" if key == "controlling_coercive" else "false",
                     "true" if key.startswith("breach") else "false",
                     "true" if key == "da_non_crime" else "false"]
            lines.append(f"{key},{key.replace('_', ' ')},{(number + 1) * 10}," + ",".join(flags))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return load_catalogue(path)


def store_neutral(frame: pd.DataFrame) -> pd.DataFrame:
    """Store-neutral values sorted by every column: datetimes as microsecond stamps, NaN as None."""
    out = {}
    for column in frame.columns:
        series = frame[column].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(series) or series.map(lambda v: isinstance(v, date)).any():
            out[column] = pd.to_datetime(series).astype("datetime64[us]").astype(object).where(series.notna(), None)
        else:
            out[column] = pd.Series([None if pd.isna(v) else (v.item() if isinstance(v, np.generic) else v)
                                     for v in series], dtype=object)
    result = pd.DataFrame(out, columns=list(frame.columns))
    order = result.astype(str).sort_values(list(result.columns)).index
    return result.loc[order].reset_index(drop=True)

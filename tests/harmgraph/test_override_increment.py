"""An analyst's link or unlink re-resolves only what the two records reach
(ingest.resolve_increment) and ends where re-resolving every record ends.

Real splink on a generated force in real embedded stores: each override is made in one store
through ``override`` and in a copy by storing it and resolving every record; the two compared.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from harmgraph.identity_review import override, resolve_stored_records
from ingest.identity import make_splink_resolver
from ingest.load import ingest_folder
from ingest.resolve_config import load_resolution_config
from synth.generate import generate_force

INCREMENTAL = "records the link or unlink names against the"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Settings that train on a few hundred records (the default waits for 1,000)."""
    path = tmp_path_factory.mktemp("settings") / "resolution.yaml"
    path.write_text("min_records_for_training: 300\nmin_pairs_for_em: 20\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, settings: Path, catalogue) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("override") / "force"
    generate_force(folder, people=400, seed=11)
    path = folder.parent / "store.duckdb"
    with EmbeddedStore(path) as store:
        ingest_folder(folder, store, catalogue.keys,
                      resolver=make_splink_resolver(load_resolution_config(settings)))
        assert store.resolution_model()
    return path


def _both_ways(incremental: Path, whole: Path, kind: str, pair: tuple[str, str], settings: Path,
               same_identity) -> list[str]:  # type: ignore[no-untyped-def]
    said: list[str] = []
    with EmbeddedStore(incremental) as store:
        override(store, kind, *pair, "analyst", "test", said.append, settings)
    with EmbeddedStore(whole) as store:
        store.add_override(kind, *pair, "analyst", "test", pd.Timestamp.now().to_pydatetime())
        resolve_stored_records(store, "analyst", lambda *_: None, settings)
    same_identity(incremental, whole)
    return said


def _person(path: Path) -> pd.Series:
    with EmbeddedStore(path) as store:
        return store.clusters().set_index("record_id")["person_id"]


def test_a_link_and_an_unlink_end_where_resolving_everything_ends(
        loaded: Path, tmp_path: Path, settings: Path, same_identity) -> None:  # type: ignore[no-untyped-def]
    incremental, whole = tmp_path / "incremental.duckdb", tmp_path / "whole.duckdb"
    shutil.copy(loaded, incremental)
    shutil.copy(loaded, whole)
    person = _person(incremental)
    alone = person[~person.duplicated(keep=False)].index
    held = person[person.duplicated(keep=False)].sort_index()
    first, second = alone[0], alone[1]
    assert person[first] != person[second]

    said = _both_ways(incremental, whole, "must_link", (first, second), settings, same_identity)
    assert any(INCREMENTAL in line for line in said)
    assert _person(incremental)[first] == _person(incremental)[second]

    # Two records of one person held apart: the person splits.
    together = held[held == held.iloc[0]].index[:2]
    said = _both_ways(incremental, whole, "cannot_link", (together[0], together[1]), settings,
                      same_identity)
    assert any(INCREMENTAL in line for line in said)
    after = _person(incremental)
    assert after[together[0]] != after[together[1]]

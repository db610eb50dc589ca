"""The resolution model is kept with the store and used again: a load that adds a few records
re-resolves without training, with the same model, and still joins a new record to its
person; a large change, other settings or ``harmgraph resolve`` train again.

Real splink on a generated force in a real embedded store (no mocks).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from harmgraph.identity_review import resolve_stored_records
from ingest.identity import make_splink_resolver
from ingest.load import ingest_folder
from ingest.resolve import TrainedModel
from ingest.resolve_config import ResolutionConfig
from synth.generate import generate_force

TRAINING = "estimating u (chance agreement) by random sampling"
# A force of a few hundred records, trained as a large one would be (the default waits for 1,000).
SMALL = ResolutionConfig(min_records_for_training=300, min_pairs_for_em=20)


@pytest.fixture(scope="module")
def force(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reuse") / "force"
    generate_force(folder, people=400, seed=11)
    return folder


def _loaded(force: Path, path: Path, catalogue, config: ResolutionConfig = SMALL) -> list[str]:
    said: list[str] = []
    with EmbeddedStore(path) as store:
        ingest_folder(force, store, catalogue.keys, resolver=make_splink_resolver(config, progress=said.append))
    return said


def _day_with_copies(store_path: Path, folder: Path, copies: int) -> list[str]:
    """A day's extract: one incident against each of ``copies`` victims, each keyed again
    under a new id (her record copied as it is). Returns the original record ids."""
    with EmbeddedStore(store_path) as store:
        records = store.person_records()
        roles = store.export_table("involvements")
    victims = roles.loc[roles["role"] == "victim", "record_id"].drop_duplicates().sort_values().head(copies)
    people = records[records["record_id"].isin(victims)].assign(record_id=lambda r: r["record_id"] + "-again")
    people["date_of_birth"] = pd.to_datetime(people["date_of_birth"]).dt.strftime("%Y-%m-%d")
    folder.mkdir(parents=True)
    people.to_csv(folder / "people.csv", index=False)
    ids = [f"DAY-{n}" for n in range(copies)]
    pd.DataFrame({"incident_id": ids, "occurred_at": "2026-10-30", "offence": "harassment"}).to_csv(
        folder / "incidents.csv", index=False)
    pd.DataFrame({"incident_id": ids, "record_id": people["record_id"].to_numpy(), "role": "victim"}).to_csv(
        folder / "involvements.csv", index=False)
    return victims.tolist()


def test_a_small_load_re_resolves_with_the_kept_model_and_joins_the_new_records(
        force: Path, tmp_path: Path, catalogue) -> None:
    store_path = tmp_path / "store.duckdb"
    first = _loaded(force, store_path, catalogue)
    assert TRAINING in first
    with EmbeddedStore(store_path) as store:
        kept = TrainedModel.from_json(store.resolution_model())
        n_records = len(store.person_records())
    assert kept is not None and kept.records == n_records and kept.settings == SMALL.model_fingerprint()

    originals = _day_with_copies(store_path, tmp_path / "day", copies=3)
    second = _loaded(tmp_path / "day", store_path, catalogue)
    assert TRAINING not in second
    assert f"using the model trained on {n_records} records (no training)" in second
    with EmbeddedStore(store_path) as store:
        assert TrainedModel.from_json(store.resolution_model()) == kept  # still the one trained on day one
        person = store.clusters().set_index("record_id")["person_id"]
    assert [person[f"{record}-again"] for record in originals] == [person[record] for record in originals]


def test_a_large_change_other_settings_or_harmgraph_resolve_train_again(
        force: Path, tmp_path: Path, catalogue) -> None:
    settings = tmp_path / "resolution.yaml"
    settings.write_text("min_records_for_training: 300\nmin_pairs_for_em: 20\nretrain_after_change: 0.0\n",
                        encoding="utf-8")
    store_path = tmp_path / "store.duckdb"
    _loaded(force, store_path, catalogue)
    _day_with_copies(store_path, tmp_path / "day", copies=2)
    # Any change at all is too much here: the load trains, and keeps the new model.
    strict = SMALL.model_copy(update={"retrain_after_change": 0.0})
    assert TRAINING in _loaded(tmp_path / "day", store_path, catalogue, strict)
    with EmbeddedStore(store_path) as store:
        assert TrainedModel.from_json(store.resolution_model()).records == len(store.person_records())

        said: list[str] = []
        resolve_stored_records(store, "analyst", said.append, settings)  # a link or unlink: the kept model
        assert TRAINING not in said
        said.clear()
        resolve_stored_records(store, "analyst", said.append, settings, retrain=True)  # harmgraph resolve
        assert TRAINING in said
        kept = TrainedModel.from_json(store.resolution_model())
    assert kept.suits(strict, kept.records)
    assert not kept.suits(strict.model_copy(update={"match_threshold": 0.95}), kept.records)

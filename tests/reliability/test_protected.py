"""Ethnicity (a protected characteristic) is never an input to any score (issue 7, item 7).

A generated force is loaded as it is, and again with every ethnicity permuted between people,
replaced by random codes, or blanked; the whole path runs each time (ingest with entity
resolution, then scoring), and every list must come out identical: rank, person_id, score,
flags and reasons. A second check changes ethnicity only in the scoring tables.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from graph.embedded import EmbeddedStore
from harmgraph.context import latest_incident_date
from ingest.identity import make_splink_resolver
from ingest.load import ingest_folder
from scoring.catalogue import load_catalogue
from scoring.config import load_config
from scoring.lists import PerpetratorList, VictimList, rank_perpetrators, rank_victims
from scoring.context import ScoringContext
from synth.generate import generate_force

COMPARED = ["rank", "person_id", "score", "flags", "reasons"]
CODES = ["W1", "W2", "W9", "A1", "A2", "A3", "B1", "B2", "M1", "O1", "O9", "NS", "Z"]


def _scramble(people: pd.DataFrame, how: str, rng: random.Random) -> pd.DataFrame:
    changed = people.copy()
    if how == "permuted":
        values = changed["ethnicity"].tolist()
        rng.shuffle(values)
        changed["ethnicity"] = values
    elif how == "random":
        changed["ethnicity"] = [rng.choice(CODES) for _ in range(len(changed))]
    else:
        changed["ethnicity"] = ""
    return changed


def _lists(context: ScoringContext) -> dict[str, pd.DataFrame]:
    lists = {f"perpetrators:{w.value}": rank_perpetrators(context, w) for w in PerpetratorList}
    lists.update({f"victims:{w.value}": rank_victims(context, w) for w in VictimList})
    return {name: frame[[c for c in COMPARED if c in frame.columns]].reset_index(drop=True)
            for name, frame in lists.items()}


@pytest.fixture(scope="module")
def force(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("protected") / "force"
    generate_force(folder, people=300, seed=5)
    return folder


def _load(folder: Path, path: Path) -> ScoringContext:
    catalogue = load_catalogue()
    with EmbeddedStore(path) as store:
        ingest_folder(folder, store, catalogue.keys, resolver=make_splink_resolver())
        tables = store.scoring_tables()
    return ScoringContext(tables=tables, config=load_config(), catalogue=catalogue,
                          as_of=latest_incident_date(tables))


@pytest.mark.parametrize("how", ["permuted", "random", "blanked"])
def test_scrambling_ethnicity_in_the_extract_changes_no_list(force: Path, tmp_path: Path, how: str) -> None:
    people = pd.read_csv(force / "people.csv", dtype=str, keep_default_na=False)
    assert (people["ethnicity"] != "").sum() > 50  # the force records ethnicity
    original = _load(force, tmp_path / "original.duckdb")

    scrambled_folder = tmp_path / how
    shutil.copytree(force, scrambled_folder)
    scrambled = _scramble(people, how, random.Random(7))
    assert (scrambled["ethnicity"] != people["ethnicity"]).sum() > 20
    scrambled.to_csv(scrambled_folder / "people.csv", index=False)
    other = _load(scrambled_folder, tmp_path / f"{how}.duckdb")

    # the scramble reached the store, so the comparison below is not vacuous
    assert not other.tables.persons["ethnicity"].equals(original.tables.persons["ethnicity"])
    expected, actual = _lists(original), _lists(other)
    assert len(expected["perpetrators:overall"]) > 20
    for name in expected:
        pd.testing.assert_frame_equal(actual[name], expected[name], obj=name)


def test_ethnicity_in_the_scoring_tables_is_never_read_by_a_score(force: Path, tmp_path: Path) -> None:
    original = _load(force, tmp_path / "store.duckdb")
    expected = _lists(original)
    rng = random.Random(11)
    for values in ([rng.choice(CODES) for _ in range(len(original.tables.persons))],
                   [None] * len(original.tables.persons)):
        persons = original.tables.persons.assign(ethnicity=pd.Series(values, dtype="string"))
        context = replace(original, tables=replace(original.tables, persons=persons))
        actual = _lists(context)
        for name in expected:
            pd.testing.assert_frame_equal(actual[name], expected[name], obj=name)

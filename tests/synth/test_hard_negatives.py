"""Hard negatives in a generated force: other men who share a perpetrator's name, home or
date of birth, kept apart in the ground truth."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from synth import generate_force


def _people(folder: Path) -> pd.DataFrame:
    people = pd.read_csv(folder / "people.csv", dtype=str)
    truth = pd.read_csv(folder / "ground_truth_people.csv", dtype=str)
    return people.merge(truth[["record_id", "true_person_id"]], on="record_id")


@pytest.fixture(scope="module")
def forces(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    plain, hard = tmp_path_factory.mktemp("plain"), tmp_path_factory.mktemp("hard")
    generate_force(plain, people=3000, seed=11)
    generate_force(hard, people=3000, seed=11, hard_negatives=True)
    return _people(plain), _people(hard)


def _namesakes(people: pd.DataFrame) -> int:
    """Names (forename + surname, as first recorded) held by two or more real men."""
    men = people[people["sex"] == "M"].drop_duplicates("true_person_id")
    key = men["forename"].str.lower() + " " + men["surname"].str.lower()
    return int((men.groupby(key)["true_person_id"].nunique() > 1).sum())


def test_namesakes_brothers_and_fathers_are_planted_and_kept_apart(forces) -> None:
    plain, hard = forces
    assert _namesakes(hard) >= _namesakes(plain) + 20
    # The same real people and records as the plain force: only names, homes and dates moved.
    assert hard["true_person_id"].nunique() == plain["true_person_id"].nunique()
    assert len(hard) == len(plain)


def test_a_planted_mans_records_often_lack_a_date_of_birth(forces) -> None:
    plain, hard = forces
    assert hard["date_of_birth"].isna().mean() > plain["date_of_birth"].isna().mean() + 0.005

"""count_points and recency_points: how raw measures become points under the configured bands."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.bands import count_points, recency_points
from scoring.config import CountBand, RecencyBand

VICTIMS = [CountBand(at_least=1, points=1), CountBand(at_least=2, points=3), CountBand(at_least=3, points=4)]
GRAVITY = [CountBand(at_least=0.5, points=1), CountBand(at_least=10, points=2)]
RECENCY = [RecencyBand(max_days=28, points=5), RecencyBand(max_days=90, points=4),
           RecencyBand(max_days=365, points=2)]


def test_a_count_below_the_first_band_scores_nothing() -> None:
    assert count_points(pd.Series([0]), VICTIMS).tolist() == [0.0]


def test_a_count_reaching_a_band_exactly_scores_that_band() -> None:
    assert count_points(pd.Series([1, 2, 3]), VICTIMS).tolist() == [1.0, 3.0, 4.0]


def test_a_count_between_bands_scores_the_highest_band_reached() -> None:
    assert count_points(pd.Series([0.4, 0.5, 9.99, 10.0]), GRAVITY).tolist() == [0.0, 1.0, 1.0, 2.0]


def test_a_count_above_the_top_band_scores_the_top_band() -> None:
    assert count_points(pd.Series([3, 50]), VICTIMS).tolist() == [4.0, 4.0]


def test_a_recent_incident_scores_the_first_band_covering_its_days() -> None:
    assert recency_points(pd.Series([0, 28, 29, 90, 91, 365]), RECENCY).tolist() == [5.0, 5.0, 4.0, 4.0, 2.0, 2.0]


def test_an_incident_older_than_every_band_scores_nothing() -> None:
    assert recency_points(pd.Series([366, 10_000]), RECENCY).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("points", [count_points, recency_points])
def test_points_keep_the_index_of_the_values(points) -> None:  # type: ignore[no-untyped-def]
    values = pd.Series([1, 400], index=pd.Index(["a", "b"], name="person"))
    bands = VICTIMS if points is count_points else RECENCY
    result = points(values, bands)
    assert result.index.equals(values.index) and result.dtype == "float64"


@pytest.mark.parametrize("points", [count_points, recency_points])
def test_no_values_give_no_points(points) -> None:  # type: ignore[no-untyped-def]
    assert points(pd.Series([], dtype="int64"), VICTIMS if points is count_points else RECENCY).empty

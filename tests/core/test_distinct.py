"""core.distinct gives what np.unique gives, by sorting."""

import numpy as np
import pandas as pd
import pytest

from core.distinct import place_in_run, run_starts, sorted_distinct


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_sorted_distinct_matches_np_unique(dtype: type) -> None:
    rng = np.random.default_rng(3)
    for size in (0, 1, 2, 17, 5_000):
        values = rng.integers(-50 if np.dtype(dtype).kind == "i" else 0, 60, size).astype(dtype)
        found = sorted_distinct(values)
        assert found.dtype == np.unique(values).dtype
        assert found.tolist() == np.unique(values).tolist()


def test_the_input_is_not_sorted_in_place() -> None:
    values = np.array([3, 1, 2, 1])
    sorted_distinct(values)
    assert values.tolist() == [3, 1, 2, 1]


def test_floats_keep_np_unique_s_single_nan() -> None:
    assert np.isnan(sorted_distinct(np.array([1.0, np.nan, np.nan]))).sum() == 1


def test_runs_of_grouped_values_match_pandas_grouping() -> None:
    rng = np.random.default_rng(8)
    values = np.sort(rng.integers(0, 40, 500))
    counted = pd.Series(values).groupby(values).cumcount().to_numpy()
    assert place_in_run(values).tolist() == counted.tolist()
    assert values[run_starts(values)].tolist() == np.unique(values).tolist()
    assert run_starts(values[:1]).tolist() == [0] and place_in_run(values[:0]).tolist() == []

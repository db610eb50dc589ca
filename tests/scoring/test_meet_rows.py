"""scoring.index.meet_rows, the inner join on incident rows that scoring and the victim-identity
checks run on, against a plain join, on both of its ways of finding each row's run."""

import numpy as np
import pandas as pd
import pytest

from scoring.index import meet_rows


def _plain_join(left_row: np.ndarray, right_row: np.ndarray) -> list[tuple[int, int]]:
    left = pd.DataFrame({"row": left_row, "at": np.arange(len(left_row))})
    right = pd.DataFrame({"row": right_row, "found": np.arange(len(right_row))})
    met = left.merge(right, on="row").sort_values(["at", "found"])
    return list(zip(met["at"].tolist(), met["found"].tolist()))


@pytest.mark.parametrize("spread", [50, 10**12, -1])
def test_meet_rows_is_an_inner_join_ordered_by_left_then_right(spread: int) -> None:
    """Small row numbers are counted; very large or negative ones (not rows, but a caller may
    pass them) are searched; both give the join."""
    rng = np.random.default_rng(5)
    left_row = rng.integers(0, 50, 300)
    right_row = np.sort(rng.integers(0, 50, 200))
    if spread == 10**12:
        left_row, right_row = left_row * spread, right_row * spread
    elif spread == -1:
        left_row, right_row = left_row - 25, right_row - 25
    at, found = meet_rows(left_row, right_row)
    assert list(zip(at.tolist(), found.tolist())) == _plain_join(left_row, right_row)


def test_meet_rows_with_nothing_on_either_side() -> None:
    for left_row, right_row in ((np.array([], dtype=np.int64), np.array([1, 2])),
                                (np.array([1, 2]), np.array([], dtype=np.int64)),
                                (np.array([7, 8]), np.array([1, 2]))):
        at, found = meet_rows(left_row, right_row)
        assert at.tolist() == [] and found.tolist() == []

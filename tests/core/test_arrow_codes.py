"""core.arrow_codes.positions_of finds a few ids among many (its examples run as doctests)."""

import numpy as np
import pyarrow as pa

from core.arrow_codes import positions_of


def test_positions_of_finds_a_few_ids_among_many_at_their_last_place() -> None:
    ids = pa.array([f"P{n}" for n in range(1000)] + ["P7"])
    found = positions_of(ids, pa.array(["P999", None, "Q1", "P7", "P0"]))
    assert found.tolist() == [999, -1, -1, 1000, 0]
    assert found.dtype == np.int64

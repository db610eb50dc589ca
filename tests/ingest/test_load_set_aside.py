"""The validated tables a load holds on disk while people are resolved come back exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest import load


def _every_kind_of_column() -> pd.DataFrame:
    return pd.DataFrame({
        "incident_id": pd.array(["I1", "I2", None], dtype="string"),
        "postcode": pd.Series(["NE1 1AA", None, "SR4 3FA"], dtype="str"),
        "occurred_at": pd.to_datetime(["2024-01-02 10:00", None, "2025-06-30 00:00"]),
        "domestic_abuse": pd.array([True, None, False], dtype="boolean"),
        "sentence_months": pd.array([1.5, None, 12.0], dtype="Float64"),
        "count": np.array([1, 2, 3], dtype=np.int64),
    })


def test_tables_come_back_with_their_values_and_types() -> None:
    original = _every_kind_of_column()
    tables = {"incidents": original.copy(), "involvements": original.iloc[:0].copy()}
    with load._set_aside(tables) as kept:
        assert tables == {}, "the tables are let go while the body runs"
        back = kept()
    pd.testing.assert_frame_equal(back["incidents"], original, check_exact=True)
    pd.testing.assert_frame_equal(back["involvements"], original.iloc[:0], check_exact=True,
                                  check_index_type=False)


def test_nothing_is_left_on_disk(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    with load._set_aside({"incidents": _every_kind_of_column()}) as kept:
        (folder,) = tmp_path.iterdir()
        assert folder.stat().st_mode & 0o777 == 0o700, "personal data: only the owner may read it"
        kept()
    assert not any(tmp_path.iterdir())


def test_nothing_is_left_on_disk_when_the_body_fails(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    with pytest.raises(RuntimeError), load._set_aside({"incidents": _every_kind_of_column()}):
        raise RuntimeError("resolution failed")
    assert not any(tmp_path.iterdir())

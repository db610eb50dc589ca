"""Plainly written dates and times are parsed by Arrow's cast; anything else, or a column with
a date that does not exist, by the general ISO 8601 parse. Both must give the same times."""

from __future__ import annotations

import pandas as pd
import pytest

from ingest.parse import _plain_timestamps, parse_timestamps

PLAIN = ["2025-01-10T00:30:00", "2024-02-29", None, "9999-12-31T23:59:59", "0001-01-01", "2025-03-30T01:30:00"]


@pytest.mark.parametrize("other", ["1900-02-29", "2025-13-01", "2025-01-10T24:00:00", "2025-01-10T23:59:60",
                                   "0000-01-01", "2025-07-01T00:15:00+01:00", "2025-01-10 00:30"])
def test_plain_text_parses_as_the_general_parse_does(other: str) -> None:
    """A plain column (read by Arrow's cast) and the same column with one more value that sends
    it to the general parse agree on every shared value; the extra value is read as the
    general parse reads it alone."""
    plain = pd.Series(PLAIN, dtype="string")
    assert _plain_timestamps(plain) is not None  # the Arrow path is the one tested here
    mixed = pd.Series([*PLAIN, other], dtype="string")
    fast, general = parse_timestamps(plain), parse_timestamps(mixed)
    assert fast.dtype == general.dtype == "datetime64[us]"
    assert fast.tolist() == general.iloc[:-1].tolist()
    assert fast.isna().tolist() == [False, False, True, False, False, False]


def test_a_parsed_column_can_be_blanked_in_place() -> None:
    """Validation blanks an unreadable optional value in place: the parsed column is writable."""
    parsed = parse_timestamps(pd.Series(["2025-01-10", "2025-01-11"], dtype="string"))
    parsed.iloc[0] = pd.NaT
    assert parsed.isna().tolist() == [True, False]

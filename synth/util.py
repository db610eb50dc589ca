"""Small vectorised helpers shared by the generator modules.

Time is carried as float days since 1970-01-01 (UTC, no time zone) until the files are
written: arithmetic on one float array is cheaper and simpler than on datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

YEAR = 365.25  # days

# Independent random streams, one per stage, so that changing one stage (for example turning
# fragmentation off) leaves every other stage's draws, and so every other file, unchanged.
STREAMS = (
    "perpetrators", "pairs", "incidents", "victims", "offences", "attributes", "measures",
    "cast", "witnesses", "referrals", "identity", "fragment", "ids", "truth",
    "vawg",  # last: a stream added at the end leaves every earlier stream as it was
    # Appended last: a stream's draws depend only on its place, so the others stay as they were.
    "danger",
    "hard_negatives",
    "custody",
    "markers",
)


def streams(seed: int) -> dict[str, np.random.Generator]:
    """One generator per stage, all derived from ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.Generator(np.random.PCG64(child)) for name, child in zip(STREAMS, children)}


@dataclass(frozen=True)
class Window:
    """The period the extract covers, as float days since the epoch: [start, end)."""

    start: float
    end: float

    @classmethod
    def ending(cls, end_date: date, years: int) -> Window:
        end = float((end_date - date(1970, 1, 1)).days + 1)  # end of end_date
        return cls(start=end - years * YEAR, end=end)

    @property
    def length(self) -> float:
        return self.end - self.start


def segment_ids(counts: np.ndarray) -> np.ndarray:
    """For counts [2, 1, 3] -> [0, 0, 1, 2, 2, 2]: the owner of each expanded row."""
    return np.repeat(np.arange(len(counts)), counts)


def rank_in_segment(owner: np.ndarray) -> np.ndarray:
    """Position of each row within its run of equal, contiguous ``owner`` values."""
    n = len(owner)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(owner[1:] != owner[:-1]) + 1]
    lengths = np.diff(np.r_[starts, n])
    return np.arange(n) - np.repeat(starts, lengths)


def exclusive_cumsum_in_segment(values: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Running total of ``values`` before each row, restarting at each contiguous owner run."""
    total = np.cumsum(values) - values
    if len(values) == 0:
        return total
    starts = np.r_[0, np.flatnonzero(owner[1:] != owner[:-1]) + 1]
    lengths = np.diff(np.r_[starts, len(values)])
    return total - np.repeat(total[starts], lengths)


def choose(rng: np.random.Generator, size: int, probs: dict[int, float] | list[float]) -> np.ndarray:
    """``size`` codes drawn with the given probabilities (dict code->p or list by code)."""
    if isinstance(probs, dict):
        codes = np.fromiter(probs.keys(), dtype=np.int64)
        p = np.fromiter(probs.values(), dtype=float)
    else:
        p = np.asarray(probs, dtype=float)
        codes = np.arange(len(p))
    return codes[rng.choice(len(p), size=size, p=p / p.sum())]


def capped_geometric(rng: np.random.Generator, p: float, size: int, low: int, high: int) -> np.ndarray:
    """``low`` + (geometric(p) - 1), capped at ``high``: many small counts, a long tail."""
    return np.minimum(low + rng.geometric(p, size) - 1, high)


def make_ids(prefix: str, count: int, width: int = 7) -> np.ndarray:
    """Ids prefix + zero-padded 1..count, e.g. R0000001; widens beyond ``width`` if needed."""
    width = max(width, len(str(count)))
    if count == 0:  # numpy's string functions fail on empty input
        return np.zeros(0, dtype=f"<U{len(prefix) + width}")
    numbers = np.arange(1, count + 1).astype(str)
    return np.char.add(prefix, np.char.zfill(numbers, width))


def days_to_date_strings(days: np.ndarray) -> np.ndarray:
    """Float days since the epoch -> 'YYYY-MM-DD' strings."""
    return np.datetime_as_string(np.floor(days).astype(np.int64).astype("datetime64[D]"), unit="D")


def days_to_timestamp_strings(days: np.ndarray) -> np.ndarray:
    """Float days since the epoch -> 'YYYY-MM-DDTHH:MM:SS' strings."""
    seconds = np.floor(days * 86400.0).astype(np.int64).astype("datetime64[s]")
    return np.datetime_as_string(seconds, unit="s")

"""The lock a load holds on an embedded store (graph/staging.py), and whether one is held.

An advisory ``flock`` on ``STORE.load-lock``: one load at a time, and the writes a staged
load's swap would drop (identity rewrites, ``sync`` into the store) are refused meanwhile.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def lock_path(store: str | Path) -> Path:
    """The lock file a load holds on ``store``."""
    return Path(f"{store}.load-lock")


@contextmanager
def load_lock(store: str | Path) -> Iterator[None]:
    """Hold the store's load lock (waits for another load to finish)."""
    path = lock_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="ascii") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_running(store: str | Path) -> bool:
    """Whether another process holds ``store``'s load lock right now."""
    path = lock_path(store)
    if not path.exists():
        return False
    with open(path, "a+", encoding="ascii") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False

"""Loads into a staging copy of an embedded store, swapped in at the end, so readers keep working.

DuckDB lets one process at a time open a file for writing, and every harmgraph command opens
the store read-write (it writes the access log), so a load that held the store for its whole
run made ``rank``, ``explain`` and the app fail for as long as it took. A staged load:

1. takes ``STORE.load-lock`` (one load at a time; identity rewrites and ``sync`` refuse while
   it is held, as the swap would drop what they wrote);
2. copies the store to ``STORE.staging`` (a checkpointed copy, taken in a moment);
3. runs the whole load against the copy while readers use the store as before;
4. swaps: with the store briefly held, the tables readers may write during a load (the access
   log, users, MATAC decisions) are carried from the store into the copy, and the copy is
   renamed over the store in one step (``os.replace``). A reader that arrives in that moment
   waits for it (EmbeddedStore retries a busy file).

A load that fails or is killed before the swap leaves the store untouched; its staging copy is
replaced by the next load.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.errors import StoreError
from graph.embedded import EmbeddedStore, connect_waiting
from graph.load_lock import load_lock
from graph.store import READER_WRITTEN_TABLES, TABLE_COLUMNS


def staging_path(store: str | Path) -> Path:
    """Where a load builds the next version of ``store``."""
    return Path(f"{store}.staging")


def _checkpointed_copy(store: Path, staging: Path) -> None:
    """Copy ``store`` to ``staging`` while holding it, after a checkpoint (no write-ahead log)."""
    for stale in (staging, Path(f"{staging}.wal")):
        stale.unlink(missing_ok=True)
    if not store.exists():
        EmbeddedStore(staging).close()  # a first load: a new, empty store with the schema
        return
    connection = connect_waiting(str(store))
    try:
        connection.execute("CHECKPOINT")
        shutil.copyfile(store, staging)
        shutil.copymode(store, staging)  # the copy is as private as the store it replaces
    finally:
        connection.close()


def _column_list(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _swap(store: Path, staging: Path) -> None:
    """Carry readers' writes from ``store`` into ``staging``, then rename it over ``store``."""
    if not store.exists():
        os.replace(staging, store)
        return
    connection = connect_waiting(str(store))  # held until the rename: no reader writes meanwhile
    try:
        connection.execute("CHECKPOINT")
        connection.execute("ATTACH ? AS staged", [str(staging)])
        connection.begin()
        for table in READER_WRITTEN_TABLES:  # written while the load ran; the load never writes them
            columns = _column_list(TABLE_COLUMNS[table])
            connection.execute(f"DELETE FROM staged.{table}")
            connection.execute(f"INSERT INTO staged.{table} ({columns}) SELECT {columns} FROM main.{table}")
        connection.commit()
        connection.execute("CHECKPOINT staged")  # the copy whole in its file, no log beside it
        connection.execute("DETACH staged")
        os.replace(staging, store)
    except duckdb.Error as exc:
        raise StoreError(f"the load was built but not swapped into {store}: {exc}") from exc
    finally:
        connection.close()


@contextmanager
def staged_store(store: str | Path) -> Iterator[EmbeddedStore]:
    """An EmbeddedStore on a staging copy of ``store``, swapped in when the block succeeds."""
    target, staging = Path(store), staging_path(store)
    with load_lock(target):
        _checkpointed_copy(target, staging)
        with EmbeddedStore(staging) as copy:
            yield copy
        _swap(target, staging)

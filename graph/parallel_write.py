"""Run UNWIND statements chunk by chunk in several Bolt sessions at once, one writer as fallback.

Neo4jStore uses this only for a first load into an empty database (see ``Neo4jStore.apply_load``):
each chunk is its own transaction, so the chunks are written side by side by ``writers``
sessions. Servers differ in what they allow: Neo4j locks what each transaction touches and lets
transactions on different nodes run together, while ArcadeDB checks pages optimistically and
refuses a transaction whose pages another one changed meanwhile (a transient "concurrent
modification" error), which on a busy label is most of them. So the first refusal
turns the rest of the work to one writer: the refused chunk and every chunk not yet started are
written afterwards one by one (each rewrite is a MERGE of the same rows, so a chunk the server
refused is simply written again).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from neo4j import Session
from neo4j.exceptions import ConstraintError, TransientError

# What a server says when it will not run these transactions side by side: a transient
# conflict, or (ArcadeDB) two concurrent MERGEs of one key both creating it and the second
# breaking the uniqueness constraint. Neither changes anything (the transaction is rolled back),
# and a genuine constraint breach fails again when the chunk is rewritten by one writer.
REFUSALS = (TransientError, ConstraintError)


@dataclass(frozen=True)
class Chunk:
    """One statement with one slice of its rows (``key`` is the parameter name)."""

    statement: str
    rows: list
    key: str = "rows"


@dataclass
class WriteReport:
    """How a concurrent write went: chunks written side by side, and rewritten by one writer."""

    concurrent: int = 0
    one_writer: int = 0
    refusals: list[str] = field(default_factory=list)

    def add(self, other: "WriteReport") -> None:
        """Count ``other``'s chunks and refusals in this report too."""
        self.concurrent += other.concurrent
        self.one_writer += other.one_writer
        self.refusals += other.refusals

    @property
    def fell_back(self) -> bool:
        """Whether the server refused concurrent transactions (the rest went one at a time)."""
        return bool(self.refusals)


class _Shared:
    """What the writer threads share: the queue, the first failure, the refused chunks."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.pending: queue.SimpleQueue[Chunk] = queue.SimpleQueue()
        for chunk in chunks:
            self.pending.put(chunk)
        self.lock = threading.Lock()
        self.refused: list[Chunk] = []
        self.error: BaseException | None = None
        self.report = WriteReport()

    def next_chunk(self) -> Chunk | None:
        if self.error is not None:
            return None
        try:
            return self.pending.get_nowait()
        except queue.Empty:
            return None

    def refuse(self, chunk: Chunk, why: str | None = None) -> None:
        with self.lock:
            self.refused.append(chunk)
            if why is not None:
                self.report.refusals.append(why)


def _run_chunk(session: Session, chunk: Chunk) -> None:
    with session.begin_transaction() as tx:
        tx.run(chunk.statement, {chunk.key: chunk.rows}).consume()
        tx.commit()


def _writer(open_session: Callable[[], AbstractContextManager[Session]], shared: _Shared,
            after_chunk: Callable[[Session], None]) -> None:
    with open_session() as session:
        while (chunk := shared.next_chunk()) is not None:
            if shared.report.fell_back:
                shared.refuse(chunk)  # one writer from now on: left for the serial pass
                continue
            try:
                _run_chunk(session, chunk)
            except REFUSALS as exc:
                shared.refuse(chunk, str(exc).splitlines()[0][:200])
                continue
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread below
                shared.error = shared.error or exc
                return
            with shared.lock:
                shared.report.concurrent += 1
            after_chunk(session)


def write_concurrently(open_session: Callable[[], AbstractContextManager[Session]], chunks: list[Chunk],
                       writers: int, after_chunk: Callable[[Session], None] = lambda session: None) -> WriteReport:
    """Write every chunk, ``writers`` sessions at a time; after a refusal, the rest one by one.

    Raises the first non-transient error any writer met (chunks already written stay written:
    the caller undoes them). ``after_chunk`` runs in a writer's session after each of its chunks.
    """
    shared = _Shared(chunks)
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="bolt-writer") as pool:
        running = [pool.submit(_writer, open_session, shared, after_chunk) for _ in range(writers)]
        for future in running:
            future.result()
    if shared.error is not None:
        raise shared.error
    if shared.refused:
        with open_session() as session:
            for chunk in shared.refused:
                session.execute_write(lambda tx, c=chunk: tx.run(c.statement, {c.key: c.rows}).consume())
                shared.report.one_writer += 1
    return shared.report

"""Chunks written by several sessions at once on the real test server, one writer as fallback."""

from __future__ import annotations

import pytest
from neo4j.exceptions import CypherSyntaxError

from graph.parallel_write import Chunk, write_concurrently

UPSERT = "UNWIND $rows AS row MERGE (n:PersonRecord {record_id: row.record_id}) SET n.forename = row.forename"


def _chunks(count: int, size: int) -> list[Chunk]:
    return [Chunk(UPSERT, [{"record_id": f"R{c}-{r}", "forename": f"F{c}"} for r in range(size)])
            for c in range(count)]


def test_every_chunk_is_written_once_whether_or_not_the_server_takes_them_side_by_side(neo4j_store) -> None:
    chunks = _chunks(count=12, size=25)
    beats: list[int] = []
    report = write_concurrently(neo4j_store._session, chunks, writers=3, after_chunk=lambda s: beats.append(1))
    assert report.concurrent + report.one_writer == len(chunks)
    assert len(beats) == report.concurrent  # after_chunk runs after each chunk written side by side
    assert report.fell_back == (report.one_writer > 0) == bool(report.refusals)
    assert neo4j_store.counts()["person_records"] == 12 * 25
    # Writing them again changes nothing (MERGE): a refused chunk is safe to write again.
    write_concurrently(neo4j_store._session, chunks, writers=3)
    assert neo4j_store.counts()["person_records"] == 12 * 25


def test_a_chunk_failing_for_good_stops_the_writers_and_is_raised(neo4j_store) -> None:
    later = _chunks(count=40, size=5)
    chunks = later[:2] + [Chunk("UNWIND $rows AS row MERGE (n:PersonRecord {", [{}])] + later[2:]
    with pytest.raises(CypherSyntaxError):
        write_concurrently(neo4j_store._session, chunks, writers=2)
    assert neo4j_store.counts()["person_records"] < 40 * 5  # the chunks after it were never started

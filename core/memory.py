"""Which allocator Arrow's memory comes from: jemalloc, chosen once at the edges (CLI, app).

A load or a first ranking builds and drops gigabytes of short-lived Arrow columns. With
mimalloc, pyarrow's default pool on Linux, a 1M-incident ingest spent 24-27 s in the kernel
on this virtual machine, handling page faults for those columns; with jemalloc 14-15 s. Side
by side (README, *Arrow's allocator*): ingest took 69.6-73.2 s against 60.6-63.8 s with a peak
0.5 GB lower, and reading the scoring tables and ranking both lists 20-24 s against 13-15 s.
Why the two allocators differ this much here was not worked out; the choice rests on those
measurements. splink's own work runs in DuckDB, whose memory is its own, and is not affected.

An operator who names a pool in ``ARROW_DEFAULT_MEMORY_POOL`` (which pyarrow reads when it is
first imported) keeps it.
"""

from __future__ import annotations

import pyarrow as pa

POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


def use_preferred_arrow_pool(requested: str | None) -> str:
    """Make jemalloc Arrow's default memory pool, unless ``requested`` (the operator's
    ``ARROW_DEFAULT_MEMORY_POOL``, already obeyed by pyarrow) names another; return the
    backend now in use. A pyarrow built without jemalloc (Windows) keeps its default."""
    if not requested:
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        except NotImplementedError:  # not built into this pyarrow
            pass
    return pa.default_memory_pool().backend_name

"""Which allocator Arrow's memory comes from: jemalloc, chosen once at the edges (CLI, app).

pyarrow's default pool on Linux is mimalloc, which hands freed memory back to the system
within milliseconds. A load or a first ranking builds and drops gigabytes of short-lived
columns, and every page handed back must be faulted in again by the next column; on a
virtual machine that is slow. On the 1M-incident force, side by side (README, *Arrow's
allocator*): ingest spent 24-27 s in the kernel with mimalloc against 14-15 s with jemalloc,
and took 69.6-73.2 s against 60.6-63.8 s with a peak 0.5 GB lower; reading the scoring tables
and ranking both lists took 20-24 s against 13-15 s. splink's own work runs in DuckDB, whose
memory is its own, and is not affected.

An operator who names a pool in ``ARROW_DEFAULT_MEMORY_POOL`` (which pyarrow reads when it is
first imported) keeps it.
"""

from __future__ import annotations

import pyarrow as pa

POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"
PREFERRED_POOL = "jemalloc"


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

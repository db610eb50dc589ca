"""Arrow's allocator: jemalloc once the CLI starts, unless the operator named another pool."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from core.memory import POOL_VARIABLE, use_preferred_arrow_pool

ROOT = Path(__file__).resolve().parents[2]

try:
    pa.jemalloc_memory_pool()
    HAS_JEMALLOC = True
except NotImplementedError:
    HAS_JEMALLOC = False
needs_jemalloc = pytest.mark.skipif(not HAS_JEMALLOC, reason="this pyarrow is built without jemalloc")


@pytest.fixture
def pool_restored() -> Iterator[None]:
    before = pa.default_memory_pool()
    yield
    pa.set_memory_pool(before)


@needs_jemalloc
def test_new_columns_come_from_jemalloc(pool_restored: None) -> None:
    pa.set_memory_pool(pa.system_memory_pool())
    assert use_preferred_arrow_pool(None) == "jemalloc"
    jemalloc = pa.jemalloc_memory_pool()
    held = jemalloc.bytes_allocated()
    column = pa.array(range(1_000_000), type=pa.int64())
    assert jemalloc.bytes_allocated() >= held + 8_000_000
    del column


def test_a_pool_the_operator_named_is_kept(pool_restored: None) -> None:
    pa.set_memory_pool(pa.system_memory_pool())
    assert use_preferred_arrow_pool("system") == "system"
    assert pa.default_memory_pool().backend_name == "system"


def _pool_after_a_command(tmp_path: Path, environment: dict[str, str]) -> str:
    """Run ``harmgraph generate`` in a fresh interpreter and report Arrow's pool after it."""
    script = ("import sys, pyarrow as pa; from harmgraph.cli import main; "
              f"sys.argv = ['harmgraph', 'generate', {str(tmp_path / 'force')!r}, '--people', '100']; "
              "main(); print('pool', pa.default_memory_pool().backend_name)")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1].removeprefix("pool ")


@needs_jemalloc
def test_the_cli_takes_jemalloc_unless_the_operator_named_a_pool(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k != POOL_VARIABLE}
    assert _pool_after_a_command(tmp_path / "chosen", environment) == "jemalloc"
    assert _pool_after_a_command(tmp_path / "named", {**environment, POOL_VARIABLE: "system"}) == "system"

"""The house's floors hold: imports run one way (import-linter's contracts in pyproject.toml)
and no module imports itself back through others (no import circles, lazy imports included)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ("harmgraph", "synth", "ingest", "graph", "scoring", "core")


def test_imports_run_one_way_down_the_floors() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_imports_itself_back() -> None:
    imports = grimp.build_graph(*ROOMS, cache_dir=None)
    arrows = nx.DiGraph()
    for module in imports.modules:
        for imported in imports.find_modules_directly_imported_by(module):
            arrows.add_edge(module, imported)
    circles = [sorted(group) for group in nx.strongly_connected_components(arrows) if len(group) > 1]
    assert circles == []

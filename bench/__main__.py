"""``python -m bench [scale|resolve|resolve-backends|febrl|resolution-effect|app|neo4j|list-quality|pack|regional|scoring-tables|incremental] ARGS``:
the benchmarks.

Each prints its own figures; none is a test. ``scale`` is the default (the issue's table:
stage, rows, seconds, rows/s, peak RSS, and the networkx-loop ratio with ``--baseline``).
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {"scale": "scale.py", "resolve": "resolve_scale.py", "resolve-backends": "resolve_backends.py",
           "febrl": "febrl_accuracy.py",
           "resolution-effect": "resolution_effect.py", "app": "app_render.py", "neo4j": "neo4j_write.py",
           "list-quality": "list_quality.py", "pack": "pack.py", "regional": "regional.py",
           "scoring-tables": "scoring_tables_engines.py", "incremental": "incremental.py"}


def main() -> None:
    args = sys.argv[1:]
    name = args.pop(0) if args and args[0] in SCRIPTS else "scale"
    sys.argv = [str(HERE / SCRIPTS[name]), *args]
    sys.path.insert(0, str(HERE.parent))
    runpy.run_path(str(HERE / SCRIPTS[name]), run_name="__main__")


if __name__ == "__main__":
    main()

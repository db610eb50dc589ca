"""What every command shares: the consoles, the common options, progress, exports, and the
store opened with the credentials the environment gives (the CLI is an edge: it alone reads
the environment, and only when a command runs).

``harmgraph.cli`` and every ``harmgraph.cmd_*`` module import from here; nothing here imports
them, so the commands form no circle with the entry point.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import (BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn,
                           TimeElapsedColumn)

from graph import EMBEDDED_DEFAULT, GraphStore, Neo4jCredentials, is_bolt_uri
from graph import open_store as open_graph_store

console = Console(stderr=True)
out = Console(soft_wrap=True)

# Where scripts and scheduled jobs give a password instead of answering a prompt.
PASSWORD_ENV = "HARMGRAPH_PASSWORD"

# --store falls back to $HARMGRAPH_STORE, then the force's Neo4j server ($NEO4J_URI), then the
# embedded file: click reads the variables when a command runs, not when this module loads.
DEFAULT_STORE = EMBEDDED_DEFAULT
StoreOption = Annotated[str, typer.Option("--store", envvar=["HARMGRAPH_STORE", "NEO4J_URI"],
                                          help="Store file (embedded) or bolt:// URI.")]
AsOfOption = Annotated[Optional[datetime], typer.Option(
    "--as-of", formats=["%Y-%m-%d"], help="Score as of this date (default: latest incident).")]
ConfigOption = Annotated[Optional[Path], typer.Option("--config", help="Scoring config YAML.")]
CatalogueOption = Annotated[Optional[Path], typer.Option("--catalogue", help="Offence catalogue CSV.")]
TopOption = Annotated[int, typer.Option("--top", min=1, help="How many rows to show.")]
OutputOption = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file.")]
ReasonOption = Annotated[str, typer.Option(
    "--reason", help="Why this export is made (recorded in the access log; needed with --output).")]
ResolutionConfigOption = Annotated[Optional[Path], typer.Option(
    "--resolution-config", envvar="HARMGRAPH_RESOLUTION_CONFIG",
    help="Entity-resolution settings YAML (thresholds, blocking rules); default: built in.")]


def open_store(location: str | Path | None, create: bool = False) -> GraphStore:
    """The store at ``location``, signed in to Neo4j with NEO4J_USER / NEO4J_PASSWORD /
    NEO4J_DATABASE when it is a bolt:// URI.

    An embedded store file that does not exist is an error unless ``create`` (ingest, demo,
    users add): a mistyped ``--store`` would otherwise open a new, empty store and every list
    would silently come back empty.
    """
    target = str(location or EMBEDDED_DEFAULT)
    if not create and not is_bolt_uri(target) and target != ":memory:" and not Path(target).exists():
        fail(f"no store at {target} (check --store or HARMGRAPH_STORE; 'harmgraph ingest' creates one)")
    return open_graph_store(location, Neo4jCredentials.from_environ(os.environ))


@contextmanager
def loading_store(location: str) -> Iterator[GraphStore]:
    """The store a load writes to: for an embedded file, a staging copy swapped in at the end
    (graph/staging.py), so that rank, explain and the app keep reading the store meanwhile."""
    if is_bolt_uri(location) or location == ":memory:":
        with open_store(location, create=True) as store:
            yield store
        return
    from graph.staging import staged_store

    with staged_store(location) as store:
        yield store


def fail(message: str, code: int = 1) -> None:
    """Print ``message`` as an error and stop the command with exit ``code``."""
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True)  # one line, however narrow
    raise typer.Exit(code)


@contextmanager
def stage_progress(stages: int | None = None) -> Iterator[Callable[..., None]]:
    """A progress bar over a job's stages, with the stage's name and the time elapsed.

    ``tell(stage)`` moves the bar one stage on (``stages`` is how many are expected; more grow
    the bar); ``tell(stage, fraction)`` sets it where the job knows its own share done.
    """
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TaskProgressColumn(), TimeElapsedColumn(), console=console,
                  transient=False) as progress:
        task = progress.add_task("starting", total=float(stages or 1))
        seen: list[str] = []

        def tell(stage: str, fraction: float | None = None) -> None:
            if fraction is not None:
                progress.update(task, description=stage, total=1.0, completed=min(max(fraction, 0.0), 1.0))
                return
            if stage not in seen:
                seen.append(stage)
                total = max(progress.tasks[0].total or 1.0, float(len(seen)))
                progress.update(task, total=total, completed=len(seen) - 1)
            progress.update(task, description=stage)

        yield tell
        progress.update(task, description="done", completed=progress.tasks[0].total)


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output``, or to standard output when there is none."""
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")


def current_user() -> str:
    """Who is running the command, for the access log (the OS account name)."""
    import getpass

    return getpass.getuser()


def export_reason(reason: str, output: Path | None) -> str:
    """The reason for an export: required when writing a file (asked for at a terminal)."""
    reason = reason.strip()
    if reason or output is None:
        return reason
    if sys.stdin.isatty():
        return typer.prompt("Reason for this export (recorded in the access log)").strip() or export_reason("", output)
    fail("writing an export to a file needs --reason (it is recorded in the access log)", 2)
    return ""


def as_date(value: datetime | None) -> date | None:
    """The day of a parsed ``--as-of`` option, or None when it was not given."""
    return value.date() if value else None

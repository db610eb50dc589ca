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
from enum import Enum
from typing import Annotated, Optional

import typer
from rich.progress import (BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn,
                           TimeElapsedColumn)

from graph import EMBEDDED_DEFAULT, GraphStore, Neo4jCredentials, is_bolt_uri
from graph import open_store as open_graph_store
from harmgraph.access import ACTIONS, can
from harmgraph.accounts import Account, authenticate
from harmgraph.terminal import SafeConsole, clean, styled
from ingest.resolve_config import BACKENDS

# Both consoles show text from the store literally (harmgraph/terminal.py): no markup is read
# in a name, and control characters are shown as escapes.
console = SafeConsole(stderr=True)
out = SafeConsole(soft_wrap=True)

# Where scripts and scheduled jobs sign in instead of answering a prompt.
USER_ENV = "HARMGRAPH_USER"
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
# The backends resolution can run on, as command-line choices (ingest.resolve_config names them).
ResolutionBackendName = Enum("ResolutionBackendName", {name: name for name in BACKENDS}, type=str)  # type: ignore[misc]
ResolutionBackendOption = Annotated[Optional[ResolutionBackendName], typer.Option(
    "--resolution-backend", envvar="HARMGRAPH_RESOLUTION_BACKEND",
    help="Where splink scores record pairs: duckdb (in this process) or spark (needs the spark "
         "extra and Java 17); default: the settings file's backend, else duckdb.")]
SparkMasterOption = Annotated[Optional[str], typer.Option(
    "--spark-master", envvar="HARMGRAPH_SPARK_MASTER",
    help="Spark master for --resolution-backend spark: local[N] (this machine, N cores) or a "
         "cluster such as spark://host:7077; default: the settings file's, else local[2].")]
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
    console.print(styled(("error:", "bold red"), " ", message), soft_wrap=True)  # one line, however narrow
    raise typer.Exit(code)


def _ask(what: str, env: str, hide: bool) -> str:
    """``$env`` if set, else asked for at a terminal; a script without it is refused."""
    value = os.environ.get(env, "")
    if value.strip():
        return value.strip() if not hide else value
    if sys.stdin.isatty():
        return str(typer.prompt(what, hide_input=hide))
    fail(f"this command needs a signed-in harmgraph user: set {USER_ENV} and {PASSWORD_ENV} "
         "(or run it at a terminal to be asked)")
    return ""


def sign_in(store: GraphStore, action: str, name: str | None = None) -> Account:
    """The local user running this command, signed in with their password and allowed to take
    ``action`` (the same ``can(role, action)`` table as the app, harmgraph/access.py).

    The name comes from ``name`` (e.g. ``matac record --chair``), else HARMGRAPH_USER, else a
    prompt; the password from HARMGRAPH_PASSWORD, else a hidden prompt. Sign-ins, failed ones
    and refusals are in the access log, and the account is who every later entry names.
    """
    if store.users().empty:
        fail(f"{store.location} has no users yet: add the first admin with 'harmgraph users add NAME "
             f"--role admin --store {store.location}', then sign in with {USER_ENV} and {PASSWORD_ENV}")
    user = (name or "").strip() or _ask("harmgraph user", USER_ENV, hide=False)
    account = authenticate(store, user, _ask(f"Password for {user}", PASSWORD_ENV, hide=True), where="cli")
    if account is None:
        fail(f"cannot sign in as {user!r}: wrong name or password, or the user is disabled")
    assert account is not None
    if not can(account.role, action):
        store.record_audit(account.label, "refused", action, "command line")
        fail(f"{account.name} ({account.role}) may not {ACTIONS[action]}: the {account.role} role does not "
             "have that right (harmgraph/access.py)")
    return account


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


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable and writable by its owner only (0600), from the
    moment it exists: an export holds people's names."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file that existed keeps its mode otherwise
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` (owner-only), or to standard output when there is none
    (with control characters shown as escapes when that is a terminal)."""
    if output is None:
        sys.stdout.write(clean(text) if sys.stdout.isatty() else text)
    else:
        write_private(output, text)
        console.print(f"wrote {output}")


def export_reason(reason: str, output: Path | None, to_stdout: bool = False) -> str:
    """The reason for an export: required when writing a file, or a machine-readable format to
    standard output (``--format csv > file`` is an export too); asked for at a terminal."""
    reason = reason.strip()
    if reason or (output is None and not to_stdout):
        return reason
    if sys.stdin.isatty():
        return (typer.prompt("Reason for this export (recorded in the access log)").strip()
                or export_reason("", output, to_stdout))
    fail(f"writing an export {'to a file' if output is not None else 'as CSV or JSON'} needs --reason "
         "(it is recorded in the access log)", 2)
    return ""


def as_date(value: datetime | None) -> date | None:
    """The day of a parsed ``--as-of`` option, or None when it was not given."""
    return value.date() if value else None

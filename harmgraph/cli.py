"""The harmgraph command line: every job an analyst runs, each a small typer command.

Errors of our own (HarmgraphError) are caught once here and shown as a sentence.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn,
                           TimeElapsedColumn)
from rich.table import Table

from harmgraph import __version__
from harmgraph.cli_common import (DEFAULT_STORE, AsOfOption, CatalogueOption, ConfigOption, OutputOption,
                                  ReasonOption, ResolutionConfigOption, StoreOption, TopOption, as_date,
                                  console, current_user, emit, export_reason, fail, loading_store, open_store, out,
                                  stage_progress)
from harmgraph.context import build_context, provenance
from core.errors import HarmgraphError
from harmgraph.export import to_csv, to_json

app = typer.Typer(help="Find serial and potentially dangerous VAWG perpetrators in police records.",
                  no_args_is_help=True, add_completion=False)
class Format(str, Enum):
    csv = "csv"
    table = "table"
    json = "json"


class PerpetratorListName(str, Enum):
    overall = "overall"
    different_victims = "different-victims"
    serial_history = "serial-history"


class VictimListName(str, Enum):
    most_offences = "most-offences"
    most_offenders = "most-offenders"


# --- generate / ingest / demo ------------------------------------------------------------------
@app.command()
def generate(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the synthetic force into.")],
    people: Annotated[int, typer.Option(min=10, help="Distinct real people in the force.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
    fragmentation: Annotated[bool, typer.Option(help="Record the same person several ways.")] = True,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Write a synthetic force in the input contract, with ground-truth files."""
    from synth.generate import generate_force

    with stage_progress() as tell:
        summary = generate_force(out_dir, people=people, seed=seed, fragmentation=fragmentation,
                                 fmt=fmt, progress=lambda stage, fraction=None: tell(stage, fraction))
    counts = ", ".join(f"{rows:,} {stem}" for stem, rows in summary.counts.items())
    console.print(f"wrote a synthetic force of {summary.people:,} people (seed {summary.seed}, "
                  f"{summary.fmt}) to {out_dir}: {counts}")


def _print_load_summary(summary) -> None:  # type: ignore[no-untyped-def]
    if summary.already_loaded:
        console.print(f"already loaded as {summary.load_id}: nothing changed")
        return
    # "lines" are a CSV's physical lines (header included); every row read is loaded, merged
    # or quarantined, which ingest checks before writing anything.
    table = Table(title=f"load {summary.load_id}")
    counted = ("lines", "read", "loaded", "duplicates_merged", "quarantined", "warnings")
    for column in ("file", *counted):
        table.add_column(column, justify="left" if column == "file" else "right")
    notes = []
    for file, counts in summary.per_file.items():
        table.add_row(file, *(str(counts[c]) if c in counts else "-" for c in counted))
        if counts.get("read", 1) == 0:
            notes.append(f"{file}: a header and no rows; nothing was loaded from it")
        if counts.get("blank_lines"):
            notes.append(f"{file}: {counts['blank_lines']} blank line(s) skipped")
    console.print(table)
    if summary.withdrawn:
        console.print("withdrawn upstream, removed with their links: "
                      + ", ".join(f"{len(ids)} from {name}" for name, ids in summary.withdrawn.items()))
    for note in notes:
        console.print(f"[yellow]warning:[/] {note}")


def _run_ingest(folder: Path, store_location: str, catalogue: Path | None,  # type: ignore[no-untyped-def]
                resolution_config: Path | None = None, allow_withdrawing_most: bool = False):
    from ingest.identity import make_splink_resolver
    from ingest.load import ingest_folder
    from ingest.resolve_config import load_resolution_config
    from scoring.catalogue import load_catalogue

    keys = load_catalogue(catalogue).keys
    settings = load_resolution_config(resolution_config)
    with loading_store(store_location) as store, stage_progress(stages=14) as tell:
        resolver = make_splink_resolver(settings, progress=lambda stage: tell(f"resolving people: {stage}"))
        summary = ingest_folder(folder, store, keys, resolver=resolver, progress=tell,
                                allow_withdrawing_most=allow_withdrawing_most)
    # Logged in the store itself once the load is in (a staged load has just been swapped in).
    with open_store(store_location) as store:
        store.record_audit(current_user(), "load", summary.load_id,
                           ("already loaded" if summary.already_loaded else f"{summary.quarantined} quarantined")
                           + "".join(f"; withdrew {len(ids)} {name}: {', '.join(ids[:20])}"
                                     + (" ..." if len(ids) > 20 else "") for name, ids in summary.withdrawn.items())
                           + f"; resolution match_threshold {settings.match_threshold}"
                           + (f" from {resolution_config}" if resolution_config else " (default settings)"))
        return summary


@app.command()
def ingest(
    folder: Annotated[Path, typer.Argument(help="Folder of contract files (CSV or Parquet).")],
    store: StoreOption = DEFAULT_STORE,
    strict: Annotated[bool, typer.Option(help="Exit 2 when any row was quarantined.")] = False,
    catalogue: CatalogueOption = None,
    resolution_config: ResolutionConfigOption = None,
    allow_withdrawing_most: Annotated[bool, typer.Option(
        "--allow-withdrawing-most", help="Let a file declared complete remove more than half of the stored "
                                         "records of its table (a partial file is refused otherwise).")] = False,
) -> None:
    """Validate and load an extract; bad rows go to quarantine with a reason."""
    summary = _run_ingest(folder, store, catalogue, resolution_config, allow_withdrawing_most)
    _print_load_summary(summary)
    if summary.quarantined:
        console.print(f"{summary.quarantined} row(s) quarantined: see 'harmgraph quarantine --store {store}'")
        if strict:
            raise typer.Exit(2)


# --- lists -------------------------------------------------------------------------------------
def _show(frame: pd.DataFrame, columns: list[str], fmt: Format, prov: dict[str, object],
          output: Path | None, title: str) -> None:
    from scoring.lists import list_notes

    notes = list_notes(frame)
    if fmt is Format.csv:
        emit(to_csv(frame[columns]), output)
        console.print(f"as of {prov['as_of']}; config {prov['config_version']} ({prov['config_fingerprint']})"
                      + (f"; victims: {prov['victims']}" if "victims" in prov else ""))
        for note in notes:  # said once for the whole list (standard error, beside the provenance)
            console.print(f"note: {note}", highlight=False)
    elif fmt is Format.json:
        emit(to_json(frame, {**prov, "notes": notes} if notes else prov) + "\n", output)
    else:
        for note in notes:
            out.print(f"[bold]Note:[/] {escape(note)}", highlight=False)
        _print_table(frame, columns, prov, title)


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)


# A list's columns need about this many characters; narrower output (a pipe, a log) would fold
# every header and figure, so the table is printed at least this wide.
LIST_TABLE_WIDTH = 110


def _print_table(frame: pd.DataFrame, columns: list[str], prov: dict[str, object], title: str) -> None:
    """A compact table, then each row's reason as a numbered line (reasons are long)."""
    # Lists keep the long columns out of the table (reasons follow it); a persons export has
    # nothing else to show, so its record ids stay.
    long_columns = ("reasons", "record_ids", "flags", "order_reason")
    shown = [c for c in columns if c not in long_columns or "reasons" not in columns]
    table = Table(title=title, box=box.SIMPLE_HEAD, caption=(
        f"as of {prov['as_of']}, {prov['lookback_years']}-year window; "
        f"config {prov['config_version']} ({prov['config_fingerprint']})"))
    for column in shown:
        # Ids and dates keep their width (an id cut in two cannot be pasted); the rest folds.
        table.add_column(column, overflow="fold", no_wrap=column in ("person_id", "last_incident"))
    for row in frame[shown].itertuples(index=False):
        table.add_row(*(_text(v) for v in row))
    out.width = max(out.width, LIST_TABLE_WIDTH)
    out.print(table)
    if "reasons" in columns:
        for row in frame.itertuples(index=False):
            flags = escape(f" [{row.flags.replace(';', ', ')}]") if isinstance(getattr(row, "flags", None), str) and row.flags else ""
            out.print(f"[bold]{row.rank}.[/] {row.display_name} ({row.person_id}){flags}: {row.reasons}",
                      highlight=False)
            if isinstance(getattr(row, "order_reason", None), str):
                out.print(f"   order: {escape(row.order_reason)}", highlight=False)
    out.print()


@app.command()
def rank(
    store: StoreOption = DEFAULT_STORE,
    top: TopOption = 20,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    which: Annotated[PerpetratorListName, typer.Option("--list")] = PerpetratorListName.overall,
    as_of: AsOfOption = None,
    config: ConfigOption = None,
    catalogue: CatalogueOption = None,
    output: OutputOption = None,
    reason: ReasonOption = "",
) -> None:
    """Rank the people who pose the highest risk (overall, or to different women and girls), or
    those with a serial history who are quiet in the window (--list serial-history)."""
    from scoring.lists import PERPETRATOR_COLUMNS, PerpetratorList, rank_perpetrators

    reason = export_reason(reason, output)
    with open_store(store) as graph_store, stage_progress(stages=2) as tell:
        tell("reading the store")
        context = build_context(graph_store, as_date(as_of), config, catalogue)
        tell("ranking")
        ranked = rank_perpetrators(context, PerpetratorList(which.value)).head(top)
        prov = provenance(context, f"perpetrators:{which.value}", graph_store)
        graph_store.record_audit(current_user(), "export" if output else "list", f"perpetrators:{which.value}",
                                 f"top {top} as of {context.as_of} format {fmt.value}"
                                 + (f" to {output.name}" if output else ""), reason=reason)
    _show(ranked, PERPETRATOR_COLUMNS, fmt, prov, output, f"Highest risk: {which.value}")


@app.command()
def victims(
    store: StoreOption = DEFAULT_STORE,
    top: TopOption = 20,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    which: Annotated[VictimListName, typer.Option("--list")] = VictimListName.most_offences,
    all_victims: Annotated[bool, typer.Option(
        "--all-victims", help="Rank every victim: men, boys and victims whose sex is not recorded too "
                              "(by default only women and girls).")] = False,
    under_18: Annotated[bool, typer.Option(
        "--under-18", help="Only victims under 18 at an incident in the window (girls, or every child "
                           "with --all-victims), by their date of birth.")] = False,
    as_of: AsOfOption = None,
    config: ConfigOption = None,
    catalogue: CatalogueOption = None,
    output: OutputOption = None,
    reason: ReasonOption = "",
) -> None:
    """Rank repeat women and girl victims (most offences, or most different offenders)."""
    from scoring.lists import VICTIM_COLUMNS, VictimList, rank_victims, victim_scope

    reason = export_reason(reason, output)
    scope = victim_scope(all_victims, under_18)
    with open_store(store) as graph_store, stage_progress(stages=2) as tell:
        tell("reading the store")
        context = build_context(graph_store, as_date(as_of), config, catalogue)
        tell("ranking victims")
        ranked = rank_victims(context, VictimList(which.value), all_victims, under_18).head(top)
        prov = {**provenance(context, f"victims:{which.value}", graph_store), "victims": scope}
        graph_store.record_audit(current_user(), "export" if output else "list", f"victims:{which.value}",
                                 f"top {top} {scope} as of {context.as_of} format {fmt.value}"
                                 + (f" to {output.name}" if output else ""), reason=reason)
    _show(ranked, VICTIM_COLUMNS, fmt, prov, output, f"Repeat victims ({scope}): {which.value}")


@app.command()
def explain(
    person_id: Annotated[str, typer.Argument(help="A person id from a list, e.g. P-1a2b3c4d5e.")],
    store: StoreOption = DEFAULT_STORE,
    as_of: AsOfOption = None,
    config: ConfigOption = None,
    catalogue: CatalogueOption = None,
) -> None:
    """Print the evidence behind one person: records, RFGV points, incidents, measures."""
    from harmgraph.explain_view import print_evidence
    from scoring.explain import explain_person

    with open_store(store) as graph_store:
        notice, person_id = _identity_notice(graph_store, person_id)
        context = build_context(graph_store, as_date(as_of), config, catalogue)
        evidence = explain_person(context, person_id)
        records = graph_store.person_record_rows(person_id)
        links = graph_store.identity_links(person_id)
        graph_store.record_audit(current_user(), "view_person", person_id, f"explain as of {context.as_of}")
    if notice:
        out.print(notice, highlight=False)
    print_evidence(out, evidence, records, links, context)


def _identity_notice(graph_store, person_id: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """What became of ``person_id`` (merged into / split into), and the id to show now."""
    from graph.lineage import where_now

    lineage = graph_store.person_lineage()
    state, targets = where_now(lineage, person_id)
    mine = lineage[lineage["person_id"] == person_id]
    last = mine.iloc[-1] if len(mine) else None
    when = (f" ({_text(last['at'])}, {last['cause']})" if last is not None and isinstance(last["cause"], str)
            else "")
    if state == "merged":
        return (f"{person_id} was merged into {targets[0]}{when}; showing {targets[0]} "
                f"(see 'harmgraph persons --history {person_id}')", targets[0])
    if state == "split":
        return (f"{person_id} was split: some of its records are now {', '.join(targets)}{when}; "
                f"{person_id} keeps its earliest records", person_id)
    if state == "retired":
        raise HarmgraphError(f"{person_id} no longer exists: its records were removed{when}")
    return "", person_id


@app.command()
def persons(
    store: StoreOption = DEFAULT_STORE,
    fmt: Annotated[Format, typer.Option("--format")] = Format.csv,
    output: OutputOption = None,
    reason: ReasonOption = "",
    history: Annotated[Optional[str], typer.Option(
        "--history", help="Show the lineage of this person id (issued, merged, split) instead.")] = None,
) -> None:
    """Export every resolved person with the source records merged into it."""
    if history is not None:
        _person_history(store, history, fmt)
        return
    reason = export_reason(reason, output)
    with open_store(store) as graph_store:
        frame = graph_store.scoring_tables().persons[["person_id", "display_name", "record_ids"]]
        graph_store.record_audit(current_user(), "export", "persons", f"{len(frame)} persons"
                                 + (f" to {output.name}" if output else ""), reason=reason)
    if fmt is Format.json:
        emit(to_json(frame, {"store": store}) + "\n", output)
    elif fmt is Format.csv:
        emit(to_csv(frame), output)
    else:
        _show(frame, list(frame.columns), fmt, {"as_of": "-", "lookback_years": "-",
                                                 "config_version": "-", "config_fingerprint": "-"},
              output, "Persons")


def _person_history(store: str, person_id: str, fmt: Format) -> None:
    """The lineage of one person id: when it was issued, what merged into it, what split off."""
    from graph.lineage import history, where_now

    with open_store(store) as graph_store:
        lineage = graph_store.person_lineage()
        events = history(lineage, person_id)
        graph_store.record_audit(current_user(), "view_person", person_id, "identity history")
    if events is None or events.empty:
        raise HarmgraphError(f"no lineage recorded for {person_id!r} in {store}")
    state, targets = where_now(lineage, person_id)
    columns = ["seq", "at", "event", "person_id", "other_id", "record_id", "cause"]
    if fmt is Format.csv:
        emit(to_csv(events[columns]), None)
    elif fmt is Format.json:
        emit(to_json(events[columns], {"store": store, "person_id": person_id, "now": state,
                                       "now_ids": targets}) + "\n", None)
    else:
        table = Table(title=f"Lineage of {person_id}", box=box.SIMPLE_HEAD)
        for column in columns:
            table.add_column(column, overflow="fold", no_wrap=column.endswith("_id"))
        for row in events[columns].itertuples(index=False):
            table.add_row(*(_text(v) for v in row))
        out.width = max(out.width, LIST_TABLE_WIDTH)
        out.print(table)
    now = {"merged": f"now part of {', '.join(targets)}", "split": f"split; parts now {', '.join(targets)}",
           "retired": "retired (no records left)", "current": "current"}.get(state, state)
    console.print(f"{person_id}: {now}")


@app.command()
def quarantine(
    store: StoreOption = DEFAULT_STORE,
    load_id: Annotated[Optional[str], typer.Option(help="Only this load.")] = None,
    output: OutputOption = None,
    reason: ReasonOption = "",
) -> None:
    """Export quarantined rows (file, row, column, reason, value) as CSV."""
    reason = export_reason(reason, output)
    with open_store(store) as graph_store:
        frame = graph_store.quarantine(load_id)
        # The rejected values are source data about people: their export is logged too.
        graph_store.record_audit(current_user(), "export" if output else "list", "quarantine",
                                 f"{len(frame)} row(s)" + (f" of load {load_id}" if load_id else "")
                                 + (f" to {output.name}" if output else ""), reason=reason)
    emit(to_csv(frame), output)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the demo force.")] = Path("demo-force"),
    store: StoreOption = str(Path("demo-force") / "harmgraph.duckdb"),
    people: Annotated[int, typer.Option(min=10)] = 20_000,
    seed: int = 7,
    top: TopOption = 10,
    open_app: Annotated[bool, typer.Option("--app", help="Then open the app on the demo store.")] = False,
) -> None:
    """Generate a synthetic force, load it, and print the top of both offender lists."""
    from scoring.lists import PERPETRATOR_COLUMNS, PerpetratorList, rank_perpetrators
    from synth.generate import generate_force

    with stage_progress() as tell:
        generate_force(out_dir, people=people, seed=seed,
                       progress=lambda stage, fraction=None: tell(f"generating: {stage}", fraction))
    _print_load_summary(_run_ingest(out_dir, store, None))
    columns = [c for c in PERPETRATOR_COLUMNS if c != "record_ids"]
    with open_store(store) as graph_store:
        context = build_context(graph_store)
        for which in PerpetratorList:
            ranked = rank_perpetrators(context, which).head(top)
            _show(ranked, columns, Format.table, provenance(context, which.value, graph_store), None,
                  f"Highest risk: {which.value}")
    console.print(f"store: {store}; try 'harmgraph explain {ranked.iloc[0]['person_id']} --store {store}'"
                  if len(ranked) else f"store: {store}")
    if open_app:
        run_app(store)


@app.command("app")
def run_app(
    store: StoreOption = DEFAULT_STORE,
    headless: Annotated[bool, typer.Option("--headless", help="Serve without opening a browser (servers, CI).")] = False,
    port: Annotated[Optional[int], typer.Option(min=1, max=65535, help="Port to serve on (Streamlit's default: 8501).")] = None,
    address: Annotated[str, typer.Option(help="Address to listen on. Default 127.0.0.1 (this machine only); "
                                               "a server behind the force's proxy names its own address.")] = "127.0.0.1",
) -> None:
    """Open the Streamlit app (MATAC list, profiles, network explorer) on the store."""
    import os
    import subprocess

    from harmgraph.ui.signon import SignOnError, check_launch

    try:  # a mistyped or unsafe sign-in set-up is said here, not as a traceback in the browser
        mode = check_launch(os.environ, address)
    except SignOnError as exc:
        fail(str(exc), 2)
    if mode == "none" and Path(store).exists():
        with open_store(store) as graph_store:
            if len(graph_store.users()):
                fail("HARMGRAPH_AUTH=none (no sign-in) is refused: this store has users, so it needs sign-in", 2)

    app_path = Path(__file__).resolve().parent / "app.py"  # the packaged entry script, beside this module
    server = ["--server.headless", "true"] if headless else []
    server += ["--server.port", str(port)] if port is not None else []
    server += ["--server.address", address]
    # Peer addresses are the TCP peer's: uvicorn would otherwise take X-Forwarded-For from a
    # loopback peer, and the trusted-proxy check (harmgraph/ui/signon.py) would judge a claim.
    environment = {**os.environ, "FORWARDED_ALLOW_IPS": ""}
    subprocess.run([sys.executable, "-m", "streamlit", "run", str(app_path), *server,
                    "--browser.gatherUsageStats", "false", "--client.disableDataExport", "true",
                    "--", "--store", store], check=False, env=environment)


@app.command()
def version() -> None:
    """Print the harmgraph version."""
    out.print(__version__)


def _register_extensions() -> None:
    """Commands that live in their own modules (each exposes ``register(app)``)."""
    import importlib

    for module_name in EXTENSION_MODULES:
        importlib.import_module(module_name).register(app)


# Modules adding commands to the CLI; each defines ``register(app: typer.Typer) -> None``.
EXTENSION_MODULES: tuple[str, ...] = ("harmgraph.cmd_graph", "harmgraph.cmd_identity", "harmgraph.cmd_signals", "harmgraph.cmd_access",
                                        "harmgraph.cmd_matac", "harmgraph.cmd_evidence")
_register_extensions()


def _usage_errors() -> tuple[type[Exception], ...]:
    """click's usage-error classes: typer 0.2x vendors its own copy of click beside the package."""
    import click

    found: list[type[Exception]] = [click.ClickException]
    try:
        from typer._click.exceptions import ClickException as TyperClickException
    except ImportError:  # a typer that uses the click package itself
        return tuple(found)
    return (*found, TyperClickException)


def main() -> None:
    """Console entry point: run the app, turning our own errors into one sentence."""
    try:
        # Outside standalone mode click returns a command's exit code instead of exiting.
        returned = app(standalone_mode=False)
    except HarmgraphError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        console.print("aborted")
        sys.exit(130)
    except Exception as exc:  # usage errors (unknown option, missing argument) arrive here
        if isinstance(exc, _usage_errors()):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    if isinstance(returned, int) and returned:
        sys.exit(returned)


if __name__ == "__main__":
    main()

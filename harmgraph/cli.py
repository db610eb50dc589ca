"""The harmgraph command line: every job an analyst runs, each a small typer command.

Errors of our own (HarmgraphError) are caught once here and shown as a sentence.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer
from rich import box
from rich.table import Table

from harmgraph import __version__
from harmgraph.accounts import Account
from harmgraph.cli_common import (DEFAULT_STORE, USER_ENV, AsOfOption, CatalogueOption, ConfigOption,
                                  OutputOption, ReasonOption, ResolutionBackendOption, ResolutionConfigOption,
                                  SparkMasterOption, StoreOption, TopOption,
                                  as_date, console, emit, export_reason, fail, loading_store, open_store, out,
                                  sign_in,
                                  stage_progress)
from harmgraph.terminal import clean, styled
from harmgraph.context import build_context, provenance
from core.errors import HarmgraphError
from core.memory import POOL_VARIABLE, use_preferred_arrow_pool
from harmgraph.export import to_csv, to_json

app = typer.Typer(help="Find serial and potentially dangerous VAWG perpetrators in police records.",
                  no_args_is_help=True, add_completion=False)


@app.callback()
def _process_setup() -> None:
    # Every file a command creates (the store and its write-ahead log, exports, a demo force)
    # is readable by its owner only: the umask is set before any command runs.
    os.umask(0o077)
    # Arrow's columns from jemalloc: a load spent far less time in the kernel (core/memory.py).
    use_preferred_arrow_pool(os.environ.get(POOL_VARIABLE))

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
    # The generator's own floor (synth.generate.MIN_PEOPLE), checked here so that a smaller
    # force is a usage error and not a traceback.
    people: Annotated[int, typer.Option(min=100, help="Distinct real people in the force.")] = 20_000,
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
    if summary.people:
        console.print(f"people: {summary.people}")
    if summary.withdrawn:
        console.print("withdrawn upstream, removed with their links: "
                      + ", ".join(f"{len(ids)} from {name}" for name, ids in summary.withdrawn.items()))
    for note in notes:
        console.print(styled(("warning:", "yellow"), f" {note}"))


def _run_ingest(folder: Path, store_location: str, catalogue: Path | None,  # type: ignore[no-untyped-def]
                resolution_config: Path | None = None, allow_withdrawing_most: bool = False,
                account: Account | None = None, backend: str | None = None,
                spark_master: str | None = None, force: str | None = None):
    """Load ``folder`` into the store as ``account`` (signed in here, with the right to load,
    when not given: the demo passes the user it just made); people are resolved on ``backend``
    (None: the settings file's); ``force`` qualifies the extract's ids (a regional store)."""
    from ingest.identity import make_splink_resolver
    from ingest.load import ingest_folder
    from ingest.resolve_config import load_resolution_config, with_execution
    from scoring.catalogue import load_catalogue

    keys = load_catalogue(catalogue).keys
    settings = with_execution(load_resolution_config(resolution_config), backend, spark_master)
    if account is None:  # signed in on the store itself (a staged load works on a copy of it)
        with open_store(store_location, create=True) as store:
            account = sign_in(store, "load")
    with loading_store(store_location) as store, stage_progress(stages=14) as tell:
        resolver = make_splink_resolver(settings, progress=lambda stage: tell(f"resolving people: {stage}"))
        summary = ingest_folder(folder, store, keys, resolver=resolver, progress=tell,
                                allow_withdrawing_most=allow_withdrawing_most, force=force)
    # Logged in the store itself once the load is in (a staged load has just been swapped in).
    with open_store(store_location) as store:
        store.record_audit(account.label, "load", summary.load_id,
                           ("already loaded" if summary.already_loaded else f"{summary.quarantined} quarantined")
                           + "".join(f"; withdrew {len(ids)} {name}: {', '.join(ids[:20])}"
                                     + (" ..." if len(ids) > 20 else "") for name, ids in summary.withdrawn.items())
                           + (f"; force {force.upper()}" if force else "")
                           + f"; resolution match_threshold {settings.match_threshold} on {settings.backend}"
                           + (f" from {resolution_config}" if resolution_config else " (default settings)"))
        return summary


@app.command()
def ingest(
    folder: Annotated[Path, typer.Argument(help="Folder of contract files (CSV or Parquet).")],
    store: StoreOption = DEFAULT_STORE,
    strict: Annotated[bool, typer.Option(help="Exit 2 when any row was quarantined.")] = False,
    catalogue: CatalogueOption = None,
    resolution_config: ResolutionConfigOption = None,
    resolution_backend: ResolutionBackendOption = None,
    spark_master: SparkMasterOption = None,
    allow_withdrawing_most: Annotated[bool, typer.Option(
        "--allow-withdrawing-most", help="Let a file declared complete remove more than half of the stored "
                                         "records of its table (a partial file is refused otherwise).")] = False,
    force: Annotated[Optional[str], typer.Option(
        "--force", help="The force whose extract this is (2-8 letters or digits, e.g. NBR): every id is "
                        "stored as FORCE:ID, so several forces load into one regional store.")] = None,
) -> None:
    """Validate and load an extract; bad rows go to quarantine with a reason."""
    from core.forces import force_code

    summary = _run_ingest(folder, store, catalogue, resolution_config, allow_withdrawing_most,
                          backend=resolution_backend.value if resolution_backend else None,
                          spark_master=spark_master, force=force_code(force) if force else None)
    _print_load_summary(summary)
    if summary.quarantined:
        console.print(f"{summary.quarantined} row(s) quarantined: see 'harmgraph quarantine --store {store}'")
        if strict:
            raise typer.Exit(2)


# --- lists -------------------------------------------------------------------------------------
def _list_format(fmt: Format | None, output: Path | None) -> Format:
    """The format asked for; without one, a table on screen and CSV in a file (a table is never
    written to a file, so ``-o f.csv`` alone writes the CSV it names)."""
    return fmt if fmt is not None else (Format.csv if output is not None else Format.table)


def _list_action(fmt: Format, output: Path | None) -> str:
    """``export`` for a file or a machine-readable format (``--format csv > file`` is an export
    too), ``view_list`` for a table on screen: what the user must be allowed to do."""
    return "export" if output is not None or fmt is not Format.table else "view_list"


def _deliver(graph_store, who: Account, subject: str, detail: str, reason: str,  # type: ignore[no-untyped-def]
             frame: pd.DataFrame, columns: list[str], fmt: Format, prov: dict[str, object],
             output: Path | None, title: str) -> None:
    """Show or write a list and log what happened: a file is logged as an export once it is
    written (a write that fails logs nothing); a list on screen or standard output is logged
    before it is shown (a log that cannot be written shows nothing)."""
    action = "export" if _list_action(fmt, output) == "export" else "list"
    where = f" to {output.name}" if output is not None else (" to standard output" if action == "export" else "")
    entry = dict(who=who.label, action=action, subject=subject,
                 detail=f"{detail} format {fmt.value}{where}", reason=reason)
    if output is None:
        graph_store.record_audit(**entry)
        _show(frame, columns, fmt, prov, None, title)
        return
    _show(frame, columns, fmt, prov, output, title)
    try:
        graph_store.record_audit(**entry)
    except Exception:
        output.unlink(missing_ok=True)  # an export the log does not hold must not stay behind
        raise


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
            out.print(styled(("Note:", "bold"), f" {note}"), highlight=False)
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
    if "forces" in frame and not frame["forces"].fillna("").astype(str).str.len().any():
        shown = [c for c in shown if c != "forces"]  # one force's store: nothing to say
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
            flags = f" [{row.flags.replace(';', ', ')}]" if isinstance(getattr(row, "flags", None), str) and row.flags else ""
            out.print(styled((f"{row.rank}.", "bold"), f" {row.display_name} ({row.person_id}){flags}: {row.reasons}"),
                      highlight=False)
            if isinstance(getattr(row, "order_reason", None), str):
                out.print(f"   order: {row.order_reason}", highlight=False)
    out.print()


# A regional store's lists, one force's people at a time.
ListForceOption = Annotated[Optional[str], typer.Option(
    "--force", help="Only people holding at least one record of this force (a regional store); "
                    "rank stays each person's place in the whole list.")]


def _of_force(force: str | None) -> tuple[tuple[str, ...], str]:
    """The forces ``--force`` asks for (none when not given) and the words that say so in the
    list's title and log (" (force NBR)")."""
    from core.forces import force_code

    if not force:
        return (), ""
    code = force_code(force)
    return (code,), f" (force {code})"


@app.command()
def rank(
    store: StoreOption = DEFAULT_STORE,
    top: TopOption = 20,
    fmt: Annotated[Optional[Format], typer.Option("--format", help="table (screen), csv or json; default: "
                                                  "table, or csv with --output.")] = None,
    which: Annotated[PerpetratorListName, typer.Option("--list")] = PerpetratorListName.overall,
    as_of: AsOfOption = None,
    config: ConfigOption = None,
    catalogue: CatalogueOption = None,
    output: OutputOption = None,
    reason: ReasonOption = "",
    force: ListForceOption = None,
) -> None:
    """Rank the people who pose the highest risk (overall, or to different women and girls), or
    those with a serial history who are quiet in the window (--list serial-history)."""
    from scoring.lists import PERPETRATOR_COLUMNS, PerpetratorList, rank_perpetrators

    forces, of_force = _of_force(force)
    _ranked_list(store, fmt, output, reason, top, as_of, config, catalogue, f"perpetrators:{which.value}{of_force}",
                 lambda context: rank_perpetrators(context, PerpetratorList(which.value)), PERPETRATOR_COLUMNS,
                 f"Highest risk: {which.value}{of_force}", forces=forces)


def _ranked_list(store: str, fmt: Format | None, output: Path | None, reason: str, top: int,  # type: ignore[no-untyped-def]
                 as_of: datetime | None, config: Path | None, catalogue: Path | None, subject: str,
                 ranking, columns: list[str], title: str, victims: str | None = None,
                 forces: tuple[str, ...] = ()) -> None:
    """One ranked list (``ranking(context)``), signed in, shown or exported, and logged;
    ``victims`` says which victims a victim list counts (its provenance and log say so);
    ``forces`` keeps the people holding a record of one of them, inside the user's scope."""
    from harmgraph.force_scope import check_forces, visible_people

    shown = _list_format(fmt, output)
    reason = export_reason(reason, output, to_stdout=shown is not Format.table)
    with open_store(store) as graph_store:
        who = sign_in(graph_store, _list_action(shown, output))
        chosen = check_forces(graph_store, who, forces, subject)
        with stage_progress(stages=2) as tell:
            tell("reading the store")
            context = build_context(graph_store, as_date(as_of), config, catalogue)
            tell("ranking")
            ranked = visible_people(ranking(context), who, chosen).head(top)
            prov = provenance(context, subject, graph_store) | ({"victims": victims} if victims else {})
        _deliver(graph_store, who, subject, f"top {top}{f' {victims}' if victims else ''} as of {context.as_of}"
                 + _scope_note(who), reason, ranked, columns, shown, prov, output,
                 title + (f" ({who.scope})" if who.forces and not forces else ""))


def _scope_note(who: Account) -> str:
    """What a scoped user's list or export was cut to, for the access log ('' for the region)."""
    return f"; user sees {who.scope}" if who.forces else ""


@app.command()
def victims(
    store: StoreOption = DEFAULT_STORE,
    top: TopOption = 20,
    fmt: Annotated[Optional[Format], typer.Option("--format", help="table (screen), csv or json; default: "
                                                  "table, or csv with --output.")] = None,
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
    force: ListForceOption = None,
) -> None:
    """Rank repeat women and girl victims (most offences, or most different offenders)."""
    from scoring.lists import VICTIM_COLUMNS, VictimList, rank_victims, victim_scope

    scope = victim_scope(all_victims, under_18)
    forces, of_force = _of_force(force)
    _ranked_list(store, fmt, output, reason, top, as_of, config, catalogue, f"victims:{which.value}{of_force}",
                 lambda context: rank_victims(context, VictimList(which.value), all_victims, under_18),
                 VICTIM_COLUMNS, f"Repeat victims ({scope}): {which.value}{of_force}", scope, forces=forces)


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
    from harmgraph.force_scope import check_person
    from scoring.explain import explain_person

    with open_store(store) as graph_store:
        who = sign_in(graph_store, "view_person")
        notice, person_id = _identity_notice(graph_store, person_id)
        context = build_context(graph_store, as_date(as_of), config, catalogue)
        check_person(graph_store, who, context.tables.persons, person_id, "explain")
        evidence = explain_person(context, person_id)
        records = graph_store.person_record_rows(person_id)
        links = graph_store.identity_links(person_id)
        graph_store.record_audit(who.label, "view_person", person_id, f"explain as of {context.as_of}")
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
    force: ListForceOption = None,
) -> None:
    """Export every resolved person with the source records merged into it, and the forces
    holding them (a regional store); --force keeps one force's people."""
    from harmgraph.force_scope import check_forces, visible_people, with_forces

    forces, of_force = _of_force(force)
    if history is not None:
        _person_history(store, history, fmt)
        return
    if fmt is Format.table and output is not None:
        fmt = Format.csv  # a table is never written to a file
    reason = export_reason(reason, output, to_stdout=fmt is not Format.table)
    with open_store(store) as graph_store:
        who = sign_in(graph_store, _list_action(fmt, output))
        chosen = check_forces(graph_store, who, forces, f"persons{of_force}")
        frame = with_forces(graph_store.scoring_tables().persons[["person_id", "display_name", "record_ids"]])
        frame = visible_people(frame, who, chosen)
        count = f"{len(frame)} persons{_scope_note(who)}"
        prov = {"store": store, "as_of": "-", "lookback_years": "-", "config_version": "-", "config_fingerprint": "-"}
        if fmt is Format.csv:  # a persons CSV says nothing about scoring: no provenance line
            text = to_csv(frame)
            _deliver_text(graph_store, who, f"persons{of_force}", count, reason, text, fmt, output)
        elif fmt is Format.json:
            text = to_json(frame, {"store": store}) + "\n"
            _deliver_text(graph_store, who, f"persons{of_force}", count, reason, text, fmt, output)
        else:
            _deliver(graph_store, who, f"persons{of_force}", count, reason, frame, list(frame.columns),
                     fmt, prov, None, f"Persons{of_force}")


def _deliver_text(graph_store, who: Account, subject: str, detail: str, reason: str,  # type: ignore[no-untyped-def]
                  text: str, fmt: Format, output: Path | None) -> None:
    """Write an export's text (file or standard output) and log it, as ``_deliver`` does."""
    where = f" to {output.name}" if output is not None else " to standard output"
    entry = dict(who=who.label, action="export", subject=subject, detail=f"{detail} format {fmt.value}{where}",
                 reason=reason)
    if output is None:
        graph_store.record_audit(**entry)
        emit(text, None)
        return
    emit(text, output)
    try:
        graph_store.record_audit(**entry)
    except Exception:
        output.unlink(missing_ok=True)
        raise


def _person_history(store: str, person_id: str, fmt: Format) -> None:
    """The lineage of one person id: when it was issued, what merged into it, what split off."""
    from graph.lineage import history, where_now
    from harmgraph.force_scope import check_person

    with open_store(store) as graph_store:
        who = sign_in(graph_store, "view_person")
        lineage = graph_store.person_lineage()
        events = history(lineage, person_id)
        if who.forces:  # a scoped user sees the history of a person of their forces, under any id it had
            state, targets = where_now(lineage, person_id)
            current = targets[0] if state == "merged" and targets else person_id
            check_person(graph_store, who, graph_store.scoring_tables().persons, current, "identity history")
        graph_store.record_audit(who.label, "view_person", person_id, "identity history")
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
    from harmgraph.force_scope import issues_in_scope

    reason = export_reason(reason, output, to_stdout=True)
    with open_store(store) as graph_store:
        who = sign_in(graph_store, "quarantine_download")
        # A user of some forces gets the rows of those forces' loads only (raw values of people).
        frame = issues_in_scope(graph_store.quarantine(load_id), graph_store.loads(), who)
        # The rejected values are source data about people: their export is logged too.
        _deliver_text(graph_store, who, "quarantine", f"{len(frame)} row(s)" + (f" of load {load_id}" if load_id else ""),
                      reason, to_csv(frame), Format.csv, output)


# The demo store's users and their password, written beside the demo force (owner-only).
DEMO_SIGN_IN = "demo-sign-in.env"
DEMO_ANALYST, DEMO_ADMIN = "demo", "demo-admin"


def _demo_users(graph_store, sign_in_file: Path) -> Account:  # type: ignore[no-untyped-def]
    """A new demo store's first admin (bootstrap) and an analyst, sharing one random password
    written to ``sign_in_file`` as HARMGRAPH_USER / HARMGRAPH_PASSWORD; the analyst, signed in."""
    import getpass
    import secrets

    from harmgraph.accounts import add_first_admin, add_user, authenticate
    from harmgraph.cli_common import PASSWORD_ENV, write_private

    password = secrets.token_urlsafe(15)
    add_first_admin(graph_store, DEMO_ADMIN, password, getpass.getuser())
    add_user(graph_store, DEMO_ANALYST, "analyst", password, by=f"{DEMO_ADMIN} (admin)")
    write_private(sign_in_file, f"# harmgraph demo users (synthetic data only): {DEMO_ANALYST} (analyst) and "
                                f"{DEMO_ADMIN} (admin) share this password.\n"
                                f"# Sign in a shell with: set -a; . {sign_in_file}; set +a\n"
                                f"{USER_ENV}={DEMO_ANALYST}\n{PASSWORD_ENV}={password}\n")
    account = authenticate(graph_store, DEMO_ANALYST, password, where="cli")
    assert account is not None
    return account


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
    sign_in_file = out_dir / DEMO_SIGN_IN
    with open_store(store, create=True) as graph_store:
        if graph_store.users().empty:  # a new demo store: its own users, so sign-in works as on a real one
            who = _demo_users(graph_store, sign_in_file)
        else:
            if not os.environ.get(USER_ENV) and sign_in_file.exists():
                console.print(f"{store} has users: sign in as the demo did with "
                              f"'set -a; . {sign_in_file}; set +a' and run the demo again")
            who = sign_in(graph_store, "load")
    _print_load_summary(_run_ingest(out_dir, store, None, account=who))
    columns = [c for c in PERPETRATOR_COLUMNS if c not in ("record_ids", "forces")]  # one force
    with open_store(store) as graph_store:
        context = build_context(graph_store)
        for which in PerpetratorList:
            ranked = rank_perpetrators(context, which).head(top)
            _deliver(graph_store, who, f"perpetrators:{which.value}", f"demo top {top} as of {context.as_of}", "",
                     ranked, columns, Format.table, provenance(context, which.value, graph_store), None,
                     f"Highest risk: {which.value}")
    console.print(f"store: {store}; try 'harmgraph explain {ranked.iloc[0]['person_id']} --store {store}'"
                  if len(ranked) else f"store: {store}")
    if sign_in_file.exists():
        console.print(f"sign in (command line and app) as in {sign_in_file}; for the commands above: "
                      f"set -a; . {sign_in_file}; set +a")
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
    import importlib.util
    import os
    import subprocess

    if importlib.util.find_spec("streamlit") is None:  # installed without the app's extra
        fail("the app needs its extra: pip install 'harmgraph[app]' (or '.[app]' from a checkout); "
             "every other command works without it", 2)
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
    served = subprocess.run([sys.executable, "-m", "streamlit", "run", str(app_path), *server,
                             "--browser.gatherUsageStats", "false", "--client.disableDataExport", "true",
                             "--", "--store", store], check=False, env=environment)
    if served.returncode:  # the server's own failure is the command's (a service manager sees it)
        raise typer.Exit(served.returncode)


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
        console.print(styled(("error:", "bold red"), " ", str(exc)), soft_wrap=True)
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

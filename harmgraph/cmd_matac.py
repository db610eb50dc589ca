"""`harmgraph matac`: record panel decisions, list their history, show the adopted cohort."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from graph.decisions import MATAC_DECISION_COLUMNS
from harmgraph.context import build_context
from harmgraph.cli_common import PASSWORD_ENV, CatalogueOption, ConfigOption, DEFAULT_STORE, StoreOption, console, current_user, open_store, out

DateFormats = ["%Y-%m-%d"]
class TableFormat(str, Enum):
    table = "table"
    csv = "csv"


def _show(frame: pd.DataFrame, fmt: TableFormat, title: str) -> None:
    """Print ``frame`` as a rich table or as Excel-safe CSV on stdout."""
    from harmgraph.explain_view import frame_table
    from harmgraph.export import to_csv

    if fmt is TableFormat.csv:
        typer.echo(to_csv(frame), nl=False)
    else:
        out.print(frame_table(frame, title))


def _signed_in_chair(store, name: str):  # type: ignore[no-untyped-def]
    """The chair's account, signed in with their password: only a MATAC chair records a
    decision, at the command line as in the app (harmgraph/access.py)."""
    import os

    from harmgraph.access import can
    from harmgraph.accounts import authenticate
    from core.errors import HarmgraphError

    password = os.environ.get(PASSWORD_ENV) or typer.prompt(f"Password for {name}", hide_input=True)
    account = authenticate(store, name, password)
    if account is None:
        raise HarmgraphError(f"cannot sign in as {name!r}: wrong name or password, or the user is disabled")
    if not can(account.role, "record_matac_decision"):
        raise HarmgraphError(f"{name!r} is a {account.role}: only a matac_chair records MATAC decisions")
    return account


def register(app: typer.Typer) -> None:
    """Add the ``matac`` command group (record, history, cohort) to the CLI."""

    matac = typer.Typer(help="MATAC decisions (append-only) and the adopted cohort.",
                        no_args_is_help=True)
    app.add_typer(matac, name="matac")

    @matac.command()
    def record(
        person_id: Annotated[str, typer.Argument(help="The person the panel decided on.")],
        # Plain text, checked by graph.decisions.check_decision, so a typo gets one sentence.
        decision: Annotated[str, typer.Option("--decision", help="adopt, decline or defer.")],
        reason: Annotated[str, typer.Option("--reason", help="Why (required; read out to the panel).")],
        meeting: Annotated[datetime, typer.Option("--meeting", formats=DateFormats,
                                                  help="The meeting date (YYYY-MM-DD).")],
        chair: Annotated[str, typer.Option("--chair", help="The MATAC chair's harmgraph user name; "
                                           "password from HARMGRAPH_PASSWORD or asked for.")],
        store: StoreOption = DEFAULT_STORE,
        config: ConfigOption = None,
        catalogue: CatalogueOption = None,
    ) -> None:
        """Record a panel decision with the person's score and rank as of the meeting (chair only)."""
        from harmgraph.matac import record_decision

        with open_store(store) as graph_store:
            account = _signed_in_chair(graph_store, chair)
            context = build_context(graph_store, None, config, catalogue)
            recorded = record_decision(graph_store, context, person_id, decision, reason,
                                       meeting.date(), account.label)
        rank = recorded.rank if recorded.rank is not None else "not ranked"
        console.print(f"recorded {recorded.decision} for {person_id} at the {recorded.meeting_date:%Y-%m-%d} "
                      f"meeting: score {recorded.score:g}, rank {rank} as of {recorded.as_of:%Y-%m-%d} "
                      f"(config {recorded.config_version}); id {recorded.decision_id}")

    @matac.command()
    def history(
        person_id: Annotated[Optional[str], typer.Argument(help="Only this person.")] = None,
        store: StoreOption = DEFAULT_STORE,
        fmt: Annotated[TableFormat, typer.Option("--format")] = TableFormat.table,
    ) -> None:
        """List every decision (oldest first); the latest per person is the current one."""
        with open_store(store) as graph_store:
            decisions = graph_store.matac_decisions_now()
            if person_id is not None:  # an id since merged into another shows the survivor's
                person_id = graph_store.current_person_id(person_id)
            graph_store.record_audit(current_user(), "list", "matac:history", person_id or "everyone")
        if person_id is not None:
            decisions = decisions[decisions["person_id"] == person_id]
        decisions = decisions.assign(at=decisions["at"].dt.strftime("%Y-%m-%d %H:%M:%S UTC"))
        _show(decisions[MATAC_DECISION_COLUMNS], fmt, "MATAC decisions" + (f": {person_id}" if person_id else ""))

    @matac.command()
    def cohort(
        as_of: Annotated[Optional[datetime], typer.Option(
            "--as-of", formats=DateFormats, help="Score now as of this date (default: latest incident).")] = None,
        since_meeting: Annotated[Optional[datetime], typer.Option(
            "--since-meeting", formats=DateFormats,
            help="The last meeting (default: latest meeting with a decision before --as-of).")] = None,
        top: Annotated[Optional[int], typer.Option("--top", min=1,
                                                   help="Top N reviewed (default: config matac.top).")] = None,
        store: StoreOption = DEFAULT_STORE,
        fmt: Annotated[TableFormat, typer.Option("--format")] = TableFormat.table,
        config: ConfigOption = None,
        catalogue: CatalogueOption = None,
    ) -> None:
        """The adopted cohort (score at adoption, now, change) and who is new since the last meeting."""
        from scoring.matac import cohort_report

        with open_store(store) as graph_store:
            context = build_context(graph_store, as_of.date() if as_of else None, config, catalogue)
            report = cohort_report(graph_store.matac_decisions_now(), context, top,
                                   since_meeting.date() if since_meeting else None)
            graph_store.record_audit(current_user(), "list", "matac:cohort",
                                     f"as of {report.as_of} since {report.since_meeting} top {report.top}")
        since = f"{report.since_meeting:%Y-%m-%d}" if report.since_meeting else "no earlier meeting"
        console.print(f"as of {report.as_of:%Y-%m-%d}; last meeting {since}; top {report.top}; "
                      f"config {context.config.version} ({context.config.fingerprint()})")
        if fmt is TableFormat.csv:
            both = pd.concat([report.cohort.assign(section="cohort"), report.new.assign(section="new")],
                             ignore_index=True).astype({"rank": "Int64", "rank_then": "Int64"})
            _show(both[["section", *[c for c in both.columns if c != "section"]]], fmt, "")
            return
        _show(report.cohort, fmt, f"Adopted cohort as of {report.as_of:%Y-%m-%d}")
        _show(report.new, fmt, f"New since the last meeting ({since}): top {report.top}")

"""`harmgraph matac`: meetings, decisions and actions of the panel; the cohort, the agenda, exports and the pack."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import Enum
from pathlib import Path
from collections.abc import Callable
from typing import Annotated, Any, Optional, TypeVar

import pandas as pd
import typer

from graph.decisions import MATAC_DECISION_COLUMNS, TACTICS
from harmgraph.context import build_context
from harmgraph.force_scope import agenda_in_scope, check_person, cohort_in_scope, rows_in_scope
from harmgraph.cli_common import (AsOfOption, CatalogueOption, ConfigOption, DEFAULT_STORE, StoreOption, as_date,
                                  console, export_reason, open_store, out, sign_in)

T = TypeVar("T")
DateFormats = ["%Y-%m-%d"]
ChairOption = Annotated[str, typer.Option("--chair", help="The MATAC chair's harmgraph user name; "
                                          "password from HARMGRAPH_PASSWORD or asked for.")]
ReviewOption = Annotated[Optional[datetime], typer.Option("--review", formats=DateFormats, help="Review date.")]
NoteOption = Annotated[str, typer.Option("--note", help="Anything the minutes should carry.")]
class TableFormat(str, Enum):
    table = "table"
    csv = "csv"


FormatOption = Annotated[TableFormat, typer.Option("--format")]
TopReviewedOption = Annotated[Optional[int], typer.Option("--top", min=1,
                                                          help="Top N reviewed (default: config matac.top).")]


def _show(frame: pd.DataFrame, fmt: TableFormat, title: str) -> None:
    """Print ``frame`` as a rich table or as Excel-safe CSV on stdout."""
    from harmgraph.explain_view import frame_table
    from harmgraph.export import to_csv

    if fmt is TableFormat.csv:
        typer.echo(to_csv(frame), nl=False)
    else:
        out.print(frame_table(frame, title))


def _as_chair(store: str, chair: str, write: Callable[[Any, str], T], person_id: str | None = None) -> T:
    """Open the store, sign the chair in and run ``write(store, who)`` (about ``person_id``,
    who must be one of the chair's forces' people)."""
    with open_store(store) as graph_store:
        # Only a MATAC chair writes the panel's record, here as in the app (harmgraph/access.py).
        account = sign_in(graph_store, "record_matac_decision", name=chair)
        if person_id is not None:
            check_person(graph_store, account, graph_store.scoring_tables().persons,
                         graph_store.current_person_id(person_id), "matac action")
        return write(graph_store, account.label)


def register(app: typer.Typer) -> None:
    """Add the ``matac`` command group (record, history, cohort) to the CLI."""

    matac = typer.Typer(help="MATAC decisions (append-only) and the adopted cohort.",
                        no_args_is_help=True)
    app.add_typer(matac, name="matac")
    register_pack(matac)
    register_outcomes(matac)

    @matac.command()
    def record(
        person_id: Annotated[str, typer.Argument(help="The person the panel decided on.")],
        # Plain text, checked by graph.decisions.check_decision, so a typo gets one sentence.
        decision: Annotated[str, typer.Option("--decision", help="adopt, decline or defer.")],
        reason: Annotated[str, typer.Option("--reason", help="Why (required; read out to the panel).")],
        meeting: Annotated[datetime, typer.Option("--meeting", formats=DateFormats,
                                                  help="The meeting date (YYYY-MM-DD).")],
        chair: ChairOption,
        store: StoreOption = DEFAULT_STORE,
        config: ConfigOption = None,
        catalogue: CatalogueOption = None,
    ) -> None:
        """Record a panel decision with the person's score and rank as of the meeting (chair only)."""
        from harmgraph.matac import record_decision

        with open_store(store) as graph_store:
            account = sign_in(graph_store, "record_matac_decision", name=chair)
            context = build_context(graph_store, None, config, catalogue)
            check_person(graph_store, account, context.tables.persons, graph_store.current_person_id(person_id),
                         "matac record")
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
        fmt: FormatOption = TableFormat.table,
    ) -> None:
        """List every decision (oldest first); the latest per person is the current one."""
        with open_store(store) as graph_store:
            who = sign_in(graph_store, "view_list")
            decisions = rows_in_scope(graph_store.matac_decisions_now(), who, graph_store.scoring_tables().persons)
            if person_id is not None:  # an id since merged into another shows the survivor's
                person_id = graph_store.current_person_id(person_id)
            graph_store.record_audit(who.label, "list", "matac:history", person_id or "everyone")
        if person_id is not None:
            decisions = decisions[decisions["person_id"] == person_id]
        decisions = decisions.assign(at=decisions["at"].dt.strftime("%Y-%m-%d %H:%M:%S UTC"))
        _show(decisions[MATAC_DECISION_COLUMNS], fmt, "MATAC decisions" + (f": {person_id}" if person_id else ""))

    @matac.command()
    def cohort(
        as_of: AsOfOption = None,
        since_meeting: Annotated[Optional[datetime], typer.Option(
            "--since-meeting", formats=DateFormats,
            help="The last meeting (default: latest meeting with a decision before --as-of).")] = None,
        top: TopReviewedOption = None,
        store: StoreOption = DEFAULT_STORE,
        fmt: FormatOption = TableFormat.table,
        config: ConfigOption = None,
        catalogue: CatalogueOption = None,
    ) -> None:
        """The adopted cohort (score at adoption, now, change) and who is new since the last meeting."""
        from scoring.matac import cohort_report

        with open_store(store) as graph_store:
            who = sign_in(graph_store, "view_list")
            context = build_context(graph_store, as_of.date() if as_of else None, config, catalogue)
            report = cohort_in_scope(cohort_report(graph_store.matac_decisions_now(), context, top,
                                                   since_meeting.date() if since_meeting else None),
                                     who, context.tables.persons)
            graph_store.record_audit(who.label, "list", "matac:cohort",
                                     f"as of {report.as_of} since {report.since_meeting} top {report.top}")
        since = f"{report.since_meeting:%Y-%m-%d}" if report.since_meeting else "no earlier meeting"
        console.print(f"as of {report.as_of:%Y-%m-%d}; last meeting {since}; top {report.top}; "
                      f"config {context.config.version} ({context.config.fingerprint()})")
        if fmt is TableFormat.csv:
            both = pd.concat([report.cohort.assign(section="cohort"), report.new.assign(section="new")],
                             ignore_index=True).astype({"rank": "Int64", "rank_then": "Int64"})
            _show(both[["section", *[c for c in both.columns if c != "section"]]], fmt, "")
            return
        _show(report.cohort, fmt, f"Adopted cohort as of {report.as_of:%Y-%m-%d}"
              + (f" (scored on the extract's last incident, {report.scored_as_of:%Y-%m-%d})"
                 if report.scored_as_of != report.as_of else ""))
        _show(report.new, fmt, f"New since the last meeting ({since}): top {report.top}")
        _show(report.deferred, fmt, "Deferred: carried forward to the next agenda")

    @matac.command()
    def meeting(
        meeting_date: Annotated[datetime, typer.Option("--date", formats=DateFormats, help="The meeting date.")],
        agency: Annotated[list[str], typer.Option("--agency", help="An agency present (repeat the option).")],
        chair: ChairOption,
        note: NoteOption = "",
        store: StoreOption = DEFAULT_STORE,
    ) -> None:
        """Record a panel meeting: its date and the agencies present (chair only)."""
        from harmgraph.matac import record_meeting

        recorded = _as_chair(store, chair, lambda graph_store, who: record_meeting(
            graph_store, meeting_date.date(), agency, who, note))
        console.print(f"recorded the meeting of {recorded.meeting_date:%Y-%m-%d} with {recorded.agencies}; "
                      f"id {recorded.meeting_id}")

    @matac.command()
    def action(
        person_id: Annotated[str, typer.Argument(help="The subject the action is for.")],
        tactic: Annotated[str, typer.Option("--tactic", help="One of: " + ", ".join(TACTICS))],
        owner: Annotated[str, typer.Option("--owner", help="The agency that owns the action.")],
        meeting_date: Annotated[datetime, typer.Option("--meeting", formats=DateFormats,
                                                       help="The meeting that agreed it.")],
        chair: ChairOption,
        due: Annotated[Optional[datetime], typer.Option("--due", formats=DateFormats, help="Due date.")] = None,
        review: ReviewOption = None,
        note: NoteOption = "",
        store: StoreOption = DEFAULT_STORE,
    ) -> None:
        """Record an action agreed for a subject: tactic, owner agency, due and review dates (chair only)."""
        from harmgraph.matac import record_action

        recorded = _as_chair(store, chair, lambda graph_store, who: record_action(
            graph_store, person_id, meeting_date.date(), tactic, owner, as_date(due), who, as_date(review), note),
            person_id)
        console.print(f"recorded action {recorded.action_id}: {TACTICS[recorded.tactic]} for {recorded.person_id}, "
                      f"owned by {recorded.owner_agency}, {recorded.status}")

    @matac.command()
    def refer(
        person_id: Annotated[str, typer.Argument(help="The person referred.")],
        agency: Annotated[str, typer.Option("--agency", help="The referring agency (probation, health, IDVA "
                                                             "service, children's services, housing...).")],
        reason: Annotated[str, typer.Option("--reason", help="Why the agency refers them (read out to the panel).")],
        meeting_date: Annotated[Optional[datetime], typer.Option(
            "--meeting", formats=DateFormats, help="The meeting it is for (default: the next).")] = None,
        store: StoreOption = DEFAULT_STORE,
    ) -> None:
        """Record a partner agency's referral of a person to the MATAC; it goes on the next agenda (logged)."""
        from harmgraph.matac import record_referral

        with open_store(store) as graph_store:
            account = sign_in(graph_store, "refer_to_matac")
            check_person(graph_store, account, graph_store.scoring_tables().persons,
                         graph_store.current_person_id(person_id), "matac refer")
            recorded = record_referral(graph_store, person_id, agency, reason, account.label, as_date(meeting_date))
        console.print(f"recorded the referral of {recorded.person_id} by {recorded.agency}"
                      + (f" for the {recorded.meeting_date:%Y-%m-%d} meeting" if recorded.meeting_date else "")
                      + f"; id {recorded.referral_id}")

    @matac.command("update-action")
    def update_action_command(
        action_id: Annotated[str, typer.Argument(help="The action (A-...).")],
        status: Annotated[str, typer.Option("--status", help="open, in_progress, done or cancelled.")],
        chair: ChairOption,
        store: StoreOption = DEFAULT_STORE,
        review: ReviewOption = None,
        note: NoteOption = "",
    ) -> None:
        """Record a new status (and review date) of an action; earlier states are kept (chair only)."""
        from harmgraph.matac import update_action

        recorded = _as_chair(store, chair, lambda graph_store, who: update_action(
            graph_store, action_id, status, who, as_date(review), note))
        console.print(f"action {recorded.action_id} is now {recorded.status}")

    @matac.command()
    def agenda(
        meeting_date: Annotated[datetime, typer.Option("--meeting", formats=DateFormats,
                                                       help="The meeting the agenda is for.")],
        store: StoreOption = DEFAULT_STORE,
        config: ConfigOption = None,
        catalogue: CatalogueOption = None,
        as_of: AsOfOption = None,
        top: TopReviewedOption = None,
        fmt: FormatOption = TableFormat.table,
    ) -> None:
        """The next meeting's agenda: new candidates, deferrals carried forward, actions due, discharges."""
        from scoring.matac import meeting_agenda

        with open_store(store) as graph_store:
            who = sign_in(graph_store, "view_list")
            context = build_context(graph_store, as_date(as_of), config, catalogue)
            agenda_ = agenda_in_scope(meeting_agenda(graph_store.matac_decisions_now(), graph_store.matac_actions(),
                                                     context, meeting_date.date(), top,
                                                     referrals=graph_store.matac_referrals_now()),
                                      who, context.tables.persons)
            graph_store.record_audit(who.label, "list", "matac:agenda",
                                     f"meeting {meeting_date:%Y-%m-%d} as of {context.as_of}")
        sections = {"new": agenda_.report.new, "referred": agenda_.referred, "deferred": agenda_.report.deferred,
                    "reviews": agenda_.reviews,
                    "actions_due": agenda_.actions_due, "discharge": agenda_.discharge}
        if fmt is TableFormat.csv:
            both = pd.concat([frame.assign(section=name) for name, frame in sections.items()], ignore_index=True)
            _show(both[["section", "person_id", *[c for c in both.columns if c not in ("section", "person_id")]]],
                  fmt, "")
            return
        titles = {"new": f"New candidates (top {agenda_.report.top})", "referred": "Referred by partner agencies",
                  "deferred": "Deferrals carried forward",
                  "reviews": "Subjects for review (in the cohort)", "actions_due": "Actions due or for review",
                  "discharge": "Subjects for discharge"}
        for name, frame in sections.items():
            _show(frame, fmt, f"{titles[name]}: meeting of {agenda_.meeting:%Y-%m-%d}")

    @matac.command()
    def export(
        what: Annotated[str, typer.Argument(help="cohort, decisions or actions.")],
        output: Annotated[Path, typer.Option("-o", "--output", help="The CSV file to write.")],
        reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the access log).")] = "",
        decision: Annotated[Optional[str], typer.Option("--decision", help="Only this decision kind.")] = None,
        since: Annotated[Optional[datetime], typer.Option("--since", formats=DateFormats,
                                                          help="Meetings from this date.")] = None,
        until: Annotated[Optional[datetime], typer.Option("--until", formats=DateFormats,
                                                          help="Meetings up to this date.")] = None,
        as_of: Annotated[Optional[datetime], typer.Option("--as-of", formats=DateFormats)] = None,
        store: StoreOption = DEFAULT_STORE,
        config: ConfigOption = None,
        catalogue: CatalogueOption = None,
    ) -> None:
        """Export the cohort, the decisions or the actions as Excel-safe CSV (logged, with the filters)."""
        from harmgraph.matac import panel_export

        why = export_reason(reason, output)
        with open_store(store) as graph_store:
            who = sign_in(graph_store, "export")
            context = build_context(graph_store, as_date(as_of), config, catalogue)
            text = panel_export(graph_store, context, what, who.label, why, decision,
                                as_date(since), as_date(until), viewer=who)
        output.write_text("\ufeff" + text, encoding="utf-8", newline="")
        console.print(f"wrote {output}")


class ListName(str, Enum):
    overall = "overall"
    different_victims = "different-victims"


def register_pack(matac: typer.Typer) -> None:
    """Add ``matac pack``: the meeting pack as a PDF, for scheduled preparation."""

    @matac.command()
    def pack(
        output: Annotated[Path, typer.Option("-o", "--output", help="The PDF file to write.")],
        top: Annotated[int, typer.Option("--top", min=1, help="How many candidates get a page.")] = 20,
        which: Annotated[ListName, typer.Option("--list", help="overall or different-victims.")] = ListName.overall,
        meeting_date: Annotated[Optional[datetime], typer.Option(
            "--meeting", formats=DateFormats, help="The meeting the pack is for (default: today).")] = None,
        reason: Annotated[str, typer.Option("--reason", help="Why (printed on the cover and logged).")] = "",
        as_of: AsOfOption = None,
        store: StoreOption = DEFAULT_STORE,
        config: ConfigOption = None,
        catalogue: CatalogueOption = None,
    ) -> None:
        """The meeting pack as a PDF: cover, agenda, then one page per candidate (logged)."""
        from harmgraph.pack import PackRequest, build_pack
        from scoring.lists import PerpetratorList

        why = export_reason(reason, output)
        with open_store(store) as graph_store:
            who = sign_in(graph_store, "export")
            request = PackRequest(top=top, which=PerpetratorList(which.value),
                                  meeting=meeting_date.date() if meeting_date else datetime.now().date(),
                                  who=who.label, reason=why, viewer=who)
            context = build_context(graph_store, as_date(as_of), config, catalogue)
            built = build_pack(graph_store, context, request)
        output.write_bytes(built.pdf)
        console.print(f"wrote {output}: {len(built.person_ids)} candidates, {len(built.person_ids) + 2} pages")


def register_outcomes(matac: typer.Typer) -> None:
    """Add ``matac outcomes``: harm before and after adoption beside a comparison group."""

    @matac.command()
    def outcomes(
        months: Annotated[int, typer.Option("--months", min=1, help="Months before and after adoption.")] = 12,
        matches: Annotated[int, typer.Option("--matches", min=1,
                                             help="Comparison people per adoptee (nearest score).")] = 3,
        store: StoreOption = DEFAULT_STORE,
        config: ConfigOption = None,
        catalogue: CatalogueOption = None,
        fmt: FormatOption = TableFormat.table,
    ) -> None:
        """Harm in the months before and after adoption, adopted beside similar scores not adopted (not causal)."""
        from scoring.matac import outcome_comparison

        with open_store(store) as graph_store:
            who = sign_in(graph_store, "view_list")
            context = build_context(graph_store, None, config, catalogue)
            report = outcome_comparison(graph_store.matac_decisions_now(), context, months, matches)
            # The people are cut to the user's forces; the summary's means stay the panel's (no one is named).
            report = replace(report, people=rows_in_scope(report.people, who, context.tables.persons))
            graph_store.record_audit(who.label, "list", "matac:outcomes", f"{months} months, {matches} matches")
        console.print(report.note)
        if fmt is TableFormat.csv:
            _show(report.people, fmt, "")
            return
        _show(report.summary, fmt, f"Mean harm days, {months} months before and after adoption (not causal)")
        _show(report.people, fmt, "Each adoptee and their comparison people")

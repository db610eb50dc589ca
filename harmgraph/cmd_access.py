"""Access and governance commands: users, audit, share (pseudonymised list), retention."""

from __future__ import annotations

import os
import sys
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer
from rich.table import Table

from graph.audit_chain import ChainHead, parse_head, verify
from harmgraph.cli_common import (PASSWORD_ENV, AsOfOption, DEFAULT_STORE, StoreOption, console, emit, export_reason,
                                  fail, open_store, out, sign_in)
from harmgraph.terminal import styled


class Role(str, Enum):
    analyst = "analyst"
    matac_chair = "matac_chair"
    detective = "detective"
    admin = "admin"
    loader = "loader"


class ListFormat(str, Enum):
    table = "table"
    csv = "csv"


# A user's force scope in a regional store: the forces whose people they see.
ForceScopeOption = Annotated[Optional[list[str]], typer.Option(
    "--force", help="A force code (repeat for several): the user sees only the people holding a record "
                    "of these forces. Without it: every force (the region).")]

# A script gives the new user's password here: HARMGRAPH_PASSWORD is the signed-in admin's own.
NEW_PASSWORD_ENV = "HARMGRAPH_NEW_PASSWORD"


def _password(sso: bool, bootstrap: bool = False) -> str | None:
    """The new password: HARMGRAPH_NEW_PASSWORD (scripts; for the first admin, who signs in as
    no one, HARMGRAPH_PASSWORD too), else asked for twice; None for SSO users."""
    if sso:
        return None
    for variable in (NEW_PASSWORD_ENV, PASSWORD_ENV) if bootstrap else (NEW_PASSWORD_ENV,):
        if os.environ.get(variable):
            return os.environ[variable]
    if not sys.stdin.isatty():
        fail(f"the new password: set {NEW_PASSWORD_ENV} (or run this at a terminal to be asked)", 2)
    return typer.prompt("New password", hide_input=True, confirmation_prompt=True)


def _table(frame: pd.DataFrame, title: str) -> Table:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*("" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in row))
    return table


def _users_app() -> typer.Typer:
    from harmgraph.accounts import add_user, grant_forces, set_active, set_password, user_listing

    users = typer.Typer(help="Local users of the app: add, list, disable, enable, set a password.",
                        no_args_is_help=True)

    @users.command("add")
    def users_add(name: str, role: Annotated[Role, typer.Option("--role")], store: StoreOption = DEFAULT_STORE,
                  sso: Annotated[bool, typer.Option("--sso", help="No password: signs in through single sign-on only.")] = False,
                  force: ForceScopeOption = None) -> None:
        """Add a user with a role (password from a prompt or HARMGRAPH_PASSWORD); an admin only,
        except the first user of a store with none, who must be an admin (bootstrap). With
        --force the user sees only the people holding a record of those forces."""
        import getpass

        from harmgraph.accounts import add_first_admin

        with open_store(store, create=True) as graph_store:
            if graph_store.users().empty:
                if role is not Role.admin:
                    fail(f"{graph_store.location} has no users yet: its first user must be an admin "
                         f"('harmgraph users add NAME --role admin')", 2)
                if force:
                    fail("the first admin sees every force: add them without --force", 2)
                add_first_admin(graph_store, name, _password(sso, bootstrap=True), getpass.getuser())
                console.print(f"added {name} as the first admin of {graph_store.location}")
                return
            who = sign_in(graph_store, "manage_users")
            add_user(graph_store, name, role.value, _password(sso), by=who.label, forces=tuple(force or ()))
        console.print(f"added {name} as {role.value}" + (f", seeing force {', '.join(force)}" if force else ""))

    @users.command("grant")
    def users_grant(name: str, store: StoreOption = DEFAULT_STORE, force: ForceScopeOption = None,
                    region: Annotated[bool, typer.Option(
                        "--region", help="Every force: the whole regional store.")] = False) -> None:
        """Set the forces whose people a user sees: --force CODE (repeat for several) or --region."""
        if bool(force) == region:
            fail("say which: --force CODE (one or more) or --region", 2)
        with open_store(store) as graph_store:
            account = grant_forces(graph_store, name, tuple(force or ()),
                                   by=sign_in(graph_store, "manage_users").label)
        console.print(f"{name} now sees {account.scope}")

    @users.command("list")
    def users_list(store: StoreOption = DEFAULT_STORE,
                   fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table) -> None:
        """List users with role and status (never a password hash)."""
        from harmgraph.export import to_csv

        with open_store(store) as graph_store:
            who = sign_in(graph_store, "manage_users")
            listing = user_listing(graph_store)
            graph_store.record_audit(who.label, "list", "users", f"{len(listing)} users")
        if fmt is ListFormat.csv:
            typer.echo(to_csv(listing), nl=False)
        else:
            out.print(_table(listing, "Users"))

    @users.command("disable")
    def users_disable(name: str, store: StoreOption = DEFAULT_STORE) -> None:
        """Disable a user: they can no longer sign in (the row and its history stay)."""
        with open_store(store) as graph_store:
            set_active(graph_store, name, False, by=sign_in(graph_store, "manage_users").label)
        console.print(f"disabled {name}")

    @users.command("enable")
    def users_enable(name: str, store: StoreOption = DEFAULT_STORE) -> None:
        """Re-enable a disabled user."""
        with open_store(store) as graph_store:
            set_active(graph_store, name, True, by=sign_in(graph_store, "manage_users").label)
        console.print(f"enabled {name}")

    @users.command("password")
    def users_password(name: str, store: StoreOption = DEFAULT_STORE) -> None:
        """Set a new password (prompt or HARMGRAPH_PASSWORD)."""
        with open_store(store) as graph_store:
            who = sign_in(graph_store, "manage_users")  # before the new password is asked for
            set_password(graph_store, name, str(_password(False)), by=who.label)
        console.print(f"password of {name} changed")

    return users


def register(app: typer.Typer) -> None:
    """Add users, audit, share and retention to the CLI."""
    from harmgraph.export import to_csv

    app.add_typer(_users_app(), name="users")

    @app.command()
    def audit(
        store: StoreOption = DEFAULT_STORE,
        check: Annotated[bool, typer.Option("--verify", help="Verify the hash chain; exit 1 if broken.")] = False,
        head: Annotated[bool, typer.Option("--head", help="Print the chain's head (SEQ:HASH) to record outside "
                                                          "the store, e.g. in the force's SIEM.")] = False,
        expect_head: Annotated[Optional[str], typer.Option(
            "--expect-head", help="With --verify: a head printed earlier by --head; the chain must still hold it.")] = None,
        last: Annotated[int, typer.Option("--last", min=0, help="Show only the last N entries (0: all).")] = 50,
        action: Annotated[Optional[str], typer.Option("--action", help="Only entries of this action.")] = None,
        person: Annotated[Optional[str], typer.Option(
            "--person", help="Only entries about this person, under any id they have had (merged, split).")] = None,
        fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table,
    ) -> None:
        """List the access log and, with --verify, check its hash chain (naming the first broken
        entry), against a head recorded outside the store with --expect-head. Entries keep the
        person id they were written with; ``person_now`` is the id it redirects to."""
        from graph.audit_chain import head_text
        from graph.lineage import current_ids, ids_of_person

        recorded: ChainHead | None = None
        if expect_head is not None:
            try:
                recorded = parse_head(expect_head)
            except ValueError as exc:
                fail(f"--expect-head: {exc}", 2)
        with open_store(store) as graph_store:
            who = sign_in(graph_store, "view_audit")
            log = graph_store.audit_log()
            lineage = graph_store.person_lineage()
            report = verify(log, recorded)
            # The head printed is the one after this entry: recording it outside covers the look itself.
            graph_store.record_audit(who.label, "audit_verify" if check or head else "view_audit",
                                     person or "audit_log",
                                     f"{report.entries} entries, chain {'intact' if report.ok else 'broken'}"
                                     + (f", checked against recorded head {recorded.seq}" if recorded else ""))
            after = verify(graph_store.audit_log()).head if head else None
        if head:
            if not report.ok:
                console.print(styled(("audit log broken", "bold red"), f" at entry {report.broken_seq}: {report.problem}. "
                                     "No head printed."))
                raise typer.Exit(1)
            assert after is not None
            out.print(head_text(after))
            return
        if not check:
            log = log.assign(person_now=current_ids(log["subject"], lineage))
            shown = log[log["action"] == action] if action else log
            if person:
                shown = shown[shown["subject"].isin(ids_of_person(lineage, person))]
            shown = shown.tail(last) if last else shown
            if fmt is ListFormat.csv:
                # The log's times to the second: the export otherwise keeps only the day.
                emit(to_csv(shown.assign(at=shown["at"].dt.strftime("%Y-%m-%dT%H:%M:%S"))), None)
            else:
                out.print(_table(shown[["seq", "at", "who", "action", "subject", "person_now", "detail", "reason"]],
                                 f"Access log ({len(shown)} of {len(log)} entries)"))
            return
        if report.ok:
            out.print(f"audit log intact: {report.entries} entries; head entry {report.head.seq}, "
                      f"hash {report.head.hash}" + (f"; holds the recorded head {recorded.seq}" if recorded else ""))
            return
        where = f" (row {report.broken_position} of {report.entries})" if report.broken_position else ""
        console.print(styled(("audit log broken", "bold red"), f" at entry {report.broken_seq}{where}: "
                             f"{report.problem}. Entries up to {report.head.seq} verify."))
        raise typer.Exit(1)

    @app.command()
    def share(
        store: StoreOption = DEFAULT_STORE,
        key_file: Annotated[Optional[Path], typer.Option("--key-file", help="The force's secret sharing key.")] = None,
        new_key: Annotated[Optional[Path], typer.Option("--new-key", help="Create a new key in this file and stop.")] = None,
        output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the CSV here.")] = None,
        top: Annotated[int, typer.Option("--top", min=1)] = 100,
        which: Annotated[str, typer.Option("--list", help="overall, different-victims or serial-history")] = "overall",
        as_of: AsOfOption = None,
        reason: Annotated[str, typer.Option("--reason", help="Why it is shared, and with whom (logged).")] = "",
    ) -> None:
        """Write the ranked list with stable pseudonyms (HMAC of the person id), for partner agencies."""
        from harmgraph import share as sharing
        from harmgraph.context import build_context
        from harmgraph.force_scope import visible_people
        from scoring.lists import PerpetratorList, rank_perpetrators

        if new_key is not None:
            sharing.new_key(new_key)
            console.print(f"wrote a new sharing key to {new_key} (owner-only); keep it inside the force")
            return
        if which not in {choice.value for choice in PerpetratorList}:
            fail(f"--list {which!r} is not a list: use one of "
                 f"{', '.join(choice.value for choice in PerpetratorList)}", 2)
        if key_file is None or output is None:
            fail("share needs --key-file KEY and --output FILE (or --new-key KEY to make a key)", 2)
        assert key_file is not None and output is not None
        key = sharing.read_key(key_file)
        reason = export_reason(reason, output)
        with open_store(store) as graph_store:
            who = sign_in(graph_store, "share")
            context = build_context(graph_store, as_of.date() if as_of else None)
            ranked = visible_people(rank_perpetrators(context, PerpetratorList(which)), who).head(top)
            terms = sharing.identifying_terms(context.tables.persons, graph_store.person_records())
            shared, anonymity = sharing.pseudonymise(ranked, key, terms, context.catalogue)
            emit(to_csv(shared), output)  # written first: the log holds only what was shared
            graph_store.record_audit(who.label, "share", f"perpetrators:{which}",
                                     f"{len(shared)} rows pseudonymised as of {context.as_of} with key "
                                     f"{sharing.key_fingerprint(key)} to {output.name}; {anonymity.k}-anonymous, "
                                     f"dates by {anonymity.date_level}, {anonymity.withheld} withheld", reason=reason)
        console.print(f"shared {len(shared)} rows, {anonymity.k}-anonymous on {', '.join(sharing.QUASI_IDENTIFIERS)} "
                      f"(last incident by {anonymity.date_level}; {anonymity.withheld} rows' details withheld)")

    @app.command()
    def retention(
        store: StoreOption = DEFAULT_STORE,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="List only (nothing is deleted).")] = False,
        as_of: Annotated[Optional[datetime], typer.Option("--as-of", formats=["%Y-%m-%d"],
                                                          help="Review date (default: today).")] = None,
        config: Annotated[Optional[Path], typer.Option("--config", help="YAML with retention_review_years.")] = None,
        fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table,
        output: Annotated[Optional[Path], typer.Option("--output", "-o")] = None,
    ) -> None:
        """List person records with no incident, measure or referral within the review period (ids only)."""
        from harmgraph.retention import load_retention_config, past_review

        if not dry_run:
            fail("only --dry-run is available: harmgraph lists records past review and deletes nothing", 2)
        settings = load_retention_config(config)
        review_date: date = as_of.date() if as_of else date.today()
        with open_store(store) as graph_store:
            who = sign_in(graph_store, "review_retention")
            due = past_review(graph_store.export_table("person_records"), graph_store.export_table("incidents"),
                              graph_store.export_table("involvements"), graph_store.export_table("measures"),
                              graph_store.export_table("referrals"), graph_store.clusters(),
                              review_date, settings, custody=graph_store.export_table("custody"))
            records = len(graph_store.person_records())
            graph_store.record_audit(who.label, "retention_review", "person_records",
                                     f"dry run as of {review_date}: {len(due)} of {records} records past "
                                     f"{settings.retention_review_years:g}-year review")
        persons = due.loc[due["whole_person_past_review"], "person_id"].nunique()
        console.print(f"as of {review_date}, review period {settings.retention_review_years:g} years: "
                      f"{len(due)} of {records} person records past review; {persons} persons have every "
                      "record past review. Dry run: nothing was deleted.")
        if fmt is ListFormat.csv or output is not None:
            emit(to_csv(due), output)
        else:
            out.print(_table(due, "Person records past review (ids only)"))



"""`harmgraph sync`: copy an embedded store into a Neo4j database, through GraphStore only; and
`harmgraph graph export-import-files`: the same store as files for neo4j-admin's offline import."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from graph import audit_chain, is_bolt_uri
from graph.batch import Identity, LoadBatch, LoadSummary
from graph.store import GraphStore
from core.errors import StoreError
from harmgraph.cli_common import DEFAULT_STORE, StoreOption, open_store, sign_in

SYNC_SOURCE_PREFIX = "sync from "


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value as text (missing as ''), so rows from two stores compare exactly."""
    return frame.astype(object).where(frame.notna(), "").astype(str)


def _new_rows(rows: pd.DataFrame, present: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``rows`` that ``present`` does not hold already (matched on every column)."""
    if rows.empty or present.empty:
        return rows
    seen = set(map(tuple, _comparable(present[rows.columns]).to_numpy()))
    keep = [tuple(row) not in seen for row in _comparable(rows).to_numpy()]
    return rows[keep]


def _sync_audit_log(log: pd.DataFrame, target: GraphStore) -> None:
    """Append the source's access-log entries the target lacks, through the target's chain.

    Entries are matched on their content (who, when, what, why), not their chain columns.
    Onto an empty log (the usual first sync) the copied chain is identical to the source's,
    hash for hash; onto a log holding entries of its own the copied entries are re-anchored
    on the target's head, so the target's chain still verifies end to end.
    """
    content = audit_chain.CONTENT_COLUMNS
    ordered = log.sort_values("seq", kind="stable") if len(log) else log
    missing = _new_rows(ordered[content], target.audit_log()[content])
    target.append_audit(missing)


def _sync_users(source: GraphStore, target: GraphStore) -> None:
    """Add the source's users the target does not have (an existing user is left as it is)."""
    present = set(target.users()["name"])
    for user in source.users().to_dict("records"):
        if user["name"] not in present:
            password_hash = None if pd.isna(user["password_hash"]) else str(user["password_hash"])
            at = datetime.now() if pd.isna(user["updated_at"]) else pd.Timestamp(user["updated_at"]).to_pydatetime()
            forces = user.get("forces")
            target.put_user(str(user["name"]), str(user["role"]), password_hash, bool(user["active"]), at,
                            forces=forces if isinstance(forces, str) else "")


def sync_stores(source: GraphStore, target: GraphStore, now: datetime | None = None) -> dict[str, int]:
    """Copy every table of ``source`` into ``target``; running it again copies nothing new.

    Records, incidents, involvements, measures, breaches, referrals and the identity go in
    as one load (all-or-nothing) recorded in the target's history as "sync from <source>";
    the source's loads with their quarantine and warnings, its overrides, its access log and
    its MATAC decisions are appended where the target lacks them. Rows only the target holds are kept.
    """
    tables = {name: source.export_table(name) for name in (
        "person_records", "incidents", "involvements", "measures", "measure_breaches",
        "referrals", "custody", "record_person", "persons", "identity_links", "identity_overrides",
        "loads", "quarantine", "load_warnings", "audit_log", "matac_decisions",
        "matac_meetings", "matac_actions", "matac_referrals", "person_lineage", "identity_review")}
    target_loads = target.loads()
    new_loads = tables["loads"][~tables["loads"]["load_id"].isin(target_loads["load_id"])]
    new_ids = set(new_loads["load_id"])
    if len(new_loads):
        target.append_history("loads", new_loads)
        for table in ("quarantine", "load_warnings"):
            rows = tables[table][tables[table]["load_id"].isin(new_ids)]
            if len(rows):
                target.append_history(table, rows)
    overrides = _new_rows(tables["identity_overrides"], target.overrides())
    if len(overrides):
        target.append_history("identity_overrides", overrides)
    _sync_audit_log(tables["audit_log"], target)
    _sync_users(source, target)
    # A decision has its own id, so it is matched on that (not on every value, as floats vary).
    decisions = tables["matac_decisions"]
    new_decisions = decisions[~decisions["decision_id"].isin(target.matac_decisions()["decision_id"])]
    if len(new_decisions):
        target.append_history("matac_decisions", new_decisions)
    for table, key in (("matac_meetings", "meeting_id"), ("matac_actions", "entry_id"),
                       ("matac_referrals", "referral_id")):
        rows = tables[table]
        fresh = rows[~rows[key].isin(target.export_table(table)[key])]
        if len(fresh):
            target.append_history(table, fresh)
    # Person-id lineage: events matched on (seq, event, person id), so old ids still redirect.
    lineage = tables["person_lineage"]
    key = ["seq", "event", "person_id"]
    held = target.person_lineage()[key].astype(str).agg("|".join, axis=1)
    new_events = lineage[~lineage[key].astype(str).agg("|".join, axis=1).isin(held)]
    if len(new_events):
        target.append_history("person_lineage", new_events)

    digest = hashlib.sha256()
    for name in sorted(tables):
        if name not in ("audit_log", "matac_decisions", "matac_meetings", "matac_actions", "matac_referrals",
                        "person_lineage"):
            digest.update(name.encode())
            digest.update(_comparable(tables[name]).to_csv(index=False).encode())
    content_hash = "sync:" + digest.hexdigest()
    if target.has_completed_load(content_hash) is None:
        started = now or datetime.now()
        summary = LoadSummary(
            load_id=f"S-{started:%Y%m%d%H%M%S}-{digest.hexdigest()[:6]}", content_hash=content_hash,
            source=SYNC_SOURCE_PREFIX + source.location, started_at=started,
            per_file={name: {"loaded": len(frame)} for name, frame in tables.items()})
        target.apply_load(LoadBatch(
            summary=summary, records=tables["person_records"], incidents=tables["incidents"],
            involvements=tables["involvements"], measures=tables["measures"],
            breaches=tables["measure_breaches"], referrals=tables["referrals"], custody=tables["custody"],
            quarantine=pd.DataFrame(columns=tables["quarantine"].columns[1:]),
            warnings=pd.DataFrame(columns=tables["load_warnings"].columns[1:]),
            identity=Identity(clusters=tables["record_person"], persons=tables["persons"],
                              links=tables["identity_links"], review=tables["identity_review"],
                              model=source.resolution_model())))
    return target.counts()


def _without_credentials(uri: str) -> str:
    """``uri`` without any user name or password in it, fit for the access log.

    >>> _without_credentials("bolt://neo:secret@db.force:7687")
    'bolt://db.force:7687'
    """
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(uri)
    return urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")
                                     if parts.hostname else parts.netloc))


def register(app: typer.Typer) -> None:
    """Add the ``sync`` command and the ``graph`` group to the harmgraph CLI."""
    register_graph_group(app)

    @app.command()
    def sync(
        source: Annotated[Path, typer.Option("--from", help="Embedded store file to copy.")],
        target: Annotated[str, typer.Option("--to", envvar="NEO4J_URI",
                                            help="bolt:// or neo4j:// URI (NEO4J_USER, NEO4J_PASSWORD, "
                                                 "NEO4J_DATABASE from the environment).")],
    ) -> None:
        """Copy an embedded store into Neo4j (safe to re-run: nothing is copied twice)."""
        console = Console(stderr=True)
        if not source.exists():
            raise StoreError(f"{source}: no such store file")
        if not is_bolt_uri(target):
            raise StoreError(f"{target}: --to must be a bolt:// or neo4j:// URI")
        with open_store(source) as embedded:
            # A copy of everything is an access like any other: an admin's, logged before the
            # server is even reached, so the entry travels with the log it describes.
            who = sign_in(embedded, "sync")
            embedded.record_audit(who.label, "sync", _without_credentials(target), "copying the whole store")
            with open_store(target) as neo4j:
                counts = sync_stores(embedded, neo4j)
                console.print(f"synced {embedded.location} -> {neo4j.location}")
        typer.echo(json.dumps(counts, indent=2))


def register_graph_group(app: typer.Typer) -> None:
    """Add ``graph export-import-files``: the store as CSV files for ``neo4j-admin database import``."""
    graph = typer.Typer(help="Moving the graph into Neo4j in bulk.", no_args_is_help=True)
    app.add_typer(graph, name="graph")

    @graph.command("export-import-files")
    def export_import_files(
        directory: Annotated[Path, typer.Argument(help="New directory for the CSV files (created).")],
        database: Annotated[str, typer.Option("--database", help="Name of the Neo4j database to create.")]
        = "harmgraph",
        reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the access log).")]
        = "first load into Neo4j",
        store: StoreOption = DEFAULT_STORE,
    ) -> None:
        """Write the whole store as neo4j-admin import files and print the import command."""
        from graph.import_files import COMMAND_FILE, check_new_directory, import_command, write_import_files

        console = Console(stderr=True)
        check_new_directory(directory)
        with open_store(store) as graph_store:
            # The files hold every record, so writing them is a whole-store copy (as sync is),
            # logged before the copy so the entry travels with the log it describes.
            who = sign_in(graph_store, "sync")
            graph_store.record_audit(who.label, "export_import_files", str(directory), reason)
            written = write_import_files(graph_store, directory)
        console.print(f"wrote {len(written)} files, {sum(written.values()):,} rows, to {directory} "
                      f"(the command is also in {directory / COMMAND_FILE})")
        typer.echo(import_command(directory, database))

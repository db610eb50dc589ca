"""Identity commands: re-resolve people, and the analyst's must-link / cannot-link overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import pandas as pd
import typer

from graph import DEFAULT_STORE, open_store
from graph.store import GraphStore
from harmgraph.errors import HarmgraphError


StoreOption = Annotated[str, typer.Option("--store", envvar="HARMGRAPH_STORE")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept with the override).")]


def _resolve(store: GraphStore, tell) -> int:  # type: ignore[no-untyped-def]
    """Re-resolve every stored record with the overrides; returns the number of persons."""
    from ingest.identity import make_splink_resolver

    resolver = make_splink_resolver(progress=tell)
    identity = resolver(store.person_records(), store.clusters(), store.overrides())
    store.replace_identity(identity)
    return len(identity.persons)


def _check_records(store: GraphStore, *record_ids: str) -> None:
    known = store.existing_ids("person_records", pd.Series(list(record_ids), dtype="string"))
    missing = [r for r, found in zip(record_ids, known) if not found]
    if missing:
        raise HarmgraphError(f"no person record with id {', '.join(repr(m) for m in missing)} in {store.location}")
    if record_ids[0] == record_ids[1]:
        raise HarmgraphError("a record cannot be linked to or unlinked from itself")


def register(app: typer.Typer) -> None:
    """Add resolve, link and unlink to the CLI."""
    from harmgraph.cli import _stage_progress, _user, console


    @app.command()
    def resolve(store: StoreOption = DEFAULT_STORE) -> None:
        """Re-resolve person records into persons (splink + PNC ids + analyst overrides)."""
        with open_store(store) as graph_store, _stage_progress() as tell:
            persons = _resolve(graph_store, tell)
            graph_store.record_audit(_user(), "resolve", "persons", f"{persons} persons")
        console.print(f"{persons} persons resolved in {store}")

    def _override(kind: str, record_a: str, record_b: str, store: str, reason: str) -> None:
        with open_store(store) as graph_store:
            _check_records(graph_store, record_a, record_b)
            graph_store.add_override(kind, record_a, record_b, _user(), reason, datetime.now())
            graph_store.record_audit(_user(), "override", f"{record_a}/{record_b}", f"{kind}: {reason}")
            with _stage_progress() as tell:
                persons = _resolve(graph_store, tell)
        console.print(f"{kind} {record_a} / {record_b} stored; {persons} persons after re-resolving")

    @app.command()
    def link(record_a: str, record_b: str, store: StoreOption = DEFAULT_STORE,
             reason: ReasonOption = "") -> None:
        """Must-link two person records: they are always the same person."""
        _override("must_link", record_a, record_b, store, reason)

    @app.command()
    def unlink(record_a: str, record_b: str, store: StoreOption = DEFAULT_STORE,
               reason: ReasonOption = "") -> None:
        """Cannot-link two person records: they are never the same person."""
        _override("cannot_link", record_a, record_b, store, reason)

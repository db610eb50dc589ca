"""Identity commands: re-resolve people, and the analyst's must-link / cannot-link overrides."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from graph.store import GraphStore
from core.errors import HarmgraphError
from harmgraph.cli_common import DEFAULT_STORE, ResolutionConfigOption, StoreOption, console, current_user, open_store, stage_progress


ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept with the override).")]


def _resolve(store: GraphStore, tell, config_path: Path | None = None,  # type: ignore[no-untyped-def]
             cause: str = "re-resolve") -> int:
    """Re-resolve every stored record with the overrides; returns the number of persons.

    Person ids carry over; the ids this re-resolution merged, split or issued are logged in
    the lineage with ``cause`` and summed up in the access log."""
    from ingest.identity import make_splink_resolver
    from ingest.load import resolve_stored
    from ingest.resolve_config import load_resolution_config

    # The same settings option (or $HARMGRAPH_RESOLUTION_CONFIG) as ingest, so an override
    # re-resolves exactly as the last load did.
    resolver = make_splink_resolver(load_resolution_config(config_path), progress=tell)
    identity = resolve_stored(store, store.person_records(), resolver, cause)
    store.replace_identity(identity)
    changes = identity.lineage["event"].value_counts()
    if len(changes):
        store.record_audit(current_user(), "identity_change", "persons",
                           ", ".join(f"{n} {event}" for event, n in sorted(changes.items()))
                           + f" ({cause})")
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


    @app.command()
    def resolve(store: StoreOption = DEFAULT_STORE, resolution_config: ResolutionConfigOption = None) -> None:
        """Re-resolve person records into persons (splink + PNC ids + analyst overrides)."""
        with open_store(store) as graph_store, stage_progress(stages=7) as tell:
            persons = _resolve(graph_store, tell, resolution_config, cause=f"re-resolve by {current_user()}")
            graph_store.record_audit(current_user(), "resolve", "persons", f"{persons} persons")
        console.print(f"{persons} persons resolved in {store}")

    def _override(kind: str, record_a: str, record_b: str, store: str, reason: str,
                  resolution_config: Path | None) -> None:
        with open_store(store) as graph_store:
            _check_records(graph_store, record_a, record_b)
            graph_store.add_override(kind, record_a, record_b, current_user(), reason, datetime.now())
            graph_store.record_audit(current_user(), "override", f"{record_a}/{record_b}", f"{kind}: {reason}")
            with stage_progress(stages=7) as tell:
                persons = _resolve(graph_store, tell, resolution_config,
                                   cause=f"{kind} {record_a}/{record_b} by {current_user()}: {reason}")
        console.print(f"{kind} {record_a} / {record_b} stored; {persons} persons after re-resolving")

    @app.command()
    def link(record_a: str, record_b: str, store: StoreOption = DEFAULT_STORE,
             reason: ReasonOption = "", resolution_config: ResolutionConfigOption = None) -> None:
        """Must-link two person records: they are always the same person."""
        _override("must_link", record_a, record_b, store, reason, resolution_config)

    @app.command()
    def unlink(record_a: str, record_b: str, store: StoreOption = DEFAULT_STORE,
               reason: ReasonOption = "", resolution_config: ResolutionConfigOption = None) -> None:
        """Cannot-link two person records: they are never the same person."""
        _override("cannot_link", record_a, record_b, store, reason, resolution_config)

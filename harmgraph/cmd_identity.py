"""Identity commands: re-resolve people, and the analyst's must-link / cannot-link overrides."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from graph.store import GraphStore
from core.errors import HarmgraphError
from harmgraph.cli_common import (DEFAULT_STORE, ResolutionConfigOption, StoreOption, console, current_user,
                                  open_store, out, stage_progress)


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


def review_rows(store: GraphStore, kind: str | None = None) -> pd.DataFrame:
    """The review queue with each side's person id and what its record says (name, date of
    birth, postcode), for a person to judge."""
    items = store.review_items()
    if kind:
        items = items[items["kind"] == kind]
    if items.empty:
        return items.assign(person_l=pd.Series(dtype=object), person_r=pd.Series(dtype=object),
                            record_l=pd.Series(dtype=object), record_r=pd.Series(dtype=object))
    records = store.person_records().set_index("record_id")
    person = store.clusters().set_index("record_id")["person_id"]
    dob = pd.to_datetime(records["date_of_birth"], errors="coerce").dt.strftime("%Y-%m-%d")
    said = (records["forename"].fillna("").astype(str) + " " + records["surname"].fillna("").astype(str)
            + " | " + dob.fillna("no DOB") + " | " + records["postcode"].fillna("no postcode").astype(str))
    out = items.assign(
        person_l=person.reindex(items["record_id_l"]).to_numpy(),
        person_r=person.reindex(items["record_id_r"]).to_numpy(),
        record_l=items["record_id_l"] + ": " + said.reindex(items["record_id_l"]).fillna("?").to_numpy(),
        record_r=items["record_id_r"] + ": " + said.reindex(items["record_id_r"]).fillna("?").to_numpy())
    return out.reset_index(drop=True)


def register(app: typer.Typer) -> None:
    """Add resolve, link, unlink and review to the CLI."""

    @app.command()
    def review(
        store: StoreOption = DEFAULT_STORE,
        kind: Annotated[Optional[str], typer.Option(
            "--kind", help="Only near_threshold, dob_conflict, pnc_conflict or ambiguous_record.")] = None,
        top: Annotated[int, typer.Option("--top", min=1, help="How many items to show.")] = 20,
        fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
        decide: Annotated[Optional[str], typer.Option(
            "--decide", help="An item id (RV-...) to decide; give --same or --different.")] = None,
        same: Annotated[Optional[bool], typer.Option(
            "--same/--different", help="The two records are one person (link) / two (unlink).")] = None,
        reason: ReasonOption = "",
        resolution_config: ResolutionConfigOption = None,
    ) -> None:
        """Pairs of records to check: near the match threshold, kept apart by a rule (dates of
        birth or PNC ids conflict, a record close to two people), with the evidence for and
        against; --decide ITEM --same|--different links or unlinks them (logged)."""
        if decide is not None:
            if same is None:
                raise HarmgraphError("say --same (one person) or --different (two people)")
            with open_store(store) as graph_store:
                items = graph_store.review_items()
                found = items[items["item_id"] == decide]
                if found.empty:
                    raise HarmgraphError(f"no review item {decide!r} in {store} (run 'harmgraph review')")
                graph_store.record_audit(current_user(), "review_decision", decide,
                                         f"{'same' if same else 'different'} person", reason=reason)
            row = found.iloc[0]
            _override("must_link" if same else "cannot_link", row["record_id_l"], row["record_id_r"],
                      store, f"review {decide}: {reason}".strip(": "), resolution_config)
            return
        with open_store(store) as graph_store:
            rows = review_rows(graph_store, kind)
            graph_store.record_audit(current_user(), "list", "identity:review",
                                     f"{len(rows)} item(s)" + (f" of kind {kind}" if kind else ""))
        shown = rows.head(top)
        columns = ["item_id", "kind", "record_l", "person_l", "record_r", "person_r", "match_weight",
                   "evidence_for", "evidence_against", "note"]
        if fmt == "csv":
            sys.stdout.write(shown[columns].to_csv(index=False))
        elif fmt == "json":
            sys.stdout.write(shown[columns].to_json(orient="records", indent=2) + "\n")
        else:
            counts = rows["kind"].value_counts().to_dict() if len(rows) else {}
            out.print(f"{len(rows)} item(s) to review: "
                      + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none"), highlight=False)
            for row in shown.itertuples(index=False):
                out.print(f"[bold]{row.item_id}[/] {row.kind} (weight {row.match_weight:+.1f}): {row.note}",
                          highlight=False)
                out.print(f"  {row.record_l}  [{row.person_l}]", highlight=False, markup=False)
                out.print(f"  {row.record_r}  [{row.person_r}]", highlight=False, markup=False)
                out.print(f"  for: {row.evidence_for}", highlight=False, markup=False)
                out.print(f"  against: {row.evidence_against}", highlight=False, markup=False)
            if len(shown):
                out.print("decide with: harmgraph review --decide ITEM --same|--different --reason '...'",
                          highlight=False, markup=False)


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

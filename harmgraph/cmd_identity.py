"""Identity commands: re-resolve people, and the analyst's must-link / cannot-link overrides."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from core.errors import HarmgraphError
from harmgraph.identity_review import (SHOWN_COLUMNS, decide as decide_item, override, resolve_stored_records,
                                       review_rows)
from harmgraph.cli_common import (DEFAULT_STORE, ResolutionConfigOption, StoreOption, console, open_store, out,
                                  sign_in, stage_progress)
from harmgraph.terminal import styled


ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept with the override).")]


def register(app: typer.Typer) -> None:
    """Add resolve, link, unlink and review to the CLI."""

    @app.command()
    def review(
        store: StoreOption = DEFAULT_STORE,
        kind: Annotated[Optional[str], typer.Option(
            "--kind", help="Only near_threshold, dob_conflict, pnc_conflict, forename_conflict, "
                           "ambiguous_record, duplicate_victim or weak_record.")] = None,
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
        birth or PNC ids conflict, a record close to two people), victims who may be one woman
        behind a partner claim, with the evidence for and against; --decide ITEM
        --same|--different links or unlinks them (logged)."""
        if decide is not None:
            if same is None:
                raise HarmgraphError("say --same (one person) or --different (two people)")
            with open_store(store) as graph_store:
                who = sign_in(graph_store, "decide_identity")  # as the app's review page asks
                with stage_progress(stages=7) as tell:
                    kind_done, persons = decide_item(graph_store, decide, same, who.label, reason, tell,
                                                     resolution_config, account=who)
            console.print(f"{decide}: {kind_done} stored; {persons} persons after re-resolving")
            return
        with open_store(store) as graph_store:
            who = sign_in(graph_store, "decide_identity")
            rows = review_rows(graph_store, kind, account=who)
            graph_store.record_audit(who.label, "list", "identity:review",
                                     f"{len(rows)} item(s)" + (f" of kind {kind}" if kind else ""))
        shown = rows.head(top)
        columns = SHOWN_COLUMNS
        if fmt == "csv":
            sys.stdout.write(shown[columns].to_csv(index=False))
        elif fmt == "json":
            sys.stdout.write(shown[columns].to_json(orient="records", indent=2) + "\n")
        else:
            counts = rows["kind"].value_counts().to_dict() if len(rows) else {}
            out.print(f"{len(rows)} item(s) to review: "
                      + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none"), highlight=False)
            for row in shown.itertuples(index=False):
                weight = "" if pd.isna(row.match_weight) else f" (weight {row.match_weight:+.1f})"
                out.print(styled((str(row.item_id), "bold"), f" {row.kind}{weight}: {row.note}"), highlight=False)
                out.print(f"  {row.record_l}  [{row.person_l}]", highlight=False)
                out.print(f"  {row.record_r}  [{row.person_r}]", highlight=False)
                out.print(f"  for: {row.evidence_for}", highlight=False)
                out.print(f"  against: {row.evidence_against}", highlight=False)
            if len(shown):
                out.print("decide with: harmgraph review --decide ITEM --same|--different --reason '...'",
                          highlight=False)


    @app.command()
    def resolve(store: StoreOption = DEFAULT_STORE, resolution_config: ResolutionConfigOption = None) -> None:
        """Re-resolve person records into persons (splink + PNC ids + analyst overrides), training
        the model afresh (a load or a link uses the model kept with the store)."""
        with open_store(store) as graph_store:
            who = sign_in(graph_store, "decide_identity").label
            with stage_progress(stages=7) as tell:
                persons = resolve_stored_records(graph_store, who, tell, resolution_config,
                                                 cause=f"re-resolve by {who}", retrain=True)
            graph_store.record_audit(who, "resolve", "persons", f"{persons} persons")
        console.print(f"{persons} persons resolved in {store}")

    def _override(kind: str, record_a: str, record_b: str, store: str, reason: str,
                  resolution_config: Path | None) -> None:
        with open_store(store) as graph_store:
            who = sign_in(graph_store, "decide_identity")
            with stage_progress(stages=7) as tell:
                persons = override(graph_store, kind, record_a, record_b, who.label, reason, tell, resolution_config,
                                   account=who)
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

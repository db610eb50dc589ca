"""Signal commands: the Clare's Law (DVDS) history a disclosure panel needs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional

import typer

from harmgraph.context import build_context
from harmgraph.cli_common import AsOfOption, DEFAULT_STORE, StoreOption, open_store, out, sign_in



def register(app: typer.Typer) -> None:
    """Add the dvds command to the CLI."""
    from harmgraph.explain_view import frame_table

    @app.command()
    def dvds(person_id: str, store: StoreOption = DEFAULT_STORE, as_of: AsOfOption = None,
             reason: Annotated[str, typer.Option(help="Why the history is looked up (logged).")] = "") -> None:
        """List a person's domestic abuse history against partners and ex-partners (Clare's Law)."""
        from harmgraph.force_scope import check_person
        from scoring.signals.dvds import dvds_history, dvds_summary

        with open_store(store) as graph_store:
            who = sign_in(graph_store, "view_person")
            context = build_context(graph_store, as_of.date() if as_of else None)
            names = context.tables.persons.set_index("person_id")["display_name"]
            if person_id not in names.index:
                from core.errors import PersonNotFound

                raise PersonNotFound(person_id)
            check_person(graph_store, who, context.tables.persons, person_id, "dvds")
            history = dvds_history(context, person_id, context.config.signals)
            summary = dvds_summary(context, person_id, context.config.signals)
            graph_store.record_audit(who.label, "dvds_check", person_id, f"DVDS history as of {context.as_of}",
                                     reason=reason or "no reason given")
        out.rule(f"DVDS history: {names[person_id]} ({person_id}) up to {context.as_of}")
        out.print(summary)
        out.print(frame_table(history, "Incidents against partners and ex-partners"))

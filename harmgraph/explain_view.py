"""Render one person's evidence in the terminal with rich."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

from harmgraph.terminal import styled
from scoring.explain import Evidence
from scoring.context import ScoringContext
from scoring.signals import registry


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")  # type: ignore[union-attr]
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def frame_table(frame: pd.DataFrame, title: str) -> Table:
    """A rich table of ``frame`` (empty frames say so)."""
    table = Table(title=title, show_lines=False)
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    if frame.empty:
        table.caption = "none"
    return table


def print_evidence(console: Console, evidence: Evidence, records: pd.DataFrame, links: pd.DataFrame,
                   context: ScoringContext) -> None:
    """Print identity, score components, reasons, incidents, measures and referrals."""
    person = evidence.person
    console.rule(f"{person['display_name']} ({person['person_id']}) as of {context.as_of}")
    console.print(frame_table(records.drop(columns=["ethnicity"]), "Source records merged into this person"))
    if not links.empty:
        console.print(frame_table(links, "Why the records were linked"))
    if evidence.perpetrator:
        row = evidence.perpetrator
        console.print(styled((f"Rank {row['rank']} overall, score {row['score']}", "bold"),
                             f"  flags: {row.get('all_flags', row['flags']) or '-'}"))
        console.print(f"Reason: {row['reasons']}")
        console.print(f"Order: {row['order_reason']}", highlight=False)
        for evidence_of in registry.evidence():  # the sentences some signals add to the list
            if evidence_of.headline and isinstance(row.get(evidence_of.headline), str):
                console.print(f"{evidence_of.name.upper()}: {row[evidence_of.headline]}")
        console.print(frame_table(evidence.components, "Score components (RFGV)"))
        if not evidence.flag_reasons.empty:
            console.print(frame_table(evidence.flag_reasons, "Why each flag"))
    else:
        console.print("Not a suspect or offender in the scoring window.")
    if evidence.victim:
        console.print(styled((f"As a victim: rank {evidence.victim['rank']} of all victims", "bold"),
                             f"  {evidence.victim['reasons']}"))
    console.print(frame_table(evidence.incidents, "Incidents (in_window = counted in the score)"))
    aside = int(evidence.incidents["set_aside"].sum()) if "set_aside" in evidence.incidents else 0
    if aside:
        console.print(f"{aside} incident{'s' if aside != 1 else ''} marked set_aside: recorded against a record "
                      "with no date of birth or PNC id, joined on name and address alone, naming a victim none "
                      "of the other incidents does; possibly another man, so not counted. Settle it with "
                      "harmgraph review --kind weak_record.", highlight=False)
    console.print(frame_table(evidence.measures, "Protective measures"))
    console.print(frame_table(evidence.referrals, "Referrals and management"))
    if not evidence.custody.empty:
        console.print(frame_table(evidence.custody, "Custody (time held is not counted as time without offending)"))

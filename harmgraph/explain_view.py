"""Render one person's evidence in the terminal with rich."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

from harmgraph.terminal import styled
from scoring.explain import Evidence
from scoring.context import ScoringContext
from scoring.signals import registry


# Short headers, so the tables fit a terminal of 100 columns without folding their headings.
RECORD_HEADERS = {"record_id": "record", "source_system": "system", "date_of_birth": "born", "pnc_id": "PNC"}
LINK_HEADERS = {"record_id_l": "record", "record_id_r": "linked to", "match_weight": "weight",
                "match_probability": "probability"}


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


def _counted(incidents: pd.DataFrame) -> pd.Series:
    """Per incident: whether the score counts it, and why not when it does not."""
    aside = incidents["set_aside"] if "set_aside" in incidents else pd.Series(False, index=incidents.index)
    return pd.Series(["no: set aside" if bool(a) else ("yes" if bool(w) else "no: before the window")
                      for a, w in zip(aside, incidents["in_window"])], index=incidents.index)


def incident_lines(incidents: pd.DataFrame) -> pd.DataFrame:
    """The incidents as a terminal of 100 columns can show them: day, incident, role (with the
    relationship), offence as labelled, outcome, DASH, whether the score counts it, who else.
    (The codes, harm days and domestic-abuse mark are in ``--format`` exports and the app.)

    >>> frame = pd.DataFrame({"occurred_at": [pd.Timestamp("2026-03-05")], "incident_id": ["I3"],
    ...     "role": ["suspect"], "relationship": ["partner"], "label": ["Assault"], "outcome": ["charged"],
    ...     "dash_risk": [None], "in_window": [False], "set_aside": [True], "others": ["P-2 Dee WHITE [victim]"]})
    >>> incident_lines(frame).iloc[0].tolist()
    [Timestamp('2026-03-05 00:00:00'), 'I3', 'suspect (partner)', 'Assault', 'charged', None, 'no: set aside', 'P-2 Dee WHITE [victim]']
    """
    role = incidents["role"].astype(str) + incidents["relationship"].map(
        lambda r: f" ({r})" if isinstance(r, str) and r else "")
    return pd.DataFrame({
        "day": incidents["occurred_at"], "incident": incidents["incident_id"], "role": role,
        "offence": incidents["label"], "outcome": incidents["outcome"], "DASH": incidents["dash_risk"],
        "counted": _counted(incidents), "others": incidents["others"]})


def print_evidence(console: Console, evidence: Evidence, records: pd.DataFrame, links: pd.DataFrame,
                   context: ScoringContext) -> None:
    """Print identity, score components, reasons, incidents, measures and referrals."""
    person = evidence.person
    console.rule(f"{person['display_name']} ({person['person_id']}) as of {context.as_of}")
    console.print(frame_table(records.drop(columns=["ethnicity"]).rename(columns=RECORD_HEADERS),
                              "Source records merged into this person"))
    if not links.empty:
        console.print(frame_table(links.rename(columns=LINK_HEADERS), "Why the records were linked"))
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
    console.print(frame_table(incident_lines(evidence.incidents), "Incidents"))
    aside = int(evidence.incidents["set_aside"].sum()) if "set_aside" in evidence.incidents else 0
    if aside:
        console.print(f"{aside} incident{'s' if aside != 1 else ''} set aside: recorded against a record "
                      "with no date of birth or PNC id, joined on name and address alone, naming a victim none "
                      "of the other incidents does; possibly another man, so not counted. Settle it with "
                      "harmgraph review --kind weak_record.", highlight=False)
    console.print(frame_table(evidence.measures, "Protective measures"))
    console.print(frame_table(evidence.referrals, "Referrals and management"))
    if not evidence.custody.empty:
        console.print(frame_table(evidence.custody, "Custody (time held is not counted as time without offending)"))

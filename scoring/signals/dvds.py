"""Domestic Violence Disclosure Scheme (Clare's Law): a person's history against partners.

Everything up to the as-of date counts (not only the scoring window): a disclosure panel
needs the whole recorded history. Allegation, charge and conviction are shown apart.
"""

from __future__ import annotations

import pandas as pd

from scoring.context import ScoringContext
from scoring.prepared import Prepared
from scoring.signals.settings import SignalConfig

DVDS_COLUMNS = ["date", "incident_id", "offence", "label", "victim_id", "victim_name", "relationship",
                "outcome", "domestic_abuse"]


def dvds_history(context: ScoringContext, person_id: str,
                 settings: SignalConfig | None = None) -> pd.DataFrame:
    """The person's incidents against partners and ex-partners up to as-of, oldest first.

    Columns: date, incident_id, offence, label, victim_id, victim_name, relationship,
    outcome, domestic_abuse (one row per incident and victim).

    >>> from scoring.signals.example import example_context
    >>> dvds_history(example_context(), "P-1")[["date", "incident_id", "victim_id", "outcome"]]
            date incident_id victim_id              outcome
    0 2025-01-10         I-1       P-2              charged
    1 2025-09-01         I-2       P-3              charged
    2 2026-05-20         I-3       P-3  under_investigation
    """
    settings = settings or SignalConfig()
    prepared = Prepared(context)
    index = prepared.index
    person = index.codes(pd.Series([person_id], dtype="string"))[0]
    links = prepared.history_links
    mine = links[(links["person"].to_numpy() == person)
                 & links["relationship"].isin(settings.pdp.partner_relationships).to_numpy(dtype=bool)]
    incidents = index.incidents.take(mine["row"].to_numpy()).reset_index(drop=True)
    victims = mine["victim"].to_numpy()
    names = prepared.persons_at("display_name", victims)
    found = pd.DataFrame({
        "date": incidents["occurred_at"], "incident_id": incidents["incident_id"], "offence": incidents["offence"],
        "label": incidents["label"], "victim_id": pd.Series(index.ids(victims), dtype="string"),
        "victim_name": names, "relationship": mine["relationship"].array, "outcome": incidents["outcome"],
        "domestic_abuse": incidents["domestic_abuse"],
    })
    return found.sort_values(["date", "incident_id", "victim_id"], kind="stable")[DVDS_COLUMNS].reset_index(drop=True)


def dvds_summary(context: ScoringContext, person_id: str, settings: SignalConfig | None = None) -> str:
    """One sentence, e.g. '3 incidents against 2 partners or ex-partners between 2021 and 2025; 1 conviction'.

    >>> from scoring.signals.example import example_context
    >>> dvds_summary(example_context(), "P-1")
    '3 incidents against 2 partners or ex-partners between 2025 and 2026; no convictions, 2 further charges or cautions'
    """
    found = dvds_history(context, person_id, settings)
    if found.empty:
        return f"No recorded incidents against partners or ex-partners up to {context.as_of.isoformat()}"
    incidents = found["incident_id"].nunique()
    partners = found["victim_id"].nunique()
    first, last = found["date"].min().year, found["date"].max().year
    outcomes = found.drop_duplicates("incident_id")["outcome"]
    convictions = int(outcomes.eq("convicted").fillna(False).sum())
    charges = int(outcomes.isin(["charged", "caution"]).fillna(False).sum())
    when = f"in {first}" if first == last else f"between {first} and {last}"
    text = (f"{incidents} incident{'s' if incidents != 1 else ''} against {partners} "
            f"{'partner or ex-partner' if partners == 1 else 'partners or ex-partners'} {when}; ")
    text += f"{convictions} conviction{'s' if convictions != 1 else ''}" if convictions else "no convictions"
    if charges:
        text += f", {charges} further charge{'s' if charges != 1 else ''} or caution{'s' if charges != 1 else ''}"
    return text

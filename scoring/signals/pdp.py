"""Potential dangerous persons (PDP): DA charges against different partners, no MAPPA.

College of Policing: a PDP is someone not managed under MAPPA where there are reasonable
grounds to believe they risk committing offences causing serious harm; the first example is
someone charged with domestic abuse offences on several occasions against different partners
but never convicted of a MAPPA-eligible offence. This rule reads **all history up to the
as-of date**, not only the scoring window: a MAPPA-eligible conviction ten years ago still
counts, and so do charges outside the window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.perpetrators import ScoringContext
from scoring.prepared import Prepared, prepared_for
from scoring.signals._history import day
from scoring.signals.config import SignalConfig


def _counted_incidents(settings: SignalConfig, prepared: Prepared, perps: pd.DataFrame,
                       links: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(person, row) of domestic abuse charges (or allegations), and the partner links."""
    pdp = settings.pdp
    index = prepared.index
    partner_links = links[links["relationship"].isin(pdp.partner_relationships).to_numpy(dtype=bool)]
    row = perps["row"].to_numpy()
    counted_outcome = (np.ones(len(perps), dtype=bool) if pdp.count_allegations
                       else index.incidents["outcome"].take(row).isin(pdp.charge_outcomes).to_numpy(dtype=bool))
    domestic = index.column("domestic", row) | prepared.pairs_among(perps, partner_links)
    counted = perps[counted_outcome & domestic & ~index.column("non_crime", row)]
    return counted, partner_links


def _latest_mappa_conviction(perps: pd.DataFrame, prepared: Prepared, settings: SignalConfig) -> pd.Series:
    """Per person: 'label on day' of their latest conviction for a MAPPA-eligible offence."""
    incidents = prepared.index.incidents.take(perps["row"].to_numpy())
    convicted = (incidents["outcome"].eq("convicted").fillna(False).to_numpy(dtype=bool)
                 & incidents["offence"].isin(settings.pdp.mappa_offences).to_numpy(dtype=bool))
    found = pd.DataFrame({"person": perps["person"].to_numpy()[convicted],
                          "row": perps["row"].to_numpy()[convicted],
                          "occurred_at": incidents["occurred_at"].to_numpy()[convicted],
                          "label": incidents["label"].array[convicted]})
    # Latest by time; two on the same day: the higher incident id.
    latest = found.sort_values(["person", "occurred_at", "row"]).drop_duplicates("person", keep="last")
    latest = latest.set_index("person")
    return latest["label"] + " on " + day(latest["occurred_at"])


def _mappa_since(context: ScoringContext, prepared: Prepared, settings: SignalConfig) -> pd.Series:
    """Per person code: day of their latest MAPPA referral within ``pdp.mappa_current_days``."""
    referrals = context.tables.referrals.assign(person=prepared.index.referral_people)
    as_of = pd.Timestamp(context.as_of).normalize()
    mappa = referrals[(referrals["type"] == "mappa") & (referrals["date"] <= as_of)
                      & (referrals["date"] >= as_of - pd.Timedelta(days=settings.pdp.mappa_current_days))]
    latest = mappa.groupby("person")["date"].max()
    return day(latest[latest.index >= 0])


def potential_pdp_coded(context: ScoringContext, settings: SignalConfig, prepared: Prepared,
                        people: pd.Index | None = None) -> pd.DataFrame:
    """:func:`potential_pdp` indexed by person code, for everyone or those among ``people``."""
    pdp = settings.pdp
    perps = prepared.only(prepared.history_perpetrators, people)
    links = prepared.only(prepared.history_links, people)
    counted, partner_links = _counted_incidents(settings, prepared, perps, links)
    partner_links = partner_links[prepared.pairs_among(partner_links, counted)]

    out = pd.DataFrame(index=prepared.people(perps["person"]))
    out["occasions"] = counted.groupby("person").size()
    out["partners"] = partner_links.drop_duplicates(["person", "victim"]).groupby("person").size()
    out[["occasions", "partners"]] = out[["occasions", "partners"]].fillna(0).astype("int64")
    out["mappa_conviction"] = _latest_mappa_conviction(perps, prepared, settings)
    out["mappa_since"] = _mappa_since(context, prepared, settings)

    enough = (out["occasions"] >= pdp.min_occasions) & (out["partners"] >= pdp.min_partners)
    has_conviction = out["mappa_conviction"].notna()
    managed = out["mappa_since"].notna()
    out["pdp"] = enough & ~has_conviction & ~managed

    what = "reported as a suspect in" if pdp.count_allegations else "charged with"
    counts = (what + " domestic abuse on " + out["occasions"].astype(str) + " occasion(s) against "
              + out["partners"].astype(str) + " different partner(s) or ex-partner(s)")
    needs = f" (needs {pdp.min_occasions} against {pdp.min_partners})"
    horizon = f" in all history up to {pd.Timestamp(context.as_of).date()}"
    reason = np.select(
        [out["pdp"], ~enough, has_conviction, managed],
        ["Potential PDP: " + counts + horizon
         + ", never convicted of a MAPPA-eligible offence and not managed under MAPPA",
         "Not a potential PDP: " + counts + needs + horizon,
         "Not a potential PDP: " + counts + ", but convicted of a MAPPA-eligible offence ("
         + out["mappa_conviction"].fillna("") + ")",
         "Not a potential PDP: " + counts + ", but managed under MAPPA (referral "
         + out["mappa_since"].fillna("") + ")"],
        default="")
    out["reason"] = reason
    return out[["pdp", "reason", "occasions", "partners"]]


def potential_pdp(context: ScoringContext, settings: SignalConfig | None = None,
                  prepared: Prepared | None = None) -> pd.DataFrame:
    """One row per perpetrator (all history to as-of): ``person_id, pdp, reason``.

    Example: two DA charges against two different ex-partners, no MAPPA-eligible conviction,
    no MAPPA referral in the last year -> ``pdp`` True.
    """
    settings = settings or SignalConfig()
    prepared = prepared_for(context, prepared)
    return prepared.decode(potential_pdp_coded(context, settings, prepared))

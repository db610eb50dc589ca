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

from scoring.arrow_isin import pairs_isin
from scoring.perpetrators import ScoringContext
from scoring.prepared import Prepared, prepared_for
from scoring.signals._history import day, people_frame
from scoring.signals.config import SignalConfig


def _counted_incidents(settings: SignalConfig, prepared: Prepared) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per (person, incident): domestic abuse charges (or allegations) with the partner victims."""
    pdp = settings.pdp
    links = prepared.history_links_with(["domestic_abuse", "outcome", "non_crime"])
    perps = prepared.history_perpetrators
    counted_outcome = (pd.Series(True, index=perps.index) if pdp.count_allegations
                       else perps["outcome"].isin(pdp.charge_outcomes).fillna(False))
    partner_pairs = links.loc[links["relationship"].isin(pdp.partner_relationships), ["person_id", "incident_id"]]
    against_partner = pairs_isin(perps["person_id"], perps["incident_id"],
                                 partner_pairs["person_id"], partner_pairs["incident_id"])
    domestic = perps["domestic_abuse"].fillna(False).astype(bool) | against_partner
    counted = perps[counted_outcome & domestic & ~perps["non_crime"]]
    return counted[["person_id", "incident_id", "occurred_at"]], links


def potential_pdp(context: ScoringContext, settings: SignalConfig | None = None,
                  prepared: Prepared | None = None) -> pd.DataFrame:
    """One row per perpetrator (all history to as-of): ``person_id, pdp, reason``.

    Example: two DA charges against two different ex-partners, no MAPPA-eligible conviction,
    no MAPPA referral in the last year -> ``pdp`` True.
    """
    settings = settings or SignalConfig()
    pdp = settings.pdp
    prepared = prepared_for(context, prepared)
    perps = prepared.history_perpetrators
    counted, links = _counted_incidents(settings, prepared)
    partner_links = links[links["relationship"].isin(pdp.partner_relationships)
                          & links["incident_id"].isin(counted["incident_id"])]
    partner_links = partner_links.merge(counted[["person_id", "incident_id"]], on=["person_id", "incident_id"])

    out = people_frame(perps["person_id"]).set_index("person_id")
    out["occasions"] = counted.groupby("person_id")["incident_id"].nunique()
    out["partners"] = partner_links.groupby("person_id")["victim_id"].nunique()
    out[["occasions", "partners"]] = out[["occasions", "partners"]].fillna(0).astype("int64")

    convicted = perps[perps["outcome"].eq("convicted").fillna(False)
                      & perps["offence"].isin(pdp.mappa_offences)].sort_values("occurred_at")
    latest_conviction = convicted.drop_duplicates("person_id", keep="last").set_index("person_id")
    out["mappa_conviction"] = (latest_conviction["label"] + " on " + day(latest_conviction["occurred_at"]))

    referrals = context.tables.referrals
    as_of = pd.Timestamp(context.as_of).normalize()
    mappa = referrals[(referrals["type"] == "mappa") & (referrals["date"] <= as_of)
                      & (referrals["date"] >= as_of - pd.Timedelta(days=pdp.mappa_current_days))]
    out["mappa_since"] = day(mappa.groupby("person_id")["date"].max())

    enough = (out["occasions"] >= pdp.min_occasions) & (out["partners"] >= pdp.min_partners)
    has_conviction = out["mappa_conviction"].notna()
    managed = out["mappa_since"].notna()
    out["pdp"] = enough & ~has_conviction & ~managed

    what = "reported as a suspect in" if pdp.count_allegations else "charged with"
    counts = (what + " domestic abuse on " + out["occasions"].astype(str) + " occasion(s) against "
              + out["partners"].astype(str) + " different partner(s) or ex-partner(s)")
    needs = f" (needs {pdp.min_occasions} against {pdp.min_partners})"
    horizon = f" in all history up to {as_of.date()}"
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
    return out.reset_index()[["person_id", "pdp", "reason", "occasions", "partners"]]

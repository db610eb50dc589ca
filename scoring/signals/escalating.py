"""Escalation over a person's most recent incidents: gravity, tempo, new partners, breaches.

Reads all history up to the as-of date and keeps each person's last K incidents (settings
``escalation.last_incidents``), so an old, settled pattern does not look like escalation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.arrow_isin import pairs_isin
from scoring.arrow_sort import sort_rows
from scoring.perpetrators import ScoringContext
from scoring.prepared import Prepared, prepared_for
from scoring.signals._history import day, people_frame
from scoring.signals.config import SignalConfig

DAYS_PER_YEAR = 365.25
SIGNAL_COLUMNS = ["gravity_rising", "intervals_shortening", "new_partner_soon", "breach_course_of_conduct"]


def _last_incidents(perps: pd.DataFrame, k: int) -> pd.DataFrame:
    """Each person's last ``k`` incidents, oldest first, with position and time in days."""
    ordered = sort_rows(perps.drop_duplicates(["person_id", "incident_id"]),
                        ["person_id", "occurred_at", "incident_id"])
    from_end = ordered.groupby("person_id").cumcount(ascending=False)
    last = ordered[from_end < k].copy()
    last["position"] = last.groupby("person_id").cumcount()
    last["t"] = (last["occurred_at"] - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0
    return last.reset_index(drop=True)


def _gravity(last: pd.DataFrame, settings: SignalConfig) -> pd.DataFrame:
    """Theil-Sen slope of harm days against time (median of pairwise slopes, per year)."""
    esc = settings.escalation
    # Pair up and group on integer person codes (sorted like the ids), not on the id strings:
    # the self-merge and the alignment of the four per-person series stay in integers.
    code, people = pd.factorize(last["person_id"], sort=True)
    base = pd.DataFrame({"person": code, "position": last["position"].to_numpy(), "t": last["t"].to_numpy(),
                         "harm_days": last["harm_days"].to_numpy()})
    pairs = base.merge(base, on="person", suffixes=("_a", "_b"))
    pairs = pairs[(pairs["position_a"] < pairs["position_b"]) & (pairs["t_b"] > pairs["t_a"])]
    slope = (pairs["harm_days_b"] - pairs["harm_days_a"]) / (pairs["t_b"] - pairs["t_a"]) * DAYS_PER_YEAR
    grouped = base.groupby("person")
    out = pd.DataFrame({"n": grouped.size(), "slope": slope.groupby(pairs["person"]).median(),
                        "harm_first": grouped["harm_days"].first(), "harm_last": grouped["harm_days"].last()})
    out.index = pd.Index(people.take(out.index.to_numpy()), name="person_id")
    out["gravity_rising"] = (out["n"] >= esc.min_incidents_for_trend) & (out["slope"] > esc.min_gravity_slope_per_year)
    text = ("gravity rising over the last " + out["n"].astype(str) + " incidents (harm "
            + out["harm_first"].round(1).astype(str) + " to " + out["harm_last"].round(1).astype(str)
            + " days; trend " + out["slope"].round(1).map("{:+g}".format) + " harm days a year)")
    out["gravity_text"] = text.where(out["gravity_rising"], "")
    return out[["gravity_rising", "gravity_text"]]


def _intervals(last: pd.DataFrame, settings: SignalConfig) -> pd.DataFrame:
    """Median gap of the later half against the earlier half of the gaps."""
    esc = settings.escalation
    gaps = last.assign(gap=last.groupby("person_id")["t"].diff()).dropna(subset=["gap"])
    gaps = gaps.assign(index=gaps.groupby("person_id").cumcount())
    count = gaps.groupby("person_id")["gap"].transform("size")
    half = count // 2
    earlier = gaps[gaps["index"] < half].groupby("person_id")["gap"].median()
    later = gaps[gaps["index"] >= count - half].groupby("person_id")["gap"].median()
    out = pd.DataFrame({"gaps": gaps.groupby("person_id").size(), "earlier": earlier, "later": later})
    enough = out["gaps"] + 1 >= esc.min_incidents_for_trend
    out["intervals_shortening"] = (enough & (out["earlier"] > 0)
                                   & (out["later"] * esc.interval_factor <= out["earlier"])).fillna(False)
    text = ("intervals shortening (median gap " + out["earlier"].round(0).astype("Int64").astype(str)
            + " days, then " + out["later"].round(0).astype("Int64").astype(str) + " days)")
    out["intervals_text"] = text.where(out["intervals_shortening"], "")
    return out[["intervals_shortening", "intervals_text"]]


def _new_partner(last: pd.DataFrame, links: pd.DataFrame, settings: SignalConfig) -> pd.DataFrame:
    """A new partner victimised soon after the abuse of the previous partner, or alongside it.

    Partners are victims whose relationship is in ``escalation.partner_relationships``, among
    the person's last K incidents. Each partner's abuse spans their first to their last
    incident; partners are taken in order of their first incident. For each partner after
    the first, the earlier partners are compared with them:

    * **New partner soon after** (sequential): the new partner's first incident is after the
      last incident against every earlier partner, and no more than
      ``escalation.new_partner_months`` after the latest of those. The reason names the
      previous partner (the one abused most recently) and the gap.
    * **Two partners at the same time** (overlapping): the new partner's first incident falls
      on or before the last incident against an earlier partner (whose first incident was
      on or before it). This is never described as "N months after": the reason says the two
      partners were abused at the same time and gives both periods. It sets the same
      ``new_partner_soon`` signal when ``escalation.count_overlapping_partners`` is true (the
      default: a new partner abused while the previous abuse goes on is at least as
      concerning as one abused soon after it); set it false to fire only on sequential ones.

    When several partners qualify, the reason describes the most recent one.
    """
    esc = settings.escalation
    # An inner merge with ``last``, whose (person, incident) pairs are unique: a filter of the
    # partner links, done as one Arrow lookup instead of a merge on two string keys.
    partners = links[links["relationship"].isin(esc.partner_relationships)]
    partners = partners[pairs_isin(partners["person_id"], partners["incident_id"],
                                   last["person_id"], last["incident_id"])].reset_index(drop=True)
    spans = partners.groupby(["person_id", "victim_id"])["occurred_at"].agg(["min", "max"]).reset_index()
    spans = spans.sort_values(["person_id", "min", "victim_id"], kind="stable").reset_index(drop=True)
    grouped = spans.groupby("person_id")
    # Among the partners whose abuse began earlier: the latest last incident, and whose it was.
    spans["running_end"] = grouped["max"].cummax()
    spans["holder"] = spans["victim_id"].where(spans["max"] == spans["running_end"])
    spans["holder"] = spans.groupby("person_id")["holder"].ffill()
    spans["holder_first"] = spans["min"].where(spans["max"] == spans["running_end"])
    spans["holder_first"] = spans.groupby("person_id")["holder_first"].ffill()
    grouped = spans.groupby("person_id")
    spans["previous_victim"] = grouped["holder"].shift()
    spans["previous_first"] = grouped["holder_first"].shift()
    spans["previous_last"] = grouped["running_end"].shift()
    has_previous = spans["previous_victim"].notna()
    spans["gap_days"] = (spans["min"] - spans["previous_last"]).dt.total_seconds() / 86400.0
    spans["sequential"] = has_previous & (spans["gap_days"] > 0) & (
        spans["gap_days"] <= esc.new_partner_months * DAYS_PER_YEAR / 12)
    overlapping = has_previous & (spans["gap_days"] <= 0)
    spans["soon"] = spans["sequential"] | (overlapping & esc.count_overlapping_partners)
    soon = spans[spans["soon"]].drop_duplicates("person_id", keep="last").set_index("person_id")

    months = (soon["gap_days"] / (DAYS_PER_YEAR / 12)).round(0).astype("int64")
    days = (soon["min"].dt.normalize() - soon["previous_last"].dt.normalize()).dt.days
    gap_text = np.where(months >= 1, months.astype(str) + " month(s) after",
                        np.where(days >= 1, days.astype(str) + " day(s) after", "later on the same day as"))
    after = ("new partner " + soon["victim_id"] + " victimised " + gap_text
             + " the last incident against previous partner " + soon["previous_victim"])
    first_new = ("abused two partners at the same time: first incident against " + soon["victim_id"]
                 + " on " + day(soon["min"]))
    same_time = first_new + np.where(
        soon["previous_first"].dt.normalize() == soon["previous_last"].dt.normalize(),
        ", the same day as incident(s) against " + soon["previous_victim"],
        ", while incidents against " + soon["previous_victim"] + " ran from "
        + day(soon["previous_first"]) + " to " + day(soon["previous_last"]))
    text = pd.Series(np.where(soon["sequential"], after, same_time), index=soon.index, dtype=object)
    return pd.DataFrame({"new_partner_soon": True, "partner_text": text})


def _breaches(context: ScoringContext, last: pd.DataFrame, links: pd.DataFrame,
              settings: SignalConfig) -> pd.DataFrame:
    """A breach among the last incidents with earlier incidents against the same victim."""
    esc = settings.escalation
    breach = last.loc[last["breach"], ["person_id", "incident_id", "occurred_at"]]
    victims = links[["person_id", "incident_id", "victim_id"]]
    protected = context.tables.breaches.merge(context.tables.measures, on="measure_id")[
        ["subject_person_id", "incident_id", "protected_person_id"]].rename(
        columns={"subject_person_id": "person_id", "protected_person_id": "victim_id"})
    breach_victims = breach.merge(pd.concat([victims, protected.dropna()]), on=["person_id", "incident_id"])
    breach_victims = breach_victims.drop_duplicates(["person_id", "incident_id", "victim_id"])
    earlier = breach_victims.merge(
        links[["person_id", "victim_id", "incident_id", "occurred_at"]],
        on=["person_id", "victim_id"], suffixes=("", "_earlier"))
    earlier = earlier[earlier["occurred_at_earlier"] < earlier["occurred_at"]]
    counts = earlier.groupby(["person_id", "incident_id", "victim_id", "occurred_at"])[
        "incident_id_earlier"].nunique().rename("earlier").reset_index()
    counts = counts[counts["earlier"] >= esc.min_earlier_incidents].sort_values(["person_id", "occurred_at"])
    top = counts.drop_duplicates("person_id", keep="last").set_index("person_id")
    text = ("breach " + top["incident_id"] + " on " + day(top["occurred_at"]) + " follows "
            + top["earlier"].astype(str) + " earlier incident(s) against " + top["victim_id"]
            + ": possible stalking, harassment or coercive control course of conduct")
    return pd.DataFrame({"breach_course_of_conduct": True, "breach_text": text})


def escalation(context: ScoringContext, settings: SignalConfig | None = None,
               prepared: Prepared | None = None) -> pd.DataFrame:
    """One row per perpetrator: ``person_id, escalating``, the four signals and ``reason``.

    Example: harm 5 -> 10 -> 180 days with gaps of 200 then 20 days -> gravity_rising and
    intervals_shortening, so escalating.
    """
    settings = settings or SignalConfig()
    prepared = prepared_for(context, prepared)
    perps = prepared.history_perpetrators
    if perps.empty:
        return pd.DataFrame({"person_id": pd.Series(dtype="string"),
                             **{c: pd.Series(dtype=bool) for c in ["escalating", *SIGNAL_COLUMNS]},
                             "reason": pd.Series(dtype="string")})
    links = prepared.history_links
    last = _last_incidents(perps, settings.escalation.last_incidents)
    out = people_frame(perps["person_id"]).set_index("person_id")
    out = (out.join(_gravity(last, settings)).join(_intervals(last, settings))
           .join(_new_partner(last, links, settings)).join(_breaches(context, last, links, settings)))
    for column in SIGNAL_COLUMNS:
        out[column] = out[column].fillna(False).astype(bool)
    out["escalating"] = out[SIGNAL_COLUMNS].any(axis=1)
    texts = out[["gravity_text", "intervals_text", "partner_text", "breach_text"]].fillna("")
    joined = texts["gravity_text"]
    for column in ("intervals_text", "partner_text", "breach_text"):
        joined = joined + np.where((joined != "") & (texts[column] != ""), "; ", "") + texts[column]
    n = last.groupby("person_id").size().reindex(out.index).fillna(0).astype("int64")
    out["reason"] = np.where(out["escalating"], "Escalating: " + joined,
                             "No sign of escalation over the last " + n.astype(str) + " incident(s)")
    return out.reset_index()[["person_id", "escalating", *SIGNAL_COLUMNS, "reason"]]

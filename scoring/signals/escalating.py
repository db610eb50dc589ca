"""Escalation over a person's most recent incidents: gravity, tempo, new partners, breaches.

Reads all history up to the as-of date and keeps each person's last K incidents (settings
``escalation.last_incidents``), so an old, settled pattern does not look like escalation.
Works on person codes and incident rows (:mod:`scoring.prepared`); the texts name victims by
name (their id only where no name is held).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from scoring.index import EPOCH, sorted_holds
from scoring.prepared import Prepared
from scoring.reasons import day, once_per_distinct
from scoring.signals.base import Evidence, RankingData, Rule, Signal, history_of
from scoring.signals.settings import EscalationSettings, SignalConfig

DAYS_PER_YEAR = 365.25
SIGNAL_COLUMNS = ["gravity_rising", "intervals_shortening", "new_partner_soon", "breach_course_of_conduct"]


def _last_incidents(prepared: Prepared, k: int, people: pd.Index | None) -> pd.DataFrame:
    """Each person's last ``k`` incidents, oldest first: person, row, pair, position (0 =
    oldest kept), slot (the person's place among those here), occurred_at and t (days since
    1970). Everyone up to the as-of date, or those among ``people``."""
    ordered = history_of(prepared, "by_time", people)
    person = ordered["person"].to_numpy()
    n = len(person)
    starts = np.flatnonzero(np.r_[True, person[1:] != person[:-1]]) if n else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], n].astype(np.int64)
    slot = np.repeat(np.arange(len(starts)), ends - starts)
    keep = ends[slot] - np.arange(n) <= k
    last = ordered[keep].reset_index(drop=True)
    last["position"] = (np.arange(n) - np.maximum(starts, ends - k)[slot])[keep]
    last["slot"] = slot[keep]
    index = prepared.index
    last["occurred_at"] = index.occurred[last["row"].to_numpy()]
    last["t"] = (last["occurred_at"] - EPOCH).dt.total_seconds() / 86400.0
    return last


def _dense(last: pd.DataFrame, values: np.ndarray, k: int) -> np.ndarray:
    """One row per person, one column per position of their last ``k`` incidents (NaN: none)."""
    out = np.full((int(last["slot"].max()) + 1 if len(last) else 0, k), np.nan)
    out[last["slot"].to_numpy(), last["position"].to_numpy()] = values
    return out


def _row_medians(values: np.ndarray) -> np.ndarray:
    """Median of each row's non-missing values (NaN when none), computed as pandas' groupby
    median does: the middle value, or the mean of the two middle values."""
    ordered = np.sort(values, axis=1)  # missing values sort last
    count = (~np.isnan(values)).sum(axis=1)
    upper = np.take_along_axis(ordered, np.clip(count // 2, 0, max(values.shape[1] - 1, 0))[:, None], 1)[:, 0]
    lower = np.take_along_axis(ordered, np.clip((count - 1) // 2, 0, max(values.shape[1] - 1, 0))[:, None], 1)[:, 0]
    median = np.where(count % 2 == 1, lower, (upper + lower) / 2)
    return np.where(count > 0, median, np.nan)


def _half_medians(values: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``values`` (its first ``count`` cells held): the median of the earlier half
    and of the later half (each ``count // 2`` values; a middle one belongs to neither).

    >>> _half_medians(np.array([[1.0, 5.0, 9.0, np.nan], [4.0, 4.0, 1.0, 1.0]]), np.array([3, 4]))
    (array([1., 4.]), array([9., 1.]))
    """
    half = (count // 2)[:, None]
    at = np.arange(values.shape[1])[None, :]
    earlier = _row_medians(np.where(at < half, values, np.nan))
    later = _row_medians(np.where((at >= count[:, None] - half) & (at < count[:, None]), values, np.nan))
    return earlier, later


def _gravity(last: pd.DataFrame, people: pd.Index, settings: SignalConfig) -> pd.DataFrame:
    """Theil-Sen slope of harm days against time (median of pairwise slopes, per year)."""
    esc = settings.escalation
    k = esc.last_incidents
    t = _dense(last, last["t"].to_numpy(), k)
    harm = _dense(last, last["harm_days"].to_numpy(), k)
    earlier, later = np.triu_indices(k, 1)
    span = t[:, later] - t[:, earlier]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # padding makes NaN, as it should
        slopes = np.where(span > 0, (harm[:, later] - harm[:, earlier]) / span * DAYS_PER_YEAR, np.nan)
    out = pd.DataFrame({"n": (~np.isnan(t)).sum(axis=1), "slope": _row_medians(slopes),
                        "harm_first": harm[:, 0]}, index=people)
    out["harm_last"] = harm[np.arange(len(out)), out["n"].to_numpy() - 1]
    earlier, later = _half_medians(harm, out["n"].to_numpy())
    # A trend alone can be positive over a series that ends where it began, or lower (one
    # grave incident in the middle): the harm must also end above where it began, and the
    # later incidents weigh more than the earlier ones, before a panel is told it is rising.
    out["gravity_rising"] = ((out["n"] >= esc.min_incidents_for_trend) & (out["slope"] > esc.min_gravity_slope_per_year)
                             & (out["harm_last"] > out["harm_first"]) & (later > earlier))
    rising = out[out["gravity_rising"]]
    text = ("gravity rising over the last " + rising["n"].astype(str) + " incidents (harm "
            + rising["harm_first"].round(1).astype(str) + " to " + rising["harm_last"].round(1).astype(str)
            + " days; trend " + rising["slope"].round(1).map("{:+g}".format).astype(str) + " harm days a year)")
    out["gravity_text"] = text.reindex(out.index).fillna("")
    return out[["n", "gravity_rising", "gravity_text"]]


def _intervals(last: pd.DataFrame, people: pd.Index, settings: SignalConfig) -> pd.DataFrame:
    """Median gap of the later half against the earlier half of the gaps."""
    esc = settings.escalation
    t = _dense(last, last["t"].to_numpy(), esc.last_incidents)
    gaps = t[:, 1:] - t[:, :-1]
    count = (~np.isnan(gaps)).sum(axis=1)
    half = count // 2
    at = np.arange(gaps.shape[1])[None, :]
    earlier = _row_medians(np.where(at < half[:, None], gaps, np.nan))
    later = _row_medians(np.where((at >= (count - half)[:, None]) & (at < count[:, None]), gaps, np.nan))
    out = pd.DataFrame({"earlier": earlier, "later": later}, index=people)
    enough = (count >= 1) & (count + 1 >= esc.min_incidents_for_trend)
    out["intervals_shortening"] = (enough & (out["earlier"] > 0)
                                   & (out["later"] * esc.interval_factor <= out["earlier"])).fillna(False)
    shortening = out[out["intervals_shortening"]]
    text = ("intervals shortening (median gap " + shortening["earlier"].round(0).astype("Int64").astype(str)
            + " days, then " + shortening["later"].round(0).astype("Int64").astype(str) + " days)")
    out["intervals_text"] = text.reindex(out.index).fillna("")
    return out[["intervals_shortening", "intervals_text"]]


def _with_time(links: pd.DataFrame, prepared: Prepared) -> pd.DataFrame:
    return links.assign(occurred_at=prepared.index.occurred[links["row"].to_numpy()])


def _partner_spans(person: np.ndarray, victim: np.ndarray, occurred: np.ndarray,
                   esc: EscalationSettings) -> pd.DataFrame:
    """Per person with a new partner soon after (or alongside) an earlier one, the most recent
    such partner: ``victim``, ``min`` (their first incident), ``previous_victim``,
    ``previous_first`` and ``previous_last`` (the earlier partner abused most recently: the first
    and last incidents against them), ``gap_days`` and ``sequential``; indexed by person.

    Each (person, partner) span runs from the first to the last incident against her; a
    person's spans are taken by first incident (then partner code). Worked on sorted arrays:
    each person's spans are one run, so running maxima and the row before stay in that run.
    """
    keys = person * (int(victim.max()) + 1 if len(victim) else 1) + victim
    order = np.argsort(keys, kind="stable")
    keys, when = keys[order], occurred[order].view(np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, dtype=np.int64)
    first = np.minimum.reduceat(when, starts) if len(starts) else when[:0]
    last = np.maximum.reduceat(when, starts) if len(starts) else when[:0]
    who, partner = person[order][starts], victim[order][starts]
    by_start = np.lexsort((partner, first, who))
    who, partner, first, last = who[by_start], partner[by_start], first[by_start], last[by_start]
    new_run = np.r_[True, who[1:] != who[:-1]] if len(who) else np.zeros(0, dtype=bool)
    # The latest last incident among the person's spans so far: a running maximum that restarts
    # with each person, on dense ranks of the times (so adding a per-person offset cannot overflow).
    distinct, rank = np.unique(last, return_inverse=True)
    run = np.cumsum(new_run) - 1
    running_end = distinct[np.maximum.accumulate(rank.reshape(-1) + run * len(distinct)) - run * len(distinct)]
    # Whose it was: the last span holding it (each person's first span always does).
    holder = np.maximum.accumulate(np.where(last == running_end, np.arange(len(who)), 0))
    has_previous = ~new_run
    before = np.maximum(np.arange(len(who)) - 1, 0)
    tick = np.datetime_data(occurred.dtype)[0]  # times as integers in the column's own unit
    gap_days = (pd.Series((first - running_end[before]).astype(f"timedelta64[{tick}]")).dt.total_seconds()
                / 86400.0).to_numpy()
    sequential = has_previous & (gap_days > 0) & (gap_days <= esc.new_partner_months * DAYS_PER_YEAR / 12)
    overlapping = has_previous & (gap_days <= 0)
    soon = np.flatnonzero(sequential | (overlapping & esc.count_overlapping_partners))
    soon = soon[np.r_[who[soon][1:] != who[soon][:-1], True]] if len(soon) else soon  # the person's last
    prior = before[soon]

    def as_time(values: np.ndarray) -> np.ndarray:
        return values.astype(f"datetime64[{tick}]")

    return pd.DataFrame({"victim": partner[soon], "min": as_time(first[soon]),
                         "previous_victim": partner[holder[prior]], "previous_first": as_time(first[holder[prior]]),
                         "previous_last": as_time(running_end[prior]), "gap_days": gap_days[soon],
                         "sequential": sequential[soon]}, index=pd.Index(who[soon], name="person"))


def _new_partner(last: pd.DataFrame, links: pd.DataFrame, prepared: Prepared, settings: SignalConfig) -> pd.DataFrame:
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

    Victim records that are probably one woman are one partner (:mod:`scoring.victim_identity`);
    when the new and the previous partner may be one woman the reason says it is uncertain.
    When several partners qualify, the reason describes the most recent one.
    """
    esc = settings.escalation
    partners = links[links["relationship"].isin(esc.partner_relationships).to_numpy(dtype=bool)]
    partners = _with_time(partners[prepared.pairs_among(partners, last)], prepared)
    # Records that are probably one woman are one partner, never "a new partner".
    partners = partners.assign(victim=prepared.victims_as.counted(partners["victim"].to_numpy()))
    soon = _partner_spans(partners["person"].to_numpy(np.int64), partners["victim"].to_numpy(np.int64),
                          partners["occurred_at"].to_numpy(), esc)

    victim = pd.Series(prepared.names(soon["victim"].to_numpy()).array, index=soon.index, dtype="string")
    previous = pd.Series(prepared.names(soon["previous_victim"].to_numpy(dtype=np.int64)).array,
                         index=soon.index, dtype="string")
    months = (soon["gap_days"] / (DAYS_PER_YEAR / 12)).round(0).astype("int64")
    days = (soon["min"].dt.normalize() - soon["previous_last"].dt.normalize()).dt.days
    gap_text = np.where(months >= 1, months.astype(str) + " month(s) after",
                        np.where(days >= 1, days.astype(str) + " day(s) after", "later on the same day as"))
    after = ("new partner " + victim + " victimised " + gap_text
             + " the last incident against previous partner " + previous)
    first_new = "abused two partners at the same time: first incident against " + victim + " on " + day(soon["min"])
    same_time = first_new + np.where(
        soon["previous_first"].dt.normalize() == soon["previous_last"].dt.normalize(),
        ", the same day as incident(s) against " + previous,
        ", while incidents against " + previous + " ran from "
        + day(soon["previous_first"]) + " to " + day(soon["previous_last"]))
    text = pd.Series(np.where(soon["sequential"], after, same_time), index=soon.index, dtype=object)
    doubt = prepared.victims_as.doubt(soon["victim"].to_numpy(np.int64),
                                      soon["previous_victim"].to_numpy(dtype=np.int64), prepared.named)
    text = text + np.where(doubt != "", " (uncertain: " + doubt + ")", "")
    return pd.DataFrame({"new_partner_soon": True, "partner_text": text})


def _distinct(*columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """The distinct rows of equally long integer ``columns``, ordered by the first, then the next.

    >>> [c.tolist() for c in _distinct(np.array([2, 1, 2]), np.array([5, 7, 5]))]
    [[1, 2], [7, 5]]
    """
    order = np.lexsort(columns[::-1])
    ordered = [c[order] for c in columns]
    new = np.ones(len(order), dtype=bool)
    if len(order):
        new[1:] = np.logical_or.reduce([c[1:] != c[:-1] for c in ordered])
    return tuple(c[new] for c in ordered)


def _breach_course(person: np.ndarray, row: np.ndarray, victim_person: np.ndarray, victim_row: np.ndarray,
                   victim: np.ndarray, earlier_links: tuple[np.ndarray, np.ndarray, np.ndarray],
                   occurred: np.ndarray, least: int) -> pd.DataFrame:
    """Per person, the latest breach (``person``, ``row``: the breach incidents) with at least
    ``least`` earlier incidents against one of its victims: ``row``, ``victim``, ``occurred_at``
    and ``earlier`` (distinct earlier incidents against that victim), indexed by person. A
    breach's victims are those recorded in it (``victim_person``, ``victim_row``, ``victim``) and
    the person the breached measure protects; earlier incidents are the (person, victim, row)
    ``earlier_links``. Of several breaches and victims the latest counts: by time, then incident
    id, then victim code."""
    rows = len(occurred)
    breach_key = np.unique(person * rows + row)
    key = victim_person * rows + victim_row
    at = np.minimum(np.searchsorted(breach_key, key), max(len(breach_key) - 1, 0))
    hit = (breach_key[at] == key) if len(breach_key) else np.zeros(len(key), dtype=bool)
    size = int(max(victim.max(initial=0), earlier_links[1].max(initial=0))) + 1
    b_person, b_row, b_victim = _distinct(victim_person[hit], victim_row[hit], victim[hit])
    b_time = occurred[b_row].view(np.int64)
    # Only incidents against a breach's victim can come before it: the rest are left out first.
    e_person, e_victim, e_row = earlier_links
    wanted = sorted_holds(np.unique(b_person * size + b_victim), e_person * size + e_victim)
    e_person, e_victim, e_row = _distinct(e_person[wanted], e_victim[wanted], e_row[wanted])  # each incident once
    e_pair, e_time = e_person * size + e_victim, occurred[e_row].view(np.int64)
    # Per (person, victim) pair, its incidents by time: the earlier ones are those before the breach.
    pairs, pair_code = np.unique(np.r_[e_pair, b_person * size + b_victim], return_inverse=True)
    times, time_code = np.unique(np.r_[e_time, b_time], return_inverse=True)
    pair_code, time_code = pair_code.reshape(-1), time_code.reshape(-1)
    span = len(times) + 1
    e_sorted = np.sort(pair_code[:len(e_pair)] * span + time_code[:len(e_pair)])
    b_pair = pair_code[len(e_pair):]
    earlier = (np.searchsorted(e_sorted, b_pair * span + time_code[len(e_pair):])
               - np.searchsorted(e_sorted, b_pair * span))
    enough = earlier >= least
    b_person, b_row, b_victim, b_time, earlier = (a[enough] for a in (b_person, b_row, b_victim, b_time, earlier))
    order = np.lexsort((b_victim, b_row, b_time, b_person))
    last = order[np.r_[b_person[order][1:] != b_person[order][:-1], True]] if len(order) else order
    return pd.DataFrame({"row": b_row[last], "victim": b_victim[last], "occurred_at": occurred[b_row[last]],
                         "earlier": earlier[last]}, index=pd.Index(b_person[last], name="person"))


def _breaches(last: pd.DataFrame, links: pd.DataFrame, prepared: Prepared, settings: SignalConfig) -> pd.DataFrame:
    """A breach among the last incidents with earlier incidents against the same victim."""
    esc = settings.escalation
    index = prepared.index
    at_breach = index.column("breach", last["row"].to_numpy())
    person, row = last["person"].to_numpy(np.int64)[at_breach], last["row"].to_numpy(np.int64)[at_breach]
    breached = index.breached
    protected = breached[(breached >= 0).all(axis=1)]  # the subject, the breach, who the measure protects
    link_person, link_row, link_victim = (links[c].to_numpy(np.int64) for c in ("person", "row", "victim"))
    top = _breach_course(person, row, np.r_[link_person, protected["person"].to_numpy(np.int64)],
                         np.r_[link_row, protected["row"].to_numpy(np.int64)],
                         np.r_[link_victim, protected["victim"].to_numpy(np.int64)],
                         (link_person, link_victim, link_row), index.occurred, esc.min_earlier_incidents)
    incident = pd.Series(index.incidents["incident_id"].take(top["row"].to_numpy()).array, index=top.index)
    victim = pd.Series(prepared.names(top["victim"].to_numpy()).array, index=top.index, dtype="string")
    text = ("breach " + incident + " on " + day(top["occurred_at"]) + " follows "
            + top["earlier"].astype(str) + " earlier incident(s) against " + victim
            + ": possible stalking, harassment or coercive control course of conduct")
    return pd.DataFrame({"breach_course_of_conduct": True, "breach_text": text})


def escalation(prepared: Prepared, people: pd.Index | None = None,
               settings: SignalConfig | None = None) -> pd.DataFrame:
    """Who is escalating over their last incidents, indexed by person code: ``escalating``,
    the four signals behind it (``gravity_rising``, ``intervals_shortening``,
    ``new_partner_soon``, ``breach_course_of_conduct``) and ``reason``. Everyone who was a
    suspect or offender up to the as-of date, or those among ``people``; ``settings`` default
    to the context's.

    >>> from scoring.signals.example import example_prepared
    >>> prepared = example_prepared()
    >>> found = prepared.decode(escalation(prepared))
    >>> found[["person_id", "escalating", "gravity_rising", "new_partner_soon"]]
      person_id  escalating  gravity_rising  new_partner_soon
    0       P-1        True            True              True
    1       P-4        True           False             False
    2       P-6       False           False             False
    >>> found["breach_course_of_conduct"].tolist()
    [False, True, False]
    >>> found["reason"][2]
    'No sign of escalation over the last 1 incident(s)'
    """
    settings = settings or prepared.context.config.signals
    last = _last_incidents(prepared, settings.escalation.last_incidents, people)
    last["harm_days"] = prepared.index.column("harm_days", last["row"].to_numpy())
    first = np.r_[True, last["slot"].to_numpy()[1:] != last["slot"].to_numpy()[:-1]] if len(last) else []
    people = pd.Index(last["person"].to_numpy()[first], name="person")
    links = history_of(prepared, "links", people)
    gravity = _gravity(last, people, settings)
    intervals = _intervals(last, people, settings)
    out = pd.DataFrame({"gravity_rising": gravity["gravity_rising"].to_numpy(dtype=bool),
                        "intervals_shortening": intervals["intervals_shortening"].to_numpy(dtype=bool)}, index=people)
    texts = {"gravity_text": gravity["gravity_text"].to_numpy(dtype=object),
             "intervals_text": intervals["intervals_text"].to_numpy(dtype=object)}
    # The other two hold only the people they found: the rest have neither the signal nor a text.
    for found, signal, text in ((_new_partner(last, links, prepared, settings), "new_partner_soon", "partner_text"),
                                (_breaches(last, links, prepared, settings), "breach_course_of_conduct", "breach_text")):
        at = people.get_indexer(found.index)
        out[signal] = np.zeros(len(people), dtype=bool)
        out.iloc[at, out.columns.get_loc(signal)] = True
        texts[text] = np.full(len(people), "", dtype=object)
        texts[text][at] = found[text].to_numpy(dtype=object)
    out = out[SIGNAL_COLUMNS]
    out["escalating"] = out.to_numpy().any(axis=1)
    # Sentences for the few who escalate; the rest differ only in how many incidents were read.
    rising = out["escalating"].to_numpy()
    reason = once_per_distinct(gravity[["n"]], lambda facts: "No sign of escalation over the last "
                               + facts["n"].astype(str) + " incident(s)")
    said = [texts[column][rising].tolist() for column in ("gravity_text", "intervals_text", "partner_text",
                                                           "breach_text")]
    reason[rising] = np.asarray(["Escalating: " + "; ".join(part for part in parts if part != "")
                                 for parts in zip(*said)], dtype=object)
    out["reason"] = reason
    return out[["escalating", *SIGNAL_COLUMNS, "reason"]]


def _escalation_columns(data: RankingData, rows: pd.DataFrame) -> pd.DataFrame:
    """``escalating`` and ``escalation_reason`` (only where ``escalating``) of each row."""
    people = pd.Index(rows["person"], name="person")
    found = escalation(data.prepared, people).reindex(people)
    rising = found["escalating"].fillna(False).astype(bool)
    return pd.DataFrame({"escalating": rising.to_numpy(),
                         "escalation_reason": found["reason"].where(rising).to_numpy()}, index=rows.index)


ESCALATION = Evidence("escalation", _escalation_columns, empty={"escalating": False, "escalation_reason": None},
                      headline="escalation_reason", whole_record=True)

SIGNAL = Signal(
    name="escalating", label="escalating", group="risk", always_on=True,
    settings_model=EscalationSettings, settings_key="escalation",
    perpetrators=Rule(
        flag=lambda data, rows, settings: rows["escalating"],
        reason=lambda row, context, settings: row.get("escalation_reason"),
        needs=(ESCALATION,),
        description="rising gravity over the last five incidents by a Theil-Sen trend (one outlier does not "
                    "make a trend), intervals shortening, a new partner victimised within 12 months of the "
                    "last incident against an earlier one, or abused while an earlier partner's abuse was "
                    "still going on (`count_overlapping_partners`), or a breach after earlier incidents "
                    "against the same victim (a possible course of conduct)"))

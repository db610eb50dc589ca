"""Escalation over a person's most recent incidents: gravity, tempo, new partners, breaches.

Reads all history up to the as-of date and keeps each person's last K incidents (settings
``escalation.last_incidents``), so an old, settled pattern does not look like escalation.
Works on person codes and incident rows (:mod:`scoring.prepared`); the texts name victims by
name (their id only where no name is held).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.distinct import run_starts, sorted_distinct
from scoring.index import sorted_holds, sorted_places
from scoring.prepared import Prepared
from scoring.reasons import once_per_distinct, text_column
from scoring.signals.base import Evidence, RankingData, Rule, Signal, history_of, kept
from scoring.signals.settings import EscalationSettings, SignalConfig

DAYS_PER_YEAR = 365.25
SIGNAL_COLUMNS = ["gravity_rising", "intervals_shortening", "new_partner_soon", "breach_course_of_conduct"]


@dataclass
class _Last:
    """Each person's last K incidents, oldest first, as arrays: ``person``, ``row``, ``pair``,
    ``position`` (0 = oldest kept), ``slot`` (the person's place in ``people``), ``t`` (days
    since 1970) and ``harm`` (harm days); ``people``: the person codes, in slot order."""

    person: np.ndarray
    row: np.ndarray
    pair: np.ndarray
    position: np.ndarray
    slot: np.ndarray
    t: np.ndarray
    harm: np.ndarray
    people: np.ndarray


def _last_incidents(prepared: Prepared, k: int, people: pd.Index | None) -> _Last:
    """Each person's last ``k`` incidents (:class:`_Last`): everyone up to the as-of date, or
    those among ``people``."""
    ordered = history_of(prepared, "by_time", people)
    person, row, pair = (ordered[c].to_numpy(np.int64) for c in ("person", "row", "pair"))
    n = len(person)
    starts = run_starts(person)
    ends = np.r_[starts[1:], n].astype(np.int64)
    slot = np.repeat(np.arange(len(starts)), ends - starts)
    keep = ends[slot] - np.arange(n) <= k
    index = prepared.index
    row = row[keep]
    occurred = index.occurred[row]
    # Days since 1970 as pandas' total_seconds() / 86400 gives them (integer ticks over ticks a second).
    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[np.datetime_data(occurred.dtype)[0]]
    return _Last(person=person[keep], row=row, pair=pair[keep],
                 position=(np.arange(n) - np.maximum(starts, ends - k)[slot])[keep], slot=slot[keep],
                 t=occurred.view(np.int64) / per_second / 86400.0, harm=index.column("harm_days", row),
                 people=person[starts])


def _dense(last: _Last, values: np.ndarray, k: int) -> np.ndarray:
    """One row per person, one column per position of their last ``k`` incidents (NaN: none)."""
    out = np.full((len(last.people), k), np.nan)
    out[last.slot, last.position] = values
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


def _floats(values: np.ndarray, decimals: int) -> list[str]:
    """Each value rounded as pandas rounds, written as pandas writes a float ('12.5', '3.0')."""
    return [str(value) for value in np.round(values, decimals).tolist()]


def _gravity(last: _Last, settings: SignalConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Theil-Sen slope of harm days against time (median of pairwise slopes, per year): per
    person, how many incidents were read, whether gravity is rising and its words ('')."""
    esc = settings.escalation
    k = esc.last_incidents
    t = _dense(last, last.t, k)
    harm = _dense(last, last.harm, k)
    earlier, later = np.triu_indices(k, 1)
    span = t[:, later] - t[:, earlier]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # padding makes NaN, as it should
        slopes = np.where(span > 0, (harm[:, later] - harm[:, earlier]) / span * DAYS_PER_YEAR, np.nan)
    n = (~np.isnan(t)).sum(axis=1)
    slope = _row_medians(slopes)
    harm_first = harm[:, 0]
    harm_last = harm[np.arange(len(n)), n - 1]
    earlier_half, later_half = _half_medians(harm, n)
    # A trend alone can be positive over a series that ends where it began, or lower (one
    # grave incident in the middle): the harm must also end above where it began, and the
    # later incidents weigh more than the earlier ones, before a panel is told it is rising.
    rising = ((n >= esc.min_incidents_for_trend) & (slope > esc.min_gravity_slope_per_year)
              & (harm_last > harm_first) & (later_half > earlier_half))
    text = np.full(len(n), "", dtype=object)
    at = np.flatnonzero(rising)
    text[at] = [f"gravity rising over the last {count} incidents (harm {first} to {final} days; trend "
                f"{trend:+g} harm days a year)" for count, first, final, trend in
                zip(n[at].tolist(), _floats(harm_first[at], 1), _floats(harm_last[at], 1),
                    np.round(slope[at], 1).tolist())]
    return n, rising, text


def _intervals(last: _Last, settings: SignalConfig) -> tuple[np.ndarray, np.ndarray]:
    """Median gap of the later half against the earlier half of the gaps: per person, whether
    the intervals are shortening and its words ('')."""
    esc = settings.escalation
    t = _dense(last, last.t, esc.last_incidents)
    gaps = t[:, 1:] - t[:, :-1]
    count = (~np.isnan(gaps)).sum(axis=1)
    half = count // 2
    at = np.arange(gaps.shape[1])[None, :]
    earlier = _row_medians(np.where(at < half[:, None], gaps, np.nan))
    later = _row_medians(np.where((at >= (count - half)[:, None]) & (at < count[:, None]), gaps, np.nan))
    enough = (count >= 1) & (count + 1 >= esc.min_incidents_for_trend)
    shortening = enough & (earlier > 0) & (later * esc.interval_factor <= earlier)
    text = np.full(len(count), "", dtype=object)
    found = np.flatnonzero(shortening)
    text[found] = [f"intervals shortening (median gap {before} days, then {after} days)" for before, after in
                   zip(np.round(earlier[found]).astype(np.int64).tolist(), np.round(later[found]).astype(np.int64).tolist())]
    return shortening, text


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
    starts = run_starts(keys)
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


def _new_partner(last: _Last, links: pd.DataFrame, prepared: Prepared,
                 settings: SignalConfig) -> tuple[np.ndarray, np.ndarray]:
    """A new partner victimised soon after the abuse of the previous partner, or alongside it:
    the person codes found and the words for each.

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
    index = prepared.index
    held = np.zeros(len(index.perpetrators), dtype=bool)
    held[last.pair] = True
    chosen = (links["relationship"].isin(esc.partner_relationships).to_numpy(dtype=bool)
              & held[links["pair"].to_numpy()])
    # Records that are probably one woman are one partner, never "a new partner".
    soon = _partner_spans(links["person"].to_numpy(np.int64)[chosen],
                          prepared.victims_as.counted(links["victim"].to_numpy()[chosen]),
                          index.occurred[links["row"].to_numpy()[chosen]], esc)
    victim_code, previous_code = soon["victim"].to_numpy(np.int64), soon["previous_victim"].to_numpy(np.int64)
    victims, previous = prepared.names(victim_code).tolist(), prepared.names(previous_code).tolist()
    months = np.round(soon["gap_days"].to_numpy() / (DAYS_PER_YEAR / 12), 0).astype(np.int64).tolist()
    first_new, previous_first, previous_last = (soon[c].to_numpy().astype("M8[D]")
                                                for c in ("min", "previous_first", "previous_last"))
    days = (first_new - previous_last).astype(np.int64).tolist()
    same_day = (previous_first == previous_last).tolist()
    first_new, previous_first, previous_last = (np.datetime_as_string(c, unit="D").tolist()
                                                for c in (first_new, previous_first, previous_last))
    doubt = prepared.victims_as.doubt(victim_code, previous_code, prepared.named).tolist()
    text = []
    for at, sequential in enumerate(soon["sequential"].tolist()):
        if sequential:
            gap = (f"{months[at]} month(s) after" if months[at] >= 1
                   else f"{days[at]} day(s) after" if days[at] >= 1 else "later on the same day as")
            said = f"new partner {victims[at]} victimised {gap} the last incident against previous partner {previous[at]}"
        else:
            said = (f"abused two partners at the same time: first incident against {victims[at]} on {first_new[at]}"
                    + (f", the same day as incident(s) against {previous[at]}" if same_day[at] else
                       f", while incidents against {previous[at]} ran from {previous_first[at]} to {previous_last[at]}"))
        text.append(said + (f" (uncertain: {doubt[at]})" if doubt[at] != "" else ""))
    return soon.index.to_numpy(np.int64), np.asarray(text, dtype=object)


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
    breach_key = sorted_distinct(person * rows + row)
    key = victim_person * rows + victim_row
    at = np.minimum(np.searchsorted(breach_key, key), max(len(breach_key) - 1, 0))
    hit = (breach_key[at] == key) if len(breach_key) else np.zeros(len(key), dtype=bool)
    size = int(max(victim.max(initial=0), earlier_links[1].max(initial=0))) + 1
    b_person, b_row, b_victim = _distinct(victim_person[hit], victim_row[hit], victim[hit])
    b_time = occurred[b_row].view(np.int64)
    # Only incidents against a breach's victim can come before it: the rest are left out first.
    e_person, e_victim, e_row = earlier_links
    wanted = sorted_holds(sorted_distinct(b_person * size + b_victim), e_person * size + e_victim)
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


def _protected_breaches(prepared: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(subject, breach row, protected person) of each recorded breach with all three held;
    kept with the tables."""
    def build() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        breached = prepared.index.breached
        held = breached[(breached >= 0).all(axis=1)]  # the subject, the breach, who the measure protects
        return tuple(held[c].to_numpy(np.int64) for c in ("person", "row", "victim"))  # type: ignore[return-value]
    return kept(prepared, ("protected_breaches",), build)


def _breaches(last: _Last, links: pd.DataFrame, prepared: Prepared,
              settings: SignalConfig) -> tuple[np.ndarray, np.ndarray]:
    """A breach among the last incidents with earlier incidents against the same victim: the
    person codes found and the words for each."""
    esc = settings.escalation
    index = prepared.index
    at_breach = index.column("breach", last.row)
    person, row = last.person[at_breach], last.row[at_breach]
    subject, breach, protected = _protected_breaches(prepared)
    link_person, link_row, link_victim = (links[c].to_numpy(np.int64) for c in ("person", "row", "victim"))
    top = _breach_course(person, row, np.r_[link_person, subject], np.r_[link_row, breach],
                         np.r_[link_victim, protected], (link_person, link_victim, link_row), index.occurred,
                         esc.min_earlier_incidents)
    rows = top["row"].to_numpy()
    text = [f"breach {incident} on {when} follows {earlier} earlier incident(s) against {victim}: possible stalking, "
            "harassment or coercive control course of conduct" for incident, when, earlier, victim in
            zip(index.incidents["incident_id"].take(rows).tolist(),
                np.datetime_as_string(index.occurred[rows].astype("M8[D]"), unit="D").tolist(),
                top["earlier"].tolist(), prepared.names(top["victim"].to_numpy()).tolist())]
    return top.index.to_numpy(np.int64), np.asarray(text, dtype=object)


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
    found = _escalation(prepared, people, settings or prepared.context.config.signals)
    out = pd.DataFrame({column: found[column] for column in ["escalating", *SIGNAL_COLUMNS]},
                       index=pd.Index(found["person"], name="person"))
    # Sentences for the few who escalate; the rest differ only in how many incidents were read.
    reason = once_per_distinct(pd.DataFrame({"n": found["n"]}), lambda facts: "No sign of escalation over the last "
                               + facts["n"].astype(str) + " incident(s)")
    reason[found["escalating"]] = found["reason"][found["escalating"]]
    out["reason"] = reason
    return out


def _escalation(prepared: Prepared, people: pd.Index | None, settings: SignalConfig) -> dict[str, np.ndarray]:
    """:func:`escalation` as arrays: ``person`` (codes), ``n`` (incidents read), the signals,
    ``escalating`` and ``reason`` (only where escalating)."""
    last = _last_incidents(prepared, settings.escalation.last_incidents, people)
    people = pd.Index(last.people, name="person")
    links = history_of(prepared, "links", people)
    n, rising, gravity_text = _gravity(last, settings)
    shortening, intervals_text = _intervals(last, settings)
    out = {"person": last.people, "n": n, "gravity_rising": rising, "intervals_shortening": shortening}
    texts = [gravity_text, intervals_text]
    # The other two hold only the people they found: the rest have neither the signal nor a text.
    for (who, said), signal in ((_new_partner(last, links, prepared, settings), "new_partner_soon"),
                                (_breaches(last, links, prepared, settings), "breach_course_of_conduct")):
        at = people.get_indexer(who)
        out[signal] = np.zeros(len(people), dtype=bool)
        out[signal][at] = True
        texts.append(np.full(len(people), "", dtype=object))
        texts[-1][at] = said
    out["escalating"] = np.logical_or.reduce([out[signal] for signal in SIGNAL_COLUMNS])
    rising = np.flatnonzero(out["escalating"])
    out["reason"] = np.full(len(people), None, dtype=object)
    out["reason"][rising] = ["Escalating: " + "; ".join(part for part in parts if part != "")
                             for parts in zip(*(text[rising].tolist() for text in texts))]
    return out


def _escalation_columns(data: RankingData, rows: pd.DataFrame) -> pd.DataFrame:
    """``escalating`` and ``escalation_reason`` (only where ``escalating``) of each row."""
    people = rows["person"].to_numpy(np.int64)
    found = _escalation(data.prepared, pd.Index(people, name="person"), data.context.config.signals)
    at = sorted_places(found["person"], people)  # the people found come in code order
    held = at >= 0
    escalating = np.zeros(len(rows), dtype=bool)
    escalating[held] = found["escalating"][at[held]]
    reason = np.full(len(rows), np.nan, dtype=object)
    reason[escalating] = found["reason"][at[escalating]]
    return pd.DataFrame({"escalating": escalating, "escalation_reason": text_column(reason)}, index=rows.index)


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

"""The MATAC cohort: who the panel adopted, how their risk moved, and who is new to consider.

Forces measure a MATAC by the fall in an adopted person's RFGV score between adoption and
exit, so the cohort view puts the score stored with the adoption beside the score now. Pure
functions over DataFrames: the decision history (``graph.decisions.MATAC_DECISION_COLUMNS``)
and ranked lists (``scoring.lists.rank_perpetrators``); no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from scoring.lists import PerpetratorList, rank_perpetrators
from scoring.window import with_harm
from scoring.context import ScoringContext
from core.arrow_isin import isin
from core.tables import COLUMNS as TABLE_DTYPES, ScoringTables

COHORT_COLUMNS = [
    "person_id", "display_name", "adopted_meeting", "score_at_adoption", "rank_at_adoption",
    "score_now", "rank_now", "change", "status",
]
NEW_COLUMNS = ["rank", "person_id", "display_name", "score", "rank_then", "why"]
IN_COHORT = "in cohort"


def snapshot_as_of(meeting: date, latest_incident: date) -> date:
    """The as-of date a decision's score is taken on: the meeting, or the latest incident held.

    A meeting after the newest extract scores on the extract's last day (as every list does),
    so the score recorded is the one the panel saw.

    >>> snapshot_as_of(date(2026, 3, 1), date(2026, 2, 10))
    datetime.date(2026, 2, 10)
    >>> snapshot_as_of(date(2026, 1, 5), date(2026, 2, 10))
    datetime.date(2026, 1, 5)
    """
    return min(meeting, latest_incident)


def score_snapshot(ranked: pd.DataFrame, person_id: str) -> tuple[float, int | None]:
    """A person's (score, rank) in a ranked list; (0.0, None) when they are not on it.

    Someone with no incident in the window scores nothing: that is the outcome a MATAC wants.

    >>> ranked = pd.DataFrame({"rank": [1, 2], "person_id": ["P-a", "P-b"], "score": [70.0, 40.0]})
    >>> score_snapshot(ranked, "P-b"), score_snapshot(ranked, "P-z")
    ((40.0, 2), (0.0, None))
    """
    row = ranked.loc[ranked["person_id"] == person_id]
    if row.empty:
        return 0.0, None
    return float(row["score"].iloc[0]), int(row["rank"].iloc[0])


def effective_dates(decisions: pd.DataFrame) -> pd.Series:
    """The day each decision counts from: the date its score was taken on (``as_of``: the
    meeting, or the extract's last incident when the meeting came after it), else the meeting.

    A meeting held after the newest extract still counts for a list as of that extract's last
    day, so a subject adopted there is in the cohort and not listed as new.

    >>> history = pd.DataFrame({"meeting_date": pd.to_datetime(["2026-03-01", "2026-01-05"]),
    ...                         "as_of": pd.to_datetime(["2026-02-10", None])})
    >>> [str(d.date()) for d in effective_dates(history)]
    ['2026-02-10', '2026-01-05']
    """
    meetings = pd.to_datetime(decisions["meeting_date"])
    if "as_of" not in decisions:
        return meetings
    return pd.to_datetime(decisions["as_of"]).fillna(meetings)


def _up_to(decisions: pd.DataFrame, as_of: date | None) -> pd.DataFrame:
    """Decisions that count on ``as_of`` (all when None; see :func:`effective_dates`), in
    meeting order.

    Ordered by meeting date, then by when the row was entered (``at``), so the last row per
    person is the decision of their latest meeting even when an earlier meeting's decision
    was typed in afterwards (a late entry for an old meeting does not overrule a later one).
    """
    meetings = pd.to_datetime(decisions["meeting_date"])
    kept = decisions.assign(_meeting=meetings, _at=pd.to_datetime(decisions["at"]))
    if as_of is not None:
        kept = kept[(effective_dates(decisions) <= pd.Timestamp(as_of)).to_numpy()]
    ordered = kept.sort_values(["_meeting", "_at"], kind="stable")
    return ordered.drop(columns=["_meeting", "_at"])


def current_decisions(decisions: pd.DataFrame, as_of: date | None = None) -> pd.DataFrame:
    """Each person's current decision: the one from their latest meeting (history is append-only).

    Two decisions for the same meeting: the one entered last (``at``) stands. A decision typed
    in late for an earlier meeting never replaces the decision of a later meeting.

    >>> history = pd.DataFrame({
    ...     "person_id": ["P-a", "P-a", "P-b"], "decision": ["defer", "adopt", "decline"],
    ...     "meeting_date": pd.to_datetime(["2026-01-05", "2026-02-02", "2026-01-05"]),
    ...     "at": pd.to_datetime(["2026-01-05 10:00", "2026-02-02 10:00", "2026-01-05 11:00"])})
    >>> current_decisions(history)[["person_id", "decision"]].values.tolist()
    [['P-a', 'adopt'], ['P-b', 'decline']]
    >>> current_decisions(history, date(2026, 1, 31))["decision"].tolist()
    ['defer', 'decline']
    >>> late = pd.DataFrame({"person_id": ["P-a", "P-a"], "decision": ["adopt", "decline"],
    ...     "meeting_date": pd.to_datetime(["2026-09-01", "2026-06-01"]),
    ...     "at": pd.to_datetime(["2026-09-01 10:00", "2026-09-02 09:00"])})
    >>> current_decisions(late)[["decision", "meeting_date"]].values.tolist()
    [['adopt', Timestamp('2026-09-01 00:00:00')]]
    """
    taken = _up_to(decisions, as_of)
    latest = taken.groupby("person_id", sort=True).tail(1)
    return latest.sort_values("person_id", kind="stable").reset_index(drop=True)


def previous_meeting(decisions: pd.DataFrame, before: date) -> date | None:
    """The latest meeting with a recorded decision that counts on ``before`` (None if none).

    A meeting counts from its effective date (:func:`effective_dates`), so a meeting held
    after the extract's last incident is the last meeting for a list as of that incident.

    >>> history = pd.DataFrame({"meeting_date": pd.to_datetime(["2026-01-05", "2026-02-02"])})
    >>> previous_meeting(history, date(2026, 2, 1)), previous_meeting(history, date(2026, 1, 4))
    (datetime.date(2026, 1, 5), None)
    >>> after_extract = history.assign(as_of=pd.to_datetime(["2026-01-05", "2026-01-31"]))
    >>> previous_meeting(after_extract, date(2026, 1, 31))
    datetime.date(2026, 2, 2)
    """
    if decisions.empty:
        return None
    counted = effective_dates(decisions) <= pd.Timestamp(before)
    meetings = pd.to_datetime(decisions["meeting_date"])[counted.to_numpy()]
    return None if meetings.empty else meetings.max().date()


def _status(current: pd.Series) -> str:
    if current["decision"] == "adopt":
        return IN_COHORT
    word = {"decline": "exited", "defer": "deferred", "discharge": "discharged"}[current["decision"]]
    return f"{word} at the {pd.Timestamp(current['meeting_date']):%Y-%m-%d} meeting"


def adopted_cohort(decisions: pd.DataFrame, ranked_now: pd.DataFrame,
                   as_of: date | None = None, names: pd.Series | None = None) -> pd.DataFrame:
    """Everyone ever adopted (up to ``as_of``): score at adoption, score now, change, status.

    The adoption is the person's ``adopt`` from the latest meeting that adopted them (the
    start of their current or last cycle); ``score_now`` comes from ``ranked_now`` (0 when
    they left the window); ``change`` = now - at adoption, so a fall in risk is negative. ``status`` is
    "in cohort" while the current decision is adopt, else when and how they left.

    >>> history = pd.DataFrame({
    ...     "person_id": ["P-a", "P-b", "P-b"], "decision": ["adopt", "adopt", "decline"],
    ...     "meeting_date": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-02-02"]),
    ...     "at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 10:05", "2026-02-02 10:00"]),
    ...     "score": [70.0, 55.0, 30.0], "rank": [1, 4, 9]})
    >>> now = pd.DataFrame({"rank": [1], "person_id": ["P-a"], "display_name": ["A"], "score": [62.5]})
    >>> cohort = adopted_cohort(history, now)
    >>> cohort[["person_id", "score_at_adoption", "score_now", "change", "status"]].values.tolist()
    [['P-a', 70.0, 62.5, -7.5, 'in cohort'], ['P-b', 55.0, 0.0, -55.0, 'exited at the 2026-02-02 meeting']]
    """
    taken = _up_to(decisions, as_of)
    adoptions = taken[taken["decision"] == "adopt"].groupby("person_id", sort=True).tail(1)
    if adoptions.empty:
        return pd.DataFrame(columns=COHORT_COLUMNS)
    current = current_decisions(taken).set_index("person_id")
    now = ranked_now.set_index("person_id")
    people = adoptions["person_id"]
    score_now = people.map(now["score"]).fillna(0.0).astype("float64")
    known_names = now["display_name"] if "display_name" in now else pd.Series(dtype=object)
    if names is not None:
        known_names = names.combine_first(known_names)
    cohort = pd.DataFrame({
        "person_id": people.to_numpy(),
        "display_name": people.map(known_names).to_numpy(),
        "adopted_meeting": pd.to_datetime(adoptions["meeting_date"]).dt.date.to_numpy(),
        "score_at_adoption": adoptions["score"].astype("float64").to_numpy(),
        "rank_at_adoption": pd.array(adoptions["rank"], dtype="Int64"),
        "score_now": score_now.to_numpy(),
        "rank_now": pd.array(people.map(now["rank"]), dtype="Int64"),
        "status": [_status(current.loc[p]) for p in people],
    })
    cohort["change"] = (cohort["score_now"] - cohort["score_at_adoption"]).round(2)
    order = cohort.sort_values(["status", "change", "person_id"], key=_in_cohort_first, kind="stable")
    return order[COHORT_COLUMNS].reset_index(drop=True)


def _in_cohort_first(column: pd.Series) -> pd.Series:
    """Sort key: people still in the cohort before those who left; other columns as they are."""
    return column.ne(IN_COHORT) if column.name == "status" else column


def new_since_last_meeting(ranked_now: pd.DataFrame, ranked_then: pd.DataFrame | None,
                           decisions: pd.DataFrame, since_meeting: date | None,
                           top: int) -> pd.DataFrame:
    """People in today's top ``top`` the panel has not yet decided on by ``since_meeting``.

    Anyone with a decision at or before that meeting was considered and is left out. The rest
    are "new to the top N" (not in it as of the last meeting, ``ranked_then``) or "on the list
    at the last meeting, no decision yet". With no earlier meeting, the whole top N is new.

    >>> now = pd.DataFrame({"rank": [1, 2, 3], "person_id": ["P-a", "P-b", "P-c"],
    ...                     "display_name": ["A", "B", "C"], "score": [80.0, 60.0, 50.0]})
    >>> then = pd.DataFrame({"rank": [1, 2], "person_id": ["P-a", "P-b"], "score": [70.0, 40.0]})
    >>> history = pd.DataFrame({"person_id": ["P-a"], "decision": ["adopt"],
    ...     "meeting_date": pd.to_datetime(["2026-01-05"]), "at": pd.to_datetime(["2026-01-05"])})
    >>> new = new_since_last_meeting(now, then, history, date(2026, 1, 5), top=3)
    >>> new[["person_id", "rank_then", "why"]].values.tolist()
    [['P-b', 2, 'on the list at the last meeting, no decision yet'], ['P-c', <NA>, 'new to the top 3']]
    """
    listed = ranked_now[ranked_now["rank"] <= top]
    decided = set() if since_meeting is None else set(_up_to(decisions, since_meeting)["person_id"])
    fresh = listed[~isin(listed["person_id"], decided)]
    then = ranked_then if ranked_then is not None and since_meeting is not None else None
    ranks_then = (then.loc[then["rank"] <= top].set_index("person_id")["rank"] if then is not None
                  else pd.Series(dtype="Int64"))
    rank_then = pd.array(fresh["person_id"].map(ranks_then), dtype="Int64")
    why = pd.Series(rank_then).isna().map({True: f"new to the top {top}",
                                            False: "on the list at the last meeting, no decision yet"})
    new = pd.DataFrame({
        "rank": fresh["rank"].to_numpy(), "person_id": fresh["person_id"].to_numpy(),
        "display_name": (fresh["display_name"] if "display_name" in fresh else fresh["person_id"]).to_numpy(),
        "score": fresh["score"].to_numpy(), "rank_then": rank_then, "why": why.to_numpy(),
    })
    return new[NEW_COLUMNS].reset_index(drop=True)


def latest_incident(context: ScoringContext) -> date | None:
    """The day of the newest incident the context holds (None when it holds none)."""
    occurred = context.tables.incidents["occurred_at"]
    return None if occurred.empty else occurred.max().date()


def data_as_of(context: ScoringContext) -> date:
    """The as-of date capped at the extract's last incident: the day a cohort is scored on.

    Beyond the newest incident there is no data, only days passing: scoring there would show
    every adoptee's recency points, and so their risk, falling from the calendar alone.

    >>> from scoring.signals.example import example_context
    >>> context = example_context()
    >>> data_as_of(replace(context, as_of=date(2031, 1, 1))) == latest_incident(context)
    True
    """
    latest = latest_incident(context)
    return context.as_of if latest is None else min(context.as_of, latest)


@dataclass(frozen=True)
class CohortReport:
    """The cohort and the people new since the last meeting, with the dates they rest on
    (built by :func:`cohort_report`). ``scored_as_of`` is the day the cohort was scored on
    (``as_of`` capped at the extract's last incident)."""

    as_of: date
    since_meeting: date | None
    top: int
    cohort: pd.DataFrame
    new: pd.DataFrame
    deferred: pd.DataFrame
    scored_as_of: date
    ranked_now: pd.DataFrame | None = None  # the overall list the cohort was scored on


# The overall list as of a day; the app passes its cached ranking, everyone else ranks afresh.
Ranker = Callable[[date], pd.DataFrame]


def _ranker(context: ScoringContext, ranker: Ranker | None) -> Ranker:
    if ranker is not None:
        return ranker
    return lambda day: rank_perpetrators(replace(context, as_of=day), PerpetratorList.OVERALL)


def cohort_report(decisions: pd.DataFrame, context: ScoringContext, top: int | None = None,
                  since_meeting: date | None = None, ranker: Ranker | None = None) -> CohortReport:
    """Rank as of ``context.as_of`` (and as of the last meeting) and build the cohort tables.

    ``top`` defaults to the config's ``matac.top``; ``since_meeting`` to the latest meeting
    with a decision that counts on the as-of date. Both rankings are capped at the extract's
    last incident (:func:`data_as_of`). ``ranker`` gives the overall list as of a day (default:
    rank with ``context``).

    >>> from scoring.signals.example import example_context
    >>> history = pd.DataFrame({"person_id": ["P-4"], "decision": ["adopt"],
    ...     "meeting_date": pd.to_datetime(["2026-03-02"]), "at": pd.to_datetime(["2026-03-02 10:00"]),
    ...     "score": [37.8], "rank": [2]})
    >>> report = cohort_report(history, example_context(), top=2)
    >>> report.since_meeting, report.cohort[["person_id", "score_now", "change", "status"]].values.tolist()
    (datetime.date(2026, 3, 2), [['P-4', 51.9, 14.1, 'in cohort']])
    >>> report.new[["person_id", "rank_then", "why"]].values.tolist()
    [['P-1', 1, 'on the list at the last meeting, no decision yet']]
    """
    chosen_top = top or context.config.matac.top
    scored = data_as_of(context)
    since = since_meeting or previous_meeting(decisions, context.as_of)
    rank = _ranker(context, ranker)
    ranked_now = rank(scored)
    then = min(since, scored) if since is not None else None
    ranked_then = rank(then) if then is not None else None
    names = context.tables.persons.set_index("person_id")["display_name"]
    return CohortReport(
        as_of=context.as_of, since_meeting=since, top=chosen_top,
        cohort=adopted_cohort(decisions, ranked_now, context.as_of, names),
        new=new_since_last_meeting(ranked_now, ranked_then, decisions, since, chosen_top),
        deferred=carried_forward(decisions, context.as_of, names),
        scored_as_of=scored, ranked_now=ranked_now,
    )


DEFERRED_COLUMNS = ["person_id", "display_name", "deferred_at", "reason"]


def carried_forward(decisions: pd.DataFrame, as_of: date | None = None,
                    names: pd.Series | None = None) -> pd.DataFrame:
    """People whose current decision is ``defer``: they go on the next agenda until decided.

    >>> history = pd.DataFrame({"person_id": ["P-a", "P-b", "P-b"], "decision": ["defer", "defer", "adopt"],
    ...     "meeting_date": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-02-02"]),
    ...     "at": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-02-02"]),
    ...     "reason": ["await MARAC minutes", "x", "y"]})
    >>> carried_forward(history)[["person_id", "deferred_at", "reason"]].values.tolist()
    [['P-a', datetime.date(2026, 1, 5), 'await MARAC minutes']]
    """
    current = current_decisions(decisions, as_of)
    deferred = current[current["decision"] == "defer"]
    known = names if names is not None else pd.Series(dtype=object)
    return pd.DataFrame({
        "person_id": deferred["person_id"].to_numpy(),
        "display_name": deferred["person_id"].map(known).to_numpy(),
        "deferred_at": pd.to_datetime(deferred["meeting_date"]).dt.date.to_numpy(),
        "reason": (deferred["reason"] if "reason" in deferred else pd.Series("", index=deferred.index)).to_numpy(),
    }, columns=DEFERRED_COLUMNS)


OPEN_STATUSES = ("open", "in_progress")


def current_actions(actions: pd.DataFrame) -> pd.DataFrame:
    """Each action's latest state (rows are appended, one per change), oldest action first.

    >>> states = pd.DataFrame({"action_id": ["A-1", "A-2", "A-1"], "status": ["open", "open", "done"],
    ...     "at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 10:01", "2026-02-02 09:00"])})
    >>> current_actions(states)[["action_id", "status"]].values.tolist()
    [['A-1', 'done'], ['A-2', 'open']]
    """
    if actions.empty:
        return actions.reset_index(drop=True)
    ordered = actions.sort_values("at", kind="stable")
    first_seen = ordered.groupby("action_id")["at"].transform("min")
    latest = ordered.assign(_first=first_seen).groupby("action_id", sort=False).tail(1)
    return latest.sort_values(["_first", "action_id"], kind="stable").drop(columns="_first").reset_index(drop=True)


def actions_due(actions: pd.DataFrame, meeting: date) -> pd.DataFrame:
    """Open actions due or up for review on or before ``meeting``, with ``why`` saying which.

    >>> states = pd.DataFrame({"action_id": ["A-1", "A-2", "A-3"], "status": ["open", "done", "in_progress"],
    ...     "at": pd.to_datetime(["2026-01-05"] * 3),
    ...     "due_date": pd.to_datetime(["2026-01-30", "2026-01-30", None]),
    ...     "review_date": pd.to_datetime([None, None, "2026-02-02"])})
    >>> actions_due(states, date(2026, 2, 2))[["action_id", "why"]].values.tolist()
    [['A-1', 'due 2026-01-30'], ['A-3', 'review 2026-02-02']]
    """
    current = current_actions(actions)
    if current.empty:
        return current.assign(why=pd.Series(dtype=object))
    day = pd.Timestamp(meeting)
    due = pd.to_datetime(current["due_date"])
    review = pd.to_datetime(current["review_date"])
    live = current["status"].isin(OPEN_STATUSES)
    is_due = live & (due <= day)
    is_review = live & (review <= day)
    kept = current[(is_due | is_review).to_numpy()].copy()
    whys = []
    for row_due, row_review, d, r in zip(is_due[kept.index], is_review[kept.index],
                                         due[kept.index], review[kept.index]):
        parts = ([f"due {d:%Y-%m-%d}"] if row_due else []) + ([f"review {r:%Y-%m-%d}"] if row_review else [])
        whys.append("; ".join(parts))
    return kept.assign(why=whys).reset_index(drop=True)


DISCHARGE_COLUMNS = ["person_id", "display_name", "adopted_meeting", "score_at_adoption", "score_now", "why"]


def for_discharge(cohort: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """Subjects in the cohort the panel may discharge: no incident left in the window (score
    now 0), or every action agreed for them closed (done or cancelled).

    >>> cohort = pd.DataFrame({"person_id": ["P-a", "P-b", "P-c"], "display_name": ["A", "B", "C"],
    ...     "adopted_meeting": [date(2026, 1, 5)] * 3, "score_at_adoption": [60.0, 50.0, 40.0],
    ...     "score_now": [0.0, 45.0, 41.0], "status": ["in cohort"] * 3})
    >>> states = pd.DataFrame({"action_id": ["A-1", "A-2"], "person_id": ["P-b", "P-c"],
    ...     "status": ["done", "open"], "at": pd.to_datetime(["2026-01-05", "2026-01-05"])})
    >>> for_discharge(cohort, states)[["person_id", "why"]].values.tolist()
    [['P-a', 'no incident left in the scoring window'], ['P-b', 'every agreed action is closed']]
    """
    live = cohort[cohort["status"] == IN_COHORT]
    current = current_actions(actions)
    open_people = set(current.loc[current["status"].isin(OPEN_STATUSES), "person_id"]) if len(current) else set()
    any_people = set(current["person_id"]) if len(current) else set()
    rows = []
    for row in live.itertuples(index=False):
        if float(row.score_now) == 0.0:
            why = "no incident left in the scoring window"
        elif row.person_id in any_people and row.person_id not in open_people:
            why = "every agreed action is closed"
        else:
            continue
        rows.append([row.person_id, row.display_name, row.adopted_meeting, row.score_at_adoption,
                     row.score_now, why])
    return pd.DataFrame(rows, columns=DISCHARGE_COLUMNS)


REVIEW_COLUMNS = ["person_id", "display_name", "adopted_meeting", "score_at_adoption", "score_now", "change",
                  "open_actions", "next_due"]


def subjects_for_review(cohort: pd.DataFrame, actions: pd.DataFrame, meeting: date) -> pd.DataFrame:
    """Subjects in the cohort adopted before ``meeting``: each is reviewed at it (score at
    adoption against now, how many agreed actions are still open and the next one due).

    >>> cohort = pd.DataFrame({"person_id": ["P-a", "P-b", "P-c"], "display_name": ["A", "B", "C"],
    ...     "adopted_meeting": [date(2026, 1, 5), date(2026, 1, 5), date(2026, 2, 2)],
    ...     "score_at_adoption": [60.0, 50.0, 40.0], "score_now": [55.0, 45.0, 41.0], "change": [-5.0, -5.0, 1.0],
    ...     "status": ["in cohort", "discharged at the 2026-01-20 meeting", "in cohort"]})
    >>> states = pd.DataFrame({"action_id": ["A-1", "A-2"], "person_id": ["P-a", "P-a"],
    ...     "status": ["open", "done"], "at": pd.to_datetime(["2026-01-05", "2026-01-05"]),
    ...     "due_date": pd.to_datetime(["2026-01-30", "2026-01-20"])})
    >>> subjects_for_review(cohort, states, date(2026, 2, 2))[["person_id", "open_actions", "next_due"]].values.tolist()
    [['P-a', 1, datetime.date(2026, 1, 30)]]
    """
    live = cohort[(cohort["status"] == IN_COHORT)
                  & (pd.to_datetime(cohort["adopted_meeting"]) < pd.Timestamp(meeting)).to_numpy()]
    current = current_actions(actions)
    still_open = current[current["status"].isin(OPEN_STATUSES)] if len(current) else current
    counts = still_open.groupby("person_id").size().to_dict() if len(still_open) else {}
    next_due = (pd.to_datetime(still_open["due_date"]).groupby(still_open["person_id"]).min().to_dict()
                if len(still_open) else {})
    people = live["person_id"]
    return pd.DataFrame({
        "person_id": people.to_numpy(), "display_name": live["display_name"].to_numpy(),
        "adopted_meeting": live["adopted_meeting"].to_numpy(),
        "score_at_adoption": live["score_at_adoption"].to_numpy(), "score_now": live["score_now"].to_numpy(),
        "change": live["change"].to_numpy(),
        "open_actions": [int(counts.get(p, 0)) for p in people],
        "next_due": [None if pd.isna(next_due.get(p)) else pd.Timestamp(next_due[p]).date() for p in people],
    }, columns=REVIEW_COLUMNS)


@dataclass(frozen=True)
class Agenda:
    """The next meeting's agenda: new candidates, deferrals carried forward, subjects for
    review, actions due or for review, subjects for discharge (built by :func:`meeting_agenda`)."""

    meeting: date
    report: CohortReport
    actions_due: pd.DataFrame
    discharge: pd.DataFrame
    reviews: pd.DataFrame
    referred: pd.DataFrame


def meeting_agenda(decisions: pd.DataFrame, actions: pd.DataFrame, context: ScoringContext,
                   meeting: date, top: int | None = None, ranker: Ranker | None = None,
                   referrals: pd.DataFrame | None = None) -> Agenda:
    """The agenda of the meeting on ``meeting``, from the data as of ``context.as_of``;
    ``referrals`` are the partner agencies' (graph.decisions.MATAC_REFERRAL_COLUMNS)."""
    report = cohort_report(decisions, context, top, ranker=ranker)
    names = context.tables.persons.set_index("person_id")["display_name"]
    waiting = pending_referrals(referrals if referrals is not None else pd.DataFrame(columns=REFERRAL_INPUT),
                                decisions, meeting)
    ranked = report.ranked_now if report.ranked_now is not None else pd.DataFrame(columns=["person_id", "rank", "score"])
    return Agenda(meeting=meeting, report=report, actions_due=actions_due(actions, meeting),
                  discharge=for_discharge(report.cohort, actions),
                  reviews=subjects_for_review(report.cohort, actions, meeting),
                  referred=referred_for_agenda(waiting, ranked, names, report.top))


# The referral columns read here (graph.decisions.MATAC_REFERRAL_COLUMNS; scoring does not import graph).
REFERRAL_INPUT = ["referral_id", "person_id", "agency", "reason", "meeting_date", "who", "at"]
REFERRED_COLUMNS = ["person_id", "display_name", "rank", "score", "referred", "referral_reasons", "on_list"]


def pending_referrals(referrals: pd.DataFrame, decisions: pd.DataFrame, meeting: date) -> pd.DataFrame:
    """Partner referrals the panel has still to answer at ``meeting``: those for that meeting or
    an earlier one (or for no meeting in particular) with no decision on the person entered
    after the referral was.

    >>> referrals = pd.DataFrame({"referral_id": ["MR-1", "MR-2", "MR-3"], "person_id": ["P-a", "P-b", "P-c"],
    ...     "agency": ["Probation", "Health", "Housing"], "reason": ["x", "y", "z"],
    ...     "meeting_date": pd.to_datetime([None, None, "2026-03-02"]),
    ...     "who": ["analyst"] * 3, "at": pd.to_datetime(["2026-01-02", "2026-01-02", "2026-01-02"])})
    >>> decisions = pd.DataFrame({"person_id": ["P-b"], "at": pd.to_datetime(["2026-01-05"])})
    >>> pending_referrals(referrals, decisions, date(2026, 2, 2))["referral_id"].tolist()
    ['MR-1']
    """
    if referrals.empty:
        return referrals
    answered = pd.to_datetime(decisions["at"]).groupby(decisions["person_id"]).max() if len(decisions) else {}
    last_decision = pd.to_datetime(referrals["person_id"].map(answered))
    for_now = pd.to_datetime(referrals["meeting_date"]).isna() | (pd.to_datetime(referrals["meeting_date"])
                                                                   <= pd.Timestamp(meeting))
    open_ = last_decision.isna() | (last_decision < pd.to_datetime(referrals["at"]))
    return referrals[(for_now & open_).to_numpy()].reset_index(drop=True)


def referral_lines(referrals: pd.DataFrame) -> pd.Series:
    """Per person, who referred them and when, oldest first: 'referred by Probation on 2026-01-02'.

    >>> referrals = pd.DataFrame({"person_id": ["P-a", "P-a"], "agency": ["Probation", "Health"],
    ...     "at": pd.to_datetime(["2026-01-02 10:00", "2026-01-09 09:00"])})
    >>> referral_lines(referrals).to_dict()
    {'P-a': 'referred by Probation on 2026-01-02; by Health on 2026-01-09'}
    """
    if referrals.empty:
        return pd.Series(dtype=object)
    ordered = referrals.sort_values("at", kind="stable")
    parts = "by " + ordered["agency"].astype(str) + " on " + pd.to_datetime(ordered["at"]).dt.strftime("%Y-%m-%d")
    return parts.groupby(ordered["person_id"], sort=True).agg(lambda said: "referred " + "; ".join(said))


def referred_for_agenda(pending: pd.DataFrame, ranked: pd.DataFrame, names: pd.Series, top: int) -> pd.DataFrame:
    """One agenda row per referred person: their score and rank on the overall list (also when
    they are below the top ``top`` or not on it at all), who referred them, when and why.

    >>> pending = pd.DataFrame({"person_id": ["P-b", "P-z"], "agency": ["Probation", "Housing"],
    ...     "reason": ["licence breach", "neighbour reports"], "at": pd.to_datetime(["2026-01-02"] * 2)})
    >>> ranked = pd.DataFrame({"person_id": ["P-a", "P-b"], "rank": [1, 2], "score": [80.0, 40.0]})
    >>> rows = referred_for_agenda(pending, ranked, pd.Series({"P-b": "B", "P-z": "Z"}), top=1)
    >>> rows[["person_id", "rank", "score", "on_list"]].values.tolist()
    [['P-b', 2, 40.0, 'ranked 2, below the top 1'], ['P-z', <NA>, 0.0, 'not ranked: no incident in the window']]
    """
    if pending.empty:
        return pd.DataFrame(columns=REFERRED_COLUMNS)
    by_person = ranked.set_index("person_id")
    people = pd.Series(sorted(set(pending["person_id"])))
    ranks = pd.array(people.map(by_person["rank"]), dtype="Int64")
    why = pending.sort_values("at", kind="stable").groupby("person_id")["reason"].agg(
        lambda said: "; ".join(str(r) for r in said))

    def on_list(rank: object) -> str:
        if pd.isna(rank):
            return "not ranked: no incident in the window"
        return f"in the top {top}" if int(rank) <= top else f"ranked {int(rank)}, below the top {top}"

    rows = pd.DataFrame({
        "person_id": people.to_numpy(), "display_name": people.map(names).to_numpy(), "rank": ranks,
        "score": people.map(by_person["score"]).fillna(0.0).astype("float64").to_numpy(),
        "referred": people.map(referral_lines(pending)).to_numpy(), "referral_reasons": people.map(why).to_numpy(),
        "on_list": [on_list(r) for r in ranks],
    }, columns=REFERRED_COLUMNS)
    return rows.sort_values(["rank", "person_id"], na_position="last", kind="stable").reset_index(drop=True)


def panel_referrals(decisions: pd.DataFrame) -> pd.DataFrame:
    """Each adoption as a ``matac`` referral dated on the day it counts from, so an adopted
    subject is managed (the ``not_managed`` flag clears) like one a referral file names.

    >>> history = pd.DataFrame({"decision_id": ["MD-1", "MD-2"], "person_id": ["P-a", "P-b"],
    ...     "decision": ["adopt", "defer"], "meeting_date": pd.to_datetime(["2026-01-05"] * 2),
    ...     "as_of": pd.to_datetime(["2026-01-02"] * 2)})
    >>> panel_referrals(history)[["referral_id", "person_id", "type", "date"]].values.tolist()
    [['panel:MD-1', 'P-a', 'matac', Timestamp('2026-01-02 00:00:00')]]
    """
    adopted = decisions[decisions["decision"] == "adopt"]
    days = effective_dates(adopted)
    return pd.DataFrame({
        "referral_id": ("panel:" + adopted["decision_id"].astype(str)).to_numpy(),
        "person_id": adopted["person_id"].to_numpy(),
        "type": "matac",
        "date": days.to_numpy(),
        "detail": [f"adopted at the MATAC meeting of {pd.Timestamp(m):%Y-%m-%d}" for m in adopted["meeting_date"]],
    }, columns=REFERRAL_COLUMNS)


REFERRAL_COLUMNS = list(TABLE_DTYPES["referrals"])


def with_panel_referrals(tables: ScoringTables, decisions: pd.DataFrame) -> ScoringTables:
    """``tables`` with every adoption added as a ``matac`` referral (:func:`panel_referrals`)."""
    extra = panel_referrals(decisions)
    if extra.empty:
        return tables
    merged = pd.concat([tables.referrals, extra.astype(TABLE_DTYPES["referrals"])], ignore_index=True)
    merged = merged.astype(TABLE_DTYPES["referrals"]).sort_values("referral_id", kind="stable")
    return replace(tables, referrals=merged.reset_index(drop=True))


NOT_CAUSAL = ("Not causal: the comparison group are people with similar scores on the same day whom the "
              "panel did not adopt. The panel chooses whom to adopt, so the two groups may differ in ways "
              "the score does not show; a difference in harm is not proof that adoption caused it.")
OUTCOME_COLUMNS = ["group", "person_id", "anchor", "score_at_anchor", "harm_before", "harm_after",
                   "follow_up_days"]
OUTCOME_SUMMARY_COLUMNS = ["group", "people", "harm_before", "harm_after", "change", "follow_up_days"]


@dataclass(frozen=True)
class OutcomeReport:
    """Harm in the months before and after adoption, adopted against a comparison group
    (built by :func:`outcome_comparison`); ``note`` says why it is not causal."""

    people: pd.DataFrame
    summary: pd.DataFrame
    months: int
    note: str = NOT_CAUSAL


def _harm_between(harm: pd.DataFrame, person_id: str, after: pd.Timestamp, until: pd.Timestamp) -> float:
    """Harm days of the person's incidents as a perpetrator in (after, until]."""
    mine = harm[(harm["person_id"] == person_id) & (harm["occurred_at"] > after) & (harm["occurred_at"] <= until)]
    return float(mine["harm_days"].sum())


def outcome_comparison(decisions: pd.DataFrame, context: ScoringContext, months: int = 12,
                       matches: int = 3, ranker: Ranker | None = None) -> OutcomeReport:
    """For each adopted person, harm (catalogue harm days, as a perpetrator) in the ``months``
    before and after the day the adoption counts from, beside the ``matches`` people nearest
    in score on that day who were never adopted. The follow-up stops at the extract's last
    incident (``follow_up_days`` says how much there was). Not causal (``NOT_CAUSAL``).

    >>> from scoring.signals.example import example_context
    >>> history = pd.DataFrame({"decision_id": ["MD-1"], "person_id": ["P-4"], "decision": ["adopt"],
    ...     "meeting_date": pd.to_datetime(["2026-03-02"]), "as_of": pd.to_datetime(["2026-03-02"]),
    ...     "at": pd.to_datetime(["2026-03-02 10:00"]), "score": [37.8]})
    >>> report = outcome_comparison(history, example_context(), matches=1)
    >>> report.people[["group", "person_id", "follow_up_days"]].values.tolist()
    [['adopted', 'P-4', 100], ['comparison', 'P-1', 100]]
    """
    adopted = decisions[decisions["decision"] == "adopt"]
    latest = latest_incident(context)
    if adopted.empty or latest is None:
        return OutcomeReport(pd.DataFrame(columns=OUTCOME_COLUMNS), pd.DataFrame(columns=OUTCOME_SUMMARY_COLUMNS),
                             months)
    first = adopted.assign(_day=effective_dates(adopted)).sort_values("_day", kind="stable").groupby("person_id").head(1)
    ever_adopted = set(adopted["person_id"])
    rank = _ranker(context, ranker)
    tables = context.tables
    perpetrators = tables.roles[tables.roles["role"].isin(context.config.perpetrator_roles)]
    harm = with_harm(perpetrators[["incident_id", "person_id"]].merge(tables.incidents, on="incident_id"),
                     context.config, context.catalogue)
    end = pd.Timestamp(latest) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    span = pd.DateOffset(months=months)
    rows = []
    for day, group in first.groupby("_day", sort=True):
        anchor = pd.Timestamp(day) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)  # the whole day counts
        ranked = rank(pd.Timestamp(day).date())
        pool = ranked[~isin(ranked["person_id"], ever_adopted)]
        until = min(anchor + span, end)
        follow = max(int((until.normalize() - anchor.normalize()).days), 0)
        for person in group.itertuples(index=False):
            score = float(person.score)
            nearest = pool.assign(_gap=(pool["score"] - score).abs()).sort_values(["_gap", "rank"], kind="stable")
            chosen = [("adopted", person.person_id, score)] + [
                ("comparison", other, float(other_score))
                for other, other_score in nearest[["person_id", "score"]].head(matches).itertuples(index=False)]
            for label, who, at_anchor in chosen:
                rows.append([label, who, pd.Timestamp(day).date(), at_anchor,
                             _harm_between(harm, who, anchor - span, anchor), _harm_between(harm, who, anchor, until),
                             follow])
    people = pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
    summary = people.groupby("group", sort=True).agg(
        people=("person_id", "nunique"), harm_before=("harm_before", "mean"), harm_after=("harm_after", "mean"),
        follow_up_days=("follow_up_days", "median")).reset_index()
    summary["change"] = summary["harm_after"] - summary["harm_before"]
    summary = summary.round({"harm_before": 1, "harm_after": 1, "change": 1})
    return OutcomeReport(people, summary[OUTCOME_SUMMARY_COLUMNS], months)

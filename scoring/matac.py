"""The MATAC cohort: who the panel adopted, how their risk moved, and who is new to consider.

Forces measure a MATAC by the fall in an adopted person's RFGV score between adoption and
exit, so the cohort view puts the score stored with the adoption beside the score now. Pure
functions over DataFrames: the decision history (``graph.decisions.MATAC_DECISION_COLUMNS``)
and ranked lists (``scoring.lists.rank_perpetrators``); no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from scoring.lists import PerpetratorList, rank_perpetrators
from scoring.context import ScoringContext
from core.arrow_isin import isin

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


def _up_to(decisions: pd.DataFrame, as_of: date | None) -> pd.DataFrame:
    """Decisions taken at meetings on or before ``as_of`` (all when None), in meeting order.

    Ordered by meeting date, then by when the row was entered (``at``), so the last row per
    person is the decision of their latest meeting even when an earlier meeting's decision
    was typed in afterwards (a late entry for an old meeting does not overrule a later one).
    """
    meetings = pd.to_datetime(decisions["meeting_date"])
    kept = decisions.assign(_meeting=meetings, _at=pd.to_datetime(decisions["at"]))
    if as_of is not None:
        kept = kept[meetings <= pd.Timestamp(as_of)]
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
    """The latest meeting with a recorded decision strictly before ``before`` (None if none).

    >>> history = pd.DataFrame({"meeting_date": pd.to_datetime(["2026-01-05", "2026-02-02"])})
    >>> previous_meeting(history, date(2026, 2, 2)), previous_meeting(history, date(2026, 1, 5))
    (datetime.date(2026, 1, 5), None)
    """
    meetings = pd.to_datetime(decisions["meeting_date"])
    earlier = meetings[meetings < pd.Timestamp(before)]
    return None if earlier.empty else earlier.max().date()


def _status(current: pd.Series) -> str:
    if current["decision"] == "adopt":
        return IN_COHORT
    word = "exited" if current["decision"] == "decline" else "deferred"
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
    cohort["change"] = (cohort["score_now"] - cohort["score_at_adoption"]).round(1)
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


@dataclass(frozen=True)
class CohortReport:
    """The cohort and the people new since the last meeting, with the dates they rest on
    (built by :func:`cohort_report`)."""

    as_of: date
    since_meeting: date | None
    top: int
    cohort: pd.DataFrame
    new: pd.DataFrame


def cohort_report(decisions: pd.DataFrame, context: ScoringContext, top: int | None = None,
                  since_meeting: date | None = None) -> CohortReport:
    """Rank as of ``context.as_of`` (and as of the last meeting) and build both cohort tables.

    ``top`` defaults to the config's ``matac.top``; ``since_meeting`` to the latest meeting
    with a decision before the as-of date.

    >>> from scoring.signals.example import example_context
    >>> history = pd.DataFrame({"person_id": ["P-4"], "decision": ["adopt"],
    ...     "meeting_date": pd.to_datetime(["2026-03-02"]), "at": pd.to_datetime(["2026-03-02 10:00"]),
    ...     "score": [37.8], "rank": [2]})
    >>> report = cohort_report(history, example_context(), top=2)
    >>> report.since_meeting, report.cohort[["person_id", "score_now", "change", "status"]].values.tolist()
    (datetime.date(2026, 3, 2), [['P-4', 42.2, 4.4, 'in cohort']])
    >>> report.new[["person_id", "rank_then", "why"]].values.tolist()
    [['P-1', 1, 'on the list at the last meeting, no decision yet']]
    """
    chosen_top = top or context.config.matac.top
    since = since_meeting or previous_meeting(decisions, context.as_of)
    ranked_now = rank_perpetrators(context, PerpetratorList.OVERALL)
    ranked_then = (rank_perpetrators(replace(context, as_of=since), PerpetratorList.OVERALL)
                   if since is not None else None)
    names = context.tables.persons.set_index("person_id")["display_name"]
    return CohortReport(
        as_of=context.as_of, since_meeting=since, top=chosen_top,
        cohort=adopted_cohort(decisions, ranked_now, context.as_of, names),
        new=new_since_last_meeting(ranked_now, ranked_then, decisions, since, chosen_top),
    )

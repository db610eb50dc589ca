"""Time in custody, read from the optional custody table (``core.tables``: ``custody``).

A man in prison cannot reach his victims, so months without an incident while he was held say
nothing about desistance. Recency is therefore measured in days *at liberty* since the last
incident: the days since it, less the days spent in custody since it. A spell with no
``released_date`` is taken as still running on the as-of date.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

ONE_DAY = pd.Timedelta(days=1)


def _spells(custody: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Each spell as ``person_id``, ``start`` and ``end`` (exclusive: the day of release, or the
    day after the as-of date while still held), days only; spells starting later are dropped."""
    as_of_day = pd.Timestamp(as_of)
    started = custody[custody["start_date"].dt.normalize() <= as_of_day]
    released = started["released_date"].dt.normalize()
    still_held = released.isna() | (released > as_of_day)
    end = released.where(~still_held, as_of_day + ONE_DAY)
    return pd.DataFrame({"person_id": started["person_id"].to_numpy(),
                         "start": started["start_date"].dt.normalize().to_numpy(),
                         "end": end.to_numpy()})


def custody_days_since(custody: pd.DataFrame, since: pd.Series, as_of: date) -> pd.Series:
    """Per person (``since``: their last incident, indexed by person id), the whole days after
    that day up to and including the as-of date that they spent in custody. Overlapping spells
    count once; the day of release is a day at liberty.

    >>> custody = pd.DataFrame({"person_id": ["A", "A", "B"],
    ...     "start_date": pd.to_datetime(["2026-01-10", "2026-03-01", "2026-05-01"]),
    ...     "released_date": pd.to_datetime(["2026-03-10", None, "2026-05-11"])})
    >>> since = pd.Series(pd.to_datetime(["2026-01-01T21:00", "2026-06-01T00:00", "2026-02-01T00:00"]),
    ...                   index=["A", "B", "C"])
    >>> custody_days_since(custody, since, date(2026, 6, 30)).to_dict()  # A: Jan 10 .. Jun 30 held
    {'A': 172, 'B': 0, 'C': 0}
    """
    out = pd.Series(0, index=since.index, dtype="int64")
    spells = _spells(custody, as_of)
    spells = spells[spells["person_id"].isin(since.index)]
    if spells.empty:
        return out
    after = since.dt.normalize().reindex(spells["person_id"]).to_numpy() + np.timedelta64(1, "D")
    start, end = np.maximum(spells["start"].to_numpy(), after), spells["end"].to_numpy()
    held = end > start
    # Integer codes that order like the people, so each person's spells are one run once sorted.
    person, people = pd.factorize(spells["person_id"].to_numpy()[held], sort=True)
    start, end = start[held], end[held]
    order = np.lexsort((end, start, person))
    person, start, end = person[order], start[order], end[order]
    first = np.r_[True, person[1:] != person[:-1]] if len(person) else np.zeros(0, dtype=bool)
    # Overlaps count once: a spell starts no earlier than the latest end of the person's spells
    # before it (a running maximum restarting with each person, on dense ranks of the ends).
    ends, rank = np.unique(end, return_inverse=True)
    offset = person.astype(np.int64) * len(ends)
    reached = ends[np.maximum.accumulate(rank.reshape(-1) + offset) - offset]
    before = np.r_[reached[:1], reached[:-1]]
    start = np.where(first | (start >= before), start, before)
    days = np.maximum((end - start) // np.timedelta64(1, "D"), 0).astype(np.int64)
    totals = np.bincount(person, weights=days, minlength=len(people)).astype(np.int64)
    out.iloc[since.index.get_indexer(people)] = totals
    return out


RELEASE_STATES = ("due", "released", "unrecorded")


def release_facts(custody: pd.DataFrame, as_of: date, within_days: int) -> pd.DataFrame:
    """Per person released in the ``within_days`` up to the as-of date, or held and expected out
    in the ``within_days`` after it: ``release_date``, ``release_days`` (days until, or since)
    and ``release_state``: ``due`` (expected out), ``released``, or ``unrecorded`` (expected out
    in those days before the as-of date, with no release recorded: probably out, not known).
    The nearest in time decides when a person has several; a spell still held without an
    expected release date gives nothing.

    >>> custody = pd.DataFrame({"person_id": ["A", "B", "C", "D", "E"],
    ...     "start_date": pd.to_datetime(["2025-01-01", "2024-06-01", "2026-01-01", "2020-01-01", "2025-01-01"]),
    ...     "expected_release_date": pd.to_datetime(["2026-08-14", None, "2026-12-01", "2021-01-01", "2026-06-20"]),
    ...     "released_date": pd.to_datetime([None, "2026-05-01", None, "2021-01-01", None])})
    >>> for row in release_facts(custody, date(2026, 6, 30), 90).itertuples():
    ...     print(row.Index, row.release_date.date(), row.release_days, row.release_state)
    A 2026-08-14 45 due
    B 2026-05-01 60 released
    E 2026-06-20 10 unrecorded
    """
    as_of_day = pd.Timestamp(as_of)
    started = custody[custody["start_date"].dt.normalize() <= as_of_day]
    released = started["released_date"].dt.normalize()
    expected = started["expected_release_date"].dt.normalize()
    held = released.isna() | (released > as_of_day)
    near = expected.notna() & ((expected - as_of_day).abs() <= within_days * ONE_DAY)
    due = held & near & (expected >= as_of_day)
    unrecorded = held & near & (expected < as_of_day)
    out_lately = ~held & (released >= as_of_day - within_days * ONE_DAY)
    # Candidates in the order due, released, unrecorded; per person the nearest in days, the
    # earlier candidate on a tie (a stable sort on integer codes that order like the ids).
    chosen = [(mask.to_numpy(dtype=bool), when.to_numpy(), state)
              for mask, when, state in ((due, expected, "due"), (out_lately, released, "released"),
                                        (unrecorded, expected, "unrecorded"))]
    person = np.concatenate([started["person_id"].to_numpy()[mask] for mask, _, _ in chosen])
    when = np.concatenate([values[mask] for mask, values, _ in chosen])
    state = np.concatenate([np.full(int(mask.sum()), name, dtype=object) for mask, _, name in chosen])
    days = np.abs((when - as_of_day.to_datetime64()) // ONE_DAY.to_timedelta64()).astype(np.int64)
    codes, _ = pd.factorize(person, sort=True)
    order = np.lexsort((days, codes))
    first = order[np.r_[True, codes[order][1:] != codes[order][:-1]]] if len(order) else order
    return pd.DataFrame({"release_date": when[first], "release_days": days[first],
                         "release_state": pd.Series(state[first], dtype="str").array},
                        index=pd.Index(person[first], name="person_id"))

"""Release from custody: a man released lately, or due out soon, is at liberty again to reach
the women he harmed, and a panel plans for that day (the optional ``custody`` file).

Flag ``custody_release``: released in the ``signals.custody.within_days`` before the as-of
date, or held and expected out within as many days after it. The reason gives the day and the
days to go (or gone). The recency component's handling of time in custody is in
:mod:`scoring.custody`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from scoring.context import ScoringContext
from scoring.custody import release_facts
from scoring.reasons import text_column
from scoring.signals.base import Evidence, RankingData, Rule, Signal
from scoring.signals.settings import CustodySettings


def _release_columns(data: RankingData, rows: pd.DataFrame) -> pd.DataFrame:
    """Per row: ``release_date`` (NaT: none near), ``release_days`` and ``release_state``."""
    context = data.context
    custody = context.tables.custody
    coded = custody.assign(person_id=data.prepared.index.custody_people)
    facts = release_facts(coded, context.as_of, context.config.signals.custody.within_days)
    found = facts.reindex(rows["person"].to_numpy())
    return pd.DataFrame({"release_date": pd.to_datetime(found["release_date"]).to_numpy(),
                         "release_days": found["release_days"].fillna(-1).astype("int64").to_numpy(),
                         "release_state": text_column(found["release_state"].to_numpy(dtype=object))},
                        index=rows.index)


RELEASE = Evidence("custody_release", _release_columns,
                   empty={"release_date": pd.NaT, "release_days": -1, "release_state": None})


def release_reason(row: Mapping[str, Any], context: ScoringContext, settings: Any) -> str | None:
    """'due for release on 2026-08-14 (in 45 days)', 'released from custody on 2026-05-01, 60
    days before the as-of date', or for an expected release that passed unrecorded, that it is not
    known whether he is out.

    >>> from scoring.signals.example import example_context
    >>> def said(day, days, state):
    ...     return release_reason({"release_date": pd.Timestamp(day), "release_days": days, "release_state": state},
    ...                           example_context(), None)
    >>> said("2026-08-14", 45, "due")
    'due for release from custody on 2026-08-14 (in 45 days)'
    >>> said("2026-06-29", 1, "released")
    'released from custody on 2026-06-29, 1 day before the as-of date 2026-06-30'
    >>> said("2026-06-20", 10, "unrecorded")
    'expected to be released from custody on 2026-06-20, 10 days before the as-of date 2026-06-30; no release is recorded: check whether they are out'
    """
    when = row.get("release_date")
    if when is None or pd.isna(when):
        return None
    days = int(row["release_days"])
    said = f"{days} day" + ("" if days == 1 else "s")
    on = pd.Timestamp(when).strftime("%Y-%m-%d")
    state = row.get("release_state")
    if state == "due":
        return f"due for release from custody on {on} (" + ("today" if days == 0 else f"in {said}") + ")"
    if state == "unrecorded":
        return (f"expected to be released from custody on {on}, {said} before the as-of date {context.as_of}; "
                "no release is recorded: check whether they are out")
    return f"released from custody on {on}, {said} before the as-of date {context.as_of}"


SIGNAL = Signal(
    name="custody_release", label="released or due out of custody", short="release", group="management",
    always_on=True, settings_model=CustodySettings, settings_key="custody",
    perpetrators=Rule(
        flag=lambda data, rows, settings: rows["release_date"].notna().to_numpy(),
        reason=release_reason, needs=(RELEASE,),
        description="released from custody in the last `signals.custody.within_days` (90) days, or held and "
                    "expected out within as many days either side of the as-of date (a passed expected release "
                    "with none recorded is said to be unknown), from the optional custody file; time in custody "
                    "is not counted as quiet time by the recency component"))

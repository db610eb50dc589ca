"""Who is known to the agencies: management referrals, the daily briefing and MARAC.

Signals: ``not_managed`` on the offender lists (no management referral and not on the
briefing), and on the victim lists ``offender_unmanaged`` and ``not_referred_to_marac``.
:func:`unrecognised` says who near the top of a ranked list nobody is managing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from core.arrow_isin import isin
from scoring.context import ScoringContext
from scoring.signals.base import RankingData, Rule, Signal
from scoring.signals.settings import SignalConfig
from scoring.status import briefed_people, ever_referred, managed_people


def unrecognised(context: ScoringContext, ranked: pd.DataFrame, settings: SignalConfig | None = None, *,
                 managed: set[str] | None = None, briefed: set[str] | None = None) -> pd.DataFrame:
    """Per row of a ranked list (``rank``, ``person_id``): ``in_top`` (rank within
    ``signals.unrecognised.top``), ``managed`` (a current MATAC, MAPPA, IOM or PDP referral),
    ``briefed`` (on the daily briefing) and ``unrecognised``: in the top, neither managed nor
    briefed. ``settings`` default to the context's; ``managed`` and ``briefed`` to the
    context's current sets.

    >>> from scoring.lists import rank_perpetrators
    >>> from scoring.signals.example import example_context
    >>> context = example_context()
    >>> ranked = rank_perpetrators(context)
    >>> ranked[["rank", "person_id"]].join(unrecognised(context, ranked))
       rank person_id  in_top  managed  briefed  unrecognised
    0     1       P-1    True    False    False          True
    1     2       P-4    True    False     True         False
    2     3       P-6    True    False    False          True
    >>> unrecognised(context, ranked, SignalConfig(unrecognised={"top": 1}))["unrecognised"].tolist()
    [True, False, False]
    """
    top = (settings or context.config.signals).unrecognised.top
    people = ranked["person_id"]
    in_top = ranked["rank"].to_numpy() <= top
    is_managed = isin(people, managed_people(context) if managed is None else managed).to_numpy()
    is_briefed = isin(people, briefed_people(context) if briefed is None else briefed).to_numpy()
    return pd.DataFrame({"in_top": in_top, "managed": is_managed, "briefed": is_briefed,
                         "unrecognised": in_top & ~is_managed & ~is_briefed}, index=ranked.index)


def _management(context: ScoringContext) -> str:
    return (f"no MATAC, MAPPA, IOM or PDP referral in the {context.config.flags.management_current_days} "
            f"days up to {context.as_of}")


def _briefing(context: ScoringContext) -> str:
    return f"not on the daily briefing in the {context.config.flags.briefing_current_days} days up to {context.as_of}"


def _offender_unmanaged(data: RankingData, rows: pd.DataFrame, settings: None) -> pd.Series:
    """Victims with an offender in the window who has no current management referral."""
    prepared = data.prepared
    pairs = prepared.window_offenders
    offenders = pd.Series(prepared.index.ids(pairs["offender"].to_numpy()), dtype="string")
    unmanaged_offender = pairs.loc[~isin(offenders, data.managed).to_numpy(), "victim"].to_numpy()
    return pd.Series(np.isin(rows["person"].to_numpy(), unmanaged_offender), index=rows.index)


def _not_managed(data: RankingData, rows: pd.DataFrame, settings: None) -> np.ndarray:
    return (~isin(rows["person_id"], data.managed) & ~isin(rows["person_id"], data.briefed)).to_numpy()


def _not_managed_reason(row: Mapping[str, Any], context: ScoringContext, settings: None) -> str:
    return f"{_management(context)}, and {_briefing(context)}"


# One flag for "nobody is managing them": no management referral of any kind and not on the
# briefing (these were three flags that nearly always came together).
NOT_MANAGED = Signal(
    name="not_managed", label="not managed", group="management", always_on=True,
    perpetrators=Rule(
        flag=_not_managed, reason=_not_managed_reason,
        description="no current MATAC, MAPPA, IOM or PDP referral (`flags.management_current_days`, a year) "
                    "and not on the daily briefing (`flags.briefing_current_days`, 90 days): nobody is "
                    "managing them"))

OFFENDER_UNMANAGED = Signal(
    name="offender_unmanaged", label="an offender is not managed", group="management", always_on=True,
    short="offender not managed",
    victims=Rule(flag=_offender_unmanaged,
                 description="an offender of theirs in the window has no MATAC, MAPPA, IOM or PDP referral "
                             "in the last year"))

NOT_REFERRED_TO_MARAC = Signal(
    name="not_referred_to_marac", label="not referred to MARAC", group="protection", always_on=True,
    victims=Rule(flag=lambda data, rows, settings: ~isin(rows["person_id"], ever_referred(data.context, "marac")),
                 description="never referred to MARAC up to the as-of date"))

"""Who is known to the agencies: management referrals, the daily briefing and MARAC.

Signals: ``unrecognised`` and ``high_rank_no_measure`` (both decided from rank: in the top
``signals.unrecognised.top`` of the list), ``unmanaged``, ``not_on_briefing``, and on the
victim lists ``offender_unmanaged`` and ``not_referred_to_marac``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from core.arrow_isin import isin
from scoring.context import ScoringContext
from scoring.signals.base import RankingData, Rule, Signal
from scoring.signals.measures import MEASURES
from scoring.signals.settings import SignalConfig, UnrecognisedSettings
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


def _unrecognised_flag(data: RankingData, rows: pd.DataFrame, settings: UnrecognisedSettings) -> pd.Series:
    return unrecognised(data.context, rows, managed=data.managed, briefed=data.briefed)["unrecognised"]


def _management(context: ScoringContext) -> str:
    return (f"no MATAC, MAPPA, IOM or PDP referral in the {context.config.flags.management_current_days} "
            f"days up to {context.as_of}")


def _briefing(context: ScoringContext) -> str:
    return f"not on the daily briefing in the {context.config.flags.briefing_current_days} days up to {context.as_of}"


def _unrecognised_reason(row: Mapping[str, Any], context: ScoringContext, settings: UnrecognisedSettings) -> str:
    return (f"rank {row['rank']} in the top {settings.top} with {_management(context)} and "
            f"{_briefing(context)}")


def _high_rank_reason(row: Mapping[str, Any], context: ScoringContext, settings: UnrecognisedSettings) -> str:
    in_force = str(row.get("active_measures") or "")
    return (f"rank {row['rank']} in the top {settings.top} with no protective order or pre-charge bail in force "
            f"on {context.as_of}" + (f" (in force: {in_force})" if in_force else ""))


def _offender_unmanaged(data: RankingData, rows: pd.DataFrame, settings: None) -> pd.Series:
    """Victims with an offender in the window who has no current management referral."""
    prepared = data.prepared
    pairs = prepared.window_offenders
    offenders = pd.Series(prepared.index.ids(pairs["offender"].to_numpy()), dtype="string")
    unmanaged_offender = pairs.loc[~isin(offenders, data.managed).to_numpy(), "victim"].to_numpy()
    return pd.Series(np.isin(rows["person"].to_numpy(), unmanaged_offender), index=rows.index)


UNRECOGNISED = Signal(
    name="unrecognised", label="unrecognised (high rank, nobody managing)", group="recognition", always_on=True,
    short="unrecognised",
    settings_model=UnrecognisedSettings, settings_key="unrecognised",
    perpetrators=Rule(
        flag=_unrecognised_flag, reason=_unrecognised_reason, ranked=True,
        description="in the top 100 with no current MATAC, MAPPA, IOM or PDP management and not on the "
                    "daily briefing"))

HIGH_RANK_NO_MEASURE = Signal(
    name="high_rank_no_measure", label="high rank, no protective measure", group="measures", always_on=True,
    short="high rank, no measure",
    settings_model=UnrecognisedSettings, settings_key="unrecognised",
    perpetrators=Rule(
        flag=lambda data, rows, settings: (rows["rank"] <= settings.top) & ~rows["protective_measure"].astype(bool),
        reason=_high_rank_reason, needs=(MEASURES,), ranked=True,
        description="in the top 100 with no protective order, notice or pre-charge bail in force on the "
                    "as-of date"))

UNMANAGED = Signal(
    name="unmanaged", label="not managed (MATAC/MAPPA/IOM/PDP)", group="recognition", always_on=True,
    short="not managed",
    perpetrators=Rule(
        flag=lambda data, rows, settings: ~isin(rows["person_id"], data.managed),
        reason=lambda row, context, settings: _management(context),
        description="no MATAC, MAPPA, IOM or PDP referral in the last year"))

NOT_ON_BRIEFING = Signal(
    name="not_on_briefing", label="not on briefing", group="recognition", always_on=True,
    perpetrators=Rule(
        flag=lambda data, rows, settings: ~isin(rows["person_id"], data.briefed),
        reason=lambda row, context, settings: _briefing(context),
        description="not on the daily briefing in the last 90 days"))

OFFENDER_UNMANAGED = Signal(
    name="offender_unmanaged", label="an offender is not managed", group="recognition", always_on=True,
    short="offender not managed",
    victims=Rule(flag=_offender_unmanaged,
                 description="an offender of theirs in the window has no MATAC, MAPPA, IOM or PDP referral "
                             "in the last year"))

NOT_REFERRED_TO_MARAC = Signal(
    name="not_referred_to_marac", label="not referred to MARAC", group="recognition", always_on=True,
    victims=Rule(flag=lambda data, rows, settings: ~isin(rows["person_id"], ever_referred(data.context, "marac")),
                 description="never referred to MARAC up to the as-of date"))

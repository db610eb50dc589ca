"""Unrecognised: near the top of a ranked list, yet not managed and not on the briefing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.context import ScoringContext
from scoring.signals.config import SignalConfig
from scoring.status import briefed_people, managed_people
from core.arrow_isin import isin


def unrecognised(context: ScoringContext, ranked: pd.DataFrame,
                 settings: SignalConfig | None = None) -> pd.DataFrame:
    """One row per person in ``ranked`` (rank_perpetrators output): ``person_id, unrecognised, reason``.

    Example: rank 3 of 100, no MATAC/MAPPA/IOM/PDP referral in the last year and not on the
    daily briefing in the last 90 days -> unrecognised.
    """
    settings = settings or SignalConfig()
    top = settings.unrecognised.top
    managed, briefed = managed_people(context), briefed_people(context)
    people = ranked["person_id"].reset_index(drop=True)
    rank = ranked["rank"].reset_index(drop=True).astype("int64")
    in_top = rank <= top
    is_managed = isin(people, managed)
    is_briefed = isin(people, briefed)
    flag = in_top & ~is_managed & ~is_briefed
    status = np.select([is_managed & is_briefed, is_managed, is_briefed],
                       ["managed (MATAC/MAPPA/IOM/PDP) and on the daily briefing",
                        "managed (MATAC/MAPPA/IOM/PDP)", "on the daily briefing"], default="")
    position = "rank " + rank.astype(str)
    reason = np.where(flag, "Unrecognised: " + position + f" in the top {top}"
                      + " with no current MATAC, MAPPA, IOM or PDP management and not on the daily briefing",
                      np.where(in_top, "Recognised: " + position + ", " + pd.Series(status),
                               position + f", outside the top {top}"))
    return pd.DataFrame({"person_id": people, "unrecognised": flag.astype(bool), "reason": reason})

"""How far the harm reaches: several victims, several offenders, a high DASH risk grading."""

from __future__ import annotations

import pandas as pd

from scoring.signals.base import RankingData, Rule, Signal

MULTIPLE_VICTIMS = Signal(
    name="multiple_victims", label="multiple victims", group="extent", always_on=True,
    perpetrators=Rule(
        flag=lambda data, rows, settings: rows["victims"] >= 2,
        reason=lambda row, context, settings: f"{row.get('all_victims')} different victims in the window",
        description="2 or more different victims in the window"))

MULTIPLE_OFFENDERS = Signal(
    name="multiple_offenders", label="multiple offenders", group="extent", always_on=True,
    victims=Rule(flag=lambda data, rows, settings: rows["offenders"] >= 2,
                 description="2 or more different offenders in the window"))


def _dash_high(data: RankingData, rows: pd.DataFrame, settings: None) -> pd.Series:
    return rows["high_dash"]


DASH_HIGH = Signal(
    name="dash_high", label="DASH high", group="risk", always_on=True,
    perpetrators=Rule(
        flag=_dash_high,
        reason=lambda row, context, settings: "a high DASH risk grading on at least one incident in the window",
        description="a high DASH risk grading on at least one incident in the window"),
    victims=Rule(flag=_dash_high, description="a high DASH risk grading on at least one incident in the window"))

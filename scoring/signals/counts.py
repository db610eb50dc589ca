"""How far the harm reaches: several victims, several offenders, a high DASH risk grading."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from scoring.context import ScoringContext
from scoring.signals.base import RankingData, Rule, Signal

def _listed_victims(rows: pd.DataFrame) -> pd.Series:
    """The victims the list counts: women and girls on the different-victims list, else all."""
    return rows["listed_victims"] if "listed_victims" in rows else rows["victims"]


def _multiple_victims_reason(row: Mapping[str, Any], context: ScoringContext, settings: None) -> str:
    """'3 different victims in the window', or on the women-and-girls list '2 different women
    and girls in the window'.

    >>> from scoring.signals.example import example_context
    >>> _multiple_victims_reason({"listed_victims": 2, "listed_women_only": True}, example_context(), None)
    '2 different women and girls in the window'
    >>> _multiple_victims_reason({"all_victims": 3}, example_context(), None)
    '3 different victims in the window'
    """
    if row.get("listed_women_only"):
        return f"{row.get('listed_victims')} different women and girls in the window"
    return f"{row.get('all_victims', row.get('listed_victims'))} different victims in the window"


MULTIPLE_VICTIMS = Signal(
    name="multiple_victims", label="multiple victims", group="extent", always_on=True,
    perpetrators=Rule(
        flag=lambda data, rows, settings: _listed_victims(rows) >= 2,
        reason=_multiple_victims_reason,
        description="2 or more different victims in the window (on the different-victims list, 2 or more "
                    "women and girls)"))

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

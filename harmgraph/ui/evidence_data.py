"""Cached back-test and fairness results for the Evidence page (scoring does the work).

Kept apart from ``data.py`` so the page's heavy, occasional runs have their own small cache.
Each result is keyed on the view (store version, config, as-of) and the page's choices.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from harmgraph.ui import data
from scoring.backtest import backtest, rolling_dates, summary_table
from scoring.fairness import fairness_report
from scoring.learned import bands_table, learn_for_dates, weights_table


def last_backtest_date(as_of: date, horizon_days: int) -> date:
    """The latest as-of date whose whole horizon lies on or before the view's as-of date.

    >>> last_backtest_date(date(2026, 6, 30), 365)
    datetime.date(2025, 6, 30)
    """
    return (pd.Timestamp(as_of) - pd.Timedelta(days=horizon_days)).date()


@st.cache_data(max_entries=8, show_spinner="Back-testing the list against later harm…")
def backtest_results(key: data.ViewKey, horizon_days: int, every_months: int, times: int, top_k: int,
                     learned: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(results, summary, weights, bands) for as-of dates ending one horizon before the view's as-of.

    Only incidents up to the view's as-of date are read at all, so the sidebar date is the
    edge of what the back-test may know.
    """
    from scoring.backtest import context_as_of

    context = context_as_of(data.context(key), key.as_of)
    dates = rolling_dates(last_backtest_date(key.as_of, horizon_days), every_months, times)
    fits = learn_for_dates(context, dates, horizon_days, every_months) if learned else {}
    results = backtest(context, dates, horizon_days, top_k,
                       weights_for=(lambda d: {"learned": fits[d].weights}) if learned else None,
                       config_for=(lambda d: {"learned_bands": fits[d].config(context.config, True)})
                       if learned else None)
    weights = weights_table(context.config.weights, fits) if learned else pd.DataFrame()
    bands = bands_table(context.config, fits) if learned else pd.DataFrame()
    return results, summary_table(results), weights, bands


@st.cache_data(max_entries=8, show_spinner="Comparing the top of the list with everyone ranked…")
def fairness(key: data.ViewKey, top_k: int) -> dict[str, pd.DataFrame]:
    """Ethnicity, age band and district tables for the top ``top_k`` as of the view's date."""
    return fairness_report(data.context(key), top_k)

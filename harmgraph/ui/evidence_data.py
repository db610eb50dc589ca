"""Cached back-test and fairness results for the Evidence page (scoring does the work).

Kept apart from ``data.py`` so the page's heavy, occasional runs have their own small cache.
Each result is keyed on the view (store version, config, as-of) and the page's choices.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harmgraph.ui import data
from scoring.backtest import context_as_of
from scoring.fairness import fairness_report
from scoring.learned import run_backtest


@st.cache_data(max_entries=8, show_spinner="Back-testing the list against later harm…")
def backtest_results(key: data.ViewKey, horizon_days: int, every_months: int, times: int, top_k: int,
                     learned: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(results, summary, weights, bands) for as-of dates ending one horizon before the view's as-of.

    Only incidents up to the view's as-of date are read at all, so the sidebar date is the
    edge of what the back-test may know.
    """
    run = run_backtest(context_as_of(data.context(key), key.as_of), horizon_days, every_months, times, top_k,
                       learned)
    return run.results, run.summary, run.weights, run.bands


@st.cache_data(max_entries=8, show_spinner="Comparing the top of the list with everyone ranked…")
def fairness(key: data.ViewKey, top_k: int) -> dict[str, pd.DataFrame]:
    """Ethnicity, age band and district tables for the top ``top_k`` as of the view's date."""
    return fairness_report(data.context(key), top_k)

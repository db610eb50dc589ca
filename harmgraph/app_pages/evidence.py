"""Evidence: does the list find the people who go on to cause harm, and whom does it select?"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from harmgraph.force_scope import region_wide_note
from harmgraph.ui import evidence_data
from harmgraph.ui.chrome import current_view, need_incidents
from scoring.backtest import default_backtest_as_of
from scoring.fairness import CAVEATS

METHOD_LABELS = {"share_rfgv": "RFGV list", "share_learned": "learned weights",
                 "share_learned_bands": "learned bands + weights", "share_frequency": "frequency only",
                 "share_random": "random (expected)", "best_possible_share": "perfect hindsight"}


def share_chart(summary: pd.DataFrame):  # type: ignore[no-untyped-def]
    """Grouped bars: share of later harm caused by the top of each ordering, per cut and date."""
    columns = [c for c in METHOD_LABELS if c in summary.columns]
    long = summary.melt(id_vars=["as_of", "cut"], value_vars=columns, var_name="ordering", value_name="share")
    long["ordering"] = long["ordering"].map(METHOD_LABELS)
    figure = px.bar(long, x="cut", y="share", color="ordering", barmode="group", facet_col="as_of",
                    labels={"share": "share of later harm", "cut": "", "as_of": "as of"})
    figure.update_yaxes(tickformat=".0%", range=[0, 1])
    return figure


def lift_chart(summary: pd.DataFrame):  # type: ignore[no-untyped-def]
    """Lines: how many times more harm the list's top catches than frequency and than chance."""
    long = summary.melt(id_vars=["as_of", "cut"], value_vars=["lift_vs_frequency", "lift_vs_random"],
                        var_name="against", value_name="lift")
    long["against"] = long["against"].map({"lift_vs_frequency": "vs frequency only", "lift_vs_random": "vs random"})
    figure = px.line(long, x="cut", y="lift", color="against", line_dash="as_of", markers=True, log_y=True,
                     labels={"lift": "lift (times, log scale)", "cut": ""})
    figure.add_hline(y=1, line_dash="dot")
    return figure


def interval_chart(frame: pd.DataFrame, what: str):  # type: ignore[no-untyped-def]
    """Top-k share against all-ranked share per group, each with its 95% interval."""
    recorded = frame[frame["group"] != "not recorded"]
    long = pd.concat([
        recorded.assign(where="top k", share=recorded["top_share"], plus=recorded["top_high"] - recorded["top_share"],
                        minus=recorded["top_share"] - recorded["top_low"]),
        recorded.assign(where="all ranked", share=recorded["all_share"], plus=recorded["all_high"] - recorded["all_share"],
                        minus=recorded["all_share"] - recorded["all_low"]),
    ])
    figure = px.bar(long, x="group", y="share", color="where", barmode="group", error_y="plus", error_y_minus="minus",
                    labels={"group": what, "share": "share (95% interval)"})
    figure.update_yaxes(tickformat=".0%")
    return figure


view = current_view()
st.title("Evidence: back-test & fairness")
st.caption("Would the list, drawn up on an earlier date from what was known then, have named the people who "
           "went on to cause harm? And is any group over- or under-represented at the top?")
if (note := region_wide_note(view.account)) is not None:
    st.warning(note)
if need_incidents(view):
    assert view.as_of is not None
    left, middle, right = st.columns(3)
    horizon = int(left.number_input("Horizon (days of later harm)", min_value=30, max_value=1825, value=365,
                                    step=30, key="evidence_horizon"))
    times = int(middle.number_input("As-of dates", min_value=1, max_value=8, value=1, key="evidence_times"))
    every = int(right.number_input("Months between dates", min_value=1, max_value=24, value=6,
                                   key="evidence_every"))
    top_k = int(left.number_input("Top k", min_value=1, max_value=1000, value=50, key="evidence_top_k"))
    learned = middle.checkbox("Also test learned weights", key="evidence_learned",
                              help="Weights fitted (Poisson regression), and bands learned by a regression tree per "
                                   "component, only on windows that had ended by each date.")
    last = default_backtest_as_of(view.as_of, horizon)
    st.markdown(f"Ranked as of **{last}** (and earlier dates, every {every} months) using only data up to "
                f"each date; harm measured over the next {horizon} days, up to {view.as_of}.")
    results, summary, weights, bands = evidence_data.backtest_results(view.key, horizon, every, times, top_k, learned)
    if summary.empty:
        st.info("Nobody was ranked on the back-test date: choose a later as-of date or a shorter horizon.")
    else:
        st.subheader("Share of later harm caused by the top of the list")
        st.plotly_chart(share_chart(summary), key="evidence_share_chart")
        st.plotly_chart(lift_chart(summary), key="evidence_lift_chart")
        st.dataframe(summary, hide_index=True, key="evidence_backtest", width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="percent")
                                    for c in summary.columns if c.startswith(("share_", "best_", "precision", "recall"))})
        st.caption("Harm = Crime Harm Index days of later incidents where the person was a suspect or offender, "
                   "split between co-perpetrators. Random is the expected value. Perfect hindsight is the "
                   "ceiling: the same number of ranked people who did in fact cause the most harm.")
        if learned and not weights.empty:
            st.subheader("Weights: default beside learned")
            st.dataframe(weights, hide_index=True, key="evidence_weights", width="stretch")
            st.caption("The default stays the transparent points system; learned weights are shown for comparison.")
        if learned and not bands.empty:
            st.subheader("Bands: default beside learned")
            st.dataframe(bands, hide_index=True, key="evidence_bands", width="stretch")
            st.caption("Recency: `<=days:points` (first match); the others: `>=value:points` (highest match). "
                       "Edges are the splits of a small regression tree per component, fitted on the same earlier "
                       "windows as the weights; the refitted weights (R F G V) go with the learned bands and are "
                       "back-tested as \"learned bands + weights\". A component with no split keeps its "
                       "default bands.")

    st.subheader(f"Fairness: the top {top_k} against everyone ranked as of {view.as_of}")
    report = evidence_data.fairness(view.key, top_k)
    tabs = st.tabs(["Ethnicity", "Age band", "Area (postcode district)"])
    for tab, (name, label) in zip(tabs, [("ethnicity", "ethnic group"), ("age", "age band"), ("area", "district")]):
        with tab:
            frame = report[name]
            if frame[frame["group"] != "not recorded"].empty:
                st.info(f"No {label} is recorded for the people ranked.")
            else:
                st.plotly_chart(interval_chart(frame, label), key=f"evidence_fair_chart_{name}")
            st.dataframe(frame, hide_index=True, key=f"evidence_fair_{name}", width="stretch")
    st.markdown("**Read these figures with care**\n\n" + "\n".join(f"- {c}" for c in CAVEATS))

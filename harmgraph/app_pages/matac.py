"""MATAC decisions & cohort: the panel's decisions (append-only) and how adopted people's risk moved."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from graph.decisions import DECISIONS, MATAC_DECISION_COLUMNS
from core.errors import HarmgraphError
from harmgraph.matac import record_decision
from harmgraph.ui import data
from harmgraph.ui.chrome import View, current_view, need_incidents
from scoring.matac import adopted_cohort, new_since_last_meeting, previous_meeting

DECISION_LABELS = {"adopt": "Adopt", "decline": "Decline", "defer": "Defer"}


def decision_history(view: View) -> pd.DataFrame:
    """Every decision in the store, read fresh (it changes when the chair records one)."""
    with view.settings.open_store() as store:
        return store.matac_decisions()


def may_record(view: View) -> bool:
    """Only the MATAC chair records decisions (harmgraph.access: record_matac_decision)."""
    return view.can("record_matac_decision")


def decision_form(view: View) -> None:
    """The chair's form: person, decision, meeting, reason; stored with the score it was taken on."""
    with st.form("matac_form", clear_on_submit=False):
        person_id = st.text_input("Person id", value=st.session_state.get("person_id", ""),
                                  key="matac_person", placeholder="e.g. P-1a2b3c4d5e")
        decision = st.radio("Decision", DECISIONS, format_func=DECISION_LABELS.get, horizontal=True,
                            key="matac_decision")
        meeting = st.date_input("Meeting date", value=date.today(), key="matac_meeting", format="YYYY-MM-DD")
        reason = st.text_area("Reason (read out to the panel; required)", key="matac_reason")
        submitted = st.form_submit_button("Record decision", type="primary", key="matac_submit")
    if not submitted:
        return
    latest = data.default_as_of(view.settings, view.version)
    context = data.context(data.view_key(view.settings, view.version, latest, view.lookback_years))
    try:
        with view.settings.open_store() as store:
            recorded = record_decision(store, context, person_id.strip(), str(decision), reason,
                                       meeting, view.user)
    except HarmgraphError as exc:
        st.error(str(exc))
        return
    rank = recorded.rank if recorded.rank is not None else "not ranked"
    st.success(f"Recorded {recorded.decision} for {recorded.person_id} at the {recorded.meeting_date:%Y-%m-%d} "
               f"meeting: score {recorded.score:g}, rank {rank} as of {recorded.as_of:%Y-%m-%d}.")


view = current_view()
st.title("MATAC decisions & cohort")
if need_incidents(view):
    if may_record(view):
        with st.expander("Record a decision", expanded=True):
            decision_form(view)
    else:
        st.info(f"Only the MATAC chair records decisions; as {view.role} you see the history and "
                "the cohort read-only.")

    decisions = decision_history(view)
    config = data.context(view.key).config
    left, right = st.columns(2)
    top = int(left.number_input("Top N reviewed", min_value=1, max_value=5000, value=config.matac.top,
                                key="matac_top", help="Config matac.top; 'new since last meeting' looks this far."))
    since = previous_meeting(decisions, view.as_of)
    since = right.date_input("Last meeting", value=since, key="matac_since", format="YYYY-MM-DD",
                             help="Default: the latest meeting with a decision before the as-of date.")
    ranked_now = data.perpetrators(view.key, "overall")
    ranked_then = (data.perpetrators(data.view_key(view.settings, view.version, since, view.lookback_years),
                                     "overall") if since else None)
    names = data.tables(view.settings, view.version).persons.set_index("person_id")["display_name"]

    st.subheader("Adopted cohort")
    st.caption(f"Score at adoption against the score as of {view.as_of:%Y-%m-%d}; a fall in risk is a "
               "negative change (the outcome measure forces use).")
    st.dataframe(adopted_cohort(decisions, ranked_now, view.as_of, names), hide_index=True, width="stretch")

    st.subheader("New since the last meeting")
    st.caption(f"In today's top {top} with no decision at or before the last meeting "
               f"({since:%Y-%m-%d})." if since else f"In today's top {top}; no earlier meeting recorded.")
    st.dataframe(new_since_last_meeting(ranked_now, ranked_then, decisions, since, top), hide_index=True,
                 width="stretch")

    st.subheader("Decision history")
    st.caption("Append-only: a change of mind is a new row; the latest row per person is the current decision.")
    st.dataframe(decisions[MATAC_DECISION_COLUMNS].iloc[::-1], hide_index=True, width="stretch")

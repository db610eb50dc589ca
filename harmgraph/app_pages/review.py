"""Identity review: pairs of records that may be one person, with the evidence for and against,
and the analyst's decision (link: the same person; unlink: two people), logged.

The queue is harmgraph.identity_review's, as `harmgraph review` lists it: near the match
threshold, kept apart by a rule, a record close to two people, and victims who may be one
woman behind a claim about a perpetrator's partners.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.errors import HarmgraphError
from harmgraph.identity_review import KINDS, SHOWN_COLUMNS, decide, review_rows
from harmgraph.ui import data
from harmgraph.ui.chrome import audit, current_view
from harmgraph.ui.format import md, show_table

DECISIONS = {"link: the same person": True, "unlink: two different people": False}


def _queue(view, kind: str | None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    context = data.context(view.key) if view.as_of is not None else None
    with view.settings.open_store() as store:
        return review_rows(store, kind, context, account=view.account)


view = current_view()
st.title("Identity review")
st.caption("Each item is two person records that may be one person. Read the evidence for and against; a "
           "decision links them (one person) or unlinks them (never one person), re-resolves every record "
           "and is written to the access log and the person-id lineage.")
chosen_kind = st.selectbox("Kind", ["all kinds", *KINDS], key="review_kind")
kind = None if chosen_kind == "all kinds" else chosen_kind
rows = _queue(view, kind)
audit(view, "list", "identity:review", f"{len(rows)} item(s)" + (f" of kind {kind}" if kind else ""))
if rows.empty:
    st.success("Nothing to review.")
    st.stop()
counts = rows["kind"].value_counts()
st.markdown(f"**{len(rows)} item(s)**: " + ", ".join(f"{n} {k}" for k, n in counts.sort_index().items()))
show_table(rows[SHOWN_COLUMNS], key="review_table")

item_id = st.selectbox("Item", rows["item_id"].tolist(), key="review_item")
item = rows[rows["item_id"] == item_id].iloc[0]
st.subheader(f"{item_id}: {item['kind']}")
st.markdown(md(item['note']))
left, right = st.columns(2)
# The records hold names as the source wrote them: shown as text, never as markdown.
left.markdown(f"**{md(item['record_l'])}**  \nperson {md(item['person_l'])}")
right.markdown(f"**{md(item['record_r'])}**  \nperson {md(item['person_r'])}")
st.markdown(f"**Evidence for one person:** {md(item['evidence_for'])}")
st.markdown(f"**Evidence against:** {md(item['evidence_against'])}")

if not view.can("decide_identity"):
    st.info(f"The {view.role} role reads the queue; an analyst decides.")
    st.stop()
with st.form("review_form"):
    choice = st.radio("Decision", list(DECISIONS), key="review_decision")
    reason = st.text_area("Reason (recorded with the decision)", key="review_reason")
    submitted = st.form_submit_button("Record the decision", key="review_submit")
if submitted:
    if not reason.strip():
        st.error("A decision needs a reason.")
        st.stop()
    try:
        with view.settings.open_store() as store, st.spinner("Re-resolving every record…"):
            done, persons = decide(store, item_id, DECISIONS[choice], view.user, reason.strip(),
                                   tell=lambda *_args, **_kw: None,
                                   config_path=Path(view.settings.resolution_config_path)
                                   if view.settings.resolution_config_path else None,
                                   context=data.context(view.key) if view.as_of is not None else None,
                                   account=view.account)
    except HarmgraphError as exc:
        st.error(str(exc))
        st.stop()
    st.success(f"Recorded {done.replace('_', '-')} for {md(item['record_id_l'])} / {md(item['record_id_r'])}; "
               f"{persons} persons after re-resolving.")

"""Access log (admin only): every sign-in, view, export, decision, load and override, and its chain check."""

from __future__ import annotations

import streamlit as st

from graph.audit_chain import verify
from harmgraph.ui.chrome import current_view
from harmgraph.ui.format import show_table

view = current_view()
st.title("Access log")
if not view.can("view_audit"):
    st.error(f"The {view.role} role may not read the access log.")
    st.stop()

with view.settings.open_store() as store:
    log = store.audit_log()
    store.record_audit(view.user, "view_audit", "audit_log", f"{len(log)} entries")
report = verify(log)
if report.ok:
    st.success(f"The hash chain of all {report.entries:,} entries is intact. "
               f"Head: entry {report.head.seq}, hash `{report.head.hash[:16]}…`")
else:
    st.error(f"The chain is broken at entry {report.broken_seq} (position {report.broken_position}): "
             f"{report.problem}. Every entry from there on is untrustworthy.")
actions = sorted(log["action"].dropna().unique())
chosen = st.multiselect("Actions", actions, key="audit_actions")
shown = log[log["action"].isin(chosen)] if chosen else log
show_table(shown.iloc[::-1], key="audit_table",
           at=st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm:ss"))

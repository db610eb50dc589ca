"""Data quality: the loads held, and every quarantined row with its reason."""

from __future__ import annotations

import json
from functools import partial

import pandas as pd
import streamlit as st

from harmgraph.force_scope import issues_in_scope, loads_in_scope
from harmgraph.ui.chrome import audit, audit_once, current_view
from harmgraph.ui.format import csv_bytes, human_headers, md


def load_summary(loads: pd.DataFrame) -> pd.DataFrame:
    """Per file of the latest load: read, loaded, quarantined, warnings, duplicates merged."""
    if loads.empty:
        return pd.DataFrame()
    raw = loads.iloc[-1]["summary"]
    try:
        summary = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except (TypeError, ValueError):
        return pd.DataFrame({"summary": [str(raw)]})
    per_file = summary.get("per_file", summary) if isinstance(summary, dict) else {}
    if isinstance(per_file, dict) and all(isinstance(v, dict) for v in per_file.values()):
        return pd.DataFrame.from_dict(per_file, orient="index").rename_axis("file").reset_index()
    return pd.DataFrame([summary])


def _rejects(frame: pd.DataFrame, view, reason: str) -> bytes:  # type: ignore[no-untyped-def]
    if not view.can("quarantine_download"):
        raise PermissionError(f"the {view.role} role may not download quarantined rows")
    payload = csv_bytes(frame)
    audit(view, "export", "quarantine", f"csv: {len(frame)} rows", reason=reason)
    return payload


view = current_view()
st.title("Data quality")
with view.settings.open_store() as store:
    every_load = store.loads()
    # A user of some forces reads the loads of those forces only: quarantined rows hold raw
    # values of people of the force that sent them.
    quarantined = issues_in_scope(store.quarantine(), every_load, view.account)
    warnings = issues_in_scope(store.warnings(), every_load, view.account)
loads = loads_in_scope(every_load, view.account)
scope = view.account.scope if view.account else "every force"
if loads.empty:
    st.info(f"Nothing has been loaded into `{view.settings.store}` yet." if every_load.empty else
            f"No load of {scope} is held in "
            f"`{view.settings.store}`; other forces' loads are theirs to read.")
    st.stop()
last = loads.iloc[-1]
st.subheader("Last load")
of_force = f" for force {md(last['force'])}" if isinstance(last.get("force"), str) else ""
held = (f"{len(loads)} load(s) held in all." if len(loads) == len(every_load) else
        f"{len(loads)} load(s) of {md(scope)} held "
        f"({len(every_load)} in the store; the others are other forces' to read).")
finished = pd.Timestamp(last["finished_at"])
when = f"{finished:%Y-%m-%d %H:%M}" if pd.notna(finished) else "not recorded"
st.markdown(f"**{md(last['load_id'])}**{of_force} from {md(last['source'])}, finished {when}. {held}")
summary = load_summary(loads)
st.dataframe(summary, hide_index=True, width="stretch", column_config=human_headers(summary.columns))

st.subheader("Quarantine")
st.caption("Rows that broke a rule of the data contract were not loaded. Row numbers are as a spreadsheet "
           "shows them (the header is row 1).")
load_ids = ["all loads", *loads["load_id"].iloc[::-1]]
chosen = st.selectbox("Load", load_ids, key="quality_load")
shown = quarantined if chosen == "all loads" else quarantined[quarantined["load_id"] == chosen]
# The quarantine holds raw input values (names among them): looking at them is logged.
audit_once(view, "list", "quarantine", f"app: {len(shown)} row(s) of {chosen}, {len(warnings)} warning(s)")
if shown.empty:
    st.success("No rows quarantined.")
else:
    reasons = shown.assign(kind=shown["reason"].str.replace(r"\s*\(.*\)$", "", regex=True))
    st.dataframe(reasons.groupby(["file", "column", "kind"]).size().rename("rows").reset_index()
                 .sort_values("rows", ascending=False), hide_index=True, width="stretch")
    st.dataframe(shown, hide_index=True, width="stretch", key="quarantine_table",
                 column_config=human_headers(shown.columns))
    if view.can("quarantine_download"):  # raw input values: harmgraph/access.py decides
        reason = st.text_input("Reason for the download (recorded in the access log)",
                               key="quarantine_reason").strip()
        st.download_button("Download rejects (CSV)", partial(_rejects, shown.reset_index(drop=True), view, reason),
                           file_name="quarantine.csv", mime="text/csv", on_click="ignore", disabled=not reason,
                           icon=":material/download:", key="quarantine_csv")
with st.expander(f"Field-level warnings ({len(warnings)})"):
    st.caption("Values blanked on load (the row itself loaded).")
    st.dataframe(warnings, hide_index=True, width="stretch", column_config=human_headers(warnings.columns))

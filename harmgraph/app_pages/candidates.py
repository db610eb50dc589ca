"""MATAC candidates: the people who pose the highest risk, overall or to different women and girls."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from harmgraph.ui import data
from harmgraph.ui.chrome import current_view, need_incidents, open_profile
from harmgraph.ui.filters import filter_candidates
from harmgraph.ui.exports import build_export
from harmgraph.ui.format import FLAG_LABELS, PERPETRATOR_FLAGS, export_name, flag_chips, points_columns, postcode_district, provenance_line
from scoring.lists import PERPETRATOR_COLUMNS, PerpetratorList

LISTS = {PerpetratorList.OVERALL.value: "Highest risk overall",
         PerpetratorList.DIFFERENT_VICTIMS.value: "Highest risk to different women and girls"}
SHOWN = ["rank", "person_id", "display_name", "score", "recency_points", "frequency_points",
         "gravity_points", "victims_points", "recency", "frequency", "gravity", "victims",
         "last_incident", "district", "flag_chips", "reasons"]


view = current_view()
st.title("MATAC candidates")
if need_incidents(view):
    which = st.segmented_control("List", list(LISTS), format_func=LISTS.get, key="candidate_list",
                                 default=PerpetratorList.OVERALL.value) or PerpetratorList.OVERALL.value
    key = view.key
    ranked = data.perpetrators(key, which)
    tables = data.tables(view.settings, view.version)
    districts = pd.Series(postcode_district(tables.persons["postcode"]).to_numpy(), index=tables.persons["person_id"])

    with st.container(border=True):
        left, middle, right = st.columns([1, 2, 1])
        search = left.text_input("Search name or id", key="candidate_search", placeholder="e.g. Smith or P-1a2b…")
        flags = middle.multiselect("Must have flags", PERPETRATOR_FLAGS, format_func=FLAG_LABELS.get,
                                   key="candidate_flags")
        area = right.text_input("Area (postcode district or area)", key="candidate_area", placeholder="e.g. NE1 or NE")
        min_victims = left.number_input("Minimum victims", min_value=0, value=0, step=1, key="candidate_min_victims")
        top = right.number_input("Show top", min_value=10, max_value=5000, value=100, step=10, key="candidate_top")
    shown = filter_candidates(ranked, districts, min_victims=int(min_victims), flags=tuple(flags),
                              area=area, search=search)
    prov = view.provenance(f"perpetrators:{which}")
    st.caption(f"{len(shown):,} of {len(ranked):,} people in the window match. " + provenance_line(prov))

    table = shown.head(int(top)).assign(flag_chips=lambda f: f["flags"].map(flag_chips))
    config = data.context(key).config
    event = st.dataframe(
        table[SHOWN], key="candidate_table", on_select="rerun", selection_mode="single-row",
        hide_index=True, width="stretch", height=min(38 + 35 * len(table), 560),
        column_config={
            "rank": st.column_config.NumberColumn("Rank", width="small"),
            "person_id": st.column_config.TextColumn("Person"),
            "display_name": st.column_config.TextColumn("Name"),
            "score": st.column_config.NumberColumn("Score", format="%.1f", help="RFGV score, 0-100"),
            **points_columns(config),
            "recency": st.column_config.NumberColumn("Days since last"),
            "frequency": st.column_config.NumberColumn("Incidents"),
            "gravity": st.column_config.NumberColumn("Harm days", format="%.0f"),
            "victims": st.column_config.NumberColumn("Victims"),
            "last_incident": st.column_config.DateColumn("Last incident", format="YYYY-MM-DD"),
            "district": st.column_config.TextColumn("District"),
            "flag_chips": st.column_config.TextColumn("Flags", width="medium"),
            "reasons": st.column_config.TextColumn("Reason", width="large"),
        },
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        chosen = table.iloc[rows[0]]
        st.session_state["person_id"] = chosen["person_id"]
        st.success(f"Selected {chosen['display_name']} ({chosen['person_id']}), rank {chosen['rank']}.")
        if st.button("Open profile", type="primary", key="open_profile"):
            open_profile(str(chosen["person_id"]))
    else:
        st.caption("Select a row to open the person's profile.")

    st.subheader("Export this list")
    st.caption(f"{len(shown):,} rows with the contract columns; the as-of date and config fingerprint are "
               "in the file name, the XLSX provenance sheet and the HTML pack. Every export is logged.")
    title = f"MATAC candidates: {LISTS[which]}"
    reason = st.text_input("Reason for the export (recorded in the access log)", key="export_reason",
                           placeholder="e.g. MATAC meeting 3 November: referral list").strip()
    # Exporting needs the permission (harmgraph/access.py) and a reason.
    blocked = not (reason and view.can("export"))
    if not view.can("export"):
        st.caption(f"The {view.role} role may not export this list.")
    c1, c2, c3 = st.columns(3)
    c1.download_button("CSV", partial(build_export, "csv", shown, PERPETRATOR_COLUMNS, prov, title, view, reason),
                       file_name=export_name(prov, f"matac {which}", "csv"), mime="text/csv",
                       on_click="ignore", disabled=blocked, icon=":material/download:", key="export_csv")
    c2.download_button("Excel (XLSX)", partial(build_export, "xlsx", shown, PERPETRATOR_COLUMNS, prov, title, view, reason),
                       file_name=export_name(prov, f"matac {which}", "xlsx"),
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", disabled=blocked, icon=":material/table_view:", key="export_xlsx")
    c3.download_button("Printable pack (HTML)", partial(build_export, "html", shown, PERPETRATOR_COLUMNS, prov, title, view, reason),
                       file_name=export_name(prov, f"matac {which}", "html"), mime="text/html",
                       on_click="ignore", disabled=blocked, icon=":material/print:", key="export_html")

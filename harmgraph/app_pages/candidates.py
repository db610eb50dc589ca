"""MATAC candidates: the people who pose the highest risk, overall or to different women and girls.

The list is drawn as a table whose reason and flags wrap in full (harmgraph/ui/list_table.py);
the same rows sit in a sortable grid below it, and the chosen row's details in the sidebar.
"""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from harmgraph.ui import data
from harmgraph.ui.chrome import (View, audit_once, current_view, need_incidents, open_network, open_profile,
                                 people_in_view, show_list_notes)
from harmgraph.ui.decide import clear_after_decision, decision_buttons, open_meeting, panel_records, show_decided_note
from harmgraph.ui.filters import filter_candidates
from harmgraph.ui.exports import build_export, meeting_pack
from harmgraph.ui.format import (FLAG_LABELS, PERPETRATOR_FLAGS, export_name, full_flags, md, postcode_district,
                                  provenance_line)
from harmgraph.ui.list_table import candidate_table, day, grid_view, rfgv_bar, text
from scoring.lists import PERPETRATOR_COLUMNS, PerpetratorList
from scoring.matac import current_decisions

LISTS = {PerpetratorList.OVERALL.value: "Highest risk overall",
         PerpetratorList.DIFFERENT_VICTIMS.value: "Highest risk to different women and girls",
         PerpetratorList.SERIAL_HISTORY.value: "Serial history, quiet in the window"}
# The grid below the readable table: rank and name pinned, every other column a human header.
GRID = {
    "rank": st.column_config.NumberColumn("Rank", width="small", pinned=True),
    "display_name": st.column_config.TextColumn("Name", pinned=True),
    "score": st.column_config.NumberColumn("Score", format="%.2f", help="RFGV score: 100 = the top band of every "
                                           "component; graded points go past it for people beyond the top bands"),
    "rfgv": st.column_config.TextColumn("RFGV points", help="Recency, frequency, gravity and victims points"),
    "victims": st.column_config.NumberColumn("Victims"),
    "frequency": st.column_config.NumberColumn("Incidents"),
    "gravity": st.column_config.NumberColumn("Harm days", format="%.0f"),
    "recency": st.column_config.NumberColumn("Days since last"),
    "last_day": st.column_config.DateColumn("Last incident", format="YYYY-MM-DD"),
    "district_text": st.column_config.TextColumn("District"),
    "flag_text": st.column_config.TextColumn("Flags", width="medium"),
    "reasons": st.column_config.TextColumn("Reason", width="large"),
    "order_reason": st.column_config.TextColumn("Above the next because", width="large"),
    "person_id": st.column_config.TextColumn("Person id"),
    "referred": st.column_config.TextColumn("Referred to the MATAC", help="By a partner agency, and when"),
}


def detail_pane(row: pd.Series, config: object, offences: pd.Series, can_network: bool) -> None:
    """The selected candidate in the sidebar: who, the score and its four parts, the counts, the
    flags in full, and the way to the profile and the network."""
    with st.sidebar.container(border=True):
        st.markdown(f"**{md(text(row['display_name']))}** · {md(row['person_id'])}  \n"
                    f"Rank {int(row['rank'])} · score **{float(row['score']):.2f}**  \n"
                    f"{md(text(row.get('order_reason')))}")
        st.html(f"<div class='hg-list'>{rfgv_bar(row, config)}</div>")
        st.markdown(
            f"{int(row['frequency'])} incidents ({int(row['crimes'])} crimes) against {int(row['victims'])} "
            f"victims ({int(row['female_victims'])} women or girls, {int(row['partner_victims'])} partners); "
            f"{float(row['gravity']):,.0f} harm days.  \n"
            f"Last incident {day(row['last_incident'])}, {int(row['recency'])} days before the as-of date; "
            f"district {md(text(row.get('district'))) or 'not recorded'}.  \n"
            f"Most serious: {md(offences.get(row['most_serious_offence'], text(row['most_serious_offence'])))} "
            f"on {day(row['most_serious_at'])}.")
        if text(row.get("referred")):
            st.markdown(f"**Partner referral:** {md(text(row['referred']))}")
        labels = full_flags(row["flags"])
        if labels:
            st.markdown("**Flags**\n" + "\n".join(f"- {label}" for label in labels))
        if st.button("Open profile", type="primary", key="open_profile", width="stretch"):
            open_profile(str(row["person_id"]))
        if can_network and st.button("Explore network", key="candidate_network", icon=":material/hub:",
                                     width="stretch"):
            open_network(str(row["person_id"]))


def decision_pane(view: View, row: pd.Series) -> None:
    """The chair's one-click decision on the selected candidate, dated by the open meeting (the
    latest recorded; asked once when none is), with the person's current decision above it."""
    person_id = str(row["person_id"])
    decisions, meetings, _, _ = panel_records(view)
    with st.sidebar.container(border=True):
        clear_after_decision("pane_reason")
        show_decided_note()
        meeting = open_meeting(meetings, decisions, ask_in=st)
        current = current_decisions(decisions)
        mine = current[current["person_id"] == person_id]
        said = (f"Current decision: **{mine.iloc[0]['decision']}** at the "
                f"{pd.Timestamp(mine.iloc[0]['meeting_date']):%Y-%m-%d} meeting." if len(mine) else "No decision yet.")
        if meeting is None:
            st.caption(f"{said} Give the meeting's date to decide here.")
            return
        st.markdown(f"**Decide at the meeting of {meeting:%Y-%m-%d}**  \n{said}")
        reason = st.text_input("Reason (optional; else the list's reason is recorded)", key="pane_reason").strip()
        choices = ("discharge",) if len(mine) and mine.iloc[0]["decision"] == "adopt" else ("adopt", "defer", "decline")
        decision_buttons(view, person_id, meeting, choices, "pane",
                         reason or f"from the candidate list at rank {int(row['rank'])}, score "
                                   f"{float(row['score']):.2f}: {text(row['reasons'])}")


view = current_view()
st.title("MATAC candidates")
if need_incidents(view):
    which = st.segmented_control("List", list(LISTS), format_func=LISTS.get, key="candidate_list",
                                 default=PerpetratorList.OVERALL.value) or PerpetratorList.OVERALL.value
    key = view.key
    ranked = people_in_view(view, data.perpetrators(key, which), "candidate_forces")
    tables = data.tables(view.settings, view.version)
    districts = pd.Series(postcode_district(tables.persons["postcode"]).to_numpy(), index=tables.persons["person_id"])

    # One row of filters, so the list starts high on a 768-pixel screen.
    search_col, flags_col, area_col, victims_col, top_col = st.columns([2, 3, 1.4, 1, 1])
    search = search_col.text_input("Search name or id", key="candidate_search", placeholder="e.g. Smith or P-1a2b…")
    flags = flags_col.multiselect("Must have flags", PERPETRATOR_FLAGS, format_func=FLAG_LABELS.get,
                                  key="candidate_flags")
    area = area_col.text_input("Area", key="candidate_area", placeholder="e.g. NE1 or NE",
                               help="A postcode district (NE1) or area (NE)")
    min_victims = victims_col.number_input("Min. victims", min_value=0, value=0, step=1, key="candidate_min_victims")
    top = top_col.number_input("Show top", min_value=10, max_value=5000, value=100, step=10, key="candidate_top")
    shown = filter_candidates(ranked, districts, min_victims=int(min_victims), flags=tuple(flags),
                              area=area, search=search)
    prov = view.provenance(f"perpetrators:{which}")
    st.caption(f"{len(shown):,} of {len(ranked):,} people in the window match. " + provenance_line(prov))

    show_list_notes(ranked)  # said once for the whole list, not on each row
    config = data.context(key).config
    table = grid_view(shown.head(int(top)), config)
    notes = data.referral_notes(view.settings, view.version)
    table["referred"] = [notes.get(str(person), "") for person in table["person_id"]]
    # The list names people: its view is logged (once per list, date, window and filter shown).
    audit_once(view, "list", f"perpetrators:{which}",
               f"app: {len(table)} of {len(ranked)} shown as of {view.as_of}, {view.lookback_years:g}-year window"
               + (f"; filter {search!r} {list(flags)} {area!r} min {int(min_victims)}"
                  if search or flags or area or min_victims else ""))
    list_slot = st.container()
    with st.expander("Sort the list as a grid (select a row to see its details)"):
        event = st.dataframe(table, key="candidate_table", on_select="rerun", selection_mode="single-row",
                             hide_index=True, width="stretch", height=min(38 + 35 * len(table), 420),
                             column_order=list(GRID), column_config=GRID)
    with list_slot:
        st.html(candidate_table(table, config))

    ids = table["person_id"].astype(str).tolist()
    rows = event.selection.rows if event is not None else []
    # A row picked in the grid becomes the sidebar's choice once (the box can still change it).
    if rows and ids[rows[0]] != st.session_state.get("candidate_grid_pick"):
        st.session_state["candidate_grid_pick"] = st.session_state["candidate_pick"] = ids[rows[0]]
    if st.session_state.get("candidate_pick") not in ids:
        st.session_state.pop("candidate_pick", None)
    if ids:
        st.sidebar.subheader("Selected candidate")
        by_id = table.set_index(table["person_id"].astype(str))
        pick = st.sidebar.selectbox("Candidate", ids, key="candidate_pick",
                                    format_func=lambda p: f"{by_id.at[p, 'rank']}. {text(by_id.at[p, 'display_name'])}")
        st.session_state["person_id"] = pick
        offences = data.catalogue(view.settings).table["label"]
        if view.can("record_matac_decision"):  # first, so the chair's one click is on the first screen
            decision_pane(view, by_id.loc[pick])
        detail_pane(by_id.loc[pick], config, offences, view.can("network"))

    st.subheader("Export this list")
    st.caption(f"{len(shown):,} rows with the contract columns; the as-of date and config fingerprint are "
               "in the file name and the XLSX provenance sheet. The meeting pack (PDF) has a cover, the agenda and "
               "one page for each candidate shown above (the top rows after the filters). Every export is logged.")
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
    c3.download_button("Meeting pack (PDF)",
                       partial(meeting_pack, view, which, ids, max(date.today(), view.as_of), reason),
                       file_name=export_name(prov, f"matac pack {which}", "pdf"), mime="application/pdf",
                       on_click="ignore", disabled=blocked or not ids, icon=":material/print:", key="export_pack")

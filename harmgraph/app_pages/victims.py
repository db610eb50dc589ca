"""Repeat victims: subjected to the most offences, or by the most different offenders."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harmgraph.ui import data
from harmgraph.ui.chrome import audit_once, current_view, need_incidents, open_profile, people_in_view, show_list_notes
from harmgraph.ui.format import flag_chips, md, provenance_line, short_flags
from harmgraph.ui.list_table import victim_table
from scoring.lists import PerpetratorList, VictimList, victim_scope
from scoring.victims import offenders_of as victim_offenders

LISTS = {VictimList.MOST_OFFENCES.value: "Most offences", VictimList.MOST_OFFENDERS.value: "Most different offenders"}


def offenders_of(key: data.ViewKey, victim_id: str) -> pd.DataFrame:
    """Every offender of one victim in the window, with the offender's overall rank."""
    counts = victim_offenders(data.context(key), victim_id)
    ranking = data.perpetrators(key, PerpetratorList.OVERALL.value)
    out = counts.merge(ranking[["person_id", "rank", "display_name", "score", "victims", "flags"]],
                       left_on="offender_id", right_on="person_id", how="left")
    out["flags"] = out["flags"].map(flag_chips)
    return (out.drop(columns=["person_id"]).sort_values(["rank", "offender_id"])
            [["rank", "offender_id", "display_name", "score", "victims", "shared_incidents", "flags"]])


view = current_view()
st.title("Repeat victims")
if need_incidents(view):
    which = st.segmented_control("List", list(LISTS), format_func=LISTS.get, key="victim_list",
                                 default=VictimList.MOST_OFFENCES.value) or VictimList.MOST_OFFENCES.value
    key = view.key
    all_victims = st.toggle("All victims", key="victim_all", value=False,
                            help="By default the lists hold women and girls (victims recorded as female). "
                                 "Switch on to add men, boys and victims whose sex is not recorded.")
    under_18 = st.checkbox("Children only" if all_victims else "Girls under 18 only", key="victim_under_18",
                           help="Only victims under 18 at an incident in the window, by their date of birth.")
    ranked = people_in_view(view, data.victims(key, which, all_victims, under_18), "victim_forces")
    top = st.columns([1, 5])[0].number_input("Show top", min_value=10, max_value=5000, value=100, step=10,
                                             key="victim_top")
    st.caption(f"{len(ranked):,} victims in the window ({victim_scope(all_victims, under_18)}). "
               + provenance_line(view.provenance(f"victims:{which}")))
    show_list_notes(ranked)  # said once for the whole list, not on each row
    table = ranked.head(int(top)).assign(
        flag_text=lambda f: f["flags"].map(lambda v: " · ".join(short_flags(v))),
        last_day=lambda f: pd.to_datetime(f["last_incident"]).dt.date)
    audit_once(view, "list", f"victims:{which}",
               f"app: {len(table)} of {len(ranked)} shown as of {view.as_of}, {view.lookback_years:g}-year window")
    list_slot = st.container()
    with st.expander("Sort the list as a grid (select a victim to list every offender)"):
        event = st.dataframe(
            table, key="victim_table", on_select="rerun", selection_mode="single-row", hide_index=True,
            width="stretch", height=min(38 + 35 * len(table), 420),
            column_order=["rank", "display_name", "age", "offences", "offenders", "offender_ranks", "last_day",
                          "flag_text", "reasons", "person_id"],
            column_config={"rank": st.column_config.NumberColumn("Rank", width="small", pinned=True),
                           "display_name": st.column_config.TextColumn("Name", pinned=True),
                           "age": st.column_config.NumberColumn("Age", format="%d",
                                                                help="Age at the latest incident, from the date of birth"),
                           "offences": st.column_config.NumberColumn("Offences"),
                           "offenders": st.column_config.NumberColumn("Offenders"),
                           "offender_ranks": st.column_config.TextColumn("Offenders (with their rank)", width="large"),
                           "last_day": st.column_config.DateColumn("Last incident", format="YYYY-MM-DD"),
                           "flag_text": st.column_config.TextColumn("Flags", width="medium"),
                           "reasons": st.column_config.TextColumn("Reason", width="large"),
                           "person_id": st.column_config.TextColumn("Person id")},
        )
    with list_slot:
        st.html(victim_table(table))
    rows = event.selection.rows if event is not None else []
    if rows:
        victim = table.iloc[rows[0]]
        st.subheader(f"Offenders of {md(victim['display_name'])} ({md(victim['person_id'])})")
        offenders = offenders_of(key, str(victim["person_id"]))
        # Every offender of one woman: a view of her record.
        audit_once(view, "view_person", str(victim["person_id"]), f"app: offenders of a victim as of {view.as_of}")
        picked = st.dataframe(offenders, key="victim_offenders", on_select="rerun", selection_mode="single-row",
                              hide_index=True, width="stretch",
                              column_config={"rank": st.column_config.NumberColumn("Overall rank"),
                                             "offender_id": st.column_config.TextColumn("Offender id"),
                                             "display_name": st.column_config.TextColumn("Name"),
                                             "score": st.column_config.NumberColumn("Score", format="%.1f"),
                                             "victims": st.column_config.NumberColumn("Victims"),
                                             "shared_incidents": st.column_config.NumberColumn("Shared incidents"),
                                             "flags": st.column_config.TextColumn("Flags")})
        if picked is not None and picked.selection.rows:
            offender = offenders.iloc[picked.selection.rows[0]]
            if st.button(f"Open profile of {md(offender['display_name'])} ({md(offender['offender_id'])})",
                         type="primary", key="victim_open_offender"):
                open_profile(str(offender["offender_id"]))
    else:
        st.caption("Select a victim to list every offender with their rank.")

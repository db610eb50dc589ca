"""Perpetrator profile: identity, RFGV breakdown and reason, timeline, victims, measures, referrals."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import PersonNotFound
from harmgraph.ui import data
from harmgraph.ui.chrome import current_view, need_incidents, open_network, refuse_outside_scope
from harmgraph.ui.format import FLAG_LABELS, flag_chips, md
from harmgraph.ui.timeline import timeline_figure, timeline_rows

view = current_view()
st.title("Perpetrator profile")
if need_incidents(view):
    typed = st.text_input("Person id", value=st.session_state.get("person_id", ""), key="profile_person_input",
                          placeholder="P-… (or pick a row on the candidates page)")
    person_id = typed.strip()
    if not person_id:
        st.info("Choose a person on the MATAC candidates or repeat victims page, or type a person id.")
        st.stop()
    st.session_state["person_id"] = person_id
    refuse_outside_scope(view, person_id, "profile")
    key = view.key
    try:
        evidence = data.evidence(key, person_id)
    except PersonNotFound:
        st.error(f"No person {md(person_id)} in the store.")
        st.stop()
    with view.settings.open_store() as store:
        records = store.person_record_rows(person_id)
        links = store.identity_links(person_id)
        store.record_audit(view.user, "view_person", person_id, f"profile as of {view.as_of}, "
                           f"{view.lookback_years:g}-year window")

    person = evidence.person
    perp = evidence.perpetrator
    st.header(md(person.get('display_name') or person_id))
    st.caption(f"{md(person_id)} · records {md(person.get('record_ids'))} · sex {md(person.get('sex') or 'not recorded')} · "
               f"born {pd.Timestamp(person['date_of_birth']):%Y-%m-%d}" if pd.notna(person.get("date_of_birth"))
               else f"{md(person_id)} · records {md(person.get('record_ids'))} · sex {md(person.get('sex') or 'not recorded')}")

    if perp is not None:
        st.markdown(f"**Reason:** {md(perp['reasons'])}")
        st.markdown(f"**Order:** {md(perp['order_reason'])}")
        m1, m2, m3, m4, m5 = st.columns(5)
        m1.metric("Rank (overall)", f"{perp['rank']}")
        m2.metric("Score", f"{perp['score']:.2f}")
        m3.metric("Incidents in window", f"{perp['frequency']}")
        m4.metric("Victims in window", f"{perp['victims']}")
        m5.metric("Harm days", f"{perp['gravity']:.0f}")
        if perp.get("flags"):
            st.warning(flag_chips(perp["flags"]))
            # A list, not a table: the reasons are sentences a chair reads out in full.
            st.markdown("\n".join(f"- **{md(FLAG_LABELS.get(flag, flag))}**: {md(reason)}"
                                   for flag, reason in evidence.flag_reasons[["flag", "reason"]].itertuples(index=False)))
        st.subheader("RFGV breakdown")
        st.dataframe(evidence.components, hide_index=True, width="stretch", column_config={
            "points": st.column_config.ProgressColumn("Points", min_value=0.0,
                                                      max_value=float(evidence.components["max_points"].max()),
                                                      format="%.0f"),
            "weighted_points": st.column_config.NumberColumn("Weighted", format="%.1f"),
        })
    else:
        st.info("Not a perpetrator of any incident in the scoring window.")
    if evidence.victim is not None:
        st.markdown(f"**As a victim:** {md(evidence.victim['reasons'])}")

    if view.can("network") and st.button("Explore network", icon=":material/hub:", key="profile_network"):
        open_network(person_id)

    st.subheader("Incident timeline")
    if evidence.incidents.empty:
        st.caption("No incidents up to the as-of date.")
    else:
        tables = data.tables(view.settings, view.version)
        rows = timeline_rows(evidence.incidents, tables, person_id)
        context = data.context(key)
        st.plotly_chart(timeline_figure(rows, context.as_of_end, context.window_start),
                        width="stretch", key="profile_timeline")

    victims_tab, incidents_tab, measures_tab, referrals_tab, identity_tab = st.tabs(
        ["Victims", "Incidents", "Measures and breaches", "Referrals", "Identity"])
    with victims_tab:
        incidents = evidence.incidents
        if incidents.empty:
            st.caption("None.")
        else:
            tables = data.tables(view.settings, view.version)
            rows = timeline_rows(incidents, tables, person_id)
            mine = rows[rows["role"].isin(("suspect", "offender")) & (rows["other_role"] == "victim")]
            summary = (mine.groupby("lane").agg(incidents=("incident_id", "nunique"), first=("occurred_at", "min"),
                                                last=("occurred_at", "max"), harm_days=("harm_days", "sum"))
                       .sort_values("last", ascending=False).reset_index().rename(columns={"lane": "victim"}))
            st.dataframe(summary, hide_index=True, width="stretch",
                         column_config={"first": st.column_config.DateColumn(format="YYYY-MM-DD"),
                                        "last": st.column_config.DateColumn(format="YYYY-MM-DD")})
    with incidents_tab:
        st.dataframe(evidence.incidents, hide_index=True, width="stretch",
                     column_config={"occurred_at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
    with measures_tab:
        measures = evidence.measures
        if measures.empty:
            st.caption("No protective measures recorded up to the as-of date.")
        else:
            st.dataframe(measures, hide_index=True, width="stretch")
        breaches = data.tables(view.settings, view.version).breaches
        mine = breaches[breaches["measure_id"].isin(measures["measure_id"])]
        if len(mine):
            st.markdown(f"**Breaches recorded:** {len(mine)}")
            st.dataframe(mine, hide_index=True, width="stretch")
    with referrals_tab:
        if evidence.referrals.empty:
            st.caption("No referrals recorded up to the as-of date.")
        else:
            st.dataframe(evidence.referrals, hide_index=True, width="stretch")
        if not evidence.custody.empty:
            st.markdown("**Custody** (time held is not counted as time without offending)")
            st.dataframe(evidence.custody, hide_index=True, width="stretch")
    with identity_tab:
        st.caption("The source records merged into this person, and the links that merged them.")
        st.dataframe(records, hide_index=True, width="stretch")
        if len(links):
            st.dataframe(links, hide_index=True, width="stretch")

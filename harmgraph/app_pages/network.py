"""Network explorer: a person's victims, co-offenders, incidents and places, to depth 1-3.

Only incidents in the view's window (the look-back years up to the as-of day) are drawn or
followed, in the explorer and in the path search alike.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from graph.network import co_offenders, ego_network, path_steps, person_links, person_path, shared_addresses
from harmgraph.ui import data
from harmgraph.force_scope import within_scope
from harmgraph.ui.chrome import audit, current_view, need_incidents, open_profile, refuse_outside_scope
from harmgraph.ui.format import md
from harmgraph.ui.network_view import ROLE_COLOURS, draw, node_table


def find_people(persons: pd.DataFrame, text: str, limit: int = 50) -> pd.DataFrame:
    """The people whose person id is ``text``, else whose name holds it (case ignored), by name."""
    exact = persons[persons["person_id"] == text]
    if len(exact):
        return exact
    names = persons["display_name"].fillna("").str.lower()
    found = persons[names.str.contains(text.lower(), regex=False)]
    return found.sort_values(["display_name", "person_id"]).head(limit)


def person_caption(names: pd.Series, person_id: str) -> str:
    """'Name (P-id)', or the id alone when no name is held."""
    name = names.get(person_id)
    return f"{name} ({person_id})" if isinstance(name, str) and name else person_id


view = current_view()
st.title("Network explorer")
if need_incidents(view):
    if "network_recentre" in st.session_state:
        st.session_state["network_centre"] = st.session_state.pop("network_recentre")
    if "network_centre" not in st.session_state and st.session_state.get("person_id"):
        st.session_state["network_centre"] = st.session_state["person_id"]
    tables = data.tables(view.settings, view.version)
    names = tables.persons.set_index("person_id")["display_name"]

    top_left, top_mid, top_right, top_far = st.columns([2.2, 1.2, 1, 1])
    typed = top_left.text_input("Centre on (name or person id)", key="network_centre",
                                placeholder="e.g. WATTS or P-…").strip()
    depth = top_mid.slider("Depth (incident hops)", 1, 3, 1, key="network_depth")
    cap = top_right.number_input("Most nodes", min_value=20, max_value=600, value=150, step=10, key="network_cap")
    show_incidents = top_far.toggle("Incidents as nodes", value=False, key="network_incidents",
                                    help="Off: people joined directly, each link labelled with their roles "
                                         "and the number of incidents they share.")
    if not typed:
        st.info("Type a name or a person id, or open the network from a profile.")
        st.stop()
    matches = find_people(within_scope(tables.persons, view.account), typed)
    if matches.empty and typed in set(tables.persons["person_id"]):
        refuse_outside_scope(view, typed, "network")
    if matches.empty:
        st.error(f"No person named or numbered '{md(typed)}' in the store.")
        st.stop()
    if len(matches) == 1:
        centre = str(matches.iloc[0]["person_id"])
    else:
        options = matches["person_id"].astype(str).tolist()
        centre = st.selectbox(f"{len(options)} people match '{typed}'" + (" (the first 50)" if len(options) == 50 else ""),
                              options, key=f"network_match:{typed}", format_func=lambda p: person_caption(names, p))

    # A new centre: the pickers below start from it (not from the person before).
    if st.session_state.get("network_last_centre") != centre:
        st.session_state["network_last_centre"] = centre
        st.session_state.pop("network_pick", None)
        st.session_state["path_from"] = centre

    key = view.key
    context = data.context(key)
    since, until = context.window_start, context.as_of_end
    graph = ego_network(tables, centre, depth=depth, max_nodes=int(cap),
                        offence_harm=data.offence_harm(view.settings), person_harm=data.person_harm(key),
                        index=data.ego_index(view.settings, view.version), since=since, until=until)
    if graph.number_of_nodes() == 0:
        st.error(f"No person {md(centre)} in the store.")
        st.stop()
    # A network shows one person's victims and associates: a view of that person, logged once
    # per centre and depth in a session (not on every rerun a click causes).
    logged = st.session_state.setdefault("network_logged", set())
    if (centre, depth) not in logged:
        audit(view, "view_network", centre, f"ego network depth {depth}, {graph.number_of_nodes()} nodes")
        logged.add((centre, depth))

    st.markdown(" ".join(f"<span style='color:{c}'>&#9632;</span>&nbsp;{g}" for g, c in ROLE_COLOURS.items()
                         if show_incidents or g != "incident")
                + " &nbsp;— size grows with harm days; tap a person to re-centre, a link to read it; a path is "
                f"drawn in red. Incidents from {since:%Y-%m-%d} to {view.as_of:%Y-%m-%d} only.",
                unsafe_allow_html=True)
    if graph.graph["capped"]:
        st.warning(f"Capped at {int(cap)} nodes: {graph.graph['left_out']} incident(s) not shown "
                   "(the gravest and newest are kept). Raise 'Most nodes' or lower the depth.")

    drawing, beside = st.columns([3, 1.1])
    # The path is found first so the drawing can show it; its inputs are laid out below.
    path_box = st.container()
    with path_box:
        st.subheader("Path between two people")
        a, b = st.columns(2)
        source = a.text_input("From (person id)", key="path_from").strip()
        goal = b.text_input("To (person id)", key="path_to", placeholder="P-…").strip()
    path = None
    if source and goal:
        whole = data.whole_graph(view.settings, view.version, since, until)
        path = person_path(whole, source, goal)
        audit(view, "view_path", f"{source}/{goal}", "path between two people")
        with path_box:
            if path is None:
                st.info(f"No chain of incidents between {since:%Y-%m-%d} and {view.as_of:%Y-%m-%d} joins "
                        f"{md(source)} and {md(goal)}.")
            else:
                offences = tables.incidents.set_index("incident_id")
                steps = path_steps(whole, path)
                st.success(f"{len(steps)} incident hop(s): " + " → ".join(
                    md(person_caption(names, n) if not n.startswith("I:") else f"incident {n[2:]}") for n in path))
                st.dataframe(pd.DataFrame([{
                    "Person": person_caption(names, first), "Role": first_role, "Incident": incident[2:],
                    "Offence": offences.at[incident[2:], "offence"] if incident[2:] in offences.index else "",
                    "Day": f"{offences.at[incident[2:], 'occurred_at']:%Y-%m-%d}" if incident[2:] in offences.index else "",
                    "Other person": person_caption(names, second), "Their role": second_role}
                    for first, first_role, incident, second_role, second in steps]),
                    hide_index=True, width="stretch", key="path_steps")
                if not all(n in graph for n in path):
                    st.caption("Part of the path lies outside the network drawn above: raise the depth to see it all.")

    shown = graph if show_incidents else person_links(graph)
    with drawing:
        st.caption(f"{shown.number_of_nodes()} nodes, {shown.number_of_edges()} links.")
        event = draw(shown, key=f"net-{centre}-{depth}-{cap}-{show_incidents}", path=path, height=600,
                     source=None if show_incidents else graph)
    if isinstance(event, dict) and event.get("action") == "tap_node":
        tapped = (event.get("data") or {}).get("target_id")
        stamp = event.get("timestamp")
        if (tapped and tapped != centre and graph.nodes.get(tapped, {}).get("kind") == "person"
                and stamp != st.session_state.get("network_last_tap")):
            st.session_state["network_last_tap"] = stamp
            st.session_state["network_recentre"] = tapped
            st.rerun()

    with beside:
        st.markdown(f"**Centre:** {md(person_caption(names, centre))}")
        partners = co_offenders(graph, centre)
        st.markdown("**Co-offenders**")
        if partners.empty:
            st.caption("None in the window.")
        else:
            st.markdown("\n".join(f"- {md(r.label)}: {r.shared_incidents} incident(s)" for r in partners.itertuples()))
        homes = shared_addresses(graph)
        st.markdown("**Shared addresses**")
        if homes.empty:
            st.caption("No two people in this network live at one postcode.")
        else:
            st.markdown("\n".join(f"- {md(r.postcode)}: {r.count} people" for r in homes.itertuples()))
            st.caption("Their names are in the table of nodes below the drawing.")

        people = node_table(graph)
        persons = people[people["kind"] == "person"]
        labels = persons.set_index("node")["label"]
        target = st.selectbox("Person in this network", persons["node"], key="network_pick",
                              format_func=lambda n: str(labels.get(n, n)))
        if st.button("Re-centre here", key="network_recentre_button", width="stretch") and target:
            st.session_state["network_recentre"] = target
            st.rerun()
        if st.button("Open profile", key="network_profile", width="stretch") and target:
            open_profile(str(target))
    with st.expander("Nodes as a table"):
        st.dataframe(people, hide_index=True, width="stretch")
        if not homes.empty:
            st.dataframe(homes.rename(columns={"postcode": "Postcode", "people": "Who lives there",
                                               "count": "People"}), hide_index=True, width="stretch")

"""Network explorer: a person's victims, co-offenders, incidents and places, to depth 1-3."""

from __future__ import annotations

import streamlit as st

from graph.network import ego_network, person_path
from harmgraph.ui import data
from harmgraph.ui.chrome import audit, current_view, need_incidents, open_profile
from harmgraph.ui.network_view import ROLE_COLOURS, draw, node_table

view = current_view()
st.title("Network explorer")
if need_incidents(view):
    if "network_recentre" in st.session_state:
        st.session_state["network_centre"] = st.session_state.pop("network_recentre")
    if "network_centre" not in st.session_state and st.session_state.get("person_id"):
        st.session_state["network_centre"] = st.session_state["person_id"]
    top_left, top_mid, top_right = st.columns([2, 1, 1])
    centre = top_left.text_input("Centre on person id", key="network_centre", placeholder="P-…").strip()
    depth = top_mid.slider("Depth (incident hops)", 1, 3, 1, key="network_depth")
    cap = top_right.number_input("Most nodes", min_value=20, max_value=600, value=150, step=10, key="network_cap")
    if not centre:
        st.info("Type a person id, or open the network from a profile.")
        st.stop()
    key = view.key
    tables = data.tables(view.settings, view.version)
    graph = ego_network(tables, centre, depth=depth, max_nodes=int(cap),
                        offence_harm=data.offence_harm(view.settings), person_harm=data.person_harm(key),
                        index=data.ego_index(view.settings, view.version))
    if graph.number_of_nodes() == 0:
        st.error(f"No person {centre} in the store.")
        st.stop()
    # A network shows one person's victims and associates: a view of that person, logged once
    # per centre and depth in a session (not on every rerun a click causes).
    logged = st.session_state.setdefault("network_logged", set())
    if (centre, depth) not in logged:
        audit(view, "view_network", centre, f"ego network depth {depth}, {graph.number_of_nodes()} nodes")
        logged.add((centre, depth))
    st.markdown(" ".join(f"<span style='color:{c}'>&#9632;</span>&nbsp;{g}" for g, c in ROLE_COLOURS.items())
                + " &nbsp;— node size grows with harm days; tap a person to re-centre.", unsafe_allow_html=True)
    if graph.graph["capped"]:
        st.warning(f"Capped at {int(cap)} nodes: {graph.graph['left_out']} incident(s) not shown "
                   "(the gravest and newest are kept). Raise 'Most nodes' or lower the depth.")
    st.caption(f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} links.")
    event = draw(graph, key=f"net-{centre}-{depth}-{cap}")
    if isinstance(event, dict) and event.get("action") == "tap_node":
        tapped = (event.get("data") or {}).get("target_id")
        stamp = event.get("timestamp")
        if (tapped and tapped != centre and graph.nodes.get(tapped, {}).get("kind") == "person"
                and stamp != st.session_state.get("network_last_tap")):
            st.session_state["network_last_tap"] = stamp
            st.session_state["network_recentre"] = tapped
            st.rerun()

    people = node_table(graph)
    persons = people[people["kind"] == "person"]
    choose_left, choose_right = st.columns([3, 1])
    target = choose_left.selectbox("Person in this network", persons["node"], key="network_pick",
                                   format_func=lambda n: str(persons.set_index("node").at[n, "label"]))
    if choose_right.button("Re-centre here", key="network_recentre_button") and target:
        st.session_state["network_recentre"] = target
        st.rerun()
    if choose_right.button("Open profile", key="network_profile") and target:
        open_profile(str(target))
    with st.expander("Nodes as a table"):
        st.dataframe(people, hide_index=True, width="stretch")

    st.subheader("Path between two people")
    a, b = st.columns(2)
    source = a.text_input("From", value=centre, key="path_from").strip()
    goal = b.text_input("To", key="path_to", placeholder="P-…").strip()
    if source and goal:
        path = person_path(data.whole_graph(view.settings, view.version), source, goal)
        audit(view, "view_path", f"{source}/{goal}", "path between two people")
        if path is None:
            st.info(f"No chain of shared incidents joins {source} and {goal}.")
        else:
            names = tables.persons.set_index("person_id")["display_name"]
            steps = [f"{names.get(n, '')} ({n})" if not n.startswith("I:") else f"incident {n[2:]}" for n in path]
            st.success(f"{(len(path) - 1) // 2} incident hop(s): " + " → ".join(steps))

"""Ego networks and paths over the scoring tables, as networkx graphs (pure functions, no I/O).

A network has three kinds of node, each with attributes ``kind``, ``role``, ``harm`` and
``label``:

- ``person`` (id ``P-...``): role ``perpetrator``, ``victim``, ``both`` or ``other`` from every
  involvement the person has; harm = harm days as a perpetrator (when given);
- ``incident`` (id ``I:<incident_id>``): role = the offence key; harm = the offence's harm days;
- ``postcode`` (id ``PC:<postcode>``): where a person lives or an incident happened.

Edges carry ``kind`` (an involvement role, ``lives_at`` or ``occurred_at``). People are reached
through shared incidents (victims, co-offenders, witnesses); postcodes are attached to the
people and incidents shown but never expanded (a postcode holds many unrelated households).
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import pandas as pd

from scoring.tables import ScoringTables

PERPETRATOR_ROLES = ("suspect", "offender")


def incident_node(incident_id: str) -> str:
    """Node id of an incident (kept apart from person ids)."""
    return f"I:{incident_id}"


def postcode_node(postcode: str) -> str:
    """Node id of a postcode."""
    return f"PC:{postcode}"


def person_roles(roles: pd.DataFrame) -> pd.Series:
    """Per person: 'perpetrator', 'victim', 'both' or 'other' over all their involvements.

    >>> r = pd.DataFrame({"incident_id": ["1", "1", "2"], "person_id": ["a", "b", "a"],
    ...                   "role": ["suspect", "victim", "victim"]})
    >>> person_roles(r).to_dict()
    {'a': 'both', 'b': 'victim'}
    """
    perp = roles["role"].isin(PERPETRATOR_ROLES).groupby(roles["person_id"]).any()
    vict = (roles["role"] == "victim").groupby(roles["person_id"]).any()
    out = pd.Series("other", index=perp.index, dtype=object)
    out[perp & ~vict] = "perpetrator"
    out[vict & ~perp] = "victim"
    out[perp & vict] = "both"
    return out


def _person_attrs(tables: ScoringTables, people: list[str], role_of: pd.Series,
                  person_harm: Mapping[str, float]) -> dict[str, dict[str, object]]:
    persons = tables.persons.set_index("person_id")
    attrs = {}
    for person in people:
        name = persons.at[person, "display_name"] if person in persons.index else None
        attrs[person] = {"kind": "person", "role": role_of.get(person, "other"),
                         "harm": float(person_harm.get(person, 0.0)),
                         "label": f"{name} ({person})" if isinstance(name, str) and name else person}
    return attrs


def ego_network(tables: ScoringTables, centre: str, depth: int = 1, max_nodes: int = 150,
                offence_harm: Mapping[str, float] | None = None,
                person_harm: Mapping[str, float] | None = None,
                postcodes: bool = True) -> nx.Graph:
    """The people, incidents and postcodes within ``depth`` incident-hops of ``centre``.

    Depth 1 is the centre's incidents and everyone in them (victims, co-offenders, witnesses);
    depth 2 adds those people's incidents, and so on. Incidents are taken gravest first
    (then newest) until ``max_nodes`` would be passed; ``G.graph["capped"]`` then says so and
    ``G.graph["left_out"]`` counts the incidents not shown.

    >>> from scoring.tables import normalise_tables
    >>> t = normalise_tables(
    ...     incidents=pd.DataFrame({"incident_id": ["1"], "occurred_at": ["2025-01-01"],
    ...                             "offence": ["abh"], "postcode": ["NE1 4ST"]}),
    ...     roles=pd.DataFrame({"incident_id": ["1", "1"], "person_id": ["P-a", "P-b"],
    ...                         "role": ["suspect", "victim"], "relationship": ["partner", None]}),
    ...     persons=pd.DataFrame({"person_id": ["P-a", "P-b"], "display_name": ["A", "B"]}),
    ...     measures=pd.DataFrame({"measure_id": []}), breaches=pd.DataFrame({"measure_id": []}),
    ...     referrals=pd.DataFrame({"referral_id": []}))
    >>> g = ego_network(t, "P-a")
    >>> sorted(g.nodes), g.nodes["P-b"]["role"], g.graph["capped"]
    (['I:1', 'P-a', 'P-b', 'PC:NE1 4ST'], 'victim', False)
    """
    offence_harm = offence_harm or {}
    person_harm = person_harm or {}
    roles = tables.roles
    graph = nx.Graph(centre=centre, depth=depth, capped=False, left_out=0)
    if centre not in set(tables.persons["person_id"]) and centre not in set(roles["person_id"]):
        return graph
    incidents = tables.incidents.set_index("incident_id")
    people: list[str] = [centre]
    seen_people = {centre}
    seen_incidents: set[str] = set()
    frontier = {centre}
    budget = max_nodes - 1
    for _level in range(max(1, depth)):
        mine = roles[roles["person_id"].isin(frontier) & ~roles["incident_id"].isin(seen_incidents)]
        candidate = pd.Index(mine["incident_id"].unique())
        if candidate.empty:
            break
        info = incidents.reindex(candidate)
        order = pd.DataFrame({"incident_id": candidate,
                              "harm": info["offence"].map(offence_harm).fillna(0.0).to_numpy(),
                              "at": info["occurred_at"].to_numpy()})
        order = order.sort_values(["harm", "at", "incident_id"], ascending=[False, False, True])
        members = roles[roles["incident_id"].isin(candidate)]
        by_incident = members.groupby("incident_id")
        next_frontier: set[str] = set()
        for position, incident_id in enumerate(order["incident_id"]):
            if budget <= 0:
                graph.graph["capped"] = True
                graph.graph["left_out"] += len(order) - position
                break
            group = by_incident.get_group(incident_id)
            newcomers = [p for p in dict.fromkeys(group["person_id"]) if p not in seen_people]
            cost = 1 + len(newcomers)
            if cost > budget:
                graph.graph["capped"] = True
                graph.graph["left_out"] += 1
                continue
            budget -= cost
            seen_incidents.add(incident_id)
            row = incidents.loc[incident_id]
            offence = row["offence"]
            graph.add_node(incident_node(incident_id), kind="incident", role=str(offence),
                           harm=float(offence_harm.get(offence, 0.0)),
                           label=f"{incident_id} {offence} {pd.Timestamp(row['occurred_at']):%Y-%m-%d}",
                           occurred_at=pd.Timestamp(row["occurred_at"]).isoformat())
            for person in newcomers:
                seen_people.add(person)
                people.append(person)
                next_frontier.add(person)
            for person, role in zip(group["person_id"], group["role"]):
                graph.add_edge(person, incident_node(incident_id), kind=str(role))
        frontier = next_frontier
        if not frontier:
            break
    role_of = person_roles(roles[roles["person_id"].isin(seen_people)])
    for person, attrs in _person_attrs(tables, people, role_of, person_harm).items():
        graph.add_node(person, **attrs)
    if postcodes:
        _attach_postcodes(graph, tables, people, seen_incidents, max_nodes)
    return graph


def _attach_postcodes(graph: nx.Graph, tables: ScoringTables, people: list[str],
                      incident_ids: set[str], max_nodes: int) -> None:
    homes = tables.persons[tables.persons["person_id"].isin(people)][["person_id", "postcode"]].dropna()
    places = tables.incidents[tables.incidents["incident_id"].isin(incident_ids)][["incident_id", "postcode"]].dropna()
    links = [(p, pc, "lives_at") for p, pc in zip(homes["person_id"], homes["postcode"])]
    links += [(incident_node(i), pc, "occurred_at") for i, pc in zip(places["incident_id"], places["postcode"])]
    for source, postcode, kind in links:
        node = postcode_node(str(postcode))
        if node not in graph and graph.number_of_nodes() >= max_nodes:
            graph.graph["capped"] = True
            continue
        if node not in graph:
            graph.add_node(node, kind="postcode", role="postcode", harm=0.0, label=str(postcode))
        graph.add_edge(source, node, kind=kind)


def incident_graph(tables: ScoringTables) -> nx.Graph:
    """Every person joined to every incident they are involved in (bipartite, for paths)."""
    graph = nx.Graph()
    graph.add_edges_from(zip(tables.roles["person_id"], tables.roles["incident_id"].map(incident_node)))
    return graph


def person_path(graph: nx.Graph, source: str, target: str) -> list[str] | None:
    """The shortest chain person-incident-person... from ``source`` to ``target``, or None.

    >>> g = nx.Graph([("P-a", "I:1"), ("I:1", "P-b"), ("P-b", "I:2"), ("I:2", "P-c")])
    >>> person_path(g, "P-a", "P-c")
    ['P-a', 'I:1', 'P-b', 'I:2', 'P-c']
    >>> person_path(g, "P-a", "P-z") is None
    True
    """
    if source not in graph or target not in graph:
        return None
    try:
        return nx.shortest_path(graph, source, target)
    except nx.NetworkXNoPath:
        return None

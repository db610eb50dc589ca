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

An ego network reads the tables through a :class:`NetworkIndex` (built once per set of tables
by :func:`network_index`), so one network costs in proportion to the neighbourhood shown, not
to the size of the force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from core.distinct import sorted_distinct
from core.tables import ScoringTables

PERPETRATOR_ROLES = ("suspect", "offender")
# a person's role over all their involvements, indexed by 1 * perpetrator + 2 * victim
PERSON_ROLES = ("other", "perpetrator", "victim", "both")


def incident_node(incident_id: str) -> str:
    """Node id of an incident (kept apart from person ids)."""
    return f"I:{incident_id}"


def postcode_node(postcode: str) -> str:
    """Node id of a postcode."""
    return f"PC:{postcode}"


@dataclass(frozen=True)
class NetworkIndex:
    """Lookups for ego networks over one set of scoring tables (build with :func:`network_index`).

    People and incidents are numbered by their place in a sorted array of ids, so
    ``np.searchsorted`` finds an id's number and number order is id order. The involvements of
    person ``p`` are ``person_incidents[person_start[p]:person_start[p + 1]]``; those of
    incident ``i`` are ``incident_people`` (and ``incident_roles``) over
    ``incident_start[i]:incident_start[i + 1]``, in the roles table's order. Rows are positions
    in ``tables.persons`` / ``tables.incidents``, -1 for an id only the roles table holds.
    """

    person_ids: np.ndarray
    person_row: np.ndarray
    person_role: np.ndarray  # index into PERSON_ROLES, over all the person's involvements
    person_start: np.ndarray
    person_incidents: np.ndarray
    incident_ids: np.ndarray
    incident_row: np.ndarray
    incident_offence: np.ndarray  # offence key objects (pd.NA when not known)
    incident_at: np.ndarray  # datetime64, NaT when not known
    incident_start: np.ndarray
    incident_people: np.ndarray
    incident_roles: np.ndarray  # role objects (pd.NA when not known)


def _numbered(*columns: pd.Series) -> tuple[np.ndarray, list[np.ndarray]]:
    """The sorted distinct ids over ``columns``, and each column as numbers into them (-1 = NA)."""
    codes, uniques = pd.factorize(pd.concat(columns, ignore_index=True), sort=True)
    return np.asarray(uniques, dtype=object), np.split(codes, np.cumsum([len(c) for c in columns])[:-1])


def _rows(codes: np.ndarray, size: int) -> np.ndarray:
    """For each of ``size`` numbers, the row of ``codes`` holding it (-1 when none)."""
    rows = np.full(size, -1, dtype=np.int64)
    known = codes >= 0
    rows[codes[known]] = np.flatnonzero(known)
    return rows


def _run_starts(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A stable order grouping equal ``keys`` (so each run keeps table order), and where the run
    of each number 0..size-1 starts (keys of -1 sort first and belong to no run)."""
    order = np.argsort(keys, kind="stable")
    return order, np.searchsorted(keys[order], np.arange(size + 1))


def _shared_objects(column: pd.Series) -> np.ndarray:
    """The column as Python objects, one object per distinct value (offences and roles repeat,
    so this costs a pointer per row, not a string per row); missing values are pd.NA."""
    codes, uniques = pd.factorize(column)
    values = np.append(np.asarray(uniques, dtype=object), pd.NA)  # code -1 (missing) takes the last
    return values[codes]


def network_index(tables: ScoringTables) -> NetworkIndex:
    """Build the lookups :func:`ego_network` uses, once per set of tables (vectorised)."""
    roles = tables.roles
    person_ids, (person_codes, role_person) = _numbered(tables.persons["person_id"], roles["person_id"])
    incident_ids, (incident_codes, role_incident) = _numbered(tables.incidents["incident_id"],
                                                              roles["incident_id"])
    # an involvement missing either id joins nothing
    joined = (role_person >= 0) & (role_incident >= 0)
    by_person, person_start = _run_starts(np.where(joined, role_person, -1), len(person_ids))
    by_incident, incident_start = _run_starts(np.where(joined, role_incident, -1), len(incident_ids))

    perpetrator = np.zeros(len(person_ids), dtype=bool)
    victim = np.zeros(len(person_ids), dtype=bool)
    known = role_person >= 0
    perpetrator[role_person[known & roles["role"].isin(PERPETRATOR_ROLES).to_numpy(dtype=bool)]] = True
    victim[role_person[known & (roles["role"] == "victim").fillna(False).to_numpy(dtype=bool)]] = True

    incident_row = _rows(incident_codes, len(incident_ids))
    present = incident_row >= 0
    offence = np.full(len(incident_ids), pd.NA, dtype=object)
    offence[present] = _shared_objects(tables.incidents["offence"])[incident_row[present]]
    occurred = tables.incidents["occurred_at"].to_numpy()
    at = np.full(len(incident_ids), np.datetime64("NaT"), dtype=occurred.dtype)
    at[present] = occurred[incident_row[present]]
    index = NetworkIndex(
        person_ids=person_ids, person_row=_rows(person_codes, len(person_ids)),
        person_role=perpetrator.astype(np.int8) + 2 * victim.astype(np.int8),
        person_start=person_start, person_incidents=role_incident[by_person],
        incident_ids=incident_ids, incident_row=incident_row, incident_offence=offence,
        incident_at=at, incident_start=incident_start, incident_people=role_person[by_incident],
        incident_roles=_shared_objects(roles["role"])[by_incident])
    for arrays in vars(index).values():  # one index is shared by every app session: read-only
        arrays.flags.writeable = False
    return index


def in_window(at: np.ndarray, since: pd.Timestamp | None, until: pd.Timestamp | None) -> np.ndarray:
    """Which of the datetimes ``at`` fall in [since, until] (all of them when both are None;
    a missing date is in no window).

    >>> at = np.array(["2025-01-01", "2025-06-01", "NaT"], dtype="datetime64[ns]")
    >>> in_window(at, pd.Timestamp("2025-03-01"), None).tolist(), in_window(at, None, None).tolist()
    ([False, True, False], [True, True, True])
    """
    keep = np.ones(len(at), dtype=bool)
    if since is None and until is None:
        return keep
    keep &= ~np.isnat(at)
    if since is not None:
        keep &= at >= np.datetime64(pd.Timestamp(since))
    if until is not None:
        keep &= at <= np.datetime64(pd.Timestamp(until))
    return keep


def _number(ids: np.ndarray, key: str) -> int:
    """The number of ``key`` in the sorted ``ids``, -1 when absent."""
    at = int(np.searchsorted(ids, key))
    return at if at < len(ids) and ids[at] == key else -1


def _runs(start: np.ndarray, values: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """The runs of ``values`` belonging to ``numbers``, one after another (no Python loop)."""
    lo, lengths = start[numbers], start[numbers + 1] - start[numbers]
    # each output position minus its offset within its run is the run's start in ``values``
    shift = np.repeat(lo - (np.cumsum(lengths) - lengths), lengths)
    return values[shift + np.arange(lengths.sum())]


def _gravest_first(index: NetworkIndex, incidents: np.ndarray,
                   offence_harm: Mapping[str, float]) -> np.ndarray:
    """``incidents`` by harm days (highest first), then newest (unknown dates last), then id."""
    harm = pd.Series(index.incident_offence[incidents], dtype=object).map(offence_harm)
    harm = harm.fillna(0.0).to_numpy(dtype=float)
    at = index.incident_at[incidents]
    ticks = np.where(np.isnat(at), 0, at.astype(np.int64))
    newest_first = np.where(np.isnat(at), np.iinfo(np.int64).max, -ticks)
    # numbers follow id order, so the numbers themselves break the last ties
    return incidents[np.lexsort((incidents, newest_first, -harm))]


def _add_incident(graph: nx.Graph, index: NetworkIndex, incident: int,
                  offence_harm: Mapping[str, float]) -> None:
    incident_id = index.incident_ids[incident]
    offence = index.incident_offence[incident]
    at = pd.Timestamp(index.incident_at[incident])
    graph.add_node(incident_node(incident_id), kind="incident", role=str(offence),
                   harm=float(offence_harm.get(offence, 0.0)),
                   label=f"{incident_id} {offence} {at:%Y-%m-%d}", occurred_at=at.isoformat())


def _add_people(graph: nx.Graph, index: NetworkIndex, tables: ScoringTables, people: list[int],
                person_harm: Mapping[str, float]) -> None:
    rows = index.person_row[people]
    names = tables.persons["display_name"].array.take(rows, allow_fill=True)  # NA for row -1
    for person, name in zip(people, names):
        person_id = index.person_ids[person]
        graph.add_node(person_id, kind="person", role=PERSON_ROLES[index.person_role[person]],
                       harm=float(person_harm.get(person_id, 0.0)),
                       label=f"{name} ({person_id})" if isinstance(name, str) and name else person_id)


def ego_network(tables: ScoringTables, centre: str, depth: int = 1, max_nodes: int = 150,
                offence_harm: Mapping[str, float] | None = None,
                person_harm: Mapping[str, float] | None = None,
                postcodes: bool = True, index: NetworkIndex | None = None,
                since: pd.Timestamp | None = None, until: pd.Timestamp | None = None) -> nx.Graph:
    """The people, incidents and postcodes within ``depth`` incident-hops of ``centre``.

    With ``since`` / ``until`` only incidents that happened in that window (both ends
    included) are shown or followed; an incident without a date is then left out.

    Depth 1 is the centre's incidents and everyone in them (victims, co-offenders, witnesses);
    depth 2 adds those people's incidents, and so on. Incidents are taken gravest first
    (then newest) until ``max_nodes`` would be passed; ``G.graph["capped"]`` then says so and
    ``G.graph["left_out"]`` counts the incidents not shown. ``index`` must come from
    ``network_index(tables)``; pass it when drawing more than one network (without it each
    call builds one, which costs as much as the whole force).

    >>> from core.tables import normalise_tables
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
    >>> ego_network(t, "P-a", index=network_index(t)).edges == g.edges
    True
    """
    index = network_index(tables) if index is None else index
    offence_harm = offence_harm or {}
    person_harm = person_harm or {}
    graph = nx.Graph(centre=centre, depth=depth, capped=False, left_out=0)
    start = _number(index.person_ids, centre)
    if start < 0:
        return graph
    people = [start]
    seen_people = {start}
    seen_incidents: set[int] = set()
    frontier = [start]
    budget = max_nodes - 1
    for _level in range(max(1, depth)):
        reached = sorted_distinct(_runs(index.person_start, index.person_incidents, np.array(frontier)))
        candidate = reached[~np.isin(reached, np.fromiter(seen_incidents, dtype=np.int64))]
        candidate = candidate[in_window(index.incident_at[candidate], since, until)]
        if candidate.size == 0:
            break
        order = _gravest_first(index, candidate, offence_harm).tolist()
        next_frontier: list[int] = []
        for position, incident in enumerate(order):
            if budget <= 0:
                graph.graph["capped"] = True
                graph.graph["left_out"] += len(order) - position
                break
            lo, hi = index.incident_start[incident], index.incident_start[incident + 1]
            members = index.incident_people[lo:hi].tolist()
            newcomers = [p for p in dict.fromkeys(members) if p not in seen_people]
            cost = 1 + len(newcomers)
            if cost > budget:
                graph.graph["capped"] = True
                graph.graph["left_out"] += 1
                continue
            budget -= cost
            seen_incidents.add(incident)
            _add_incident(graph, index, incident, offence_harm)
            for person in newcomers:
                seen_people.add(person)
                people.append(person)
                next_frontier.append(person)
            node = incident_node(index.incident_ids[incident])
            for person, role in zip(members, index.incident_roles[lo:hi]):
                graph.add_edge(index.person_ids[person], node, kind=str(role))
        frontier = next_frontier
        if not frontier:
            break
    _add_people(graph, index, tables, people, person_harm)
    if postcodes:
        _attach_postcodes(graph, index, tables, people, seen_incidents, max_nodes)
    return graph


def _attach_postcodes(graph: nx.Graph, index: NetworkIndex, tables: ScoringTables, people: list[int],
                      incidents: set[int], max_nodes: int) -> None:
    # table order (homes, then places) decides which postcodes fit under the cap
    homes = np.sort(index.person_row[people])
    homes = homes[homes >= 0]
    places = np.sort(index.incident_row[np.fromiter(incidents, dtype=np.int64)])
    places = places[places >= 0]
    persons, incident_table = tables.persons, tables.incidents
    links = [(p, pc, "lives_at") for p, pc in zip(persons["person_id"].array.take(homes),
                                                  persons["postcode"].array.take(homes))]
    links += [(incident_node(i), pc, "occurred_at")
              for i, pc in zip(incident_table["incident_id"].array.take(places),
                               incident_table["postcode"].array.take(places))]
    for source, postcode, kind in links:
        if pd.isna(postcode):
            continue
        node = postcode_node(str(postcode))
        if node not in graph and graph.number_of_nodes() >= max_nodes:
            graph.graph["capped"] = True
            continue
        if node not in graph:
            graph.add_node(node, kind="postcode", role="postcode", harm=0.0, label=str(postcode))
        graph.add_edge(source, node, kind=kind)


def incident_graph(tables: ScoringTables, since: pd.Timestamp | None = None,
                   until: pd.Timestamp | None = None) -> nx.Graph:
    """Every person joined to every incident they are involved in (bipartite, for paths); each
    edge's ``kind`` is the person's role in the incident. With ``since`` / ``until`` only the
    incidents that happened in that window."""
    roles = tables.roles
    if since is not None or until is not None:
        incidents = tables.incidents
        dated = incidents.loc[in_window(incidents["occurred_at"].to_numpy(), since, until), "incident_id"]
        roles = roles[roles["incident_id"].isin(dated)]
    graph = nx.Graph()
    graph.add_edges_from((person, incident_node(incident), {"kind": str(role)}) for person, incident, role
                         in zip(roles["person_id"], roles["incident_id"], roles["role"]))
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


def path_steps(graph: nx.Graph, path: list[str]) -> list[tuple[str, str, str, str, str]]:
    """Each incident of a person-incident-person... ``path`` as (person, role, incident,
    role, next person): who was what in the incident that joins them.

    >>> g = nx.Graph()
    >>> g.add_edge("P-a", "I:1", kind="suspect"); g.add_edge("P-b", "I:1", kind="victim")
    >>> path_steps(g, ["P-a", "I:1", "P-b"])
    [('P-a', 'suspect', 'I:1', 'victim', 'P-b')]
    """
    return [(path[i], str(graph.edges[path[i], path[i + 1]].get("kind", "")), path[i + 1],
             str(graph.edges[path[i + 1], path[i + 2]].get("kind", "")), path[i + 2])
            for i in range(0, len(path) - 2, 2)]


def person_links(graph: nx.Graph) -> nx.Graph:
    """The people of an ego network joined directly, one edge per pair who share incidents.

    Each edge holds ``incidents`` (incident node ids, newest first) and ``roles`` (per
    incident, the two people's roles in the pair's order), and ``kind`` ``shared``. People's
    homes are kept (``lives_at`` edges) where two or more of them live; incidents and incident
    places are not.

    >>> g = nx.Graph(centre="P-a")
    >>> g.add_node("P-a", kind="person"); g.add_node("P-b", kind="person")
    >>> g.add_node("I:1", kind="incident", occurred_at="2025-01-01"); g.add_node("PC:X", kind="postcode")
    >>> g.add_edge("P-a", "I:1", kind="suspect"); g.add_edge("P-b", "I:1", kind="victim")
    >>> g.add_edge("P-a", "PC:X", kind="lives_at"); g.add_edge("I:1", "PC:X", kind="occurred_at")
    >>> g.add_edge("P-b", "PC:X", kind="lives_at")
    >>> links = person_links(g)
    >>> sorted(links.nodes), links.edges["P-a", "P-b"]["incidents"], links.graph["centre"]
    (['P-a', 'P-b', 'PC:X'], ['I:1'], 'P-a')
    >>> g.remove_edge("P-b", "PC:X"); sorted(person_links(g).nodes)
    ['P-a', 'P-b']
    """
    links = nx.Graph(**graph.graph)
    for node, attrs in graph.nodes(data=True):
        if attrs.get("kind") in ("person", "postcode"):
            links.add_node(node, **attrs)
    incidents = sorted((n for n, a in graph.nodes(data=True) if a.get("kind") == "incident"),
                       key=lambda n: str(graph.nodes[n].get("occurred_at", "")), reverse=True)
    for incident in incidents:
        people = sorted(p for p in graph.neighbors(incident) if graph.nodes[p].get("kind") == "person")
        for i, first in enumerate(people):
            for second in people[i + 1:]:
                if not links.has_edge(first, second):
                    links.add_edge(first, second, kind="shared", incidents=[], roles=[])
                edge = links.edges[first, second]
                edge["incidents"].append(incident)
                edge["roles"].append({first: graph.edges[first, incident]["kind"],
                                      second: graph.edges[second, incident]["kind"]})
    for person, postcode, attrs in graph.edges(data=True):
        if attrs.get("kind") == "lives_at":
            links.add_edge(person, postcode, kind="lives_at")
    links.remove_nodes_from([n for n, a in graph.nodes(data=True)
                             if a.get("kind") == "postcode" and links.degree(n) < 2])
    return links


def co_offenders(graph: nx.Graph, person: str) -> pd.DataFrame:
    """The people who were suspects or offenders in the same incidents as ``person`` (while
    ``person`` was too), with the number of such incidents, most first.

    >>> g = nx.Graph()
    >>> for p, role in (("P-a", "suspect"), ("P-b", "offender"), ("P-c", "victim")):
    ...     g.add_node(p, kind="person", label=p); g.add_edge(p, "I:1", kind=role)
    >>> g.add_node("I:1", kind="incident")
    >>> co_offenders(g, "P-a").to_dict("records")
    [{'person_id': 'P-b', 'label': 'P-b', 'shared_incidents': 1}]
    """
    counts: dict[str, int] = {}
    if person in graph:
        for incident in graph.neighbors(person):
            if (graph.nodes[incident].get("kind") != "incident"
                    or graph.edges[person, incident].get("kind") not in PERPETRATOR_ROLES):
                continue
            for other in graph.neighbors(incident):
                if other != person and graph.edges[other, incident].get("kind") in PERPETRATOR_ROLES:
                    counts[other] = counts.get(other, 0) + 1
    rows = [{"person_id": p, "label": graph.nodes[p].get("label", p), "shared_incidents": n} for p, n in counts.items()]
    frame = pd.DataFrame(rows, columns=["person_id", "label", "shared_incidents"])
    return frame.sort_values(["shared_incidents", "person_id"], ascending=[False, True]).reset_index(drop=True)


def shared_addresses(graph: nx.Graph) -> pd.DataFrame:
    """Postcodes in the network where two or more of its people live, with who lives there.

    >>> g = nx.Graph()
    >>> g.add_node("PC:X", kind="postcode", label="NE1 4ST")
    >>> for p in ("P-a", "P-b"):
    ...     g.add_node(p, kind="person", label=p); g.add_edge(p, "PC:X", kind="lives_at")
    >>> shared_addresses(g).to_dict("records")
    [{'postcode': 'NE1 4ST', 'people': 'P-a; P-b', 'count': 2}]
    """
    rows = []
    for node, attrs in graph.nodes(data=True):
        if attrs.get("kind") != "postcode":
            continue
        people = sorted(str(graph.nodes[p].get("label", p)) for p in graph.neighbors(node)
                        if graph.edges[p, node].get("kind") == "lives_at")
        if len(people) >= 2:
            rows.append({"postcode": str(attrs.get("label", node)), "people": "; ".join(people), "count": len(people)})
    frame = pd.DataFrame(rows, columns=["postcode", "people", "count"])
    return frame.sort_values(["count", "postcode"], ascending=[False, True]).reset_index(drop=True)

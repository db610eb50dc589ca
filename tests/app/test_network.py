"""graph.network: ego networks over the scoring tables, capped, and paths between people."""

from __future__ import annotations

import doctest
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import graph.network
from graph.embedded import EmbeddedStore
from graph.network import (
    PERPETRATOR_ROLES,
    PERSON_ROLES,
    ego_network,
    incident_graph,
    incident_node,
    network_index,
    person_path,
    postcode_node,
)
from harmgraph.ui.network_view import CENTRE_SIZE, elements, node_size
from ingest.load import ingest_folder
from scoring.catalogue import OffenceCatalogue
from core.tables import ScoringTables, normalise_tables
from synth.generate import generate_force


def test_doctests_of_graph_network_pass() -> None:
    assert doctest.testmod(graph.network).failed == 0


def _tables(store_path):  # type: ignore[no-untyped-def]
    with EmbeddedStore(store_path) as store:
        return store.scoring_tables()


def test_depth_one_holds_victims_co_offenders_incidents_and_postcodes(store_path, person_ids) -> None:
    g = ego_network(_tables(store_path), person_ids["R4"], depth=1)
    people = {n for n, a in g.nodes(data=True) if a["kind"] == "person"}
    assert people == {person_ids["R4"], person_ids["R6"], person_ids["R1"]}  # victim and co-offender
    assert {"I:I5", "I:I6"} <= set(g.nodes)
    assert g.nodes[person_ids["R6"]]["role"] == "victim" and g.nodes[person_ids["R1"]]["role"] == "perpetrator"
    assert "PC:SR37PE" in g.nodes or any(n.startswith("PC:SR3") for n in g.nodes)
    assert not g.graph["capped"]


def test_depth_two_reaches_the_co_offenders_victims(store_path, person_ids) -> None:
    g = ego_network(_tables(store_path), person_ids["R4"], depth=2)
    assert person_ids["R2"] in g and person_ids["R5"] in g


def test_neighbourhood_is_capped_and_says_so(store_path, person_ids) -> None:
    harm = {"stalking": 365.0, "abh": 180.0, "common_assault": 10.0, "harassment": 20.0}
    g = ego_network(_tables(store_path), person_ids["R1"], depth=1, max_nodes=4, offence_harm=harm)
    assert g.number_of_nodes() <= 4
    assert g.graph["capped"] and g.graph["left_out"] >= 1
    assert "I:I3" in g  # the gravest incident (stalking) is kept first


def test_unknown_person_gives_an_empty_network(store_path) -> None:
    assert ego_network(_tables(store_path), "P-nobody").number_of_nodes() == 0


def test_path_runs_through_shared_incidents(store_path, person_ids) -> None:
    whole = incident_graph(_tables(store_path))
    path = person_path(whole, person_ids["R2"], person_ids["R4"])
    assert path is not None and len(path) == 5
    assert path[::2] == [person_ids["R2"], person_ids["R1"], person_ids["R4"]]
    assert path[1] in ("I:I1", "I:I4") and path[3] == "I:I6"


def test_cytoscape_elements_carry_group_and_size(store_path, person_ids) -> None:
    g = ego_network(_tables(store_path), person_ids["R1"], person_harm={person_ids["R1"]: 1000.0})
    nodes = {n["data"]["id"]: n["data"] for n in elements(g)["nodes"]}
    assert nodes[person_ids["R1"]]["label"] == "centre"
    assert nodes[person_ids["R1"]]["size"] == CENTRE_SIZE > node_size(1000.0) > nodes[person_ids["R2"]]["size"]
    assert nodes[person_ids["R1"]]["name"] == "John SMITH" or "(" not in nodes[person_ids["R1"]]["name"]


def _person_roles(roles: pd.DataFrame) -> pd.Series:
    """Per person: 'perpetrator', 'victim', 'both' or 'other' over all their involvements."""
    perp = roles["role"].isin(PERPETRATOR_ROLES).groupby(roles["person_id"]).any()
    vict = (roles["role"] == "victim").groupby(roles["person_id"]).any()
    out = pd.Series("other", index=perp.index, dtype=object)
    out[perp & ~vict] = "perpetrator"
    out[vict & ~perp] = "victim"
    out[perp & vict] = "both"
    return out


def test_a_person_who_was_suspect_and_victim_is_both() -> None:
    roles = pd.DataFrame({"incident_id": ["1", "1", "2", "2"], "person_id": ["a", "b", "a", "c"],
                          "role": ["suspect", "victim", "victim", "witness"]})
    tables = normalise_tables(incidents=pd.DataFrame({"incident_id": ["1", "2"]}), roles=roles,
                              persons=pd.DataFrame({"person_id": ["a", "b", "c"]}), measures=pd.DataFrame(),
                              breaches=pd.DataFrame(), referrals=pd.DataFrame())
    index = network_index(tables)
    held = dict(zip(index.person_ids, (PERSON_ROLES[r] for r in index.person_role)))
    assert held == _person_roles(roles).to_dict() == {"a": "both", "b": "victim", "c": "other"}


def _scanned_ego_network(tables: ScoringTables, centre: str, depth: int, max_nodes: int,
                         offence_harm: Mapping[str, float], person_harm: Mapping[str, float]) -> nx.Graph:
    """The ego network as built before the index, by scanning the tables: the reference."""
    roles, persons = tables.roles, tables.persons.set_index("person_id")
    graph = nx.Graph(centre=centre, depth=depth, capped=False, left_out=0)
    if centre not in set(persons.index) and centre not in set(roles["person_id"]):
        return graph
    incidents = tables.incidents.set_index("incident_id")
    people, seen_people, seen_incidents, frontier = [centre], {centre}, set(), {centre}
    budget = max_nodes - 1
    for _level in range(max(1, depth)):
        mine = roles[roles["person_id"].isin(frontier) & ~roles["incident_id"].isin(seen_incidents)]
        candidate = pd.Index(mine["incident_id"].unique())
        if candidate.empty:
            break
        info = incidents.reindex(candidate)
        order = pd.DataFrame({"incident_id": candidate, "at": info["occurred_at"].to_numpy(),
                              "harm": info["offence"].map(offence_harm).fillna(0.0).to_numpy()})
        order = order.sort_values(["harm", "at", "incident_id"], ascending=[False, False, True])
        by_incident = roles[roles["incident_id"].isin(candidate)].groupby("incident_id")
        frontier = set()
        for position, incident_id in enumerate(order["incident_id"]):
            if budget <= 0:
                graph.graph["capped"] = True
                graph.graph["left_out"] += len(order) - position
                break
            group = by_incident.get_group(incident_id)
            newcomers = [p for p in dict.fromkeys(group["person_id"]) if p not in seen_people]
            if 1 + len(newcomers) > budget:
                graph.graph["capped"] = True
                graph.graph["left_out"] += 1
                continue
            budget -= 1 + len(newcomers)
            seen_incidents.add(incident_id)
            offence = incidents.at[incident_id, "offence"]
            at = pd.Timestamp(incidents.at[incident_id, "occurred_at"])
            graph.add_node(incident_node(incident_id), kind="incident", role=str(offence),
                           harm=float(offence_harm.get(offence, 0.0)),
                           label=f"{incident_id} {offence} {at:%Y-%m-%d}", occurred_at=at.isoformat())
            seen_people.update(newcomers)
            people += newcomers
            frontier.update(newcomers)
            for person, role in zip(group["person_id"], group["role"]):
                graph.add_edge(person, incident_node(incident_id), kind=str(role))
        if not frontier:
            break
    role_of = _person_roles(roles[roles["person_id"].isin(seen_people)])
    for person in people:
        name = persons.at[person, "display_name"] if person in persons.index else None
        graph.add_node(person, kind="person", role=role_of.get(person, "other"),
                       harm=float(person_harm.get(person, 0.0)),
                       label=f"{name} ({person})" if isinstance(name, str) and name else person)
    homes = tables.persons[tables.persons["person_id"].isin(people)]
    homes = homes[["person_id", "postcode"]].dropna()
    places = tables.incidents[tables.incidents["incident_id"].isin(seen_incidents)]
    places = places[["incident_id", "postcode"]].dropna()
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
    return graph


def _exactly(graph: nx.Graph) -> tuple[object, ...]:
    """Everything a network shows, in insertion order (which decides the drawing)."""
    return graph.graph, list(graph.nodes(data=True)), list(graph.edges(data=True))


def _assert_index_changes_nothing(tables: ScoringTables, centres: list[str], caps: tuple[int, ...],
                                  offence_harm: Mapping[str, float]) -> None:
    index = network_index(tables)
    person_harm = {centre: 10.0 * n for n, centre in enumerate(centres)}
    for centre in centres:
        for depth in (1, 2, 3):
            for cap in caps:
                asked = (tables, centre, depth, cap, offence_harm, person_harm)
                indexed = _exactly(ego_network(*asked, index=index))
                assert indexed == _exactly(ego_network(*asked)), asked[1:4]
                assert indexed == _exactly(_scanned_ego_network(*asked)), asked[1:4]


def test_index_gives_the_networks_a_table_scan_gives(store_path, person_ids, catalogue) -> None:
    tables = _tables(store_path)
    harm = catalogue.table["harm_days"].astype(float).to_dict()
    _assert_index_changes_nothing(tables, [*person_ids.values(), "P-nobody"], (150, 6, 4, 2), harm)
    assert not network_index(tables).person_ids.flags.writeable  # shared between app sessions


@pytest.fixture(scope="module")
def generated_tables(tmp_path_factory: pytest.TempPathFactory, catalogue: OffenceCatalogue) -> ScoringTables:
    """A small synthetic force (co-offenders, repeat victims, people with no incident)."""
    folder: Path = tmp_path_factory.mktemp("generated")
    generate_force(folder / "force", people=500, seed=5)
    with EmbeddedStore(folder / "store.duckdb") as store:
        ingest_folder(folder / "force", store, catalogue.keys)
        return store.scoring_tables()


def test_index_gives_the_networks_a_table_scan_gives_on_a_generated_force(generated_tables, catalogue) -> None:
    tables = generated_tables
    busiest = tables.roles["person_id"].value_counts().index[:8].tolist()
    others = np.random.default_rng(3).choice(tables.persons["person_id"].to_numpy(), 12, replace=False).tolist()
    harm = catalogue.table["harm_days"].astype(float).to_dict()
    _assert_index_changes_nothing(tables, [*busiest, *others], (150, 25), harm)
    # every incident of a year on one day and no harm days: the order falls to date, then id
    yearly = tables.incidents["occurred_at"].dt.to_period("Y").dt.start_time.astype("datetime64[us]")
    tied = replace(tables, incidents=tables.incidents.assign(occurred_at=yearly))
    _assert_index_changes_nothing(tied, [*busiest, *others], (150, 25), {})

"""graph.network: ego networks over the scoring tables, capped, and paths between people."""

from __future__ import annotations

import doctest

import graph.network
from graph.embedded import EmbeddedStore
from graph.network import ego_network, incident_graph, person_path
from harmgraph.ui.network_view import elements, node_size


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
    assert nodes[person_ids["R1"]]["size"] == node_size(1000.0) > nodes[person_ids["R2"]]["size"]

"""Draw a networkx ego network with st-link-analysis (Cytoscape.js bundled in the wheel: no CDN)."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import pandas as pd

ROLE_COLOURS = {
    "centre": "#6a1b9a",
    "perpetrator": "#c62828",
    "both": "#ef6c00",
    "victim": "#1565c0",
    "other": "#757575",
    "incident": "#f9a825",
    "postcode": "#2e7d32",
}
ROLE_ICONS = {"centre": "person", "perpetrator": "person", "both": "person", "victim": "person",
              "other": "person", "incident": "flag", "postcode": "home"}


def node_group(graph: nx.Graph, node: str) -> str:
    """The colour group of a node: centre, a person role, incident or postcode."""
    attrs = graph.nodes[node]
    if node == graph.graph.get("centre"):
        return "centre"
    if attrs.get("kind") == "person":
        return str(attrs.get("role", "other"))
    return str(attrs.get("kind"))


def node_size(harm: float) -> float:
    """Node diameter in pixels, growing with the log of harm days (20 to 80).

    >>> node_size(0), node_size(5475) > node_size(365) > node_size(10)
    (20.0, True)
    """
    return round(min(80.0, 20.0 + 12.0 * math.log10(1.0 + max(harm, 0.0))), 1)


def elements(graph: nx.Graph) -> dict[str, list[dict[str, Any]]]:
    """Cytoscape elements (nodes with group label, caption and size; edges with their kind)."""
    nodes = [{"data": {"id": node, "label": node_group(graph, node), "name": str(attrs.get("label", node)),
                       "kind": attrs.get("kind"), "harm": float(attrs.get("harm", 0.0)),
                       "size": node_size(float(attrs.get("harm", 0.0)))}}
             for node, attrs in graph.nodes(data=True)]
    edges = [{"data": {"id": f"e{i}", "source": u, "target": v, "label": str(attrs.get("kind", ""))}}
             for i, (u, v, attrs) in enumerate(graph.edges(data=True))]
    return {"nodes": nodes, "edges": edges}


def node_table(graph: nx.Graph) -> pd.DataFrame:
    """The nodes as a table (for reading, and for accessibility beside the drawing)."""
    rows = [{"node": n, "kind": a.get("kind"), "role": node_group(graph, n), "label": a.get("label"),
             "harm_days": a.get("harm", 0.0), "links": graph.degree(n)} for n, a in graph.nodes(data=True)]
    frame = pd.DataFrame(rows, columns=["node", "kind", "role", "label", "harm_days", "links"])
    return frame.sort_values(["kind", "harm_days"], ascending=[True, False]).reset_index(drop=True)


class _SizeStyle:
    """A Cytoscape style rule sizing every node by its ``size`` datum."""

    def dump(self) -> dict[str, Any]:
        return {"selector": "node", "style": {"width": "data(size)", "height": "data(size)",
                                              "font-size": "9px", "text-wrap": "ellipsis",
                                              "text-max-width": "140px"}}


def draw(graph: nx.Graph, key: str, height: int = 560) -> Any:
    """Render the network; returns the component's last event (a node tap), or None."""
    import warnings

    from st_link_analysis import EdgeStyle, Event, NodeStyle, st_link_analysis

    styles: list[Any] = [_SizeStyle()]
    styles += [NodeStyle(group, colour, "name", ROLE_ICONS[group]) for group, colour in ROLE_COLOURS.items()]
    with warnings.catch_warnings():  # st-link-analysis 0.4 warns about its own default argument
        warnings.simplefilter("ignore")
        edge_styles = [EdgeStyle(kind, caption="label") for kind in
                       ("suspect", "offender", "victim", "witness", "lives_at", "occurred_at")]
    return st_link_analysis(elements(graph), layout="cose", node_styles=styles, edge_styles=edge_styles,
                            height=height, key=key, events=[Event("tap_node", "tap", "node")])

"""Draw a networkx ego network with st-link-analysis's frontend (Cytoscape.js bundled in the wheel:
no CDN), captions readable at every zoom and its JSON download hidden."""

from __future__ import annotations

import hashlib
import math
import shutil
import tempfile
from pathlib import Path
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


CENTRE_SIZE = 72.0  # the centre is always drawn large, whatever its harm
ROLE_WORDS = {"suspect": "suspect", "offender": "offender", "victim": "victim", "witness": "witness"}


def _caption(graph: nx.Graph, node: str, attrs: dict[str, Any]) -> str:
    """The words drawn under a node: a person's name, an incident's offence and day, a postcode."""
    kind = attrs.get("kind")
    if kind == "person":
        label = str(attrs.get("label", node))
        return label.split(" (")[0] if label.endswith(")") and " (" in label else label
    if kind == "incident":
        return f"{attrs.get('role', '')}\n{str(attrs.get('occurred_at', ''))[:10]}"
    return str(attrs.get("label", node))


def _edge_caption(graph: nx.Graph, attrs: dict[str, Any]) -> tuple[str, str]:
    """An edge's drawn caption and its longer detail (shown when the edge is selected)."""
    if attrs.get("kind") != "shared":
        return str(attrs.get("kind", "")), ""
    incidents = attrs.get("incidents", [])
    details = []
    for incident, roles in zip(incidents, attrs.get("roles", [])):
        node = graph.nodes[incident] if incident in graph else {}
        who = ", ".join(f"{_caption(graph, p, graph.nodes[p]) if p in graph else p} {r}" for p, r in roles.items())
        details.append(f"{incident[2:]} {node.get('role', '')} {str(node.get('occurred_at', ''))[:10]}: {who}")
    first = attrs.get("roles", [{}])[0]
    caption = " / ".join(dict.fromkeys(first.values()))
    return (f"{caption} ×{len(incidents)}" if len(incidents) > 1 else caption), "; ".join(details)


def elements(graph: nx.Graph, path: list[str] | None = None,
             source: nx.Graph | None = None) -> dict[str, list[dict[str, Any]]]:
    """Cytoscape elements: nodes with their group (``label``), caption (``name``) and size;
    edges with their kind and caption. Nodes and edges of ``path`` carry ``onpath`` 1.
    ``source`` is the network with incidents when ``graph`` joins people directly (its
    incidents describe the shared edges)."""
    on_path = set(path or [])
    steps = set(zip(path or [], (path or [])[1:]))
    # when incidents are collapsed, the people either side of an incident on the path are joined
    people_steps = {(a, b) for a, _, b in zip((path or [])[::2], (path or [])[1::2], (path or [])[2::2])}
    nodes = []
    for node, attrs in graph.nodes(data=True):
        group = node_group(graph, node)
        size = CENTRE_SIZE if group == "centre" else node_size(float(attrs.get("harm", 0.0)))
        nodes.append({"data": {"id": node, "label": group, "name": _caption(graph, node, attrs),
                               "full_name": str(attrs.get("label", node)), "kind": attrs.get("kind"),
                               "harm": float(attrs.get("harm", 0.0)), "size": size,
                               "onpath": int(node in on_path)}})
    edges = []
    for i, (u, v, attrs) in enumerate(graph.edges(data=True)):
        caption, detail = _edge_caption(source if source is not None else graph, attrs)
        hit = {(u, v), (v, u)} & (steps | people_steps)
        edges.append({"data": {"id": f"e{i}", "source": u, "target": v, "label": str(attrs.get("kind", "")),
                               "caption": caption, "detail": detail, "onpath": int(bool(hit))}})
    return {"nodes": nodes, "edges": edges}


def node_table(graph: nx.Graph) -> pd.DataFrame:
    """The nodes as a table (for reading, and for accessibility beside the drawing)."""
    rows = [{"node": n, "kind": a.get("kind"), "role": node_group(graph, n), "label": a.get("label"),
             "harm_days": a.get("harm", 0.0), "links": graph.degree(n)} for n, a in graph.nodes(data=True)]
    frame = pd.DataFrame(rows, columns=["node", "kind", "role", "label", "harm_days", "links"])
    return frame.sort_values(["kind", "harm_days"], ascending=[True, False]).reset_index(drop=True)


# Our rules come after the component's own, so they win: every caption drawn at every zoom
# (the component hides captions below 10 px on screen), names under the nodes on a light
# backing, the centre ringed, a path in red.
STYLES: list[dict[str, Any]] = [
    {"selector": "*", "style": {"min-zoomed-font-size": 0}},
    {"selector": "node", "style": {"width": "data(size)", "height": "data(size)", "font-size": "16px",
                                   "text-wrap": "wrap", "text-max-width": "160px", "text-valign": "bottom",
                                   "text-margin-y": 3, "text-background-color": "#ffffff",
                                   "text-background-opacity": 0.85, "text-background-padding": "1px",
                                   "color": "#111111"}},
    {"selector": "node[label='incident'], node[label='postcode']", "style": {"font-size": "12px", "color": "#444444"}},
    {"selector": "node[label='centre']", "style": {"font-size": "20px", "font-weight": "bold",
                                                   "border-width": 5, "border-color": "#311b92"}},
    {"selector": "edge", "style": {"font-size": "12px", "text-rotation": "autorotate", "width": 2,
                                   "color": "#333333", "text-background-color": "#ffffff",
                                   "text-background-opacity": 0.85}},
    {"selector": "edge[label='shared']", "style": {"label": "data(caption)", "width": 3, "line-color": "#8d6e63"}},
    {"selector": "node[onpath = 1]", "style": {"border-width": 6, "border-color": "#d50000"}},
    {"selector": "edge[onpath = 1]", "style": {"line-color": "#d50000", "width": 6, "z-index": 10}},
]
# A force layout spread wider than the component's default, so that names do not sit on each other.
LAYOUT = {"name": "fcose", "quality": "default", "randomize": True, "animate": False, "fit": True, "padding": 24,
          "nodeDimensionsIncludeLabels": True, "nodeRepulsion": 30000, "idealEdgeLength": 110,
          "nodeSeparation": 90, "numIter": 2500}
# Above this many nodes the links' captions are left for the info panel (tap a link to read it).
EDGE_CAPTIONS_UP_TO = 30
EDGE_KINDS = ("suspect", "offender", "victim", "witness", "lives_at", "occurred_at")


def _component_dir() -> Path:
    """st-link-analysis's frontend with the toolbar's "Download as JSON" hidden: that button saves
    every element of the network, names included, unlogged and whatever the role may export.
    Copied once per installed version (Streamlit serves a component only from its own folder)."""
    import st_link_analysis

    build = Path(st_link_analysis.__file__).resolve().parent / "frontend" / "build"
    page = (build / "index.html").read_text(encoding="utf-8")
    digest = hashlib.sha256(page.encode()).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"harmgraph-link-analysis-{digest}"
    if not (target / "index.html").exists():
        staging = Path(tempfile.mkdtemp(prefix="harmgraph-link-analysis-"))
        shutil.copytree(build, staging, dirs_exist_ok=True)
        (staging / "index.html").write_text(page.replace("</head>", HIDE_EXPORT + "</head>", 1), encoding="utf-8")
        try:
            staging.rename(target)
        except OSError:  # another session copied it first
            shutil.rmtree(staging, ignore_errors=True)
    return target


HIDE_EXPORT = "<style>#toolbarExport, #toolbarExport + hr { display: none !important; }</style>"


def draw(graph: nx.Graph, key: str, height: int = 560, path: list[str] | None = None,
         source: nx.Graph | None = None) -> Any:
    """Render the network; returns the component's last event (a node tap), or None."""
    import warnings

    import streamlit.components.v1 as components
    from st_link_analysis import EdgeStyle, Event, NodeStyle

    node_styles = [NodeStyle(group, colour, "name", ROLE_ICONS[group]) for group, colour in ROLE_COLOURS.items()]
    with warnings.catch_warnings():  # st-link-analysis 0.4 warns about its own default argument
        warnings.simplefilter("ignore")
        edge_styles = [EdgeStyle(kind, caption="label") for kind in EDGE_KINDS]
    component = components.declare_component("link_analysis", path=str(_component_dir()))
    quiet = [] if graph.number_of_nodes() <= EDGE_CAPTIONS_UP_TO else [
        {"selector": "edge", "style": {"label": ""}}, {"selector": "edge[onpath = 1]", "style": {"label": "data(caption)"}}]
    return component(elements=elements(graph, path, source),
                     style=[s.dump() for s in node_styles] + [e.dump() for e in edge_styles] + STYLES + quiet,
                     layout=LAYOUT, height=f"{height}px", key=key, default=None,
                     nodeActions=[], events=[Event("tap_node", "tap", "node").dump()])

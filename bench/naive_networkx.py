"""The RFGV score written the way an analyst with networkx would write it: build the graph,
then loop over every person. Only the scale benchmark uses it, as the baseline to beat.

It follows the same rules as ``scoring.perpetrators.score_perpetrators_coded`` (window, perpetrator
roles, outcome and DASH multipliers, bands, weights) so the two can be compared row for row.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from scoring.context import ScoringContext
from scoring.window import as_of_end, window_start


def build_graph(context: ScoringContext) -> nx.Graph:
    """People and incidents as nodes; one edge per involvement, its roles as an attribute."""
    graph = nx.Graph()
    for incident in context.tables.incidents.itertuples(index=False):
        graph.add_node(("I", incident.incident_id), occurred_at=incident.occurred_at,
                       offence=incident.offence, outcome=incident.outcome, dash_risk=incident.dash_risk)
    for role in context.tables.roles.itertuples(index=False):
        person, incident = ("P", role.person_id), ("I", role.incident_id)
        if graph.has_edge(person, incident):
            graph[person][incident]["roles"].add(role.role)
        else:
            graph.add_edge(person, incident, roles={role.role})
    return graph


def _points_at_least(value: float, bands) -> float:  # type: ignore[no-untyped-def]
    points = 0.0
    for band in bands:
        if value >= band.at_least:
            points = band.points
    return points


def _recency(days: int, bands) -> float:  # type: ignore[no-untyped-def]
    for band in bands:
        if days <= band.max_days:
            return band.points
    return 0.0


def naive_rfgv(context: ScoringContext) -> pd.Series:
    """person_id -> RFGV score, by a Python loop over each person's neighbourhood."""
    config, catalogue = context.config, context.catalogue
    harm_days = catalogue.table["harm_days"].to_dict()
    start, end = window_start(context.as_of, config), context.as_of_end
    as_of_day = context.as_of_day
    weights = config.weights.model_dump()
    best = sum(weights[c] * config.max_points(c) for c in ("recency", "frequency", "gravity", "victims"))
    graph = build_graph(context)
    scores: dict[str, float] = {}
    for node in graph.nodes:
        if node[0] != "P":
            continue
        incidents, harm, victims, last = 0, 0.0, set(), None
        for incident in graph[node]:
            if not graph[node][incident]["roles"] & set(config.perpetrator_roles):
                continue
            data = graph.nodes[incident]
            if not start <= data["occurred_at"] <= end:
                continue
            incidents += 1
            outcome = config.outcome_multipliers.get(data["outcome"], 1.0) if pd.notna(data["outcome"]) else 1.0
            dash = config.dash_multipliers.get(data["dash_risk"], 1.0) if pd.notna(data["dash_risk"]) else 1.0
            harm += float(harm_days.get(data["offence"], 0.0)) * outcome * dash
            last = data["occurred_at"] if last is None or data["occurred_at"] > last else last
            for other in graph[incident]:
                if other != node and "victim" in graph[other][incident]["roles"]:
                    victims.add(other)
        if incidents == 0:
            continue
        days = max(0, (as_of_day - last.normalize()).days)
        total = (weights["recency"] * _recency(days, config.recency)
                 + weights["frequency"] * _points_at_least(incidents, config.frequency)
                 + weights["gravity"] * _points_at_least(round(harm, 1), config.gravity)
                 + weights["victims"] * _points_at_least(len(victims), config.victims))
        scores[node[1]] = round(100.0 * total / best, 1)
    return pd.Series(scores, name="score")

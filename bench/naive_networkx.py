"""The RFGV score written the way an analyst with networkx would write it: build the graph,
then loop over every person. Only the scale benchmark uses it, as the baseline to beat.

It follows the same rules as ``scoring.perpetrators.score_perpetrators_coded`` (window,
perpetrator roles and the roles set aside as resting on name and address alone, outcome and
DASH multipliers, graded or banded points, days at liberty for recency, victims counted once
when they are probably, or possibly, one woman, weights), so the two can be compared row for
row. Which victim records may be one woman is an input (``same_as``, ``possible``): the
loop is given that judgement, as it is given the resolved persons, and does not repeat it.
"""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx
import numpy as np
import pandas as pd

from scoring.context import ScoringContext
from scoring.window import window_start


def build_graph(context: ScoringContext) -> nx.Graph:
    """People and incidents as nodes; one edge per involvement, with its roles, and whether a
    perpetrator role there is firm (``firm``) or rests on name and address alone (``weak``)."""
    graph = nx.Graph()
    perpetrator_roles = set(context.config.perpetrator_roles)
    for incident in context.tables.incidents.itertuples(index=False):
        graph.add_node(("I", incident.incident_id), occurred_at=incident.occurred_at,
                       offence=incident.offence, outcome=incident.outcome, dash_risk=incident.dash_risk)
    for role in context.tables.roles.itertuples(index=False):
        person, incident = ("P", role.person_id), ("I", role.incident_id)
        if not graph.has_edge(person, incident):
            graph.add_edge(person, incident, roles=set(), firm=False, weak=False)
        edge = graph[person][incident]
        edge["roles"].add(role.role)
        if role.role in perpetrator_roles:
            weak = bool(role.weak_identity) if pd.notna(role.weak_identity) else False
            edge["weak" if weak else "firm"] = True
    return graph


def _graded_count(value: float, bands, per_doubling: float) -> float:  # type: ignore[no-untyped-def]
    """As :func:`scoring.bands.graded_count_points`, one value at a time."""
    edges = np.array([b.at_least for b in bands], dtype="float64")
    points = np.array([b.points for b in bands], dtype="float64")
    if value < edges[0]:
        return 0.0
    top = edges[-1]
    if top > 0 and value > top:
        return float(points[-1] + per_doubling * np.log2(np.float64(value) / top))
    tiny = np.finfo("float64").tiny
    return float(np.interp(np.log(max(value, tiny)), np.log(np.maximum(edges, tiny)), points))


def _graded_recency(days: float, bands, outer_days: float) -> float:  # type: ignore[no-untyped-def]
    """As :func:`scoring.bands.graded_recency_points`, one value at a time."""
    limits = np.array([b.max_days for b in bands], dtype="float64")
    points = np.array([b.points for b in bands], dtype="float64")
    limits[-1] = min(limits[-1], max(outer_days, limits[-2] + 1 if len(limits) > 1 else 0.0))
    return 0.0 if days > limits[-1] else float(np.interp(days, limits, points))


def _banded_count(value: float, bands) -> float:  # type: ignore[no-untyped-def]
    points = 0.0
    for band in bands:
        if value >= band.at_least:
            points = band.points
    return points


def _banded_recency(days: int, bands) -> float:  # type: ignore[no-untyped-def]
    for band in bands:
        if days <= band.max_days:
            return band.points
    return 0.0


def _custody_days(spells: list[tuple[pd.Timestamp, pd.Timestamp]], last: pd.Timestamp) -> int:
    """Days in custody after the day of ``last`` (each spell: first day, day of release), overlaps once."""
    after = last.normalize() + pd.Timedelta(days=1)
    days, reached = 0, None
    for start, end in sorted((max(start, after), end) for start, end in spells if end > max(start, after)):
        start = start if reached is None or start >= reached else reached
        days += max(0, (end - start).days)
        reached = end if reached is None else max(reached, end)
    return days


def _spells(context: ScoringContext) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """Each person's custody spells up to the as-of day: (first day, day of release or the day
    after the as-of day while still held)."""
    as_of_day, out = context.as_of_day, defaultdict(list)
    for spell in context.tables.custody.itertuples(index=False):
        start = spell.start_date.normalize()
        if start > as_of_day:
            continue
        released = spell.released_date.normalize() if pd.notna(spell.released_date) else None
        end = released if released is not None and released <= as_of_day else as_of_day + pd.Timedelta(days=1)
        out[spell.person_id].append((start, end))
    return out


def _victims_counted(victims: set[str], same_as: dict[str, str], possible: set[frozenset[str]]) -> int:
    """Distinct victims, records that are probably one woman as one, and those that may be one
    woman as one too (connected through possible pairs)."""
    counted = {same_as.get(victim, victim) for victim in victims}
    linked = nx.Graph()
    linked.add_nodes_from(counted)
    linked.add_edges_from(tuple(pair) for pair in possible if pair <= counted)
    return nx.number_connected_components(linked)


def naive_rfgv(context: ScoringContext, same_as: dict[str, str], possible: set[frozenset[str]]) -> pd.Series:
    """person_id -> RFGV score, by a Python loop over each person's neighbourhood.

    ``same_as``: a victim id -> the id counted in their place (probably one woman);
    ``possible``: pairs of counted ids that may be one woman.
    """
    config, catalogue = context.config, context.catalogue
    harm_days = catalogue.table["harm_days"].to_dict()
    start, end = window_start(context.as_of, config), context.as_of_end
    as_of_day = context.as_of_day
    window_days = (pd.Timestamp(context.as_of) - start).days
    graded, per_doubling = config.points.style == "graded", config.points.per_doubling
    weights = config.weights.model_dump()
    best = sum(weights[c] * config.max_points(c) for c in ("recency", "frequency", "gravity", "victims"))
    graph = build_graph(context)
    spells = _spells(context)

    def victims_at(incident, person):  # type: ignore[no-untyped-def]
        return {other for other in graph[incident]
                if other != person and "victim" in graph[other][incident]["roles"]}

    scores: dict[str, float] = {}
    for node in graph.nodes:
        if node[0] != "P":
            continue
        edges = graph[node]
        firm = [incident for incident in edges if edges[incident]["firm"]]
        known = set().union(*(victims_at(incident, node) for incident in firm)) if firm else set()
        incidents, harm, victims, last = 0, 0.0, set(), None
        for incident in edges:
            edge = edges[incident]
            if not edge["firm"]:
                # A role resting on name and address alone that would give him a victim his firm
                # incidents do not is another man's, perhaps (set aside when he has firm ones).
                if not edge["weak"] or (firm and not victims_at(incident, node) <= known):
                    continue
            data = graph.nodes[incident]
            if pd.isna(data["occurred_at"]) or not start <= data["occurred_at"] <= end:
                continue
            incidents += 1
            outcome = config.outcome_multipliers.get(data["outcome"], 1.0) if pd.notna(data["outcome"]) else 1.0
            dash = config.dash_multipliers.get(data["dash_risk"], 1.0) if pd.notna(data["dash_risk"]) else 1.0
            offence_harm = harm_days.get(data["offence"], 0.0)
            harm += (0.0 if pd.isna(offence_harm) else float(offence_harm)) * outcome * dash
            last = data["occurred_at"] if last is None or data["occurred_at"] > last else last
            victims |= {other[1] for other in victims_at(incident, node)}
        if incidents == 0:
            continue
        days = max(0, (as_of_day - last.normalize()).days) - _custody_days(spells.get(node[1], []), last)
        count = _victims_counted(victims, same_as, possible)
        harm = round(harm, 1)
        if graded:
            points = (_graded_recency(days, config.recency, window_days),
                      _graded_count(incidents, config.frequency, per_doubling),
                      _graded_count(harm, config.gravity, per_doubling),
                      _graded_count(count, config.victims, per_doubling))
        else:
            points = (_banded_recency(days, config.recency), _banded_count(incidents, config.frequency),
                      _banded_count(harm, config.gravity), _banded_count(count, config.victims))
        total = sum(weights[c] * p for c, p in zip(("recency", "frequency", "gravity", "victims"), points))
        scores[node[1]] = float(np.round(100.0 * total / best, 2))
    return pd.Series(scores, name="score")


def identity_by_id(context: ScoringContext) -> tuple[dict[str, str], set[frozenset[str]]]:
    """The project's judgement of which victim records may be one woman, by person id: the
    input :func:`naive_rfgv` is given."""
    from scoring.prepared import Prepared

    prepared = Prepared(context)
    identity, people = prepared.victims_as, prepared.index.people
    moved = np.flatnonzero(identity.same_as != np.arange(len(identity.same_as)))
    same_as = dict(zip(people[moved], people[identity.same_as[moved]]))
    possible = identity.possible_pairs()
    pairs = {frozenset((people[left], people[right]))
             for left, right in zip(possible["counted_l"].to_numpy(), possible["counted_r"].to_numpy())}
    return same_as, pairs

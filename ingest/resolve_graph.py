"""From accepted links to persons: components and analyst cannot-links (person ids are given
by ``ingest.person_ids``).

A person is a connected component of the link graph (records joined by splink links at or
above the threshold, by equal PNC ids, and by analyst must-links). Analyst cannot-links win
over all of these: when two records that must stay apart end up in one component, the
cheapest set of links separating them is cut (a minimum s-t cut, where a link's capacity is
its match weight, so weak splink links go first, then PNC links, and must-links only when
nothing else separates the pair).
"""

from __future__ import annotations


import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
from splink.clustering import cluster_pairwise_predictions_at_threshold
from splink.internals.database_api import DatabaseAPISubClass
from core.arrow_isin import isin

# Capacities in the min-cut: any splink link is cheaper than a PNC link, which is cheaper
# than an analyst's must-link. Weights are added so equal-kind links still rank by evidence.
PNC_CAPACITY = 1e6
MUST_LINK_CAPACITY = 1e9
METHOD_RANK = {"splink": 0, "pnc": 1, "must_link": 2}


def ordered_pairs(left: pd.Series, right: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each pair with the smaller record id on the left, so a pair has one spelling."""
    left_values = left.astype(str).to_numpy()
    right_values = right.astype(str).to_numpy()
    swap = left_values > right_values
    return np.where(swap, right_values, left_values), np.where(swap, left_values, right_values)


def clean_override_pairs(pairs: pd.DataFrame | None, known: pd.Index) -> pd.DataFrame:
    """Analyst pairs as ordered (record_id_l, record_id_r), dropping self-pairs, duplicates
    and records not in this resolution (an override may name a record since deleted)."""
    if pairs is None or pairs.empty:
        return pd.DataFrame({"record_id_l": pd.Series(dtype=str),
                             "record_id_r": pd.Series(dtype=str)})
    left, right = ordered_pairs(pairs["record_id_l"], pairs["record_id_r"])
    clean = pd.DataFrame({"record_id_l": left, "record_id_r": right})
    keep = (clean["record_id_l"] != clean["record_id_r"]) & isin(clean["record_id_l"], known) \
        & isin(clean["record_id_r"], known)
    return clean[keep].drop_duplicates().sort_values(["record_id_l", "record_id_r"]) \
        .reset_index(drop=True)


def pnc_chain_pairs(features: pd.DataFrame) -> pd.DataFrame:
    """Records sharing a PNC id, joined as a chain in record-id order (n-1 links, not n^2:
    a prolific offender can have hundreds of records under one PNC id)."""
    with_pnc = features.loc[features["pnc"].notna(), ["pnc", "record_id"]]
    with_pnc = with_pnc.sort_values(["pnc", "record_id"])
    same = with_pnc["pnc"].to_numpy()[1:] == with_pnc["pnc"].to_numpy()[:-1]
    ids = with_pnc["record_id"].to_numpy()
    return pd.DataFrame({"record_id_l": ids[:-1][same], "record_id_r": ids[1:][same]})


def connected_components(record_ids: pd.Series, edges: pd.DataFrame,
                         db_api: DatabaseAPISubClass) -> pd.DataFrame:
    """(record_id, component) for every record, using splink's SQL connected components."""
    nodes = pa.table({"record_id": pa.array(record_ids.astype(str).to_numpy(), pa.string())})
    edge_table = pa.table({
        "record_id_l": pa.array(edges["record_id_l"].astype(str).to_numpy(), pa.string()),
        "record_id_r": pa.array(edges["record_id_r"].astype(str).to_numpy(), pa.string()),
    })
    clustered = cluster_pairwise_predictions_at_threshold(
        nodes, edge_table, db_api=db_api, node_id_column_name="record_id",
        edge_id_column_name_left="record_id_l", edge_id_column_name_right="record_id_r")
    frame = clustered.as_pandas_dataframe()
    clustered.drop_table_from_database_and_remove_from_cache()
    return pd.DataFrame({"record_id": frame["record_id"].astype(str).to_numpy(),
                         "component": frame["cluster_id"].astype(str).to_numpy()})


def _capacity(edges: pd.DataFrame) -> np.ndarray:
    """How costly a link is to cut (see module docstring)."""
    weight = edges["match_weight"].fillna(0.0).clip(lower=0.01).to_numpy(dtype=float)
    method = edges["method"].to_numpy()
    bonus = np.where(method == "must_link", MUST_LINK_CAPACITY,
                     np.where(method == "pnc", PNC_CAPACITY, 0.0))
    return weight + bonus


def enforce_cannot_links(components: pd.DataFrame, edges: pd.DataFrame,
                         cannot_link: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split components until no cannot-link pair shares one; returns (components, cut).

    ``edges`` carry record_id_l, record_id_r, match_weight, method. Only components holding
    a cannot-link pair are touched, so this stays cheap on millions of records. ``cut`` holds
    the removed edges with the cannot-link pair that forced each cut (``cut_for``).
    """
    cut_columns = [*edges.columns, "cut_for"]
    if cannot_link.empty or edges.empty:
        return components, pd.DataFrame(columns=cut_columns)
    component_of = components.set_index("record_id")["component"]
    pairs = cannot_link.assign(c_l=component_of.reindex(cannot_link["record_id_l"]).to_numpy(),
                               c_r=component_of.reindex(cannot_link["record_id_r"]).to_numpy())
    clashing = pairs[pairs["c_l"] == pairs["c_r"]]
    if clashing.empty:
        return components, pd.DataFrame(columns=cut_columns)

    affected = set(clashing["c_l"])
    edge_component = component_of.reindex(edges["record_id_l"]).to_numpy()
    local = edges[np.isin(edge_component, list(affected))]
    local = local.assign(capacity=_capacity(local))
    graph = nx.Graph()
    graph.add_nodes_from(sorted(components.loc[isin(components["component"], affected),
                                               "record_id"]))
    for row in local.sort_values(["record_id_l", "record_id_r"]).itertuples(index=False):
        graph.add_edge(row.record_id_l, row.record_id_r, capacity=row.capacity)

    cut_rows: list[tuple[str, str, str]] = []
    for pair in clashing.sort_values(["record_id_l", "record_id_r"]).itertuples(index=False):
        source, target = pair.record_id_l, pair.record_id_r
        if not nx.has_path(graph, source, target):
            continue  # an earlier cut already separated them
        _, (side_s, side_t) = nx.minimum_cut(graph, source, target, capacity="capacity")
        side_t_set = set(side_t)
        crossing = sorted((u, v) if u < v else (v, u) for u in side_s
                          for v in graph.neighbors(u) if v in side_t_set)
        graph.remove_edges_from(crossing)
        cut_rows += [(u, v, f"{source}/{target}") for u, v in crossing]

    # New component labels for the split parts: the smallest record id of each part.
    relabel: dict[str, str] = {}
    for part in nx.connected_components(graph):
        label = "split:" + min(part)
        relabel.update(dict.fromkeys(part, label))
    components = components.copy()
    in_affected = isin(components["component"], affected)
    components.loc[in_affected, "component"] = components.loc[in_affected, "record_id"].map(relabel)

    cut_keys = pd.DataFrame(cut_rows, columns=["record_id_l", "record_id_r", "cut_for"])
    cut = edges.merge(cut_keys, on=["record_id_l", "record_id_r"], how="inner")
    return components, cut[cut_columns]

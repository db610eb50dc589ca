"""The link graph's plumbing: ordered pairs, analyst override pairs, PNC chains and the first
cut of persons, connected components over the accepted links (splink links at or above the
threshold, equal PNC ids, analyst must-links). Components that hold records which cannot be
one person are re-clustered by ``ingest.resolve_cluster``; person ids are given by
``ingest.person_ids``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from splink.clustering import cluster_pairwise_predictions_at_threshold
from splink.internals.database_api import DatabaseAPISubClass
from core.arrow_isin import isin

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

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
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as csgraph_components

from core.arrow_codes import sort_order
from core.distinct import first_rows
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


def connected_components(record_ids: pd.Series, edges: pd.DataFrame) -> pd.DataFrame:
    """(record_id, component, label) for every record (in the order of ``record_ids``,
    distinct): a component is named by its smallest record id, as splink's SQL connected
    components name it, and numbered by ``label`` (0, 1, ...), so that what groups records by
    component need not hash two million names again.

    Worked out on integer codes by SciPy in memory: splink's SQL loop over DuckDB took seconds
    at two million records, and its input and output went through Python strings.

    >>> connected_components(pd.Series(["c", "a", "b", "d"]),
    ...     pd.DataFrame({"record_id_l": ["b", "c"], "record_id_r": ["c", "d"]}))["component"].tolist()
    ['b', 'a', 'b', 'b']
    """
    ids = arrow_text(record_ids)
    label = component_labels(len(ids), *edge_codes(ids, edges))
    # Each component's smallest id: the first of its records in id order (Arrow's sort is by
    # bytes, which is how DuckDB orders text).
    by_id = sort_order(ids)
    first = by_id[first_rows(label[by_id], label.max() + 1 if len(label) else 0)]
    return pd.DataFrame({"record_id": pd.array(ids, dtype="str"),
                         "component": pd.array(ids.take(pa.array(first[label])), dtype="str"),
                         "label": label.astype(np.int64)})


def edge_codes(ids: pa.Array, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each edge's two ends as positions in ``ids`` (distinct record ids; -1: not among them),
    both columns looked up at once (each lookup hashes every id).

    >>> edge_codes(pa.array(["a", "b"]), pd.DataFrame({"record_id_l": ["a"], "record_id_r": ["z"]}))
    (array([0]), array([-1]))
    """
    ends = pa.concat_arrays([arrow_text(edges["record_id_l"]), arrow_text(edges["record_id_r"])])
    codes = np.asarray(pc.fill_null(pc.index_in(ends, value_set=ids), -1), dtype=np.int64)
    return codes[:len(edges)], codes[len(edges):]


def component_labels(n_records: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The component number of each of ``n_records`` records joined by the edges ``left`` to
    ``right`` (positions among the records), by SciPy.

    >>> component_labels(3, np.array([0]), np.array([2])).tolist()
    [0, 1, 0]
    """
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)),
                       shape=(n_records, n_records))
    return csgraph_components(graph, directed=False)[1]


def arrow_text(values: pd.Series) -> pa.Array:
    """Record ids as one Arrow string array (no Python string per id when they are Arrow
    text already).

    >>> arrow_text(pd.Series(["R1", "R2"], dtype=object)).to_pylist(), arrow_text(pd.Series(["R3"])).type
    (['R1', 'R2'], DataType(string))
    """
    array = pa.array(values.array, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.string())

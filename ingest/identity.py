"""Turn clusters of person records into Persons: stable ids, display names, attributes.

Whatever resolves records into clusters (PNC id rules here, splink in ``ingest.resolve``),
the person table is described the same way, so scoring sees one consistent shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import networkx as nx
import pandas as pd

from graph.batch import CLUSTER_COLUMNS, LINK_COLUMNS, PERSON_COLUMNS, REVIEW_COLUMNS, Identity, empty_frame
from ingest.person_ids import assign_person_ids

if TYPE_CHECKING:
    from ingest.resolve import ResolutionConfig


def _mode(frame: pd.DataFrame, column: str) -> pd.Series:
    """Most frequent non-empty value of ``column`` per person (ties: smallest value)."""
    values = frame[["person_id", column]].dropna()
    if values.empty:
        return pd.Series(dtype="object", name=column)
    counts = values.value_counts().rename("n").reset_index()
    counts = counts.sort_values(["person_id", "n", column], ascending=[True, False, True])
    return counts.drop_duplicates("person_id").set_index("person_id")[column]


def _display_names(frame: pd.DataFrame) -> pd.Series:
    """Each person's name as most of their records give it, as 'Forename SURNAME'.

    The spelling most records agree on wins (one mistyped record must not rename a man every
    list calls by his real name); ties go to the most complete record, then the smallest id.

    >>> records = pd.DataFrame({"person_id": ["P1"] * 3, "record_id": ["A", "B", "C"],
    ...     "forename": ["graham", "Graham", "Graham"], "surname": ["PPRATT", "Pratt", "pratt"],
    ...     "date_of_birth": ["1970-01-01", None, None]})
    >>> _display_names(records).to_dict()
    {'P1': 'Graham PRATT'}
    """
    forename = frame["forename"].fillna("").astype(str).str.strip().str.title()
    surname = frame["surname"].fillna("").astype(str).str.strip().str.upper()
    named = frame.assign(_name=(forename + " " + surname).str.strip(),
                         _complete=frame[["forename", "surname", "date_of_birth"]].notna().sum(axis=1))
    named["_agree"] = named.groupby(["person_id", "_name"])["record_id"].transform("size")
    named.loc[named["_name"].eq(""), "_agree"] = 0  # a record without a name never wins
    best = (named.sort_values(["person_id", "_agree", "_complete", "record_id"],
                              ascending=[True, False, False, True])
            .drop_duplicates("person_id").set_index("person_id")["_name"])
    return best.where(best != "", "(name not recorded)")


def describe_persons(records: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """One row per person (PERSON_COLUMNS) from its records."""
    frame = records.merge(clusters, on="record_id", how="inner")
    frame["sex"] = frame["sex"].where(frame["sex"].isin(["F", "M", "X"]))
    persons = pd.DataFrame({"display_name": _display_names(frame)})
    persons["n_records"] = frame.groupby("person_id").size()
    for column in ("sex", "date_of_birth", "postcode", "ethnicity"):
        persons[column] = _mode(frame, column)
    persons = persons.reset_index(names="person_id")
    return persons[PERSON_COLUMNS].sort_values("person_id").reset_index(drop=True)


def components_from_links(record_ids: pd.Series, links: pd.DataFrame) -> pd.DataFrame:
    """Connected components of records joined by ``links`` (record_id_l, record_id_r)."""
    graph = nx.Graph()
    graph.add_nodes_from(record_ids.astype(str))
    graph.add_edges_from(zip(links["record_id_l"].astype(str), links["record_id_r"].astype(str)))
    rows = [(record, number) for number, part in enumerate(nx.connected_components(graph))
            for record in part]
    return pd.DataFrame(rows, columns=["record_id", "component"])


def pnc_links(records: pd.DataFrame) -> pd.DataFrame:
    """Links between records sharing a PNC id (decisive by the data contract)."""
    with_pnc = records.loc[records["pnc_id"].notna(), ["record_id", "pnc_id"]]
    first = with_pnc.sort_values("record_id").drop_duplicates("pnc_id").rename(
        columns={"record_id": "record_id_l"})
    pairs = with_pnc.merge(first, on="pnc_id").rename(columns={"record_id": "record_id_r"})
    pairs = pairs[pairs["record_id_l"] != pairs["record_id_r"]]
    return pd.DataFrame({
        "record_id_l": pairs["record_id_l"].to_numpy(),
        "record_id_r": pairs["record_id_r"].to_numpy(),
        "match_weight": float("inf"),
        "match_probability": 1.0,
        "method": "pnc",
        "reasons": "same PNC id " + pairs["pnc_id"].astype(str).to_numpy(),
    }, columns=LINK_COLUMNS)


def resolve_by_pnc(records: pd.DataFrame, previous: pd.DataFrame | None = None,
                   lineage: pd.DataFrame | None = None) -> Identity:
    """Deterministic resolution: records sharing a PNC id are one person, others alone."""
    links = pnc_links(records)
    components = components_from_links(records["record_id"], links)
    clusters, events = assign_person_ids(components, previous, lineage)
    return Identity(clusters=clusters.sort_values("record_id").reset_index(drop=True),
                    persons=describe_persons(records, clusters), links=links, lineage=events,
                    review=empty_frame(REVIEW_COLUMNS))


def _resolution_input(records: pd.DataFrame) -> pd.DataFrame:
    """Person records as the resolution engine reads them (dates as ISO strings)."""
    frame = records.copy()
    dob = pd.to_datetime(frame["date_of_birth"], errors="coerce")
    frame["date_of_birth"] = dob.dt.strftime("%Y-%m-%d").where(dob.notna(), None)
    return frame


def _override_pairs(overrides: pd.DataFrame, kind: str) -> pd.DataFrame:
    chosen = overrides[overrides["kind"] == kind] if len(overrides) else overrides
    return chosen.reindex(columns=["record_id_l", "record_id_r"]).reset_index(drop=True)


def make_splink_resolver(config: ResolutionConfig | None = None,
                         progress: Callable[[str], None] | None = None
                         ) -> Callable[..., Identity]:
    """A resolver for ingest: splink + PNC ids + analyst overrides, returning an Identity."""
    from ingest.resolve import ResolutionConfig, resolve_records

    settings = config or ResolutionConfig()

    def resolver(records: pd.DataFrame, previous: pd.DataFrame, overrides: pd.DataFrame,
                 lineage: pd.DataFrame | None = None) -> Identity:
        resolution = resolve_records(
            _resolution_input(records), settings,
            must_link=_override_pairs(overrides, "must_link"),
            cannot_link=_override_pairs(overrides, "cannot_link"),
            previous=previous if len(previous) else None, progress=progress, lineage=lineage)
        links = pd.concat([resolution.links, resolution.cut_links.drop(columns="cut_for")],
                          ignore_index=True) if len(resolution.cut_links) else resolution.links
        return Identity(clusters=resolution.clusters[CLUSTER_COLUMNS],
                        persons=describe_persons(records, resolution.clusters),
                        links=links[LINK_COLUMNS].reset_index(drop=True),
                        lineage=resolution.lineage, review=resolution.review)

    return resolver

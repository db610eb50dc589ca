"""Turn clusters of person records into Persons: stable ids, display names, attributes.

Whatever resolves records into clusters (PNC id rules here, splink in ``ingest.resolve``),
the person table is described the same way, so scoring sees one consistent shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.core.arrays.string_arrow import ArrowStringArray

from core.arrow_codes import arrow_text, sorted_codes
from core.arrow_isin import isin
from core.distinct import alone, first_per_group
from graph.batch import CLUSTER_COLUMNS, LINK_COLUMNS, PERSON_COLUMNS, REVIEW_COLUMNS, Identity, empty_frame
from ingest.increment import Increment
from ingest.person_ids import PersonCodes, assign_person_ids
from ingest.resolve_features import each_distinct, per_distinct

if TYPE_CHECKING:
    from ingest.resolve import Resolution, ResolutionConfig


def _mode(person: np.ndarray, n_persons: int, values: pd.Series) -> Any:
    """Most frequent non-empty value per person code (ties: the smallest value); missing
    where a person has none. ``person`` codes follow the sorted person ids."""
    codes, uniques = _sorted_codes(values)
    known = codes >= 0
    pairs = person[known].astype(np.int64) * (len(uniques) + 1) + codes[known]
    pair, count = np.unique(pairs, return_counts=True)
    who, value = pair // (len(uniques) + 1), pair % (len(uniques) + 1)
    best = first_per_group(who, -count, value)
    if isinstance(uniques, ArrowStringArray):
        # Text is taken as Arrow (-1: missing): no Python string per person, and the persons
        # table takes the column as it is instead of reading millions of strings back.
        chosen = np.full(n_persons, -1, dtype=np.int64)
        chosen[who[best]] = value[best]
        return uniques.take(chosen, allow_fill=True)
    # Filled as NumPy (the column's own missing marker and array type) rather than through a
    # pandas column of Nones and an indexed assignment: that cost most of this at 2M records.
    empty = pd.Series([None], dtype=values.dtype).to_numpy()
    out = np.full(n_persons, empty[0], dtype=empty.dtype)
    out[who[best]] = np.asarray(uniques)[value[best]]
    return out


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
    person, persons = pd.factorize(frame["person_id"], sort=True)
    return pd.Series(_names(frame, person), index=pd.Index(persons, name="person_id"))


def _names(frame: pd.DataFrame, person: np.ndarray) -> np.ndarray:
    """:func:`_display_names` by person code (codes follow the sorted person ids)."""
    # (missing as '': a name part not recorded)
    forename_code, forenames = each_distinct(frame["forename"].fillna(""), lambda text: text.strip().title())
    surname_code, surnames = each_distinct(frame["surname"].fillna(""), lambda text: text.strip().upper())
    # Names are put together once per distinct (forename, surname): far fewer than records.
    pair_code, pairs = pd.factorize(forename_code.astype(np.int64) * len(surnames) + surname_code)
    pair_names = [f"{forenames[pair // len(surnames)]} {surnames[pair % len(surnames)]}".strip()
                  for pair in pairs.tolist()]
    pair_name_code, distinct_names = pd.factorize(np.asarray(pair_names, dtype=object))
    name_code = pair_name_code[pair_code]
    distinct_names = np.asarray(distinct_names, dtype=object)
    key = person.astype(np.int64) * (name_code.max() + 1) + name_code
    _, where, agree = np.unique(key, return_inverse=True, return_counts=True)
    agree = np.where((distinct_names == "")[name_code], 0, agree[where.ravel()])  # no name never wins
    complete = frame[["forename", "surname", "date_of_birth"]].notna().sum(axis=1).to_numpy()
    # The record order only breaks ties between records of one person: ranked among the
    # records of persons with several (sorting every record id cost most of this).
    record = np.zeros(len(frame), dtype=np.int64)
    shared = np.flatnonzero(~alone(person)) if len(person) else np.zeros(0, dtype=np.int64)
    record[shared] = pd.factorize(frame["record_id"].iloc[shared], sort=True)[0]
    best = first_per_group(person, -agree, -complete, record)
    # Spread as Arrow text (no Python string per person; a pandas text column as it is).
    shown = pa.array(np.where(distinct_names == "", "(name not recorded)", distinct_names),
                     pa.string())
    return pd.array(shown.take(pa.array(name_code[best])), dtype="str")


def describe_persons(records: pd.DataFrame, clusters: pd.DataFrame,
                     codes: PersonCodes | None = None) -> pd.DataFrame:
    """One row per person (PERSON_COLUMNS) from its records, sorted by person id.

    Persons are grouped on integer codes (their place among the sorted ids): at a 1M-incident
    force, grouping two million records on the id text took 26 s. ``codes``, when they are the
    codes of exactly ``records`` in their order (a whole resolution's), stand in for joining
    the records to ``clusters`` and hashing the ids again.

    >>> records = pd.DataFrame({"record_id": ["A", "B", "C"], "forename": ["Ann", "ann", "Bo"],
    ...     "surname": ["Lee", "LEE", "Ray"], "date_of_birth": [None, None, None],
    ...     "sex": ["F", "U", "M"], "postcode": ["X1", "X1", None], "ethnicity": [None] * 3})
    >>> describe_persons(records, pd.DataFrame({"record_id": ["A", "B", "C"],
    ...     "person_id": ["P2", "P2", "P1"]}))[["person_id", "display_name", "n_records", "sex"]].values.tolist()
    [['P1', 'Bo RAY', 1, 'M'], ['P2', 'Ann LEE', 2, 'F']]
    """
    if codes is not None and codes.given_for(records["record_id"]):
        frame = records.reset_index(drop=True)
        person, ids = codes.sorted()
        persons = pd.array(ids, dtype="str")
    else:
        frame = records.merge(clusters, on="record_id", how="inner")
        person, persons = _sorted_codes(frame["person_id"])
    frame = frame.assign(sex=frame["sex"].where(frame["sex"].isin(["F", "M", "X"])))
    described = {"person_id": persons,
                 "display_name": _names(frame, person),
                 "n_records": np.bincount(person, minlength=len(persons)).astype(np.int64)}
    for column in ("sex", "date_of_birth", "postcode", "ethnicity"):
        described[column] = _mode(person, len(persons), frame[column])
    return pd.DataFrame(described, columns=PERSON_COLUMNS)


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, Any]:
    """Each value's place among the distinct values sorted (-1: missing), and those values
    (pandas' sorted factorize).

    Arrow text is encoded and only its distinct values sorted, staying Arrow throughout
    (pandas' sorted factorize took twice as long at 2M records); other values go through pandas.

    >>> codes, ids = _sorted_codes(pd.Series(["P2", None, "P1", "P2"], dtype="str"))
    >>> codes.tolist(), list(ids)
    ([1, -1, 0, 1], ['P1', 'P2'])
    """
    if isinstance(values.array, ArrowStringArray):
        codes, distinct = sorted_codes(arrow_text(values.array))
        return codes, pd.array(distinct, dtype=values.dtype)
    codes, distinct = pd.factorize(values, sort=True)
    return codes, np.asarray(distinct)


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
    # Read once per distinct date as given (the format is still inferred from the first
    # date): parsing every record's date cost most of a second at 2M records.
    frame["date_of_birth"] = per_distinct(frame["date_of_birth"], _iso_dates)[0]
    return frame


def _iso_dates(values: pd.Series) -> tuple[pd.Series]:
    """Dates as ISO text ('YYYY-MM-DD'), None where a value is no date."""
    dob = pd.to_datetime(values, errors="coerce")
    return (dob.dt.strftime("%Y-%m-%d").where(dob.notna(), None),)


def _override_pairs(overrides: pd.DataFrame, kind: str) -> pd.DataFrame:
    chosen = overrides[overrides["kind"] == kind] if len(overrides) else overrides
    return chosen.reindex(columns=["record_id_l", "record_id_r"]).reset_index(drop=True)


def make_splink_resolver(config: ResolutionConfig | None = None,
                         progress: Callable[[str], None] | None = None
                         ) -> Callable[..., Identity]:
    """A resolver for ingest: splink + PNC ids + analyst overrides, returning an Identity.

    Given an ``increment`` (what a load changed, and the stored identity), it resolves only
    what the change can reach when it can (``ingest.resolve_increment``), else everything."""
    from ingest.resolve import ResolutionConfig, TrainedModel, resolve_records
    from ingest.resolve_increment import resolve_increment

    settings = config or ResolutionConfig()

    def resolver(records: pd.DataFrame, previous: pd.DataFrame, overrides: pd.DataFrame,
                 lineage: pd.DataFrame | None = None, trained: str | None = None,
                 increment: Increment | None = None) -> Identity:
        given = _resolution_input(records)
        must, cannot = _override_pairs(overrides, "must_link"), _override_pairs(overrides, "cannot_link")
        kept = TrainedModel.from_json(trained)
        resolution = None
        if increment is not None:
            resolution = resolve_increment(given, settings, increment, previous, kept, must_link=must,
                                           cannot_link=cannot, lineage=lineage, progress=progress)
        if resolution is None:
            resolution = resolve_records(
                given, settings, must_link=must, cannot_link=cannot,
                previous=previous if len(previous) else None, progress=progress, lineage=lineage,
                trained=kept)
        links = pd.concat([resolution.links, resolution.cut_links.drop(columns="cut_for")],
                          ignore_index=True) if len(resolution.cut_links) else resolution.links
        return Identity(clusters=resolution.clusters[CLUSTER_COLUMNS],
                        persons=_persons(records, resolution, previous, increment),
                        links=links[LINK_COLUMNS].reset_index(drop=True),
                        lineage=resolution.lineage, review=resolution.review,
                        # a resolution that kept no model clears the stored one: a kept model
                        # always describes the identity stored with it
                        model=resolution.trained.to_json() if resolution.trained else "",
                        how=how_resolved(len(records), resolution), touched=resolution.touched)

    return resolver


_FITTED = {"em": "; the model trained on them", "reused": "; the kept model used (no training)",
           "priors": "; too few to train, fixed priors used"}


def how_resolved(records: int, resolution: Resolution) -> str:
    """What a resolution did, in one sentence for a load's summary.

    >>> from ingest.resolve import Resolution
    >>> events = pd.DataFrame({"event": ["issued", "merged", "issued"]})
    >>> how_resolved(2_000, Resolution(clusters=pd.DataFrame(), links=pd.DataFrame(), lineage=events,
    ...                                stats={"persons": 1_500, "fitted": "reused"}))
    'all 2,000 records resolved into 1,500 persons; the kept model used (no training); person ids: 2 issued, 1 merged'
    """
    persons = resolution.stats.get("persons")
    into = f" into {int(persons):,} persons" if isinstance(persons, (int, np.integer)) else ""
    if resolution.touched is None:
        said = f"all {records:,} records resolved{into}{_FITTED.get(resolution.stats.get('fitted'), '')}"
    else:
        said = (f"only what the load changed was resolved: {len(resolution.touched):,} of {records:,} "
                f"records worked out again, the rest carried as stored; {int(persons or 0):,} persons")
    events = resolution.lineage["event"].value_counts() if len(resolution.lineage) else pd.Series(dtype=int)
    changes = [f"{int(events[event]):,} {event}" for event in ("issued", "merged", "split", "retired")
               if event in events]
    return said + ("; person ids: " + ", ".join(changes) if changes else "; no person id changed")


def _persons(records: pd.DataFrame, resolution: Resolution, previous: pd.DataFrame,
             increment: Increment | None) -> pd.DataFrame:
    """The persons table: described from their records, or, after an incremental resolution,
    the stored rows of the persons it did not touch and the touched persons described."""
    if resolution.touched is None or increment is None:
        return describe_persons(records, resolution.clusters, resolution.person_codes)
    touched = resolution.touched
    clusters = resolution.clusters[isin(resolution.clusters["record_id"], touched)]
    before = previous.loc[isin(previous["record_id"], touched), "person_id"]
    carried = increment.persons[~isin(increment.persons["person_id"], before)]
    described = describe_persons(records[isin(records["record_id"], touched)], clusters)
    # (not sorted again: no store keeps the rows in order, and sorting 1.8M ids took half a
    # second of a 1M-incident force's daily load)
    return pd.concat([carried, described], ignore_index=True)

"""Resolve only what a load changed: its new and changed records against the persons the
store already holds, with the model kept with the store (and the same for the two records an
analyst's link or unlink names).

A daily load with a hundred new person records at a 1M-incident force re-resolved all two
million records (a minute, most of it scoring every candidate pair again and working out
every person), and a regional store re-resolved the whole region with each force's load.
Here the stored identity is carried forward and only what the new records can reach is
worked out again:

1. features of every record (term frequencies, common-name adjustment, are counted over all of
   them, as a whole re-resolution counts them), then splink's ``predict_between`` (the stored
   records a blocking rule pairs with a changed one, against the changed ones) and
   ``predict_within`` (the changed ones among themselves) with the kept model: the same pairs
   and scores the whole re-resolution gives them;
2. the stored links (kept and cut, cut ones with their reasons restored) stand for every pair
   of unchanged records: a pair of unchanged records scores the same under the same model
   and term frequencies (new records move a term frequency by a few in millions), except
   where a PNC chain is laid again because a changed record joins or leaves it;
3. the *touched* records: the changed ones, every record of their stored link components,
   then every record of the new link components those fall into. Components are what the
   no-chain clustering works on, so re-clustering the touched components alone gives what
   re-clustering everything would;
4. those are re-clustered under the same rules, given person ids (stable ids and lineage, as
   ever), and their links and review items replace the stored ones; every other person, link
   and review item is carried over as stored.

It declines (returns None, and the caller resolves everything) when there is no kept model
that suits the records (the same rule as reusing it: ``TrainedModel.suits``), on the Spark
backend, when the stored links name a record no longer held, and when a new id would
collide with a person carried over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from splink import Linker

from core.arrow_codes import positions_of
from core.arrow_isin import isin
from graph.batch import REVIEW_COLUMNS, empty_frame
from ingest.person_ids import assign_person_ids_and_count
from ingest.resolve import (
    CLUSTER_COLUMNS,
    CUT_LINK_COLUMNS,
    NEAR_CANDIDATES_PER_ITEM,
    LINK_COLUMNS,
    Progress,
    Resolution,
    ResolutionConfig,
    TrainedModel,
    _check_records,
    _contradictions,
    _edges,
    _quiet_splink,
    _say,
    _score_pairs,
    _split_links,
    capped_review,
    links_from_predictions,
    recluster_under_rules,
    review_queue,
    rule_members,
)
from ingest.resolve_backends import ResolutionBackend, open_backend
from ingest.resolve_features import features_to_arrow, prepare_features
from ingest.increment import Increment
from ingest.resolve_graph import (
    arrow_text,
    clean_override_pairs,
    component_labels,
    edge_codes,
    connected_components,
    pnc_chain_pairs,
)

__all__ = ["resolve_increment"]

# How a stored cut link's reasons begin (ingest.resolve._split_links): taken off to have the
# link's own reasons back when it is clustered again.
_CUT_PREFIX = r"^(?:cut: [^;]*; |cut to keep .*? apart \(analyst cannot-link\); )"


def resolve_increment(records: pd.DataFrame, config: ResolutionConfig, increment: Increment,
                      previous: pd.DataFrame | None, trained: TrainedModel | None,
                      must_link: pd.DataFrame | None = None,
                      cannot_link: pd.DataFrame | None = None,
                      lineage: pd.DataFrame | None = None,
                      progress: Progress | None = None) -> Resolution | None:
    """Resolve ``records`` (every person record) carrying the stored identity forward (see
    the module docstring); None when it cannot, and everything must be resolved.

    ``Resolution.touched`` names the records whose person was worked out again: every other
    record keeps its stored person, and that person's row stands as stored.
    """
    say = _say(progress)
    _check_records(records)
    # (on Spark every load still resolves everything: splink's predict_between there is
    # untried, and training on Spark is too slow to test it on a kept model)
    if (config.backend != "duckdb" or trained is None or previous is None or previous.empty
            or records.empty or not trained.suits(config, len(records))):
        return None
    started = time.perf_counter()
    timings: dict[str, float] = {}
    features = prepare_features(records.reset_index(drop=True))
    known = pd.Index(features["record_id"])
    changed = pd.Series(pd.unique(increment.changed.astype(str)), dtype="str")
    changed = changed[isin(changed, features["record_id"])].reset_index(drop=True)
    cannot = clean_override_pairs(cannot_link, known)
    must = _contradictions(clean_override_pairs(must_link, known), cannot, say)
    ids = arrow_text(features["record_id"])
    is_changed = np.asarray(isin(features["record_id"], changed), dtype=bool)
    stored_ends = edge_codes(ids, increment.links)
    if (stored_ends[0] < 0).any() or (stored_ends[1] < 0).any():
        say("the stored links name records no longer held: resolving every record")
        return None
    touches = is_changed[stored_ends[0]] | is_changed[stored_ends[1]]
    links = _StoredLinks.split(increment.links[LINK_COLUMNS].reset_index(drop=True), touches,
                               features, changed)
    timings["features"] = time.perf_counter() - started

    stage = time.perf_counter()
    say(f"using the model trained on {trained.records} records (no training)")
    say(f"scoring the {len(changed):,} {increment.said} against the "
        f"{len(features) - len(changed):,} others")
    backend = open_backend(config)
    try:
        with _quiet_splink():
            edges, near = _new_edges(backend, features, changed, config, trained, links.chain,
                                     _touching(must, changed), links.old_chain)
            timings["predict"] = time.perf_counter() - stage

            stage = time.perf_counter()
            touched = _touched(ids, stored_ends, touches, edges, is_changed)
            say(f"clustering the {len(touched):,} records the change can reach")
            every_edge = pd.concat([_without_pairs(links.carried, edges, links.regrouped), edges],
                                   ignore_index=True)
            local_edges = _restore_cut_reasons(every_edge[isin(every_edge["record_id_l"], touched)]
                                               .reset_index(drop=True))
            components = connected_components(touched, local_edges)
            members = rule_members(backend, components, config)
    finally:
        backend.close()
    reclustered = recluster_under_rules(components, local_edges, members,
                                        _touching(cannot, touched, both=True), config)
    timings["cluster"] = time.perf_counter() - stage

    stage = time.perf_counter()
    resolution = _carried_forward(reclustered.components, local_edges, reclustered.cut, near,
                                  touched, increment, previous, lineage, config)
    timings["persons"] = time.perf_counter() - stage
    if resolution is None:
        say("a new person id would repeat one carried over: resolving every record")
        return None
    resolution.model, resolution.trained = trained.model, trained
    resolution.stats.update({
        "records": len(features), "fitted": "reused", "incremental": True,
        "changed_records": len(changed), "touched_records": len(touched),
        **reclustered.stats,
        "probability_two_random_records_match": trained.model.get("probability_two_random_records_match"),
        "seconds": {name: round(value, 3) for name, value in timings.items()},
    })
    return resolution


@dataclass(frozen=True)
class _StoredLinks:
    """The stored links, sorted by what becomes of them.

    ``carried``: those that stand as they are; ``old_chain``: PNC chain links of a chain laid
    again (``chain``: its new links, over the ``regrouped`` records), to be scored again.
    Links with a changed record at one end are in neither: they are worked out again."""

    carried: pd.DataFrame
    old_chain: pd.DataFrame
    chain: pd.DataFrame
    regrouped: pd.Series

    @classmethod
    def split(cls, stored: pd.DataFrame, touches: np.ndarray, features: pd.DataFrame,
              changed: pd.Series) -> _StoredLinks:
        """``touches``: whether each stored link has a changed record at one end."""
        regrouped = _pnc_regrouped(features, stored[touches], changed)
        old_chain = ~touches & (stored["method"] == "pnc").to_numpy() \
            & np.asarray(isin(stored["record_id_l"], regrouped), dtype=bool)
        return cls(carried=stored[~touches & ~old_chain], old_chain=stored[old_chain],
                   chain=_touching(pnc_chain_pairs(features), regrouped, both=True),
                   regrouped=regrouped)


def _touching(pairs: pd.DataFrame, ids: pd.Series, both: bool = False) -> pd.DataFrame:
    """The pairs (record_id_l, record_id_r) with one end (``both``: both ends) in ``ids``."""
    left, right = isin(pairs["record_id_l"], ids), isin(pairs["record_id_r"], ids)
    return pairs[(left & right) if both else (left | right)].reset_index(drop=True)


def _pnc_regrouped(features: pd.DataFrame, touching: pd.DataFrame, changed: pd.Series) -> pd.Series:
    """Ids of the records whose PNC chain is laid again: every record holding a PNC id that a
    changed record holds now or was chained to (``touching``: stored links with a changed
    record at one end). Records sharing a PNC id are linked as a chain in record-id order
    (``pnc_chain_pairs``): a record joining or leaving the chain changes its links."""
    chained = touching[touching["method"] == "pnc"]
    holders = pd.concat([changed, chained["record_id_l"], chained["record_id_r"]], ignore_index=True)
    pncs = features.loc[isin(features["record_id"], holders), "pnc"].dropna()
    return pd.Series(features.loc[isin(features["pnc"], pncs), "record_id"].to_numpy(), dtype="str")


def _without_pairs(carried: pd.DataFrame, edges: pd.DataFrame, regrouped: pd.Series) -> pd.DataFrame:
    """The carried links less any pair ``edges`` links anew: only a pair inside a PNC chain
    laid again can be both (every other new link has a changed record at one end)."""
    inside = np.flatnonzero(np.asarray(isin(carried["record_id_l"], regrouped), dtype=bool))
    if not len(inside) or edges.empty:
        return carried
    pair = ["record_id_l", "record_id_r"]
    again = pd.MultiIndex.from_frame(carried.iloc[inside][pair]).isin(
        pd.MultiIndex.from_frame(edges[pair]))
    return carried.drop(index=carried.index[inside[again]])


def _new_edges(backend: ResolutionBackend, features: pd.DataFrame, changed: pd.Series,
               config: ResolutionConfig, trained: TrainedModel, chain: pd.DataFrame,
               must: pd.DataFrame, old_chain: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Links with a changed record at one end (scored pairs at or above the threshold,
    must-links), the PNC chains laid again (``chain``) and the stored chain links they replace
    (``old_chain``: links still if scored at or above the threshold, as the whole resolution
    would find them); and the scored pairs just under it (for the review queue)."""
    new_features = features[isin(features["record_id"], changed)].reset_index(drop=True)
    every = backend.load_features(features_to_arrow(features))
    linker = Linker(every, trained.model, log_level=None)
    # Term frequencies over every record, as a whole re-resolution's scoring counts them.
    for column in linker._settings_obj._term_frequency_columns:
        linker.table_management.compute_tf_table(column.name)
    new = backend.db_api.register(features_to_arrow(new_features))
    # Only the stored records some blocking rule pairs with a new one: splink's own blocking
    # of every stored record against the new ones took 52 s in a 10.9M-record region.
    rules = [rule.blocking_rule_sql for rule in linker._settings_obj._blocking_rules_to_generate_predictions]
    stored = backend.blocked_with(new, rules)
    threshold = min(config.match_threshold, config.review_threshold)
    near = NEAR_CANDIDATES_PER_ITEM * config.review_max_pairs
    frames = []
    for predictions in (
            linker.inference.predict_between(stored, new, threshold_match_probability=threshold,
                                             warning_mode="never"),
            linker.inference.predict_within(new, threshold_match_probability=threshold,
                                            warning_mode="never")):
        frames.append(backend.fetch(predictions, config.match_threshold, near))
        predictions.drop_table_from_database_and_remove_from_cache()
    between, within = frames
    scored = pd.concat([between, within], ignore_index=True)
    above = scored["match_probability"].to_numpy(dtype=float) >= config.match_threshold
    near_pairs = scored[~above].sort_values("match_probability", ascending=False).head(near)
    pair = ["record_id_l", "record_id_r"]
    forced_pairs = pd.concat([chain, must], ignore_index=True).drop_duplicates()
    forced = links_from_predictions(_score_pairs(linker, backend, forced_pairs), config)
    again = _score_pairs(linker, backend, old_chain[pair].reset_index(drop=True))
    again = again[again["match_probability"].to_numpy(dtype=float) >= config.match_threshold]
    accepted = links_from_predictions(pd.concat([scored[above], again], ignore_index=True), config)
    return _edges(accepted, forced, chain, must), near_pairs.reset_index(drop=True)


def _restore_cut_reasons(links: pd.DataFrame) -> pd.DataFrame:
    """Stored links as the clustering takes them: a cut one with its own reasons back."""
    reasons = links["reasons"].astype(str)
    was_cut = reasons.str.startswith("cut")
    return links.assign(reasons=reasons.where(~was_cut, reasons.str.replace(_CUT_PREFIX, "", regex=True)))


def _touched(ids: pa.Array, stored: tuple[np.ndarray, np.ndarray], touches: np.ndarray,
             new_edges: pd.DataFrame, is_changed: np.ndarray) -> pd.Series:
    """The records (of ``ids``) whose person the change can alter: the changed records with
    every record of their stored components, then every record of the new components those
    fall into (over the stored links not touching a changed record, and ``new_edges``).
    ``stored``: the stored links' ends as positions in ``ids``; ``touches``: whether each has
    a changed record at one end.

    A component (records joined by links, before the rules cut any) is what the clustering
    works on; every stored component is inside one new component, unless a changed record
    held it together, so this set is whole components both before and after.
    """
    left, right = stored
    reach = _holding(component_labels(len(ids), left, right), is_changed)
    # (the new links' ends are few: looked up without hashing every record id again)
    ends = positions_of(ids, pa.concat_arrays([arrow_text(new_edges["record_id_l"]),
                                               arrow_text(new_edges["record_id_r"])]))
    left = np.concatenate([left[~touches], ends[:len(new_edges)]])
    right = np.concatenate([right[~touches], ends[len(new_edges):]])
    whole = _holding(component_labels(len(ids), left, right), reach)
    return pd.Series(pd.array(ids.filter(pa.array(whole)), dtype="str"))


def _holding(labels: np.ndarray, marked: np.ndarray) -> np.ndarray:
    """Whether each row's component (``labels``) holds a ``marked`` row.

    >>> _holding(np.array([0, 1, 0, 2]), np.array([False, False, True, False])).tolist()
    [True, False, True, False]
    """
    holds = np.zeros(int(labels.max()) + 1 if len(labels) else 0, dtype=bool)
    holds[labels[marked]] = True
    return holds[labels]


def _carried_forward(components: pd.DataFrame, edges: pd.DataFrame, cut: pd.DataFrame,
                     near: pd.DataFrame, touched: pd.Series, increment: Increment,
                     previous: pd.DataFrame, lineage: pd.DataFrame | None,
                     config: ResolutionConfig) -> Resolution | None:
    """The touched records' persons, links and review items worked out again; everything else
    as stored. None when a new id would repeat a person id carried over."""
    earlier = previous[isin(previous["record_id"], touched)]
    kept = previous[~isin(previous["record_id"], touched)]
    clusters, events, *_ = assign_person_ids_and_count(components, earlier, lineage,
                                                       sort_by_record=True)
    issued = events.loc[events["event"] == "issued", "person_id"]
    # (the carried ids looked up among the few new ones, not hashed themselves)
    if len(issued) and isin(kept["person_id"], issued).any():
        return None
    links, cut_links = _split_links(edges, cut)
    stored_links = increment.links[~isin(increment.links["record_id_l"], touched)]
    stored_cut = stored_links["reasons"].astype(str).str.startswith("cut")
    carried_cut = stored_links[stored_cut.to_numpy()].assign(
        cut_for=np.where(stored_links.loc[stored_cut, "reasons"].str.startswith("cut: "), "rule", ""))
    clusters = pd.concat([kept[CLUSTER_COLUMNS], clusters[CLUSTER_COLUMNS]], ignore_index=True)
    review = _review(review_queue(clusters.iloc[len(kept):], cut_links, near, config),
                     increment.review, touched, clusters, config)
    links = pd.concat([stored_links[~stored_cut.to_numpy()], links], ignore_index=True)
    cut_links = pd.concat([carried_cut[CUT_LINK_COLUMNS], cut_links], ignore_index=True)
    # (counted without hashing two million ids: the touched records' earlier persons are
    # wholly among them, so the carried persons are the stored ones less those)
    persons = (len(increment.persons) - earlier["person_id"].nunique()
               + clusters.iloc[len(kept):]["person_id"].nunique())
    return Resolution(clusters=clusters, links=links[LINK_COLUMNS].reset_index(drop=True),
                      cut_links=cut_links, lineage=events, review=review,
                      stats={"persons": persons, "links": len(links), "cut_links": len(cut_links)},
                      touched=touched)


def _review(fresh: pd.DataFrame, stored: pd.DataFrame, touched: pd.Series,
            clusters: pd.DataFrame, config: ResolutionConfig) -> pd.DataFrame:
    """The review queue: the touched records' items as worked out now, the stored items of
    other records, and stored near-threshold items of touched records whose two records are
    still different persons; each kind capped as ``review_queue`` caps it."""
    stored = stored.reindex(columns=REVIEW_COLUMNS)
    inside = isin(stored["record_id_l"], touched) | isin(stored["record_id_r"], touched)
    near = stored[inside & (stored["kind"] == "near_threshold")]
    person = clusters[isin(clusters["record_id"], pd.concat([near["record_id_l"], near["record_id_r"]]))] \
        .set_index("record_id")["person_id"]
    apart = person.reindex(near["record_id_l"]).to_numpy() != person.reindex(near["record_id_r"]).to_numpy()
    frames = [frame for frame in (stored[~inside], near[apart], fresh) if len(frame)]
    if not frames:
        return empty_frame(REVIEW_COLUMNS)
    items = pd.concat(frames, ignore_index=True).drop_duplicates("item_id", keep="last")
    items = capped_review(items, config)
    return items[REVIEW_COLUMNS].reset_index(drop=True)

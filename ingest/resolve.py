"""Resolve person records into persons with splink (on DuckDB, or on Spark: see
``ingest.resolve_backends``), PNC ids and analyst overrides, and say why each merge was made.

A serial perpetrator recorded as 'Jon Smyth 1985-03-12', 'SMITH, John 1985-12-03' and
'John Smith (no DOB)' must be counted once, with all his victims; a victim recorded twice must
not count as two victims. This module is pure: DataFrames in, DataFrames out; the only I/O is
splink's own engine (an in-memory DuckDB connection, or a Spark session).

How a resolution runs (``resolve_records``):

1. normalise names, dates, postcodes, addresses (``ingest.resolve_features``);
2. train the splink model without labels: the prior from near-certain rules, u by random
   sampling (seeded), m by EM on a few blocking rules; inputs too small to train on use the
   fixed priors of ``ingest.resolve_model`` instead. A model trained by an earlier resolution
   of the same store (``TrainedModel``) is used again instead while the records number within
   ``retrain_after_change`` of those it was trained on, under the same settings;
3. score candidate pairs (blocking rules from the config) and keep those at or above
   ``match_threshold``; score PNC pairs and analyst must-links too, whatever their score;
4. connected components of those links (splink's clustering), then analyst cannot-links
   split components by a minimum cut (``ingest.resolve_graph``);
5. stable person ids: a cluster whose record set is unchanged keeps its previous id.

Overrides: a must-link always merges; a cannot-link always separates, and wins over
must-links and PNC ids when they contradict (a wrong merge gives one man another's victims,
which is the worse error; the analyst can lift the cannot-link).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from splink import Linker, block_on
from splink.blocking_analysis import count_comparisons_from_blocking_rules
from splink.internals.exceptions import SplinkException
from splink.internals.splink_dataframe import SplinkDataFrame

from core.arrow_isin import isin
from core.distinct import alone
from graph.batch import LINEAGE_COLUMNS, REVIEW_COLUMNS, empty_frame
from ingest.resolve_backends import ResolutionBackend, open_backend
from ingest.resolve_cluster import Reclustered, recluster
from ingest.resolve_config import ResolutionConfig
from ingest.resolve_features import features_to_arrow, prepare_features
from ingest.person_ids import PersonCodes, assign_person_ids, assign_person_ids_and_count, person_id_for
from ingest.resolve_graph import (
    METHOD_RANK,
    arrow_text,
    clean_override_pairs,
    connected_components,
    ordered_pairs,
    pnc_chain_pairs,
)
from ingest.resolve_model import (
    UNIQUE_ID,
    agreement_levels,
    blocking_rule_creator,
    build_settings,
    comparison_specs,
    prior_match_probability,
)
from ingest.resolve_reasons import predictions_reasons, prefix_reasons, split_evidence

__all__ = [
    "CLUSTER_COLUMNS", "LINK_COLUMNS", "Resolution", "ResolutionConfig", "ResolutionInputError",
    "TrainedModel", "build_settings", "explain_person", "links_from_predictions", "person_id_for",
    "resolve_records",
]

CLUSTER_COLUMNS = ["record_id", "person_id"]
LINK_COLUMNS = ["record_id_l", "record_id_r", "match_weight", "match_probability", "method",
                "reasons"]
CUT_LINK_COLUMNS = [*LINK_COLUMNS, "cut_for"]

Progress = Callable[[str], None]


class ResolutionInputError(ValueError):
    """The records cannot be resolved as given (e.g. a duplicated or missing record_id)."""


@dataclass
class Resolution:
    """The persons found, and the evidence for every merge."""

    clusters: pd.DataFrame
    """record_id, person_id: every input record exactly once."""
    links: pd.DataFrame
    """LINK_COLUMNS: the links that hold each person together ('splink', 'pnc', 'must_link')."""
    cut_links: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CUT_LINK_COLUMNS))
    """Links removed to honour an analyst cannot-link (``cut_for`` names the pair)."""
    model: dict[str, Any] = field(default_factory=dict)
    """The trained splink model (settings with m/u values), for audit and reproduction."""
    trained: TrainedModel | None = None
    """The model with what it was trained on, to keep with the store (None: nothing to keep)."""
    stats: dict[str, Any] = field(default_factory=dict)
    """Counts, timings per stage and how the model was fitted."""
    lineage: pd.DataFrame = field(default_factory=lambda: empty_frame(LINEAGE_COLUMNS))
    """Person-id events this resolution causes (issued, merged, split, retired)."""
    review: pd.DataFrame = field(default_factory=lambda: empty_frame(REVIEW_COLUMNS))
    """Pairs an analyst should look at (REVIEW_COLUMNS): near the threshold, or kept apart by
    a rule (conflicting dates of birth or PNC ids, a record close to two people)."""
    touched: pd.Series | None = None
    """Ids of the records whose person was worked out (None: every record); any other record
    keeps the person the store holds for it (``ingest.resolve_increment``)."""
    person_codes: PersonCodes | None = None
    """Each resolved record's person as a code, records in the order given (None: not at hand),
    for describing the persons without joining the records to their clusters."""


@dataclass(frozen=True)
class TrainedModel:
    """A splink model trained by one resolution, kept with the store to be used again.

    ``records``: how many records it was trained on; ``settings``: the fingerprint of the
    resolution settings it was trained under (:meth:`ResolutionConfig.model_fingerprint`).

    >>> kept = TrainedModel({"link_type": "dedupe_only"}, 1_000, "abc")
    >>> TrainedModel.from_json(kept.to_json()) == kept
    True
    >>> config = ResolutionConfig(retrain_after_change=0.1)
    >>> [TrainedModel({}, 1_000, config.model_fingerprint()).suits(config, n) for n in (1_090, 1_200)]
    [True, False]
    """

    model: dict[str, Any]
    records: int
    settings: str

    def suits(self, config: ResolutionConfig, n_records: int) -> bool:
        """Whether this model may resolve ``n_records`` under ``config`` without training."""
        change = abs(n_records - self.records) / max(self.records, 1)
        return (self.settings == config.model_fingerprint() and self.records >= config.min_records_for_training
                and change <= config.retrain_after_change)

    def to_json(self) -> str:
        return json.dumps({"model": self.model, "records": self.records, "settings": self.settings})

    @classmethod
    def from_json(cls, text: str | None) -> TrainedModel | None:
        """The model kept as ``text`` (None when there is none, or it cannot be read)."""
        if not text:
            return None
        try:
            kept = json.loads(text)
            return cls(dict(kept["model"]), int(kept["records"]), str(kept["settings"]))
        except (ValueError, KeyError, TypeError):
            return None  # an unreadable model is trained again, not trusted


def _say(progress: Progress | None) -> Progress:
    return progress if progress is not None else (lambda _message: None)


@contextmanager
def _quiet_splink() -> Iterator[None]:
    """splink logs every step at INFO/WARNING; resolution reports through ``progress``."""
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _check_records(records: pd.DataFrame) -> None:
    """Fail early, in words, on inputs no resolution can handle."""
    if "record_id" not in records:
        raise ResolutionInputError("records need a record_id column")
    ids = records["record_id"]
    if ids.isna().any():
        raise ResolutionInputError("records have an empty record_id")
    # (pandas' is_unique: a third of the time of Arrow's unique, which grows its hash table
    # slowly over millions of distinct ids; duplicated() is only needed to name one)
    if ids.is_unique:
        return
    duplicated = ids.astype(str).duplicated()
    if duplicated.any():
        first = ids[duplicated].astype(str).iloc[0]
        raise ResolutionInputError(f"record_id {first!r} appears more than once")


def _empty_resolution(previous: pd.DataFrame | None, lineage: pd.DataFrame | None) -> Resolution:
    nothing = pd.DataFrame({"record_id": pd.Series(dtype=str), "component": pd.Series(dtype=str)})
    clusters, events = assign_person_ids(nothing, previous, lineage)
    return Resolution(clusters=clusters.astype(str), links=pd.DataFrame(columns=LINK_COLUMNS),
                      stats={"records": 0}, lineage=events)


def _prior(sdf: SplinkDataFrame, config: ResolutionConfig, n_records: int,
           say: Progress) -> float:
    """Chance that two random records are one person.

    Trainable inputs: pairs found by the near-certain ``prior_deterministic_rules``, scaled
    up by their assumed recall, over all pairs (what splink's own estimator does, with a
    fallback instead of a zero). Small inputs: the population-level ``untrained_match_prior``
    that goes with the fixed m/u priors.
    """
    if n_records < config.min_records_for_training:
        return config.untrained_match_prior
    fallback = prior_match_probability(n_records, config.records_per_person_prior)
    counts = count_comparisons_from_blocking_rules(
        sdf, blocking_rules=[blocking_rule_creator(rule)
                             for rule in config.prior_deterministic_rules],
        link_type="dedupe_only", unique_id_column_name=UNIQUE_ID, record_sample_proportion=1.0)
    found = counts[-1]["cumulative_comparison_count"]
    total = counts[-1]["total_possible_comparison_count"]
    if found == 0 or total == 0:
        say(f"no pairs meet the deterministic rules; prior from "
            f"{config.records_per_person_prior} records per person")
        return fallback
    return min(0.5, found / config.prior_deterministic_recall / total)


def _linker(backend: ResolutionBackend, features: pd.DataFrame, config: ResolutionConfig,
            say: Progress, reuse: TrainedModel | None = None) -> tuple[Linker, bool]:
    """A splink linker over the features: with ``reuse``'s trained model, else with the prior
    the input calls for (to be trained).

    Returns the linker and whether common-name (term frequency) adjustment is on.
    """
    n_records = len(features)
    sdf = backend.load_features(features_to_arrow(features))
    use_tf = (config.term_frequency_adjustments
              and n_records >= config.min_records_for_term_frequencies)
    if reuse is not None:
        return Linker(sdf, reuse.model, log_level=None), use_tf
    settings = build_settings(config, term_frequencies=use_tf,
                              probability_two_random_records_match=_prior(sdf, config,
                                                                          n_records, say))
    return Linker(sdf, settings, log_level=None), use_tf


def _pair_count(features: pd.DataFrame, columns: list[str]) -> int:
    """How many record pairs agree on all ``columns`` (none missing).

    Counted on integer codes (one per value, -1 for a missing one) rather than by a pandas
    group-by over the text columns.

    >>> _pair_count(pd.DataFrame({"a": ["x", "x", "x", None], "b": ["1", "1", "2", "1"]}), ["a", "b"])
    1
    """
    key = np.zeros(len(features), dtype=np.int64)
    known = np.ones(len(features), dtype=bool)
    for column in columns:
        codes, uniques = pd.factorize(features[column])
        known &= codes >= 0
        # (re-coded after each column, so that the key stays under rows x values)
        key = pd.factorize(key * (len(uniques) + 1) + codes + 1)[0].astype(np.int64)
    values = np.bincount(pd.factorize(key[known])[0]).astype(np.int64)
    return int((values * (values - 1) // 2).sum())


def _em_session(linker: Linker, rule: list[str], max_pairs: float | None, say: Progress) -> bool:
    """One EM session on pairs agreeing on ``rule``; False (model untouched) if it fails."""
    # splink removes the comparisons a training rule uses from the live model before
    # training and only puts them back on success, so a failed session must be undone.
    snapshot = linker._settings_obj.core_model_settings.copy()
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*rule), estimate_without_term_frequencies=True, max_pairs=max_pairs)
    except (SplinkException, ValueError, ZeroDivisionError) as exc:
        linker._settings_obj.core_model_settings = snapshot
        say(f"EM on {' + '.join(rule)} skipped: {str(exc).splitlines()[0]}")
        return False
    return True


def _train(linker: Linker, config: ResolutionConfig, training_pairs: dict[str, int],
           n_records: int, say: Progress) -> str:
    """Fit the model without labels; returns how it was fitted ('em' or 'priors').

    ``training_pairs`` counts the pairs each training rule (joined with '+') would give.
    """
    if n_records < config.min_records_for_training:
        say(f"{n_records} records: too few to train, using fixed m/u priors")
        return "priors"
    training = linker.training
    say("estimating u (chance agreement) by random sampling")
    try:
        training.estimate_u_using_random_sampling(max_pairs=config.max_pairs_for_u,
                                                  seed=config.seed)
    except (SplinkException, ValueError, ZeroDivisionError) as exc:
        say(f"u not estimated ({str(exc).splitlines()[0]}); using fixed priors")
        return "priors"
    # Sampling blocked pairs only pays on large inputs; on small ones the probe is noise.
    max_pairs = config.max_pairs_for_training if n_records >= 50_000 else None
    fitted = 0
    for rule in config.training_blocking_rules:
        name = " + ".join(rule)
        if training_pairs.get(name, 0) < config.min_pairs_for_em:
            say(f"EM on {name} skipped: only {training_pairs.get(name, 0)} pairs")
            continue
        say(f"EM on pairs agreeing on {name}")
        fitted += _em_session(linker, rule, max_pairs, say)
    if not fitted:
        return "priors"
    for comparison, level in _agreement_never_against(linker, config):
        say(f"EM weighed '{level}' ({comparison}) against a match; held at no weight either way")
    return "em"


def _agreement_never_against(linker: Linker, config: ResolutionConfig) -> list[tuple[str, str]]:
    """Raise the trained m of every agreement level (``agreement_levels``) that EM left below
    its u to that u: such a level then weighs nothing either way. Returns those raised."""
    agreements = agreement_levels(config)
    raised = []
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            key = (comparison.output_column_name, level.label_for_charts)
            if level.is_null_level or key not in agreements:
                continue
            if level.m_probability < level.u_probability:
                level.m_probability = level.u_probability
                raised.append(key)
    return raised


# Pairs under the match threshold fetched per review item the queue may hold.
NEAR_CANDIDATES_PER_ITEM = 4


def _score_candidates(linker: Linker, backend: ResolutionBackend,
                      config: ResolutionConfig) -> pd.DataFrame:
    """Pairs found by the blocking rules and scored at or above the review threshold (those
    under ``match_threshold`` are only candidates for the review queue)."""
    chunks = config.predict_chunks
    predictions = linker.inference.predict(
        threshold_match_probability=min(config.match_threshold, config.review_threshold),
        num_chunks_left=chunks if chunks > 1 else None,
        num_chunks_right=chunks if chunks > 1 else None,
        warning_mode="never")
    # The queue keeps the review_max_pairs closest pairs that end in different persons; a few
    # times as many candidates leave room for those that end in one person after all.
    # Fetching every pair down to the review threshold into pandas would cost as much as the
    # links themselves; the queue can use no more than these.
    frame = backend.fetch(predictions, config.match_threshold,
                          NEAR_CANDIDATES_PER_ITEM * config.review_max_pairs)
    predictions.drop_table_from_database_and_remove_from_cache()
    return frame


def _score_pairs(linker: Linker, backend: ResolutionBackend, pairs: pd.DataFrame) -> pd.DataFrame:
    """splink's score for given pairs whatever it is (PNC pairs, must-links)."""
    if pairs.empty:
        return pd.DataFrame(columns=["record_id_l", "record_id_r", "match_weight",
                                     "match_probability"])
    table = pa.table({
        "match_key": pa.array(["0"] * len(pairs), pa.string()),
        "join_key_l": pa.array(pairs["record_id_l"].to_numpy(), pa.string()),
        "join_key_r": pa.array(pairs["record_id_r"].to_numpy(), pa.string()),
    })
    registered = backend.db_api.register(table)
    linker.table_management.register_blocked_pairs_for_predict(registered)
    predictions = linker.inference.predict(warning_mode="never")
    frame = backend.fetch(predictions, None, 0)
    predictions.drop_table_from_database_and_remove_from_cache()
    return frame


def links_from_predictions(scored: pd.DataFrame, config: ResolutionConfig) -> pd.DataFrame:
    """splink predictions (with gamma_/mw_ columns, from any backend, as pandas) as links:
    ordered pair ids, rounded weights and the plain-word waterfall reasons."""
    if scored.empty:
        return pd.DataFrame(columns=["record_id_l", "record_id_r", "match_weight",
                                     "match_probability", "reasons"])
    reasons = predictions_reasons(scored, comparison_specs(config), config.max_reasons)
    left, right = ordered_pairs(scored["record_id_l"], scored["record_id_r"])
    # Rounded so that float noise from parallel sums cannot change a re-run's output.
    return pd.DataFrame({
        "record_id_l": left, "record_id_r": right,
        "match_weight": scored["match_weight"].to_numpy(dtype=float).round(6),
        "match_probability": scored["match_probability"].to_numpy(dtype=float).round(9),
        "reasons": reasons,
    })


# One row per linked pair. A pair scored both ways (accepted by splink and forced by a PNC id
# or an analyst) keeps splink's row; the method is the strongest that links it; a decisive
# reason (analyst, PNC) goes in front of splink's terms, whose own PNC term would say it twice.
_EDGES_SQL = r"""
WITH scored AS (
    SELECT record_id_l, record_id_r, match_weight, match_probability, reasons
    FROM (SELECT *, 0 AS source FROM accepted_pairs UNION ALL SELECT *, 1 AS source FROM forced_pairs)
    QUALIFY row_number() OVER (PARTITION BY record_id_l, record_id_r ORDER BY source, position) = 1),
kinds AS (
    SELECT record_id_l, record_id_r, max(rank) AS rank, bool_or(rank = 1) AS pnc, bool_or(rank = 2) AS must
    FROM (SELECT record_id_l, record_id_r, 0 AS rank FROM accepted_pairs
          UNION ALL SELECT record_id_l, record_id_r, 1 FROM pnc_pairs
          UNION ALL SELECT record_id_l, record_id_r, 2 FROM must_pairs)
    GROUP BY record_id_l, record_id_r),
said AS (
    SELECT k.*, s.match_weight, s.match_probability,
           regexp_replace(coalesce(s.reasons, 'not scored'), '(^|; )same PNC id \([+-][0-9.]+\)', '', 'g') AS terms,
           concat_ws('; ', CASE WHEN must THEN 'analyst must-link' END,
                           CASE WHEN pnc THEN 'same PNC id (decisive)' END) AS decisive
    FROM kinds k LEFT JOIN scored s USING (record_id_l, record_id_r)),
tidied AS (
    SELECT *, CASE WHEN starts_with(terms, '; ') THEN terms[3:] ELSE terms END AS rest FROM said)
SELECT record_id_l, record_id_r, match_weight, match_probability,
       CASE rank WHEN 2 THEN 'must_link' WHEN 1 THEN 'pnc' ELSE 'splink' END AS method,
       concat_ws('; ', nullif(decisive, ''), CASE WHEN rest = '' THEN 'no other evidence' ELSE rest END) AS reasons
FROM tidied
ORDER BY record_id_l, record_id_r
"""


def _edges(accepted: pd.DataFrame, forced: pd.DataFrame, pnc_pairs: pd.DataFrame,
           must_pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per linked pair: its score, the strongest method that links it, reasons
    (``_EDGES_SQL``, in DuckDB: the same joins in pandas took 1.4 s at a 1M-incident force)."""
    pair_columns = ["record_id_l", "record_id_r"]
    scored_columns = [*pair_columns, "match_weight", "match_probability", "reasons"]

    def arrow(frame: pd.DataFrame, columns: list[str]) -> pa.Table:
        table = pa.Table.from_pandas(frame[columns], preserve_index=False)
        return table.append_column("position", pa.array(np.arange(len(frame)))) \
            if "reasons" in columns else table

    with duckdb.connect() as con:
        for name, frame, columns in (("accepted_pairs", accepted, scored_columns),
                                     ("forced_pairs", forced, scored_columns),
                                     ("pnc_pairs", pnc_pairs, pair_columns),
                                     ("must_pairs", must_pairs, pair_columns)):
            con.register(name, arrow(frame.astype({c: "str" for c in pair_columns}), columns))
        edges = con.sql(_EDGES_SQL).to_arrow_table()
    return edges.to_pandas()[LINK_COLUMNS]


def _scored_edges(linker: Linker, backend: ResolutionBackend, config: ResolutionConfig,
                  pnc_pairs: pd.DataFrame, must: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every link: blocked pairs scored at or above the threshold, plus PNC and must-link
    pairs whatever their score (scored too, so their explanations carry the evidence); and
    the scored pairs just under the threshold (raw predictions, for the review queue)."""
    scored = _score_candidates(linker, backend, config)
    above = scored["match_probability"].to_numpy(dtype=float) >= config.match_threshold
    near = scored[~above].reset_index(drop=True)
    accepted = links_from_predictions(scored[above].reset_index(drop=True), config)
    del scored
    forced_pairs = pd.concat([pnc_pairs, must], ignore_index=True).drop_duplicates()
    # A forced pair splink accepted keeps splink's row (``_EDGES_SQL``): only the others are
    # scored again (129 of 36,905 PNC pairs at a 1M-incident force).
    accepted_pairs = pd.MultiIndex.from_frame(accepted[["record_id_l", "record_id_r"]].astype("str"))
    again = ~pd.MultiIndex.from_frame(forced_pairs[["record_id_l", "record_id_r"]].astype("str")).isin(accepted_pairs)
    forced = links_from_predictions(_score_pairs(linker, backend, forced_pairs[again]), config)
    return _edges(accepted, forced, pnc_pairs, must), near


def _contradictions(must: pd.DataFrame, cannot: pd.DataFrame, say: Progress) -> pd.DataFrame:
    """Drop must-links the analyst also marked cannot-link: cannot-link wins."""
    if must.empty or cannot.empty:
        return must
    both = must.merge(cannot, on=["record_id_l", "record_id_r"], how="left", indicator=True)
    clash = both["_merge"] == "both"
    for row in both[clash].itertuples(index=False):
        say(f"must-link and cannot-link both given for {row.record_id_l}/{row.record_id_r}: "
            "cannot-link wins")
    return must[~clash.to_numpy()].reset_index(drop=True)


def resolve_records(records: pd.DataFrame, config: ResolutionConfig,
                    must_link: pd.DataFrame | None = None,
                    cannot_link: pd.DataFrame | None = None,
                    previous: pd.DataFrame | None = None,
                    progress: Progress | None = None,
                    lineage: pd.DataFrame | None = None,
                    trained: TrainedModel | None = None) -> Resolution:
    """Resolve person records into persons (see the module docstring for the steps).

    ``records`` has ``record_id`` and any of forename, surname, date_of_birth, sex, postcode,
    address, pnc_id (strings; missing as None/NaN). ``must_link`` / ``cannot_link`` are
    (record_id_l, record_id_r) pairs; ``previous`` is the last (record_id, person_id) and
    ``lineage`` the person-id events so far (``ingest.person_ids``): ids survive merges and
    splits, and ``Resolution.lineage`` holds the events this resolution adds. ``trained``: a
    model kept from an earlier resolution, used instead of training when it suits these
    records (:meth:`TrainedModel.suits`).

    >>> people = pd.DataFrame({"record_id": ["a", "b", "c"],
    ...     "forename": ["John", "Jon", "Mary"], "surname": ["Smith", "Smyth", "Jones"],
    ...     "date_of_birth": ["1985-03-12", "1985-12-03", "1990-01-01"],
    ...     "postcode": ["NE12AB", "NE12AB", "SW1A1AA"]})
    >>> resolution = resolve_records(people, ResolutionConfig())
    >>> sorted(resolution.clusters.groupby("person_id")["record_id"].apply(list).tolist())
    [['a', 'b'], ['c']]
    """
    say = _say(progress)
    _check_records(records)
    if records.empty:
        return _empty_resolution(previous, lineage)
    started = time.perf_counter()
    timings: dict[str, float] = {}

    features = prepare_features(records.reset_index(drop=True))
    known = pd.Index(features["record_id"])
    cannot = clean_override_pairs(cannot_link, known)
    must = _contradictions(clean_override_pairs(must_link, known), cannot, say)
    pnc_pairs = pnc_chain_pairs(features)
    timings["features"] = time.perf_counter() - started
    n_records = len(features)

    reuse = trained if trained is not None and trained.suits(config, n_records) else None
    backend = open_backend(config)
    try:
        with _quiet_splink():
            linker, use_tf = _linker(backend, features, config, say, reuse)
            record_ids = features["record_id"]
            training_pairs = {" + ".join(rule): _pair_count(features, rule)
                              for rule in config.training_blocking_rules} if reuse is None else {}
            # The backend holds the only copy now (DuckDB's spillable, under its memory limit).
            del features

            stage = time.perf_counter()
            if reuse is not None:
                say(f"using the model trained on {reuse.records} records (no training)")
                fitted = "reused"
            else:
                fitted = _train(linker, config, training_pairs, n_records, say)
            # Training leaves its sampled pairs and comparison vectors cached in the engine; at
            # millions of records that is GBs that scoring does not need.
            linker.table_management.invalidate_cache()
            timings["train"] = time.perf_counter() - stage

            stage = time.perf_counter()
            say("scoring candidate pairs")
            edges, near = _scored_edges(linker, backend, config, pnc_pairs, must)
            timings["predict"] = time.perf_counter() - stage

            stage = time.perf_counter()
            say(f"clustering {n_records} records over {len(edges)} links")
            components = connected_components(record_ids, edges)
            members = rule_members(backend, components, config)
            model = linker.misc.save_model_to_json()
    finally:
        backend.close()
    reclustered = recluster_under_rules(components, edges, members, cannot, config)
    components, cut = reclustered.components, reclustered.cut
    for pair in sorted(set(cut["cut_for"]) - {"rule"}):
        say(f"cannot-link {pair}: cut the weakest links between them")
    if reclustered.stats.get("components_reclustered"):
        say(f"{reclustered.stats['components_reclustered']} persons held records that cannot be "
            f"one person: {reclustered.stats['links_cut']} links cut, "
            f"{reclustered.stats['records_left_alone']} ambiguous records left alone")
    timings["cluster"] = time.perf_counter() - stage
    stage = time.perf_counter()
    resolution = _after_clustering(components, edges, cut, near, previous, lineage, config)
    timings["persons"] = time.perf_counter() - stage
    resolution.model = model
    if reuse is not None:
        resolution.trained = reuse
    elif fitted == "em":  # priors are not worth keeping: a small store trains when it grows
        resolution.trained = TrainedModel(model, n_records, config.model_fingerprint())
    resolution.stats = {
        "records": n_records, "persons": resolution.stats["persons"],
        "links": resolution.stats["links"], "cut_links": resolution.stats["cut_links"],
        "fitted": fitted, "term_frequencies": use_tf, **reclustered.stats,
        "probability_two_random_records_match": model.get("probability_two_random_records_match"),
        "seconds": {name: round(value, 3) for name, value in timings.items()},
    }
    return resolution


def rule_members(backend: ResolutionBackend, components: pd.DataFrame,
                 config: ResolutionConfig) -> pd.DataFrame:
    """What the no-chain rules compare for the records of multi-record ``components``
    (``COMPONENT_MEMBERS_SQL`` on the backend's features); no dates of birth when the config
    does not trust them."""
    if "label" in components and len(components):
        # Only records sharing a component have anything to compare: most components hold one
        # record, and handing the engine all two million costs more than counting them here.
        label = components["label"].to_numpy(np.int64)
        components = components[~alone(label)]
    members = backend.component_members(pa.table({
        "record_id": arrow_text(components["record_id"]),
        "component": arrow_text(components["component"])}))
    if not config.dob_rule:  # dates of birth untrusted: nothing for the rule to compare
        members = members.assign(dob=None)
    return members


def recluster_under_rules(components: pd.DataFrame, edges: pd.DataFrame, members: pd.DataFrame,
                          cannot: pd.DataFrame, config: ResolutionConfig) -> Reclustered:
    """``ingest.resolve_cluster.recluster`` with the config's margin and forename rule."""
    return recluster(components, edges, members, cannot, config.ambiguity_margin_bits,
                     forename_similar=min(config.forename_jaro_winkler) if config.forename_rule else None)


def _after_clustering(components: pd.DataFrame, edges: pd.DataFrame, cut: pd.DataFrame,
                      near: pd.DataFrame, previous: pd.DataFrame | None,
                      lineage: pd.DataFrame | None, config: ResolutionConfig) -> Resolution:
    """Persons from the final components: stable ids and their lineage, the links split into
    kept and cut, and the review queue (stats hold only the counts; the caller adds the rest)."""
    clusters, events, persons, codes = assign_person_ids_and_count(components, previous, lineage,
                                                                   sort_by_record=True)
    links, cut_links = _split_links(edges, cut)
    review = review_queue(clusters, cut_links, near, config)
    stats = {"persons": persons, "links": len(links),
             "cut_links": len(cut_links)}
    return Resolution(clusters=clusters[CLUSTER_COLUMNS], links=links, cut_links=cut_links,
                      stats=stats, lineage=events, review=review, person_codes=codes)


def _cut_rule(reasons: pd.Series) -> pd.Series:
    """The rule each cut link's reasons name ('cut: RULE; ...'), '' where none: matched by
    Arrow (pandas matched each text in Python, most of the queue's time at 2M records).

    >>> _cut_rule(pd.Series(["cut: dates of birth differ; w", "other"], dtype="str")).tolist()
    ['dates of birth differ', '']
    """
    text = pa.array(reasons.astype("str").array)
    rule = pc.struct_field(pc.extract_regex(text, r"^cut: (?P<rule>[^;]*);"), 0)
    return pd.Series(pd.array(pc.fill_null(rule, ""), dtype="str"), index=reasons.index)


def _review_kind(why: pd.Series) -> np.ndarray:
    text = why.astype(str)
    return np.select([text.str.startswith("dates of birth"), text.str.startswith("PNC"),
                      text.str.startswith("forenames")],
                     ["dob_conflict", "pnc_conflict", "forename_conflict"], "ambiguous_record")


def review_queue(clusters: pd.DataFrame, cut_links: pd.DataFrame, near: pd.DataFrame,
                 config: ResolutionConfig) -> pd.DataFrame:
    """What an analyst should check (REVIEW_COLUMNS), each pair with the evidence for and
    against it being one person: links the rules cut (not the analyst's own cannot-links),
    and pairs scored just under the threshold that ended in different persons. Item ids are
    derived from the kind and the pair, so a re-resolution gives an item the same id."""
    frames = []
    if len(cut_links):
        ruled = cut_links[cut_links["cut_for"] == "rule"]
        if len(ruled):
            why = _cut_rule(ruled["reasons"])
            terms = ruled["reasons"].str.replace(r"^cut: [^;]*; ", "", regex=True)
            frames.append(pd.DataFrame({
                "kind": _review_kind(why), "record_id_l": ruled["record_id_l"].to_numpy(),
                "record_id_r": ruled["record_id_r"].to_numpy(),
                "match_weight": ruled["match_weight"].to_numpy(dtype=float),
                "match_probability": ruled["match_probability"].to_numpy(dtype=float),
                "terms": terms.to_numpy(), "why": why.to_numpy(),
                "note": ("kept apart: " + why).to_numpy()}))
    if len(near) and config.review_max_pairs:
        left, right = ordered_pairs(near["record_id_l"], near["record_id_r"])
        # Only the near pairs' records are looked up: an index over every record cost more
        # than the whole queue at millions of records.
        theirs = clusters[isin(clusters["record_id"], np.concatenate([left, right]))]
        person = theirs.set_index("record_id")["person_id"]
        apart = person.reindex(left).to_numpy() != person.reindex(right).to_numpy()
        chosen = near[apart].sort_values("match_probability", ascending=False) \
            .head(config.review_max_pairs).reset_index(drop=True)
        if len(chosen):
            left, right = ordered_pairs(chosen["record_id_l"], chosen["record_id_r"])
            terms = predictions_reasons(chosen, comparison_specs(config), max_terms=20)
            frames.append(pd.DataFrame({
                "kind": "near_threshold", "record_id_l": left, "record_id_r": right,
                "match_weight": chosen["match_weight"].to_numpy(dtype=float).round(6),
                "match_probability": chosen["match_probability"].to_numpy(dtype=float).round(9),
                "terms": terms, "why": "",
                "note": f"scored just under the match threshold ({config.match_threshold})"}))
    if not frames:
        return empty_frame(REVIEW_COLUMNS)
    items = capped_review(pd.concat(frames, ignore_index=True), config)
    evidence = split_evidence(items["terms"])
    items["evidence_for"], items["evidence_against"] = evidence
    ruled = items["why"] != ""
    items.loc[ruled, "evidence_against"] = (items.loc[ruled, "why"] + "; "
                                            + items.loc[ruled, "evidence_against"]).str.removesuffix("; none")
    items["item_id"] = [review_item_id(kind, left, right) for kind, left, right in
                        zip(items["kind"], items["record_id_l"], items["record_id_r"])]
    return items[REVIEW_COLUMNS].reset_index(drop=True)


def capped_review(items: pd.DataFrame, config: ResolutionConfig) -> pd.DataFrame:
    """Review items strongest first within each kind, each kind capped at
    ``review_max_pairs``."""
    items = items.sort_values(["kind", "match_weight", "record_id_l", "record_id_r"],
                              ascending=[True, False, True, True])
    return items.groupby("kind", sort=False).head(max(config.review_max_pairs, 1))


def review_item_id(kind: str, left: str, right: str) -> str:
    """A review item's id: the same pair of the same kind always gets the same id.

    >>> review_item_id("near_threshold", "R1", "R2") == review_item_id("near_threshold", "R1", "R2")
    True
    """
    return "RV-" + hashlib.sha1(f"{kind}|{left}|{right}".encode("utf-8")).hexdigest()[:8]


def _split_links(edges: pd.DataFrame, cut: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Links that hold persons together, and links cut by a cannot-link or by a rule (a
    conflict of dates of birth or PNC ids, an ambiguous record), said in the reasons."""
    if cut.empty:
        return edges, pd.DataFrame(columns=CUT_LINK_COLUMNS)
    key = ["record_id_l", "record_id_r"]
    # Only links whose both ends appear in a cut pair can be cut: join those alone rather
    # than every link.
    maybe = np.flatnonzero(np.asarray(isin(edges["record_id_l"], cut["record_id_l"]))
                           & np.asarray(isin(edges["record_id_r"], cut["record_id_r"])))
    marked = edges.iloc[maybe].merge(cut[[*key, "cut_for", "why"]], on=key, how="left")
    hit = marked["cut_for"].notna().to_numpy()
    is_cut = np.zeros(len(edges), dtype=bool)
    is_cut[maybe[hit]] = True
    cut_links = marked[hit].copy()
    by_analyst = cut_links["why"] == "analyst cannot-link"
    cut_links["reasons"] = np.where(
        by_analyst, "cut to keep " + cut_links["cut_for"] + " apart (analyst cannot-link); ",
        "cut: " + cut_links["why"].astype(str) + "; ") + cut_links["reasons"]
    return (edges[~is_cut].reset_index(drop=True),
            cut_links[CUT_LINK_COLUMNS].reset_index(drop=True))


def explain_person(resolution: Resolution, person_id: str) -> pd.DataFrame:
    """Every link inside one person (and any cut away from it), strongest first.

    Columns: LINK_COLUMNS plus ``status`` ('merged' or 'cut').
    """
    records = set(resolution.clusters.loc[resolution.clusters["person_id"] == person_id,
                                          "record_id"])
    if not records:
        raise KeyError(f"no person {person_id!r} in this resolution")
    inside = resolution.links[isin(resolution.links["record_id_l"], records)
                              & isin(resolution.links["record_id_r"], records)]
    touching_cut = resolution.cut_links[isin(resolution.cut_links["record_id_l"], records)
                                        | isin(resolution.cut_links["record_id_r"], records)]
    frame = pd.concat([inside.assign(status="merged"),
                       touching_cut[LINK_COLUMNS].assign(status="cut")], ignore_index=True)
    return frame.sort_values("match_weight", ascending=False).reset_index(drop=True)


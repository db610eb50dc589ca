"""The settings of person resolution, as data a force can edit (YAML -> this validated model).

Everything that changes which records become one person lives here: the acceptance threshold,
the blocking rules, the fuzzy-match thresholds, how much data the model trains on. The model
is printed into every export (``model_dump``), so a list can be reproduced.

Blocking rules are data, not code: a list of column names becomes ``block_on(...)`` (the
columns must be equal on both records); a string is a SQL condition over ``l.`` and ``r.``
columns, written in plain ANSI SQL so it runs on DuckDB and on Spark alike.

The columns a rule may name are the derived columns of :mod:`ingest.resolve_features`
(``FEATURE_COLUMNS``).
"""

from __future__ import annotations

import hashlib
import json

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.settings import load_yaml_settings
from ingest.resolve_features import FEATURE_COLUMNS

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[str, ...] = Backend.__args__
"""Where splink may run (``ingest.resolve_backends`` has a module for each)."""

# A blocking rule: columns that must be equal, or an ANSI SQL condition over l./r. columns.
BlockingRule = list[str] | str

Probability = Annotated[float, Field(gt=0.0, lt=1.0)]


def _check_rule(rule: BlockingRule) -> BlockingRule:
    """A rule naming columns must name derived feature columns; a SQL rule must use l. and r."""
    if isinstance(rule, str):
        if "l." not in rule or "r." not in rule:
            raise ValueError(f"SQL blocking rule must compare l. and r. columns: {rule!r}")
        return rule
    if not rule:
        raise ValueError("a blocking rule needs at least one column")
    unknown = [column for column in rule if column not in FEATURE_COLUMNS]
    if unknown:
        raise ValueError(f"unknown column(s) {unknown} in blocking rule; "
                         f"known: {sorted(FEATURE_COLUMNS)}")
    return rule


class ResolutionConfig(BaseModel):
    """How person records are resolved into persons (validated; editable by a force in YAML).

    >>> ResolutionConfig().match_threshold
    0.9
    >>> ResolutionConfig.model_validate({"match_threshold": 0.99}).match_threshold
    0.99
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- decisions -------------------------------------------------------------------------
    match_threshold: Probability = 0.9
    """Match probability at or above which a scored pair of records is accepted as one person.
    0.9 is about +3.2 bits after the prior; on Febrl and the synthetic benchmark 0.9 and 0.95
    differ by under 1 point of F1 (see docs/entity-resolution.md)."""

    ambiguity_margin_bits: float = Field(default=5.0, ge=0.0)
    """A record with no date of birth and no PNC id whose links reach two people who cannot be
    one (their dates of birth or PNC ids conflict) joins the nearer only when its best link
    there beats its best link to the other by more than this many bits; otherwise it is left
    on its own and queued for review (ingest.resolve_cluster)."""
    review_threshold: Probability = 0.5
    """Pairs scored between this probability and ``match_threshold`` whose records end in
    different persons are queued for an analyst's review, closest to the threshold first."""
    review_max_pairs: int = Field(default=2_000, ge=0)
    """At most this many near-threshold pairs in the review queue."""

    # --- training (unsupervised: no labels are ever needed) --------------------------------
    seed: int = 42
    """Seed for splink's random sampling of non-matching pairs (u estimation)."""
    max_pairs_for_training: int = Field(default=2_000_000, ge=1_000)
    """Upper bound on blocked pairs used by each EM session on inputs of 50,000 records or
    more (splink samples records to fit); smaller inputs train on every blocked pair."""
    min_pairs_for_em: int = Field(default=100, ge=1)
    """An EM session whose rule gives fewer pairs than this is skipped (its comparisons keep
    their priors or earlier estimates)."""
    max_pairs_for_u: int = Field(default=2_000_000, ge=1_000)
    """Upper bound on random pairs sampled to estimate u (chance agreement) probabilities."""
    min_records_for_training: int = Field(default=1_000, ge=2)
    """Below this many records EM cannot learn; fixed m/u priors are used instead."""
    min_records_for_term_frequencies: int = Field(default=1_000, ge=2)
    """Below this many records name frequencies are noise, so common-name adjustment is off."""
    term_frequency_adjustments: bool = True
    """Down-weight agreement on common names (SMITH) and up-weight rare ones."""
    training_blocking_rules: list[list[str]] = Field(default_factory=lambda: [
        ["forename_n", "surname_n"],
        ["dob"],
    ])
    """One EM session per rule; each estimates the comparisons its rule does not fix."""
    prior_deterministic_rules: list[BlockingRule] = Field(default_factory=lambda: [
        ["forename_n", "surname_n", "dob"],
        ["pnc"],
    ])
    """Near-certain rules used to estimate how many record pairs are matches at all."""
    prior_deterministic_recall: Probability = 0.7
    """Share of true matches the deterministic rules are believed to find."""
    records_per_person_prior: float = Field(default=1.3, gt=1.0, le=20.0)
    """Used when the prior cannot be estimated: expected records per person."""
    untrained_match_prior: Probability = 1e-4
    """Chance two random records are one person, used with the fixed priors on inputs too
    small to train on: the fixed u values describe a whole population, so the prior must too
    (1e-4 is a population of a few thousand records), or a tiny input links too eagerly."""
    retrain_after_change: float = Field(default=0.1, ge=0.0)
    """A model trained by an earlier resolution of the store is used again (no training) while
    the number of records is within this share of the number it was trained on and the
    settings are the same: a daily load or an analyst's link then re-resolves without
    training, and a pair scores the same from one day to the next. ``harmgraph resolve``
    always trains."""
    em_max_iterations: int = Field(default=25, ge=1, le=500)
    em_convergence: float = Field(default=1e-4, gt=0.0)

    # --- candidate pairs --------------------------------------------------------------------
    blocking_rules: list[BlockingRule] = Field(default_factory=lambda: [
        ["pnc"],
        ["surname_n", "dob"],
        ["forename_n", "dob"],
        ["forename_n", "surname_n", "postcode_district"],
        ["forename_sdx", "surname_sdx", "dob_year"],
        ["forename_n", "surname_n", "dob_month_day"],
        ["dob", "postcode"],
        ["dob", "surname_sdx"],
        ["dob", "forename_sdx"],
        ["forename_n", "postcode"],
        ["surname_n", "postcode"],
        ["surname_n", "address_n"],
        "l.forename_n = r.surname_n AND l.surname_n = r.forename_n",
        "l.dob = r.dob_swapped AND l.surname_sdx = r.surname_sdx",
        # Forename and surname swapped and one of them mistyped (MRAK Toundchon, Mark TOUNDCHON):
        # no rule above pairs them, as none compares a forename's sound with a surname's. Both
        # ways round: a pair is put to each rule one way only, and the typo may change a sound.
        "l.dob = r.dob AND l.forename_sdx = r.surname_sdx",
        "l.dob = r.dob AND l.surname_sdx = r.forename_sdx",
    ])
    """Only record pairs meeting at least one rule are scored (keeps 2M records tractable)."""

    # --- fuzzy-match thresholds ---------------------------------------------------------------
    forename_jaro_winkler: list[Annotated[float, Field(gt=0.5, lt=1.0)]] = Field(
        default_factory=lambda: [0.92, 0.85])
    surname_jaro_winkler: list[Annotated[float, Field(gt=0.5, lt=1.0)]] = Field(
        default_factory=lambda: [0.92, 0.85])
    swapped_jaro_winkler: Annotated[float, Field(gt=0.5, lt=1.0)] = 0.88
    """Forename and surname swapped *and* misspelt still count as swapped at this similarity."""
    address_jaro_winkler: Annotated[float, Field(gt=0.5, lt=1.0)] = 0.9
    dob_max_years_apart: int = Field(default=5, ge=1, le=50)
    """DOBs further apart than this count as clear disagreement (father and son)."""
    forename_conflict_m: Probability | None = None
    """m of 'forename differs' when fixed (2e-3 is about -9 bits): brothers, twins and partners
    at one address share a surname, an address and sometimes a date of birth, and EM alone can
    let that outweigh two different forenames. Default ``null``: EM estimates it (fixing it at
    2e-3 raised hard-negative precision 0.983 -> 0.984 but cost Febrl 1-1.5 points of recall,
    whose duplicates often have a replaced forename)."""
    dob_rule: bool = True
    """The clustering refuses a person whose known dates of birth cannot be one person's (see
    ``ingest.resolve_cluster``). Switch off only for data whose dates of birth are replaced
    rather than mistyped (a test set such as Febrl, a source that fills unknown dates with a
    random one): then only PNC ids and analysts' cannot-links keep records apart, and fathers and
    sons of one name at one address merge."""
    forename_rule: bool = True
    """The clustering refuses a person holding two forenames that are not a typo, an initial,
    a sound-alike or a nickname of each other (``ingest.resolve_names``): twins and brothers at
    one address, whom a shared surname, address and date of birth otherwise join. Switch off
    for data whose forenames are replaced rather than mistyped (Febrl)."""
    dob_conflict_m: Probability | None = 1e-6
    """How often one person's two records carry dates of birth further apart than
    ``dob_max_years_apart`` (and not one keystroke or a day/month swap out). Fixed, not
    learned: EM would learn it from namesakes living together (father and son) and then
    merge them. 1e-6 makes such a conflict a near-veto (about -20 bits); None lets EM
    estimate it (better recall where dates are often garbage, riskier for namesakes)."""

    # --- explanations -------------------------------------------------------------------------
    max_reasons: int = Field(default=4, ge=1, le=10)
    """How many waterfall terms (largest first) each link's reasons show."""

    # --- execution ------------------------------------------------------------------------------
    backend: Backend = "duckdb"
    """Where splink trains and scores (``ingest.resolve_backends``): ``duckdb`` in this process,
    or ``spark`` (the ``spark`` extra and Java 17), with the same model, rules and training;
    clustering, overrides and person ids are the same code on both."""
    spark_master: str = "local[2]"
    """The Spark master a new session starts on: ``local[N]`` runs Spark in this machine with N
    cores, ``spark://host:7077`` (or ``yarn``) a cluster."""
    spark_driver_memory: str = Field(default="2g", pattern=r"^\d+[kmgt]?$")
    """Memory of the Spark driver a new session starts with (in local mode, all of Spark)."""
    spark_shuffle_partitions: int = Field(default=8, ge=1, le=10_000)
    """Partitions of Spark's shuffles: a few per core (Spark's default of 200 suits a cluster,
    and costs seconds of task overhead per stage on small inputs)."""
    spark_checkpoint_dir: str | None = None
    """Where splink writes its intermediate tables on Spark (Parquet): storage every node
    reads (``hdfs://...``, ``s3a://...``) on a cluster. None: a temporary folder of this
    machine, removed after each resolution (enough for ``local[N]``)."""
    spark_conf: dict[str, str] = Field(default_factory=dict)
    """Further Spark settings for a new session (``spark.executor.memory``, or for small
    inputs ``spark.sql.codegen.wholeStage: "false"``, which skips compiling code a run of a
    few seconds does not repay)."""
    predict_chunks: int = Field(default=1, ge=1, le=64)
    """Split scoring into chunks x chunks pieces to cap memory on very large inputs."""
    duckdb_threads: int | None = Field(default=None, ge=1)
    duckdb_memory_limit: str | None = Field(default="1.5GB", pattern=r"^\d+(\.\d+)?\s*[KMGT]i?B$")
    """e.g. '3GB'; DuckDB spills to disk beyond it. None = DuckDB's own (80% of RAM).
    1.5GB by default: with the load's other tables set aside on disk meanwhile, a 1M-incident
    load peaked at 3.1 GB (2GB: 3.5 GB) and resolved 2 million records in the same time, side
    by side (111 s against 108-114 s; 1.4GB: 131 s, scoring slower as it spills more)."""

    @field_validator("blocking_rules", "prior_deterministic_rules")
    @classmethod
    def _rules_are_known(cls, rules: list[BlockingRule]) -> list[BlockingRule]:
        if not rules:
            raise ValueError("at least one rule is needed")
        return [_check_rule(rule) for rule in rules]

    @field_validator("training_blocking_rules")
    @classmethod
    def _training_rules_are_columns(cls, rules: list[list[str]]) -> list[list[str]]:
        for rule in rules:
            _check_rule(rule)
        return rules

    @field_validator("forename_jaro_winkler", "surname_jaro_winkler")
    @classmethod
    def _descending(cls, thresholds: list[float]) -> list[float]:
        distinct = len(set(thresholds)) == len(thresholds)
        if not thresholds or thresholds != sorted(thresholds, reverse=True) or not distinct:
            raise ValueError("Jaro-Winkler thresholds must be one or more, distinct, descending")
        return thresholds

    def summary(self) -> dict[str, Any]:
        """The settings as plain data, for printing in an export header."""
        return self.model_dump(mode="json")

    def model_fingerprint(self) -> str:
        """What a trained model depends on, as a short hash: every setting but when to retrain.

        >>> ResolutionConfig().model_fingerprint() == ResolutionConfig(retrain_after_change=0.5).model_fingerprint()
        True
        >>> ResolutionConfig().model_fingerprint() == ResolutionConfig(match_threshold=0.95).model_fingerprint()
        False
        """
        settings = self.model_dump(mode="json", exclude={"retrain_after_change"})
        return hashlib.sha1(json.dumps(settings, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def load_resolution_config(path: str | Path | None = None) -> ResolutionConfig:
    """The force's resolution settings: ``path``, else the defaults. The CLI passes the same
    file (its option, or $HARMGRAPH_RESOLUTION_CONFIG) to every re-resolve (ingest, resolve,
    link, unlink), so an analyst's override never re-resolves with other thresholds than the
    last load.

    A bad file is one sentence naming the file and each bad setting.
    """
    if not path:
        return ResolutionConfig()
    return load_yaml_settings(path, ResolutionConfig, "resolution config")


def with_execution(config: ResolutionConfig, backend: str | None = None,
                   spark_master: str | None = None) -> ResolutionConfig:
    """``config`` with the backend and Spark master a command line chose (None keeps the
    settings file's); the model is the same on every backend.

    >>> with_execution(ResolutionConfig(), "spark", "local[4]").spark_master
    'local[4]'
    >>> with_execution(ResolutionConfig(backend="spark")).backend
    'spark'
    """
    chosen = {name: value for name, value in (("backend", backend), ("spark_master", spark_master))
              if value is not None}
    return ResolutionConfig.model_validate({**config.model_dump(), **chosen}) if chosen else config

"""The splink model of 'same person': comparisons, their levels, priors and plain-word labels.

Each comparison is a ladder of levels from most to least alike (e.g. date of birth: exact,
day/month swapped, one digit out, within a few years, different). Each level carries
* a plain-word label used in every explanation ("dob day/month swapped"),
* prior m and u probabilities (how often true matches / chance pairs reach that level), which
  EM and random sampling then re-estimate; on inputs too small to train the priors are used
  as they are.

Only splink's dialect-neutral level creators and ANSI SQL appear here, so the same
``SettingsCreator`` runs on DuckDB and on Spark (see ``docs/entity-resolution.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.column_expression import ColumnExpression
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect

from ingest.resolve_config import BlockingRule, ResolutionConfig

UNIQUE_ID = "record_id"


@dataclass(frozen=True)
class LevelSpec:
    """One rung of a comparison: how it is tested, what it is called, its prior m and u."""

    creator: ComparisonLevelCreator
    label: str
    m: float | None = None
    u: float | None = None
    term_frequencies: str | None = None  # column for common-name adjustment on this level
    fixed: bool = False  # m and u are facts (PNC), never re-estimated
    fixed_m: bool = False  # m is domain knowledge EM must not move (see the level's comment)
    # The level records a difference (names differ, dates years apart, another address), so
    # training may weigh it against a match. Every other level is some agreement, which
    # training may weigh at nothing but never against (``agreement_levels``).
    difference: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.creator, cll.ElseLevel):
            object.__setattr__(self, "difference", True)


@dataclass(frozen=True)
class ComparisonSpec:
    """A named comparison; its first level is the null level (no evidence either way)."""

    name: str
    levels: tuple[LevelSpec, ...]

    def labels_by_gamma(self) -> dict[int, str]:
        """Plain label for each comparison-vector value splink assigns (null -1, then
        the remaining levels counting down to 0 for the last, 'else', level)."""
        labels = {-1: self.levels[0].label}
        rest = self.levels[1:]
        for position, level in enumerate(rest):
            labels[len(rest) - 1 - position] = level.label
        return labels


class SwappedNamesLevel(ComparisonLevelCreator):
    """Forename and surname swapped, each side allowing a typo: Jaro-Winkler of forename
    against the other record's surname, and of surname against its forename, both at or
    above ``threshold`` ('whiite harriet' / 'harriet white').

    Written like splink's own levels (the dialect names its Jaro-Winkler function), so it
    stays backend-neutral.
    """

    def __init__(self, forename: str, surname: str, threshold: float):
        self.forename = ColumnExpression.instantiate_if_str(forename)
        self.surname = ColumnExpression.instantiate_if_str(surname)
        self.threshold = threshold

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        self.forename.sql_dialect = sql_dialect
        self.surname.sql_dialect = sql_dialect
        jaro_winkler = sql_dialect.jaro_winkler_function_name
        return (f"{jaro_winkler}({self.forename.name_l}, {self.surname.name_r}) >= "
                f"{self.threshold} AND {jaro_winkler}({self.surname.name_l}, "
                f"{self.forename.name_r}) >= {self.threshold}")

    def create_label_for_charts(self) -> str:
        return f"Names swapped, Jaro-Winkler >= {self.threshold}"


def _null(column: str, label: str) -> LevelSpec:
    return LevelSpec(cll.NullLevel(column), label)


def _forename(config: ResolutionConfig) -> ComparisonSpec:
    high, *lower = config.forename_jaro_winkler
    levels = [
        _null("forename_n", "forename missing"),
        LevelSpec(cll.ExactMatchLevel("forename_n"), "forename exact", 0.80, 0.012,
                  term_frequencies="forename_n"),
        LevelSpec(cll.ColumnsReversedLevel("forename_n", "surname_n", symmetrical=True),
                  "forename and surname swapped", 0.01, 1.5e-4),
        LevelSpec(SwappedNamesLevel("forename_n", "surname_n", config.swapped_jaro_winkler),
                  "forename and surname swapped, with a typo", 0.005, 1e-4),
        LevelSpec(cll.JaroWinklerLevel("forename_n", high), "forename nearly the same",
                  0.07, 0.003),
    ]
    levels += [LevelSpec(cll.JaroWinklerLevel("forename_n", threshold), "forename similar",
                         0.04, 0.01) for threshold in lower]
    levels += [
        # Only when one record holds just an initial ('J' vs 'John'); two different names
        # that merely start alike are 'forename differs'.
        LevelSpec(cll.CustomLevel("(LENGTH(forename_n_l) = 1 OR LENGTH(forename_n_r) = 1) "
                                  "AND forename_initial_l = forename_initial_r"),
                  "forename initial only", 0.03, 0.003),
        # Fixed (``forename_conflict_m``): two different forenames, neither an initial nor a
        # typo of the other, are brothers, twins or partners at one address far more often
        # than one person keyed twice; EM learns it too mildly from such households.
        LevelSpec(cll.ElseLevel(), "forename differs",
                  config.forename_conflict_m if config.forename_conflict_m is not None else 0.05,
                  0.915, fixed_m=config.forename_conflict_m is not None),
    ]
    return ComparisonSpec("forename", tuple(levels))


def _surname(config: ResolutionConfig) -> ComparisonSpec:
    high, *lower = config.surname_jaro_winkler
    levels = [
        _null("surname_n", "surname missing"),
        LevelSpec(cll.ExactMatchLevel("surname_n"), "surname exact", 0.82, 0.003,
                  term_frequencies="surname_n"),
        LevelSpec(cll.ColumnsReversedLevel("forename_n", "surname_n", symmetrical=True),
                  "surname and forename swapped", 0.01, 1.5e-4),
        LevelSpec(SwappedNamesLevel("forename_n", "surname_n", config.swapped_jaro_winkler),
                  "surname and forename swapped, with a typo", 0.005, 1e-4),
        LevelSpec(cll.JaroWinklerLevel("surname_n", high), "surname nearly the same",
                  0.06, 0.001),
    ]
    levels += [LevelSpec(cll.JaroWinklerLevel("surname_n", threshold), "surname similar",
                         0.04, 0.004) for threshold in lower]
    levels += [
        LevelSpec(cll.ExactMatchLevel("surname_sdx"), "surname sounds the same", 0.02, 0.008),
        LevelSpec(cll.ElseLevel(), "surname differs", 0.05, 0.984),
    ]
    return ComparisonSpec("surname", tuple(levels))


def _date_of_birth(config: ResolutionConfig) -> ComparisonSpec:
    years = config.dob_max_years_apart
    return ComparisonSpec("dob", (
        _null("dob", "dob missing"),
        LevelSpec(cll.ExactMatchLevel("dob"), "dob exact", 0.80, 6e-5),
        # dob_swapped is the same date read day-first; the relation is symmetric.
        LevelSpec(cll.ColumnsReversedLevel("dob", "dob_swapped"), "dob day/month swapped",
                  0.03, 5e-5),
        LevelSpec(cll.DamerauLevenshteinLevel("dob", 1), "dob one digit out", 0.07, 1.5e-3),
        LevelSpec(cll.CustomLevel(f"ABS(dob_year_l - dob_year_r) <= {years}"),
                  f"dob within {years} years", 0.06, 0.15, difference=True),
        # Fixed near-veto: dates of birth years apart (and not one keystroke out) are, in
        # practice, two people, most dangerously a father and son of the same name at the
        # same address, whose shared surname and address EM would otherwise trust.
        LevelSpec(cll.ElseLevel(), f"dob more than {years} years apart",
                  config.dob_conflict_m if config.dob_conflict_m is not None else 0.04, 0.85,
                  fixed_m=config.dob_conflict_m is not None),
    ))


def _sex() -> ComparisonSpec:
    return ComparisonSpec("sex", (
        _null("sex", "sex unknown"),
        LevelSpec(cll.ExactMatchLevel("sex"), "same sex", 0.97, 0.5),
        # Fixed: EM drives this towards zero, which would let one miskeyed sex veto a merge.
        LevelSpec(cll.ElseLevel(), "sex differs", 0.01, 0.5, fixed_m=True),
    ))


def _location(config: ResolutionConfig) -> ComparisonSpec:
    # Postcode and address line are one comparison, not two: the same address implies the
    # same postcode, and counting both as independent evidence merges partners who share a
    # home and a surname.
    similar_address = config.address_jaro_winkler
    return ComparisonSpec("location", (
        LevelSpec(cll.And(cll.NullLevel("postcode"), cll.NullLevel("address_n")),
                  "address unknown"),
        LevelSpec(cll.And(cll.ExactMatchLevel("postcode"),
                          cll.JaroWinklerLevel("address_n", similar_address)),
                  "same address and postcode", 0.45, 1e-4),
        LevelSpec(cll.ExactMatchLevel("postcode"), "same postcode", 0.12, 1e-4),
        # The same address line under a different or missing postcode is mostly a postcode
        # keyed wrongly; the line alone is weaker evidence than both ('1 High St' recurs).
        LevelSpec(cll.JaroWinklerLevel("address_n", similar_address),
                  "same address line, postcode differs or missing", 0.06, 5e-4),
        LevelSpec(cll.DamerauLevenshteinLevel("postcode", 1), "postcode one character out",
                  0.04, 5e-4),
        LevelSpec(cll.ExactMatchLevel("postcode_sector"), "same postcode sector", 0.05, 2e-3),
        LevelSpec(cll.ExactMatchLevel("postcode_district"), "same postcode district",
                  0.05, 0.02),
        LevelSpec(cll.ElseLevel(), "lives elsewhere", 0.28, 0.977),
    ))


def _pnc() -> ComparisonSpec:
    # PNC ids are facts, not noisy evidence: fixed weights that EM must not move. Equal ids
    # are decisive anyway (forced links); different ids weigh heavily against a merge.
    return ComparisonSpec("pnc", (
        _null("pnc", "PNC id missing"),
        LevelSpec(cll.ExactMatchLevel("pnc"), "same PNC id", 0.95, 1e-7, fixed=True),
        LevelSpec(cll.ElseLevel(), "PNC ids differ", 0.002, 0.999998, fixed=True),
    ))


def agreement_levels(config: ResolutionConfig) -> set[tuple[str, str]]:
    """(comparison, level label) of every trained level that records an agreement, full or
    partial: what training may weigh at nothing but not against a match.

    EM learns a level's m from the pairs it takes for matches; a level those pairs never reach
    in the training sample (no mistyped postcode in a clean extract, no one who moved within
    a district) gets an m near zero and a weight of tens of bits against, which would then veto
    the first real pair that shows it, and read absurdly in the reasons.

    >>> ("location", "postcode one character out") in agreement_levels(ResolutionConfig())
    True
    >>> ("location", "lives elsewhere") in agreement_levels(ResolutionConfig())
    False
    """
    return {(spec.name, level.label) for spec in comparison_specs(config) for level in spec.levels[1:]
            if not (level.difference or level.fixed or level.fixed_m)}


def comparison_specs(config: ResolutionConfig) -> list[ComparisonSpec]:
    """Every comparison of the model, in the order splink scores them."""
    return [_forename(config), _surname(config), _date_of_birth(config), _sex(),
            _location(config), _pnc()]


def _level_creator(level: LevelSpec, term_frequencies: bool) -> ComparisonLevelCreator:
    """The splink level with label, priors and (optionally) term-frequency adjustment."""
    creator = level.creator
    if level.m is None:  # null level: splink gives it weight 0
        return creator.configure(label_for_charts=level.label)
    tf_column = level.term_frequencies if term_frequencies else None
    return creator.configure(label_for_charts=level.label, m_probability=level.m,
                             u_probability=level.u, tf_adjustment_column=tf_column,
                             fix_m_probability=level.fixed or level.fixed_m,
                             fix_u_probability=level.fixed)


def blocking_rule_creator(rule: BlockingRule) -> BlockingRuleCreator | str:
    """A config rule as splink wants it: ``block_on`` for column lists, SQL text as is."""
    if isinstance(rule, str):
        return rule
    return block_on(*rule)


def prior_match_probability(n_records: int, records_per_person: float) -> float:
    """Chance that two random records are the same person, if each person has
    ``records_per_person`` records on average: (r - 1) / (n - 1), kept inside (0, 0.5].

    >>> round(prior_match_probability(1_001, 1.5), 6)
    0.0005
    """
    if n_records < 2:
        return 0.5
    return min(0.5, max(1e-12, (records_per_person - 1.0) / (n_records - 1)))


def build_settings(config: ResolutionConfig, *, term_frequencies: bool | None = None,
                   probability_two_random_records_match: float = 1e-4) -> SettingsCreator:
    """The backend-neutral splink model for ``config`` (no SQL dialect is fixed here).

    ``term_frequencies`` defaults to ``config.term_frequency_adjustments``; resolution turns
    it off on inputs too small for name frequencies to mean anything.

    >>> settings = build_settings(ResolutionConfig())
    >>> [c["output_column_name"] for c in settings.create_settings_dict("spark")["comparisons"]]
    ['forename', 'surname', 'dob', 'sex', 'location', 'pnc']
    """
    use_tf = config.term_frequency_adjustments if term_frequencies is None else term_frequencies
    comparisons = [
        cl.CustomComparison([_level_creator(level, use_tf) for level in spec.levels],
                            output_column_name=spec.name,
                            comparison_description=spec.name)
        for spec in comparison_specs(config)
    ]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[blocking_rule_creator(rule)
                                                for rule in config.blocking_rules],
        probability_two_random_records_match=probability_two_random_records_match,
        em_convergence=config.em_convergence,
        max_iterations=config.em_max_iterations,
        retain_matching_columns=True,  # gamma_ columns: which level each pair reached
        retain_intermediate_calculation_columns=True,
    )

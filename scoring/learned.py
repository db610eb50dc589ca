"""Learned RFGV weights: fit the four component weights on past windows, never on the future.

The shipped score is a transparent points system and stays the default. This module asks a
narrower question a force may want answered: *would other weights on the same four
components have found next year's harm better?* It fits a Poisson regression of the harm a
person went on to cause (or a logistic regression of whether they harmed again) on their
R, F, G and V points, using only as-of dates whose whole outcome horizon had ended by the
date the weights are for (temporal cross-validation: train on earlier windows, test on a
later one).

A generalised linear model ranks people by ``w . points``; that is exactly how the score
ranks them, so the fitted coefficients *are* weights. Negative coefficients are set to zero
(the config forbids negative weights) and the rest rescaled to the default weights' total so
the two sets read side by side.

Bands can be learned the same way (:func:`learn_bands`): for each component a small
regression tree on the raw value alone (days since the last incident, incidents, harm days,
victims) against the same target, with as many leaves as the default has bands. Its split
points, rounded to whole days, whole counts or readable harm days, become the band edges;
points run 1..n in order (fewer days = more points for recency). The weights are then refitted
on the points those bands give. Same training windows, so the same never-leak guarantee.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

import numpy as np
import pandas as pd

from scoring.backtest import (backtest, default_backtest_as_of, future_outcomes, rank_as_of, rolling_dates,
                              summary_table)
from scoring.bands import count_points, recency_points
from scoring.config import RFGV, CountBand, RecencyBand, ScoringConfig, Weights, classic_banded
from scoring.context import ScoringContext

POINT_COLUMNS = [f"{component}_points" for component in RFGV]
# The raw measure behind each component, as the ranked list shows it (recency = days since
# the last incident, frequency = incidents, gravity = harm days, victims = distinct victims).
VALUE_COLUMNS = list(RFGV)


class Target(str, Enum):
    """What the regression learns to predict."""

    HARM = "harm"    # Poisson regression of future CHI harm days
    AGAIN = "again"  # logistic regression of harming again at all


@dataclass(frozen=True)
class LearnedBands:
    """Band edges learned per component, and the weights refitted on the points they give."""

    recency: tuple[RecencyBand, ...]
    frequency: tuple[CountBand, ...]
    gravity: tuple[CountBand, ...]
    victims: tuple[CountBand, ...]
    weights: Weights
    coefficients: dict[str, float]
    learned: tuple[str, ...]  # components whose bands came from a tree (the rest are the default)
    note: str = ""

    def bands(self) -> dict[str, tuple[RecencyBand, ...] | tuple[CountBand, ...]]:
        return {component: getattr(self, component) for component in RFGV}

    def config(self, base: ScoringConfig) -> ScoringConfig:
        """``base`` with these bands and weights, validated like a config a force would edit."""
        settings = base.model_dump()
        settings.update({c: [b.model_dump() for b in bands] for c, bands in self.bands().items()},
                        weights=self.weights.model_dump())
        return ScoringConfig.model_validate(settings)


@dataclass(frozen=True)
class LearnedWeights:
    """Fitted weights with what they were fitted on, so a reader can judge them.

    ``bands`` holds learned bands with weights refitted on them (None when not asked for).
    """

    weights: Weights
    coefficients: dict[str, float]
    train_dates: tuple[date, ...]
    rows: int
    target: Target
    note: str = ""
    bands: LearnedBands | None = None

    def config(self, base: ScoringConfig, with_bands: bool = False) -> ScoringConfig:
        """``base`` with the learned weights (and, if asked and learned, the learned bands)."""
        if with_bands and self.bands is not None:
            return self.bands.config(base)
        return base.model_copy(update={"weights": self.weights})


def training_frame(context: ScoringContext, as_of: date, horizon_days: int) -> pd.DataFrame:
    """Points as of ``as_of`` (from truncated tables) beside what each person did next.

    Columns: person_id, the four ``*_points``, the four raw values (recency, frequency,
    gravity, victims), future_harm, harmed_again, as_of. Recency is the days at liberty since the
    last incident, as the recency points read it (time in custody left out, :mod:`scoring.custody`).
    """
    ranked = rank_as_of(context, as_of)
    ranked = ranked.assign(recency=ranked["days_at_liberty"])[["person_id", *POINT_COLUMNS, *VALUE_COLUMNS]]
    outcomes = future_outcomes(context, as_of, horizon_days)[["person_id", "future_harm", "harmed_again"]]
    frame = ranked.merge(outcomes, on="person_id", how="left")
    frame = frame.fillna({"future_harm": 0.0, "harmed_again": False})
    return frame.assign(harmed_again=frame["harmed_again"].astype(bool), as_of=as_of)


def training_dates(test_as_of: date, horizon_days: int, every_months: int = 6, times: int = 4) -> list[date]:
    """As-of dates whose whole horizon ends on or before ``test_as_of`` (oldest first).

    >>> training_dates(date(2025, 12, 31), 365, 6, 2)
    [datetime.date(2024, 6, 30), datetime.date(2024, 12, 31)]
    """
    last = (pd.Timestamp(test_as_of) - pd.Timedelta(days=horizon_days)).date()
    return rolling_dates(last, every_months, times)


def weights_from_coefficients(coefficients: Sequence[float], total: float) -> Weights | None:
    """Clip negatives to zero and rescale to ``total``; None when nothing positive is left.

    >>> weights_from_coefficients([0.2, -0.1, 0.2, 0.6], 5.5).model_dump()
    {'recency': 1.1, 'frequency': 0.0, 'gravity': 1.1, 'victims': 3.3}
    """
    clipped = np.clip(np.asarray(coefficients, dtype="float64"), 0.0, None)
    if clipped.sum() <= 0:
        return None
    scaled = np.round(clipped * total / clipped.sum(), 3)
    return Weights(**dict(zip(RFGV, scaled.tolist())))


def fit_weights(frame: pd.DataFrame, default: Weights, target: Target = Target.HARM,
                alpha: float = 1e-3) -> tuple[Weights, dict[str, float], str]:
    """Fit a GLM of the outcome on the four points; return weights, raw coefficients, a note.

    Falls back to ``default`` (and says so) when the outcome never or always happens, or no
    coefficient is positive.
    """
    from sklearn.linear_model import LogisticRegression, PoissonRegressor

    x = frame[POINT_COLUMNS].to_numpy(dtype="float64")
    if target is Target.HARM:
        y = frame["future_harm"].to_numpy(dtype="float64")
        if len(y) == 0 or y.sum() <= 0:
            return default, {}, "no later harm in the training windows: default weights kept"
        model = PoissonRegressor(alpha=alpha, max_iter=1000).fit(x, y / y.mean())
    else:
        y = frame["harmed_again"].to_numpy(dtype=bool)
        if len(np.unique(y)) < 2:
            return default, {}, "everyone or nobody harmed again in training: default weights kept"
        model = LogisticRegression(C=1.0 / alpha, max_iter=1000).fit(x, y)
    coefficients = np.ravel(model.coef_)
    raw = {component: float(c) for component, c in zip(RFGV, coefficients)}
    total = float(sum(default.model_dump().values()))
    fitted = weights_from_coefficients(coefficients, total)
    if fitted is None:
        return default, raw, "no positive coefficient: default weights kept"
    negative = [c for c, v in raw.items() if v < 0]
    note = f"negative coefficient set to 0: {', '.join(negative)}" if negative else ""
    return fitted, raw, note


def min_leaf(rows: int) -> int:
    """Fewest training rows a learned band may hold: 30, or 2% of the rows when that is more.

    >>> min_leaf(100), min_leaf(10_000)
    (30, 200)
    """
    return max(30, int(np.ceil(0.02 * rows)))


def readable_harm(value: float) -> float:
    """A harm-days edge rounded to read well: halves below 10, whole days below 100, then two
    significant figures (never below half a day).

    >>> [readable_harm(v) for v in (0.2, 1.75, 36.4, 1234.0)]
    [0.5, 2.0, 36.0, 1200.0]
    """
    if value < 10:
        return max(0.5, round(value * 2) / 2)
    if value < 100:
        return float(round(value))
    return float(round(value, 1 - int(np.floor(np.log10(value)))))


def split_points(values: np.ndarray, target: np.ndarray, leaves: int, min_samples_leaf: int,
                 increasing: bool = True) -> list[float]:
    """Thresholds of a regression tree of ``target`` on ``values`` alone (sorted; [] when none).

    At most ``leaves`` leaves of at least ``min_samples_leaf`` rows each; the leaf means are
    constrained to rise with the value (fall when ``increasing`` is False), so points given
    in order of the leaves agree with what the tree found. A split must explain at least a
    millionth of the target's variance: splits that change nothing make no band.
    """
    from sklearn.tree import DecisionTreeRegressor

    x = np.asarray(values, dtype="float64")
    y = np.asarray(target, dtype="float64")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if leaves < 2 or len(y) < 2 * min_samples_leaf or np.unique(x).size < 2 or np.unique(y).size < 2:
        return []
    tree = DecisionTreeRegressor(max_leaf_nodes=leaves, min_samples_leaf=min_samples_leaf,
                                 min_impurity_decrease=1e-6 * float(y.var()),
                                 monotonic_cst=[1 if increasing else -1], random_state=0)
    tree.fit(x.reshape(-1, 1), y)
    inner = tree.tree_.feature >= 0
    return sorted(float(t) for t in tree.tree_.threshold[inner])


def recency_bands(splits: Sequence[float], default: Sequence[RecencyBand]) -> tuple[RecencyBand, ...] | None:
    """Whole-day recency bands from tree splits: most points for the fewest days.

    The last band keeps the default's outer limit (beyond it, as by default, no points).

    >>> default = [RecencyBand(max_days=90, points=2), RecencyBand(max_days=1000, points=1)]
    >>> [(b.max_days, b.points) for b in recency_bands([30.5, 200.5], default)]
    [(30, 3.0), (200, 2.0), (1000, 1.0)]
    """
    outer = default[-1].max_days
    edges = sorted({int(np.floor(t)) for t in splits if 0 <= np.floor(t) < outer})
    if not edges:
        return None
    limits = [*edges, outer]
    return tuple(RecencyBand(max_days=d, points=float(len(limits) - i)) for i, d in enumerate(limits))


def count_bands(splits: Sequence[float], default: Sequence[CountBand],
                whole: bool = True) -> tuple[CountBand, ...] | None:
    """Count bands from tree splits (whole counts, or readable harm days): points 1..n upwards.

    The first band keeps the default's floor (below it, as by default, no points: no incident,
    no harm, no victim); each learned edge above it adds a band.

    >>> default = [CountBand(at_least=1, points=1), CountBand(at_least=5, points=2)]
    >>> [(b.at_least, b.points) for b in count_bands([1.5, 3.5], default)]
    [(1.0, 1.0), (2.0, 2.0), (4.0, 3.0)]
    """
    floor = default[0].at_least
    edges = sorted({float(np.floor(t) + 1) if whole else readable_harm(t) for t in splits})
    edges = [e for e in edges if e > floor]
    if not edges:
        return None
    starts = [floor, *edges]
    return tuple(CountBand(at_least=a, points=float(i + 1)) for i, a in enumerate(starts))


def band_points(frame: pd.DataFrame, bands: dict[str, Sequence[RecencyBand] | Sequence[CountBand]]) -> pd.DataFrame:
    """``frame`` with its four ``*_points`` recomputed from the raw values under ``bands``."""
    points = {f"{c}_points": (recency_points if c == "recency" else count_points)(
        frame[c].astype("float64").fillna(np.inf if c == "recency" else 0.0), bands[c]) for c in RFGV}
    return frame.assign(**points)


def _outcome(frame: pd.DataFrame, target: Target) -> np.ndarray:
    column = "future_harm" if target is Target.HARM else "harmed_again"
    return frame[column].to_numpy(dtype="float64")


def learn_bands(frame: pd.DataFrame, config: ScoringConfig, target: Target = Target.HARM,
                min_samples_leaf: int | None = None) -> LearnedBands:
    """Band edges for each component by supervised binning, then weights refitted on them.

    One tree per component on its raw value alone, with as many leaves as the default has
    bands and at least :func:`min_leaf` rows a leaf. A component whose tree finds no split
    keeps its default bands (and the note says so).
    """
    y = _outcome(frame, target) if len(frame) else np.array([])
    leaf = min_samples_leaf or min_leaf(len(frame))
    bands: dict[str, tuple[RecencyBand, ...] | tuple[CountBand, ...]] = {}
    learned, kept = [], []
    for component in RFGV:
        default = getattr(config, component)
        values = frame[component].to_numpy(dtype="float64") if component in frame and len(frame) else np.array([])
        splits = split_points(values, y, len(default), leaf, increasing=component != "recency")
        fitted = (recency_bands(splits, default) if component == "recency"
                  else count_bands(splits, default, whole=component != "gravity"))
        if fitted is None:
            bands[component] = tuple(default)
            kept.append(component)
        else:
            bands[component] = fitted
            learned.append(component)
    weights, raw, note = fit_weights(band_points(frame, bands), config.weights, target)
    notes = [f"no split found for {', '.join(kept)}: default bands kept"] if kept else []
    return LearnedBands(**bands, weights=weights, coefficients=raw, learned=tuple(learned),
                        note="; ".join([*notes, *([note] if note else [])]))


def learn_as_of(context: ScoringContext, test_as_of: date, horizon_days: int = 365, every_months: int = 6,
                times: int = 4, target: Target = Target.HARM,
                cache: dict[date, pd.DataFrame] | None = None, bands: bool = True) -> LearnedWeights:
    """Weights for ranking on ``test_as_of``, learned only from windows that had ended by then.

    With ``bands`` also learns band edges (and weights refitted on them) from the same frame.
    ``cache`` (as-of date -> training frame) lets rolling back-tests share overlapping windows.
    """
    dates = training_dates(test_as_of, horizon_days, every_months, times)
    earliest = context.tables.incidents["occurred_at"].min()
    dates = [d for d in dates if pd.notna(earliest) and pd.Timestamp(d) >= earliest]
    cache = {} if cache is None else cache
    for d in dates:
        if d not in cache:
            cache[d] = training_frame(context, d, horizon_days)
    frames = [cache[d] for d in dates]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["person_id", *POINT_COLUMNS, *VALUE_COLUMNS, "future_harm", "harmed_again"])
    weights, raw, note = fit_weights(frame, context.config.weights, target)
    learned_bands = learn_bands(frame, context.config, target) if bands else None
    return LearnedWeights(weights, raw, tuple(dates), len(frame), target, note, learned_bands)


def weights_table(default: Weights, learned: dict[date, LearnedWeights]) -> pd.DataFrame:
    """Default weights and each as-of date's fitted weights, one row each, for display.

    >>> weights_table(Weights(), {})[["weights", "recency", "victims"]].to_dict("records")
    [{'weights': 'default (points system)', 'recency': 1.0, 'victims': 1.0}]
    """
    rows = [{"weights": "default (points system)", **default.model_dump(), "trained_on": "", "rows": 0, "note": ""}]
    for as_of, fit in sorted(learned.items()):
        rows.append({"weights": f"learned for {as_of} ({fit.target.value})", **fit.weights.model_dump(),
                     "trained_on": ", ".join(d.isoformat() for d in fit.train_dates), "rows": fit.rows,
                     "note": fit.note})
    return pd.DataFrame(rows)


def describe_bands(bands: Sequence[RecencyBand] | Sequence[CountBand]) -> str:
    """Bands as one short line: ``<=days:points`` for recency, ``>=value:points`` otherwise.

    >>> describe_bands([CountBand(at_least=1, points=1), CountBand(at_least=2.5, points=3)])
    '>=1:1 >=2.5:3'
    """
    return " ".join(f"<={b.max_days}d:{b.points:g}" if isinstance(b, RecencyBand) else f">={b.at_least:g}:{b.points:g}"
                    for b in bands)


def describe_weights(weights: Weights) -> str:
    """``R 1 F 1 G 1 V 1.5``."""
    return " ".join(f"{c[0].upper()} {v:g}" for c, v in weights.model_dump().items())


def bands_table(default: ScoringConfig, learned: dict[date, LearnedWeights]) -> pd.DataFrame:
    """Default bands and each as-of date's learned bands (with weights refitted on them).

    >>> from scoring.config import load_config
    >>> bands_table(load_config(), {}).iloc[0][["bands", "victims", "refitted_weights"]].tolist()
    ['default (points system)', '>=1:1 >=2:3 >=3:4 >=4:5', 'R 1 F 1 G 2 V 1']
    """
    rows = [{"bands": "default (points system)",
             **{c: describe_bands(getattr(default, c)) for c in RFGV},
             "refitted_weights": describe_weights(default.weights), "note": ""}]
    for as_of, fit in sorted(learned.items()):
        if fit.bands is None:
            continue
        rows.append({"bands": f"learned for {as_of} ({fit.target.value})",
                     **{c: describe_bands(b) for c, b in fit.bands.bands().items()},
                     "refitted_weights": describe_weights(fit.bands.weights), "note": fit.bands.note})
    return pd.DataFrame(rows, columns=["bands", *RFGV, "refitted_weights", "note"])


def learn_for_dates(context: ScoringContext, test_dates: Sequence[date], horizon_days: int = 365,
                    every_months: int = 6, times: int = 4, target: Target = Target.HARM,
                    bands: bool = True) -> dict[date, LearnedWeights]:
    """Temporal cross-validation: for each test date, weights (and bands) learned from earlier windows only."""
    cache: dict[date, pd.DataFrame] = {}
    return {d: learn_as_of(context, d, horizon_days, every_months, times, target, cache, bands) for d in test_dates}


@dataclass(frozen=True)
class BacktestRun:
    """One back-test as the CLI and the app show it: the results, their summary, and any
    learned settings tested beside the default (``fits``, ``weights`` and ``bands`` are empty
    unless learning was asked for)."""

    as_ofs: tuple[date, ...]
    results: pd.DataFrame
    summary: pd.DataFrame
    fits: dict[date, LearnedWeights]
    weights: pd.DataFrame
    bands: pd.DataFrame


def run_backtest(context: ScoringContext, horizon_days: int = 365, every_months: int = 6, times: int = 1,
                 top_k: int = 50, learned: bool = False, target: Target = Target.HARM,
                 last_as_of: date | None = None,
                 progress: Callable[[str], None] | None = None) -> BacktestRun:
    """Back-test ``times`` as-of dates ``every_months`` apart, the latest ``last_as_of``.

    ``last_as_of`` defaults to :func:`scoring.backtest.default_backtest_as_of` of the
    context's as-of date: the latest date whose whole horizon the context may know. With
    ``learned``, weights (and bands with weights refitted on them) learned only from windows
    that had ended by each date are tested too, as ``learned`` and ``learned_bands``.
    ``progress`` hears each stage's name. With graded points (the default) the classic banded
    matrix (:func:`scoring.config.classic_banded`) is tested beside them as ``rfgv_banded``.

    >>> from scoring.signals.example import example_context
    >>> run = run_backtest(example_context(), horizon_days=120)
    >>> run.as_ofs, run.summary["share_rfgv"].round(3).tolist(), run.weights.empty
    ((datetime.date(2026, 3, 2),), [0.963, 0.963, 0.963, 0.991], True)
    """
    last = last_as_of or default_backtest_as_of(context.as_of, horizon_days)
    dates = rolling_dates(last, every_months, times)
    fits: dict[date, LearnedWeights] = {}
    if learned:
        if progress:
            progress("learning weights and bands from earlier windows")
        fits = learn_for_dates(context, dates, horizon_days, every_months, target=target)
    # The classic banded matrix beside the graded default, so a force sees what grading buys.
    classic = ({"rfgv_banded": classic_banded(context.config)} if context.config.points.style == "graded" else {})
    results = backtest(context, dates, horizon_days, top_k,
                       weights_for=(lambda d: {"learned": fits[d].weights}) if learned else None,
                       progress=progress,
                       config_for=lambda d: {**classic, **({"learned_bands": fits[d].config(context.config, True)}
                                                           if learned else {})})
    return BacktestRun(tuple(dates), results, summary_table(results), fits,
                       weights_table(context.config.weights, fits) if learned else pd.DataFrame(),
                       bands_table(context.config, fits) if learned else pd.DataFrame())

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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

import numpy as np
import pandas as pd

from scoring.backtest import future_outcomes, rank_as_of, rolling_dates
from scoring.config import RFGV, Weights
from scoring.perpetrators import ScoringContext

POINT_COLUMNS = [f"{component}_points" for component in RFGV]


class Target(str, Enum):
    """What the regression learns to predict."""

    HARM = "harm"    # Poisson regression of future CHI harm days
    AGAIN = "again"  # logistic regression of harming again at all


@dataclass(frozen=True)
class LearnedWeights:
    """Fitted weights with what they were fitted on, so a reader can judge them."""

    weights: Weights
    coefficients: dict[str, float]
    train_dates: tuple[date, ...]
    rows: int
    target: Target
    note: str = ""


def training_frame(context: ScoringContext, as_of: date, horizon_days: int) -> pd.DataFrame:
    """Points as of ``as_of`` (from truncated tables) beside what each person did next.

    Columns: person_id, the four ``*_points``, future_harm, harmed_again, as_of.
    """
    ranked = rank_as_of(context, as_of)[["person_id", *POINT_COLUMNS]]
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


def learn_as_of(context: ScoringContext, test_as_of: date, horizon_days: int = 365, every_months: int = 6,
                times: int = 4, target: Target = Target.HARM,
                cache: dict[date, pd.DataFrame] | None = None) -> LearnedWeights:
    """Weights for ranking on ``test_as_of``, learned only from windows that had ended by then.

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
        columns=["person_id", *POINT_COLUMNS, "future_harm", "harmed_again"])
    weights, raw, note = fit_weights(frame, context.config.weights, target)
    return LearnedWeights(weights, raw, tuple(dates), len(frame), target, note)


def weights_table(default: Weights, learned: dict[date, LearnedWeights]) -> pd.DataFrame:
    """Default weights and each as-of date's fitted weights, one row each, for display.

    >>> weights_table(Weights(), {})[["weights", "recency", "victims"]].to_dict("records")
    [{'weights': 'default (points system)', 'recency': 1.0, 'victims': 1.5}]
    """
    rows = [{"weights": "default (points system)", **default.model_dump(), "trained_on": "", "rows": 0, "note": ""}]
    for as_of, fit in sorted(learned.items()):
        rows.append({"weights": f"learned for {as_of} ({fit.target.value})", **fit.weights.model_dump(),
                     "trained_on": ", ".join(d.isoformat() for d in fit.train_dates), "rows": fit.rows,
                     "note": fit.note})
    return pd.DataFrame(rows)


def learn_for_dates(context: ScoringContext, test_dates: Sequence[date], horizon_days: int = 365,
                    every_months: int = 6, times: int = 4,
                    target: Target = Target.HARM) -> dict[date, LearnedWeights]:
    """Temporal cross-validation: for each test date, weights learned from earlier windows only."""
    cache: dict[date, pd.DataFrame] = {}
    return {d: learn_as_of(context, d, horizon_days, every_months, times, target, cache) for d in test_dates}

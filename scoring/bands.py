"""Turn raw measures (days, counts, harm) into points using the configured bands."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scoring.config import CountBand, RecencyBand


def count_points(values: pd.Series, bands: Sequence[CountBand]) -> pd.Series:
    """Points of the highest band whose ``at_least`` each value reaches (0 below all bands).

    >>> from scoring.config import CountBand
    >>> bands = [CountBand(at_least=1, points=1), CountBand(at_least=3, points=4)]
    >>> count_points(pd.Series([0, 1, 2, 3, 10]), bands).tolist()
    [0.0, 1.0, 1.0, 4.0, 4.0]
    """
    thresholds = np.array([b.at_least for b in bands], dtype="float64")
    points = np.array([0.0] + [b.points for b in bands], dtype="float64")
    index = np.searchsorted(thresholds, values.to_numpy(dtype="float64"), side="right")
    return pd.Series(points[index], index=values.index)


def recency_points(days_since: pd.Series, bands: Sequence[RecencyBand]) -> pd.Series:
    """Points of the first band whose ``max_days`` covers each value (0 beyond all bands).

    >>> from scoring.config import RecencyBand
    >>> bands = [RecencyBand(max_days=30, points=5), RecencyBand(max_days=365, points=2)]
    >>> recency_points(pd.Series([0, 30, 31, 365, 400]), bands).tolist()
    [5.0, 5.0, 2.0, 2.0, 0.0]
    """
    limits = np.array([b.max_days for b in bands], dtype="float64")
    points = np.array([b.points for b in bands] + [0.0], dtype="float64")
    index = np.searchsorted(limits, days_since.to_numpy(dtype="float64"), side="left")
    return pd.Series(points[index], index=days_since.index)


def graded_count_points(values: pd.Series, bands: Sequence[CountBand], per_doubling: float) -> pd.Series:
    """Points that rise smoothly through the bands and keep rising past the top one.

    A value on a band's edge (``at_least``) scores that band's points, as in
    :func:`count_points`; between two edges the points rise in step with the value's
    logarithm (so 4 incidents sit about halfway between the bands at 3 and 5, the way they do
    on a log scale); past the top edge every doubling of the value adds ``per_doubling``
    points, so 16 and 64 incidents are told apart where the step matrix gives both the top
    band. Below the first edge: no points.

    >>> from scoring.config import CountBand
    >>> bands = [CountBand(at_least=1, points=1), CountBand(at_least=4, points=3)]
    >>> graded_count_points(pd.Series([0, 1, 2, 4, 8, 16]), bands, 1.0).tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    """
    edges = np.array([b.at_least for b in bands], dtype="float64")
    points = np.array([b.points for b in bands], dtype="float64")
    raw = values.to_numpy(dtype="float64")
    # Log scale; an edge of 0 (at least nothing) sits far below any positive value.
    tiny = np.finfo("float64").tiny
    position = np.log(np.maximum(raw, tiny))
    graded = np.interp(position, np.log(np.maximum(edges, tiny)), points)
    top = edges[-1]
    beyond = raw > top
    if top > 0:
        graded[beyond] = points[-1] + per_doubling * np.log2(raw[beyond] / top)
    graded[raw < edges[0]] = 0.0
    return pd.Series(graded, index=values.index)


def graded_recency_points(days_since: pd.Series, bands: Sequence[RecencyBand], outer_days: float) -> pd.Series:
    """Recency points that fall smoothly with the days since the last incident.

    Up to the first band's ``max_days`` the first band's points, as in
    :func:`recency_points`; then straight down from one band's limit to the next, each limit
    scoring its band's points, to the last band's points at ``outer_days`` (the window's
    length, or the last band's limit when that is sooner). Beyond it: no points.

    >>> from scoring.config import RecencyBand
    >>> bands = [RecencyBand(max_days=30, points=5), RecencyBand(max_days=365, points=2)]
    >>> graded_recency_points(pd.Series([0, 30, 65, 100, 365, 400]), bands, 365).round(2).tolist()
    [5.0, 5.0, 4.69, 4.37, 2.0, 0.0]
    """
    limits = np.array([b.max_days for b in bands], dtype="float64")
    points = np.array([b.points for b in bands], dtype="float64")
    limits[-1] = min(limits[-1], max(outer_days, limits[-2] + 1 if len(limits) > 1 else 0.0))
    raw = days_since.to_numpy(dtype="float64")
    graded = np.interp(raw, limits, points)
    graded[raw > limits[-1]] = 0.0
    return pd.Series(graded, index=days_since.index)

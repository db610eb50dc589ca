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

"""Downsampling of long series for charts, keeping what the eye would see.

A chart a thousand pixels wide cannot show a million points; sending them all only makes the file
huge and the browser slow. :func:`downsample_indices` splits the series into equal buckets and keeps
each bucket's first, last, minimum and maximum point (the M4 scheme), so spikes and drawdown
troughs survive while the point count stays bounded.
"""

from __future__ import annotations

import numpy as np

DEFAULT_MAX_POINTS = 4_000


def downsample_indices(values: np.ndarray, max_points: int = DEFAULT_MAX_POINTS) -> np.ndarray:
    """Return sorted indices of at most ``max_points`` points of ``values`` to plot.

    Parameters
    ----------
    values
        One-dimensional series; NaNs are never chosen as a bucket's minimum or maximum.
    max_points
        Upper bound on the number of indices returned (at least 4).

    Returns
    -------
    numpy.ndarray
        int64 indices in increasing order; every index when ``len(values) <= max_points``. The
        first and last points are always kept.
    """
    if max_points < 4:
        raise ValueError(f"max_points must be at least 4, got {max_points}")
    count = len(values)
    if count <= max_points:
        return np.arange(count, dtype=np.int64)
    size = -(-count // (max_points // 4))  # ceil: bucket length so that buckets <= max_points/4
    rows = -(-count // size)
    padded = np.full(rows * size, np.nan)
    padded[:count] = values
    grid = padded.reshape(rows, size)
    missing = np.isnan(grid)
    offsets = np.arange(rows, dtype=np.int64) * size
    lows = np.argmin(np.where(missing, np.inf, grid), axis=1) + offsets
    highs = np.argmax(np.where(missing, -np.inf, grid), axis=1) + offsets
    lasts = np.minimum(offsets + size - 1, count - 1)
    return np.unique(np.concatenate((offsets, lows, highs, lasts)))

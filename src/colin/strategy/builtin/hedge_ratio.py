"""Hedge-ratio estimators for pairs trading: rolling OLS and a Kalman filter.

Both estimate ``y ≈ beta * x + alpha`` from paired prices and expose the estimate made from the
observations seen so far (:meth:`update` adds the next one), so that a spread computed with it at
bar ``t`` uses nothing from bar ``t`` itself.
"""

from __future__ import annotations

import math
from collections import deque


class RollingOlsHedge:
    """Ordinary least squares of ``y`` on ``x`` (with intercept) over the last ``window`` pairs.

    Running sums make an update O(1); values are shifted by the first pair seen so that the
    sums of squares stay small and exact enough at any price level.
    """

    __slots__ = ("_pairs", "_sums", "_x0", "_y0", "alpha", "beta", "window")

    def __init__(self, window: int) -> None:
        if window < 3:
            raise ValueError(f"window must be at least 3, got {window}")
        self.window = window
        self._pairs: deque[tuple[float, float]] = deque(maxlen=window)
        self._sums = [0.0, 0.0, 0.0, 0.0]  # x, y, x*x, x*y
        self._x0 = self._y0 = math.nan
        self.beta = math.nan
        self.alpha = math.nan

    @property
    def ready(self) -> bool:
        """Whether ``window`` pairs have been seen."""
        return len(self._pairs) == self.window

    def update(self, x: float, y: float) -> None:
        """Add a pair and refit over the window (NaN while it is not full or ``x`` is flat)."""
        if not self._pairs and math.isnan(self._x0):
            self._x0, self._y0 = x, y
        dx, dy = x - self._x0, y - self._y0
        sums, pairs = self._sums, self._pairs
        if len(pairs) == self.window:
            ox, oy = pairs[0]
            sums[0] -= ox
            sums[1] -= oy
            sums[2] -= ox * ox
            sums[3] -= ox * oy
        pairs.append((dx, dy))
        sums[0] += dx
        sums[1] += dy
        sums[2] += dx * dx
        sums[3] += dx * dy
        if len(pairs) < self.window:
            return
        n = self.window
        mean_x, mean_y = sums[0] / n, sums[1] / n
        variance = sums[2] - n * mean_x * mean_x
        if variance <= 1e-12 * max(sums[2], 1.0):
            self.beta = self.alpha = math.nan
            return
        self.beta = (sums[3] - n * mean_x * mean_y) / variance
        self.alpha = self._y0 + mean_y - self.beta * (self._x0 + mean_x)


class KalmanHedge:
    """Kalman filter on the regression state ``(beta, alpha)``, a random walk (Chan 2013).

    Prices are divided by the first pair seen, so ``delta`` (state noise: ``delta / (1 - delta)``
    per step) and ``observation_variance`` are in units of that first price and do not depend on
    the instruments' price levels. ``beta`` and ``alpha`` are reported in price units. The 2x2
    algebra is written out in scalars: it runs once per bar.
    """

    __slots__ = (
        "_a",
        "_b",
        "_noise",
        "_p00",
        "_p01",
        "_p11",
        "_x_scale",
        "_y_scale",
        "alpha",
        "beta",
        "count",
        "observation_variance",
        "warmup",
    )

    def __init__(self, delta: float, observation_variance: float, warmup: int) -> None:
        if not 0.0 < delta < 1.0:
            raise ValueError(f"delta must be in (0, 1), got {delta}")
        if observation_variance <= 0.0:
            raise ValueError(f"observation_variance must be positive, got {observation_variance}")
        self._noise = delta / (1.0 - delta)
        self.observation_variance = observation_variance
        self.warmup = warmup
        self._b = self._a = 0.0
        self._p00, self._p01, self._p11 = 1.0, 0.0, 1.0
        self._x_scale = self._y_scale = math.nan
        self.beta = self.alpha = math.nan
        self.count = 0

    @property
    def ready(self) -> bool:
        """Whether the filter has seen its ``warmup`` pairs."""
        return self.count >= self.warmup

    def update(self, x: float, y: float) -> None:
        """Filter one pair: predict (covariance grows by the state noise), then correct."""
        if self.count == 0:
            self._x_scale, self._y_scale = x, y
        self.count += 1
        hx = x / self._x_scale
        r00, r01, r11 = self._p00 + self._noise, self._p01, self._p11 + self._noise
        rh0, rh1 = r00 * hx + r01, r01 * hx + r11  # R @ h, with h = (hx, 1)
        innovation_variance = hx * rh0 + rh1 + self.observation_variance
        k0, k1 = rh0 / innovation_variance, rh1 / innovation_variance
        error = y / self._y_scale - (self._b * hx + self._a)
        self._b += k0 * error
        self._a += k1 * error
        self._p00, self._p01, self._p11 = r00 - k0 * rh0, r01 - k0 * rh1, r11 - k1 * rh1
        if self.count >= self.warmup:
            self.beta = self._b * self._y_scale / self._x_scale
            self.alpha = self._a * self._y_scale

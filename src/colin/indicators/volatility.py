"""Realised volatility estimators over a rolling window of OHLC bars.

``estimator`` is one of:

- ``close_to_close``: sample standard deviation of log close-to-close returns;
- ``parkinson``: high-low range, ``sum(ln(H/L)^2) / (4 n ln 2)``;
- ``garman_klass``: ``mean(0.5 ln(H/L)^2 - (2 ln 2 - 1) ln(C/O)^2)``;
- ``rogers_satchell``: ``mean(ln(H/C) ln(H/O) + ln(L/C) ln(L/O))`` (drift-independent);
- ``yang_zhang``: overnight (open vs previous close) + ``k`` x open-to-close +
  ``(1 - k)`` x Rogers-Satchell, ``k = 0.34 / (1.34 + (n + 1) / (n - 1))``.

Results are per-bar volatilities multiplied by ``sqrt(annualization)`` (pass e.g. 8760 for 1h bars
to annualise crypto's 24/7 trading). Prices must be positive; estimators that need the previous
close start one bar later. A negative variance from rounding is reported as 0.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Literal

import numpy as np
import numpy.typing as npt

from colin.core.errors import ConfigError
from colin.indicators._kernels import rolling_sums
from colin.indicators._validate import (
    FloatArray,
    as_columns,
    check_ohlc,
    check_period,
    check_positive,
    check_positive_prices,
)
from colin.indicators.base import OhlcIndicator

Estimator = Literal["close_to_close", "parkinson", "garman_klass", "rogers_satchell", "yang_zhang"]
ESTIMATORS: tuple[str, ...] = (
    "close_to_close",
    "parkinson",
    "garman_klass",
    "rogers_satchell",
    "yang_zhang",
)
_LN2 = math.log(2.0)
_GK = 2.0 * _LN2 - 1.0
_USES_PREVIOUS_CLOSE = ("close_to_close", "yang_zhang")


def _combine(sums: tuple[float, ...], estimator: str, n: int) -> float:
    """Turn window sums of the per-bar terms into a variance."""
    if estimator == "close_to_close":
        return (sums[1] - sums[0] * sums[0] / n) / (n - 1)
    if estimator == "parkinson":
        return sums[0] / (4.0 * n * _LN2)
    if estimator in ("garman_klass", "rogers_satchell"):
        return sums[0] / n
    k = 0.34 / (1.34 + (n + 1) / (n - 1))
    overnight = (sums[1] - sums[0] * sums[0] / n) / (n - 1)
    open_close = (sums[3] - sums[2] * sums[2] / n) / (n - 1)
    return overnight + k * open_close + (1.0 - k) * (sums[4] / n)


class RealizedVolatility(OhlcIndicator):
    """Rolling realised volatility with a choice of estimator (see the module docstring)."""

    __slots__ = ("_close", "_scale", "_sums", "_window", "annualization", "estimator", "period")

    def __init__(
        self, period: int = 20, estimator: Estimator = "yang_zhang", annualization: float = 1.0
    ) -> None:
        super().__init__()
        if estimator not in ESTIMATORS:
            raise ConfigError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
        self.period = check_period("period", period, 2)
        self.estimator = estimator
        self.annualization = check_positive("annualization", annualization)
        self._scale = math.sqrt(self.annualization)
        self._window: deque[tuple[float, ...]] = deque(maxlen=self.period)
        width = {"close_to_close": 2, "yang_zhang": 5}.get(estimator, 1)
        self._sums = [0.0] * width
        self._close = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period, estimator, annualization)``."""
        return (self.period, self.estimator, self.annualization)

    def update(self, open: float, high: float, low: float, close: float) -> None:
        """Add the newest bar (all prices > 0)."""
        previous = self._close
        self._close = close
        self.count += 1
        terms = _terms(self.estimator, open, high, low, close, previous)
        if terms is None:
            return
        window, sums = self._window, self._sums
        if len(window) == self.period:
            oldest = window[0]
            for j in range(len(sums)):
                sums[j] += terms[j] - oldest[j]
        else:
            for j in range(len(sums)):
                sums[j] += terms[j]
        window.append(terms)
        if len(window) == self.period:
            variance = _combine(tuple(sums), self.estimator, self.period)
            self.value = math.sqrt(variance) * self._scale if variance > 0.0 else 0.0
            self.ready = True


def _terms(
    estimator: str, open: float, high: float, low: float, close: float, previous: float
) -> tuple[float, ...] | None:
    if estimator == "close_to_close":
        if previous == 0.0:
            return None
        change = math.log(close / previous)
        return (change, change * change)
    if estimator == "parkinson":
        spread = math.log(high / low)
        return (spread * spread,)
    if estimator == "garman_klass":
        spread = math.log(high / low)
        body = math.log(close / open)
        return (0.5 * spread * spread - _GK * body * body,)
    rogers = math.log(high / close) * math.log(high / open) + math.log(low / close) * math.log(
        low / open
    )
    if estimator == "rogers_satchell":
        return (rogers,)
    if previous == 0.0:
        return None
    overnight = math.log(open / previous)
    body = math.log(close / open)
    return (overnight, overnight * overnight, body, body * body, rogers)


def realized_volatility(
    open: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    period: int = 20,
    estimator: Estimator = "yang_zhang",
    annualization: float = 1.0,
) -> FloatArray:
    """Return rolling realised volatility (see the module docstring for the estimators)."""
    RealizedVolatility(period, estimator, annualization)
    o, h, lo, c = as_columns(open=open, high=high, low=low, close=close)
    check_ohlc(h, lo, [("open", o), ("close", c)])
    for name, series in (("open", o), ("high", h), ("low", lo), ("close", c)):
        check_positive_prices(name, series)
    previous = np.empty_like(c)
    previous[0] = np.nan
    previous[1:] = c[:-1]
    if estimator == "close_to_close":
        change = np.log(c / previous)
        terms = np.column_stack((change, change * change))
    elif estimator == "parkinson":
        spread = np.log(h / lo)
        terms = (spread * spread)[:, None]
    elif estimator == "garman_klass":
        spread, body = np.log(h / lo), np.log(c / o)
        terms = (0.5 * spread * spread - _GK * body * body)[:, None]
    else:
        rogers = np.log(h / c) * np.log(h / o) + np.log(lo / c) * np.log(lo / o)
        if estimator == "rogers_satchell":
            terms = rogers[:, None]
        else:
            overnight, body = np.log(o / previous), np.log(c / o)
            terms = np.column_stack((overnight, overnight * overnight, body, body * body, rogers))
    sums = rolling_sums(np.ascontiguousarray(terms), period)
    variance: FloatArray = _combine(tuple(sums.T), estimator, period)  # type: ignore[assignment]
    volatility = np.sqrt(np.where(variance > 0.0, variance, 0.0)) * math.sqrt(annualization)
    volatility[np.isnan(variance)] = np.nan
    return volatility

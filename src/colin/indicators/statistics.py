"""Rolling moments: z-score, and skewness, kurtosis and autocorrelation of log returns.

``ZScore`` works on the series itself (population standard deviation). The other three work on
log returns of the series (feed closes), which keeps their power sums well conditioned; prices
must then be positive. All update in O(1) from running power sums; a flat window gives NaN.

Each batch function runs one numba kernel that performs the streaming class's floating-point
operations in the same order, so batch and streaming agree to the last bit or two.
"""

from __future__ import annotations

import math
from collections import deque

import numba
import numpy as np
import numpy.typing as npt

from colin.indicators._validate import (
    FloatArray,
    as_series,
    check_period,
    check_positive_prices,
)
from colin.indicators.base import NAN, CloseIndicator

# -- moment algebra, shared by the streaming classes and (compiled) the batch kernels ----------


def _zscore(value: float, s1: float, s2: float, n: int) -> float:
    mean = s1 / n
    variance = s2 / n - mean * mean
    return (value - mean) / math.sqrt(variance) if variance > 1e-14 else NAN


def _skewness(s1: float, s2: float, s3: float, n: int) -> float:
    mean = s1 / n
    m2 = s2 / n - mean * mean
    m3 = s3 / n - 3.0 * mean * s2 / n + 2.0 * mean * mean * mean
    return m3 / (m2 * math.sqrt(m2)) if m2 > 0.0 else NAN


def _kurtosis(s1: float, s2: float, s3: float, s4: float, n: int) -> float:
    mean = s1 / n
    m2 = s2 / n - mean * mean
    mean2 = mean * mean
    m4 = s4 / n - 4.0 * mean * s3 / n + 6.0 * mean2 * s2 / n - 3.0 * mean2 * mean2
    return m4 / (m2 * m2) - 3.0 if m2 > 0.0 else NAN


def _correlation(sx: float, sy: float, sxx: float, syy: float, sxy: float, n: int) -> float:
    covariance = sxy - sx * sy / n
    vx = sxx - sx * sx / n
    vy = syy - sy * sy / n
    return covariance / math.sqrt(vx * vy) if vx > 0.0 and vy > 0.0 else NAN


_zscore_jit = numba.njit(cache=True)(_zscore)
_skewness_jit = numba.njit(cache=True)(_skewness)
_kurtosis_jit = numba.njit(cache=True)(_kurtosis)
_correlation_jit = numba.njit(cache=True)(_correlation)


class _PowerSums(CloseIndicator):
    """Running sums of the first ``powers`` powers of the last ``period`` values."""

    __slots__ = ("_previous", "_s1", "_s2", "_s3", "_s4", "_window", "period")

    def __init__(self, period: int = 20) -> None:
        super().__init__()
        self.period = check_period("period", period, 3)
        self._window: deque[float] = deque(maxlen=self.period)
        self._s1 = self._s2 = self._s3 = self._s4 = 0.0
        self._previous = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def _push(self, x: float, powers: int) -> bool:
        window = self._window
        x2 = x * x
        if len(window) == self.period:
            old = window[0]
            o2 = old * old
            self._s1 += x - old
            self._s2 += x2 - o2
            if powers > 2:
                self._s3 += x2 * x - o2 * old
                if powers > 3:
                    self._s4 += x2 * x * x - o2 * old * old
            window.append(x)
            return True
        self._s1 += x
        self._s2 += x2
        if powers > 2:
            self._s3 += x2 * x
            if powers > 3:
                self._s4 += x2 * x * x
        window.append(x)
        return len(window) == self.period


class ZScore(_PowerSums):
    """``(x - mean) / std`` over the last ``period`` values (population std; NaN when flat)."""

    __slots__ = ()

    def update(self, value: float) -> None:
        """Add ``value``."""
        self.count += 1
        if self._push(value, 2):
            self.value = _zscore(value, self._s1, self._s2, self.period)
            self.ready = True


class ReturnSkewness(_PowerSums):
    """Skewness of the last ``period`` log returns (population moments)."""

    __slots__ = ()

    def update(self, value: float) -> None:
        """Add the newest price."""
        previous = self._previous
        self._previous = value
        self.count += 1
        if self.count > 1 and self._push(math.log(value / previous), 3):
            self.value = _skewness(self._s1, self._s2, self._s3, self.period)
            self.ready = True


class ReturnKurtosis(_PowerSums):
    """Excess kurtosis of the last ``period`` log returns (population moments)."""

    __slots__ = ()

    def update(self, value: float) -> None:
        """Add the newest price."""
        previous = self._previous
        self._previous = value
        self.count += 1
        if self.count > 1 and self._push(math.log(value / previous), 4):
            self.value = _kurtosis(self._s1, self._s2, self._s3, self._s4, self.period)
            self.ready = True


class ReturnAutocorrelation(CloseIndicator):
    """Pearson correlation of log returns with themselves ``lag`` bars earlier, over ``period``."""

    __slots__ = (
        "_pairs",
        "_previous",
        "_returns",
        "_sx",
        "_sxx",
        "_sxy",
        "_sy",
        "_syy",
        "lag",
        "period",
    )

    def __init__(self, period: int = 50, lag: int = 1) -> None:
        super().__init__()
        self.period = check_period("period", period, 3)
        self.lag = check_period("lag", lag, 1)
        self._returns: deque[float] = deque(maxlen=self.lag + 1)
        self._pairs: deque[tuple[float, float]] = deque(maxlen=self.period)
        self._sx = self._sy = self._sxx = self._syy = self._sxy = 0.0
        self._previous = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period, lag)``."""
        return (self.period, self.lag)

    def update(self, value: float) -> None:
        """Add the newest price."""
        previous = self._previous
        self._previous = value
        self.count += 1
        if self.count == 1:
            return
        returns = self._returns
        returns.append(math.log(value / previous))
        if len(returns) <= self.lag:
            return
        x, y = returns[-1], returns[0]
        pairs = self._pairs
        if len(pairs) == self.period:
            ox, oy = pairs[0]
            self._sx += x - ox
            self._sy += y - oy
            self._sxx += x * x - ox * ox
            self._syy += y * y - oy * oy
            self._sxy += x * y - ox * oy
        else:
            self._sx += x
            self._sy += y
            self._sxx += x * x
            self._syy += y * y
            self._sxy += x * y
        pairs.append((x, y))
        if len(pairs) == self.period:
            self.value = _correlation(
                self._sx, self._sy, self._sxx, self._syy, self._sxy, self.period
            )
            self.ready = True


# -- batch ----------------------------------------------------------------------------------

_ZSCORE, _SKEWNESS, _KURTOSIS = 2, 3, 4


@numba.njit(cache=True)
def _moments_kernel(x: FloatArray, period: int, kind: int, returns: bool) -> FloatArray:
    """Rolling z-score / skewness / kurtosis; ``kind`` is the number of power sums."""
    n = len(x)
    out = np.full(n, np.nan)
    values = np.empty(n)
    start = 1 if returns else 0
    for i in range(start, n):
        values[i] = math.log(x[i] / x[i - 1]) if returns else x[i]
    s1 = s2 = s3 = s4 = 0.0
    for i in range(start, n):
        v = values[i]
        v2 = v * v
        filled = i - start
        if filled >= period:
            old = values[i - period]
            o2 = old * old
            s1 += v - old
            s2 += v2 - o2
            if kind > 2:
                s3 += v2 * v - o2 * old
                if kind > 3:
                    s4 += v2 * v * v - o2 * old * old
        else:
            s1 += v
            s2 += v2
            if kind > 2:
                s3 += v2 * v
                if kind > 3:
                    s4 += v2 * v * v
        if filled + 1 >= period:
            if kind == 2:
                out[i] = _zscore_jit(v, s1, s2, period)
            elif kind == 3:
                out[i] = _skewness_jit(s1, s2, s3, period)
            else:
                out[i] = _kurtosis_jit(s1, s2, s3, s4, period)
    return out


@numba.njit(cache=True)
def _autocorrelation_kernel(price: FloatArray, period: int, lag: int) -> FloatArray:
    n = len(price)
    out = np.full(n, np.nan)
    r = np.empty(n)
    for i in range(1, n):
        r[i] = math.log(price[i] / price[i - 1])
    sx = sy = sxx = syy = sxy = 0.0
    first = 1 + lag  # first row with a (return, lagged return) pair
    for i in range(first, n):
        x, y = r[i], r[i - lag]
        if i - first >= period:
            ox, oy = r[i - period], r[i - period - lag]
            sx += x - ox
            sy += y - oy
            sxx += x * x - ox * ox
            syy += y * y - oy * oy
            sxy += x * y - ox * oy
        else:
            sx += x
            sy += y
            sxx += x * x
            syy += y * y
            sxy += x * y
        if i - first + 1 >= period:
            out[i] = _correlation_jit(sx, sy, sxx, syy, sxy, period)
    return out


def _prices(values: npt.ArrayLike) -> FloatArray:
    prices = as_series("close", values)
    check_positive_prices("close", prices)
    return prices


def zscore(values: npt.ArrayLike, period: int = 20) -> FloatArray:
    """Return the rolling z-score of ``values`` (population std; NaN on a flat window)."""
    check_period("period", period, 3)
    return _moments_kernel(as_series("values", values), period, _ZSCORE, False)


def return_skewness(close: npt.ArrayLike, period: int = 20) -> FloatArray:
    """Return the rolling skewness of log returns."""
    check_period("period", period, 3)
    return _moments_kernel(_prices(close), period, _SKEWNESS, True)


def return_kurtosis(close: npt.ArrayLike, period: int = 20) -> FloatArray:
    """Return the rolling excess kurtosis of log returns."""
    check_period("period", period, 3)
    return _moments_kernel(_prices(close), period, _KURTOSIS, True)


def return_autocorrelation(close: npt.ArrayLike, period: int = 50, lag: int = 1) -> FloatArray:
    """Return the rolling lag-``lag`` autocorrelation of log returns."""
    ReturnAutocorrelation(period, lag)
    return _autocorrelation_kernel(_prices(close), period, lag)

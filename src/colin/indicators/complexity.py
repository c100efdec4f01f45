"""Complexity statistics: Hurst exponent, sample entropy and permutation entropy.

``HurstExponent`` works on log prices (the scaling of the standard deviation of ``lag``-step
changes with the lag); ``SampleEntropy`` and ``PermutationEntropy`` work on log returns. Prices
must be positive. The Hurst exponent costs O(``period`` x ``max_lag``) and sample entropy
O(``period``^2) per update (the streaming class runs the batch form's numba kernel on the current
window); permutation entropy updates in O(1) from pattern counts. A flat window gives NaN.
"""

from __future__ import annotations

import itertools
import math
from collections import deque

import numba
import numpy as np
import numpy.typing as npt

from colin.core.errors import ConfigError
from colin.indicators._validate import (
    FloatArray,
    IntArray,
    as_series,
    check_period,
    check_positive,
    check_positive_prices,
)
from colin.indicators.base import CloseIndicator


@numba.njit(cache=True)
def _hurst(log_prices: FloatArray, max_lag: int) -> float:  # pragma: no cover - compiled
    """Slope of ln(std of lag-step changes) on ln(lag) for lags 2..max_lag."""
    count = 0
    sx = sy = sxx = sxy = 0.0
    n = len(log_prices)
    for lag in range(2, max_lag + 1):
        m = n - lag
        mean = 0.0
        for i in range(m):
            mean += log_prices[i + lag] - log_prices[i]
        mean /= m
        variance = 0.0
        for i in range(m):
            d = log_prices[i + lag] - log_prices[i] - mean
            variance += d * d
        variance /= m
        if variance <= 0.0:
            return np.nan
        x = math.log(lag)
        y = 0.5 * math.log(variance)
        sx += x
        sy += y
        sxx += x * x
        sxy += x * y
        count += 1
    return (count * sxy - sx * sy) / (count * sxx - sx * sx)


@numba.njit(cache=True)
def _sample_entropy(x: FloatArray, order: int, tolerance: float) -> float:  # pragma: no cover
    """SampEn = -ln(A / B): B pairs of length-``order`` templates within ``tolerance`` x std."""
    n = len(x)
    mean = 0.0
    for i in range(n):
        mean += x[i]
    mean /= n
    variance = 0.0
    for i in range(n):
        variance += (x[i] - mean) * (x[i] - mean)
    r = tolerance * math.sqrt(variance / n)
    if r <= 0.0:
        return np.nan
    shorter = 0
    longer = 0
    templates = n - order
    for i in range(templates):
        for j in range(i + 1, templates):
            close = True
            for k in range(order):
                if abs(x[i + k] - x[j + k]) > r:
                    close = False
                    break
            if close:
                shorter += 1
                if abs(x[i + order] - x[j + order]) <= r:
                    longer += 1
    if shorter == 0 or longer == 0:
        return np.nan
    return -math.log(longer / shorter)


class _WindowKernel(CloseIndicator):
    __slots__ = ("_previous", "_window", "period")

    def __init__(self, period: int, minimum: int) -> None:
        super().__init__()
        self.period = check_period("period", period, minimum)
        self._window: deque[float] = deque(maxlen=self.period)
        self._previous = 0.0


class HurstExponent(_WindowKernel):
    """Hurst exponent of the last ``period`` log prices (0.5 random walk, >0.5 trending)."""

    __slots__ = ("max_lag",)

    def __init__(self, period: int = 100, max_lag: int = 20) -> None:
        super().__init__(period, 8)
        self.max_lag = check_period("max_lag", max_lag, 3)
        if self.max_lag > self.period // 2:
            raise ConfigError(f"max_lag ({max_lag}) must be at most period / 2 ({period // 2})")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period, max_lag)``."""
        return (self.period, self.max_lag)

    def update(self, value: float) -> None:
        """Add the newest price."""
        window = self._window
        window.append(math.log(value))
        self.count += 1
        if len(window) == self.period:
            self.value = _hurst(np.fromiter(window, np.float64, self.period), self.max_lag)
            self.ready = True


class SampleEntropy(_WindowKernel):
    """Sample entropy of the last ``period`` log returns (``order`` m, tolerance ``r`` x std)."""

    __slots__ = ("order", "tolerance")

    def __init__(self, period: int = 50, order: int = 2, tolerance: float = 0.2) -> None:
        super().__init__(period, 8)
        self.order = check_period("order", order, 1)
        self.tolerance = check_positive("tolerance", tolerance)
        if self.order >= self.period // 2:
            raise ConfigError(f"order ({order}) must be below period / 2 ({period // 2})")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period, order, tolerance)``."""
        return (self.period, self.order, self.tolerance)

    def update(self, value: float) -> None:
        """Add the newest price."""
        previous = self._previous
        self._previous = value
        self.count += 1
        if self.count == 1:
            return
        window = self._window
        window.append(math.log(value / previous))
        if len(window) == self.period:
            x = np.fromiter(window, np.float64, self.period)
            self.value = _sample_entropy(x, self.order, self.tolerance)
            self.ready = True


def _pattern(values: tuple[float, ...] | FloatArray) -> int:
    """Lehmer code of the ordinal pattern of ``values`` (ties keep their time order)."""
    code = 0
    order = len(values)
    for i in range(order):
        smaller = 0
        for j in range(i + 1, order):
            if values[j] < values[i]:
                smaller += 1
        code = code * (order - i) + smaller
    return code


class PermutationEntropy(CloseIndicator):
    """Normalised permutation entropy (0..1) of ordinal patterns in the last ``period`` returns.

    A pattern of ``order`` consecutive log returns is counted in each window position; the
    entropy of the pattern frequencies is divided by ``ln(order!)``. The sum of
    ``count * ln(count)`` is kept up to date as counts change, so an update is O(``order``^2).
    """

    __slots__ = (
        "_codes",
        "_counts",
        "_fall",
        "_log_windows",
        "_normaliser",
        "_patterns",
        "_previous",
        "_recent",
        "_rise",
        "_sum",
        "order",
        "period",
    )

    def __init__(self, period: int = 50, order: int = 3) -> None:
        super().__init__()
        self.order = check_period("order", order, 2)
        if self.order > 7:
            raise ConfigError(f"order must be at most 7, got {order}")
        self.period = check_period("period", period, self.order + 1)
        windows = self.period - self.order + 1
        self._counts = [0] * math.factorial(self.order)
        self._patterns: deque[int] = deque(maxlen=windows)
        self._recent: deque[float] = deque(maxlen=self.order)
        rise, fall = _count_log_changes(windows)
        self._rise, self._fall = rise.tolist(), fall.tolist()
        self._log_windows = math.log(windows)
        self._normaliser = math.log(math.factorial(self.order))
        self._codes = _codes_by_ranking(self.order)
        self._sum = 0.0
        self._previous = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period, order)``."""
        return (self.period, self.order)

    def update(self, value: float) -> None:
        """Add the newest price."""
        previous = self._previous
        self._previous = value
        self.count += 1
        if self.count == 1:
            return
        recent = self._recent
        recent.append(math.log(value / previous))
        if len(recent) < self.order:
            return
        patterns, counts = self._patterns, self._counts
        windows = patterns.maxlen or 0
        if len(patterns) == windows:
            oldest = patterns[0]
            count = counts[oldest]
            self._sum += self._fall[count - 1]
            counts[oldest] = count - 1
        code = self._codes[tuple(sorted(range(self.order), key=recent.__getitem__))]
        patterns.append(code)
        count = counts[code]
        self._sum += self._rise[count]
        counts[code] = count + 1
        if len(patterns) == windows:
            self.value = (self._log_windows - self._sum / windows) / self._normaliser
            self.ready = True


def _codes_by_ranking(order: int) -> dict[tuple[int, ...], int]:
    """Map a stable argsort of ``order`` values to the Lehmer code :func:`_pattern` gives them.

    A stable sort puts the earlier of two equal values first, which is how the Lehmer code
    breaks ties (a later equal value does not count as smaller).
    """
    codes = {}
    for ranking in itertools.permutations(range(order)):
        ranks = [0] * order
        for rank, position in enumerate(ranking):
            ranks[position] = rank
        codes[ranking] = _pattern(tuple(float(r) for r in ranks))
    return codes


def _count_log_changes(windows: int) -> tuple[FloatArray, FloatArray]:
    """Return how ``sum(c ln c)`` changes as a count ``c`` rises by one and falls by one.

    ``rise[c] = t[c + 1] - t[c]`` and ``fall[c - 1] = t[c - 1] - t[c]`` with ``t[c] = c ln c``
    (``t[0] = 0``), for counts ``0 .. windows``: one lookup per count update.
    """
    counts = np.arange(windows + 1, dtype=np.float64)
    table = np.zeros(windows + 1)
    table[1:] = counts[1:] * np.log(counts[1:])
    return table[1:] - table[:-1], table[:-1] - table[1:]


# -- batch ----------------------------------------------------------------------------------


def _log_returns(name: str, values: npt.ArrayLike) -> FloatArray:
    prices = as_series(name, values)
    check_positive_prices(name, prices)
    returns = np.empty_like(prices)
    returns[0] = np.nan
    returns[1:] = np.log(prices[1:] / prices[:-1])
    return returns


def hurst_exponent(close: npt.ArrayLike, period: int = 100, max_lag: int = 20) -> FloatArray:
    """Return the rolling Hurst exponent of log prices (see :class:`HurstExponent`)."""
    HurstExponent(period, max_lag)
    prices = as_series("close", close)
    check_positive_prices("close", prices)
    return _rolling_hurst(np.log(prices), period, max_lag)


@numba.njit(cache=True)
def _rolling_hurst(x: FloatArray, period: int, max_lag: int) -> FloatArray:  # pragma: no cover
    out = np.full(len(x), np.nan)
    for i in range(period - 1, len(x)):
        out[i] = _hurst(x[i - period + 1 : i + 1].copy(), max_lag)
    return out


@numba.njit(cache=True)
def _rolling_sample_entropy(
    x: FloatArray, period: int, order: int, tolerance: float
) -> FloatArray:  # pragma: no cover - compiled
    out = np.full(len(x), np.nan)
    for i in range(period, len(x)):
        out[i] = _sample_entropy(x[i - period + 1 : i + 1].copy(), order, tolerance)
    return out


def sample_entropy(
    close: npt.ArrayLike, period: int = 50, order: int = 2, tolerance: float = 0.2
) -> FloatArray:
    """Return the rolling sample entropy of log returns (see :class:`SampleEntropy`)."""
    SampleEntropy(period, order, tolerance)
    return _rolling_sample_entropy(_log_returns("close", close), period, order, tolerance)


def permutation_entropy(close: npt.ArrayLike, period: int = 50, order: int = 3) -> FloatArray:
    """Return the rolling normalised permutation entropy of log returns."""
    PermutationEntropy(period, order)
    prices = as_series("close", close)
    check_positive_prices("close", prices)
    patterns = math.factorial(order)
    windows = period - order + 1
    rise, fall = _count_log_changes(windows)
    return _permutation_entropy_kernel(
        prices, order, patterns, windows, rise, fall, math.log(patterns)
    )


_BLOCK = 4096  # rows per block: the block's returns and codes stay in cache


@numba.njit(cache=True)
def _permutation_entropy_kernel(
    prices: FloatArray,
    order: int,
    patterns: int,
    windows: int,
    rise: FloatArray,
    fall: FloatArray,
    normaliser: float,
) -> FloatArray:  # pragma: no cover - compiled
    """Rolling entropy, block by block: log returns, ordinal patterns, then the counts.

    Split this way each loop is simple enough to run at full speed (the comparisons vectorise;
    fused, they ran about twice as slow), and blocks keep the intermediate arrays in cache. The
    operations are those of :class:`PermutationEntropy`, so the values are the same.
    """
    n = len(prices)
    out = np.empty(n)
    out[: min(n, order + windows - 1)] = np.nan
    returns = np.empty(_BLOCK + order - 1)
    codes = np.empty(_BLOCK, dtype=np.int64)
    ring = np.zeros(windows, dtype=np.int64)  # the patterns in the window
    slot = 0
    counts = np.zeros(patterns, dtype=np.int64)
    log_windows = math.log(windows)
    total = 0.0
    for start in range(order, n, _BLOCK):  # row `order` has the first whole pattern
        rows = min(_BLOCK, n - start)
        first = start - order + 1  # the oldest return in the block's first pattern
        for k in range(rows + order - 1):
            returns[k] = math.log(prices[first + k] / prices[first + k - 1])
        _ordinal_patterns(returns[: rows + order - 1], order, codes)
        for k in range(rows):
            i = start + k
            if i - windows >= order:
                oldest = ring[slot]
                count = counts[oldest]
                total += fall[count - 1]
                counts[oldest] = count - 1
            code = codes[k]
            ring[slot] = code
            slot = slot + 1 if slot + 1 < windows else 0
            count = counts[code]
            total += rise[count]
            counts[code] = count + 1
            if i - windows + 1 >= order:
                out[i] = (log_windows - total / windows) / normaliser
    return out


@numba.njit(cache=True)
def _ordinal_patterns(
    returns: FloatArray, order: int, codes: IntArray
) -> None:  # pragma: no cover - compiled
    """Write into ``codes[k]`` the Lehmer code (as :func:`_pattern`) of ``returns[k:k+order]``.

    The code is a sum over pairs: position ``a`` contributes ``(order - 1 - a)!`` for each
    later return in the window below it, one vectorised loop per pair.
    """
    rows = len(returns) - order + 1
    codes[:rows] = 0
    weight = 1
    for a in range(order - 2, -1, -1):
        weight *= order - 1 - a
        earlier = returns[a : a + rows]
        for b in range(a + 1, order):
            later = returns[b : b + rows]
            for j in range(rows):
                codes[j] += weight * (later[j] < earlier[j])

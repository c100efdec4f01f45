"""Oscillators of the close within the recent high-low range: stochastics, Williams %R, CCI.

Batch forms are TA-Lib's (``STOCHF``, ``STOCH``, ``WILLR``, ``CCI``); the streaming forms follow
TA-Lib's recurrences (SMA-smoothed %K and %D, zero output on a flat range) so both agree value
for value.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy.typing as npt
import talib
from talib import MA_Type  # type: ignore[attr-defined]  # re-exported at runtime, not in stubs

from colin.indicators._validate import FloatArray, bar_columns, check_period
from colin.indicators.base import HighLowCloseIndicator, RollingRange
from colin.indicators.moving_averages import SMA


def _percent_k(close: float, rolling: RollingRange) -> float:
    """Fast %K (0-100): where ``close`` sits in the rolling high-low range; 0 on a flat range."""
    lowest = rolling.lowest
    scale = (rolling.highest - lowest) / 100.0
    return (close - lowest) / scale if scale != 0.0 else 0.0


class StochasticFast(HighLowCloseIndicator):
    """Fast stochastic: ``%K`` (``value``) over ``k_period`` and ``%D`` = SMA of ``%K``."""

    __slots__ = ("_d", "_range", "d", "k_period")
    outputs = ("value", "d")

    def __init__(self, k_period: int = 5, d_period: int = 3) -> None:
        super().__init__()
        self.k_period = check_period("k_period", k_period, 1)
        self._range = RollingRange(self.k_period)
        self._d = SMA(d_period)
        self.d = float("nan")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(k_period, d_period)``."""
        return (self.k_period, self._d.period)

    def update(self, high: float, low: float, close: float) -> None:
        """Add the newest bar."""
        self._range.push(high, low)
        self.count += 1
        if self.count < self.k_period:
            return
        k = _percent_k(close, self._range)
        d = self._d
        d.update(k)
        if d.ready:
            self.value = k
            self.d = d.value
            self.ready = True


class StochasticSlow(HighLowCloseIndicator):
    """Slow stochastic: slow ``%K`` (``value``) = SMA of fast %K, slow ``%D`` = SMA of slow %K."""

    __slots__ = ("_range", "_slow_d", "_slow_k", "d", "k_period")
    outputs = ("value", "d")

    def __init__(self, k_period: int = 5, slow_k_period: int = 3, slow_d_period: int = 3) -> None:
        super().__init__()
        self.k_period = check_period("k_period", k_period, 1)
        self._range = RollingRange(self.k_period)
        self._slow_k = SMA(slow_k_period)
        self._slow_d = SMA(slow_d_period)
        self.d = float("nan")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(k_period, slow_k_period, slow_d_period)``."""
        return (self.k_period, self._slow_k.period, self._slow_d.period)

    def update(self, high: float, low: float, close: float) -> None:
        """Add the newest bar."""
        self._range.push(high, low)
        self.count += 1
        if self.count < self.k_period:
            return
        slow_k = self._slow_k
        slow_k.update(_percent_k(close, self._range))
        if slow_k.ready:
            slow_d = self._slow_d
            slow_d.update(slow_k.value)
            if slow_d.ready:
                self.value = slow_k.value
                self.d = slow_d.value
                self.ready = True


class WilliamsR(HighLowCloseIndicator):
    """Williams %R (-100..0): where the close sits in the ``period`` high-low range."""

    __slots__ = ("_range", "period")

    def __init__(self, period: int = 14) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self._range = RollingRange(self.period)

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, high: float, low: float, close: float) -> None:
        """Add the newest bar."""
        rolling = self._range
        rolling.push(high, low)
        self.count += 1
        if self.count >= self.period:
            highest, lowest = rolling.highest, rolling.lowest
            scale = (highest - lowest) / -100.0
            self.value = (highest - close) / scale if scale != 0.0 else 0.0
            self.ready = True


class CCI(HighLowCloseIndicator):
    """Commodity channel index: typical-price deviation over 0.015 x mean absolute deviation.

    The mean absolute deviation has no O(1) update; each update costs O(``period``).
    """

    __slots__ = ("_window", "period")

    def __init__(self, period: int = 20) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self._window: deque[float] = deque(maxlen=self.period)

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, high: float, low: float, close: float) -> None:
        """Add the newest bar."""
        typical = (high + low + close) / 3.0
        window = self._window
        window.append(typical)
        self.count += 1
        if self.count >= self.period:
            mean = sum(window) / self.period
            deviation = sum([abs(x - mean) for x in window])
            distance = typical - mean
            if distance != 0.0 and deviation != 0.0:
                self.value = distance / (0.015 * (deviation / self.period))
            else:
                self.value = 0.0
            self.ready = True


# -- batch ----------------------------------------------------------------------------------


class StochasticResult(NamedTuple):
    """%K and %D."""

    k: FloatArray
    d: FloatArray


def stochastic_fast(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    k_period: int = 5,
    d_period: int = 3,
) -> StochasticResult:
    """Return fast %K and %D (TA-Lib ``STOCHF`` with an SMA for %D)."""
    StochasticFast(k_period, d_period)
    h, lo, c = bar_columns(high=high, low=low, close=close)
    k, d = talib.STOCHF(
        h, lo, c, fastk_period=k_period, fastd_period=d_period, fastd_matype=MA_Type.SMA
    )
    return StochasticResult(k, d)


def stochastic_slow(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    k_period: int = 5,
    slow_k_period: int = 3,
    slow_d_period: int = 3,
) -> StochasticResult:
    """Return slow %K and %D (TA-Lib ``STOCH`` with SMAs)."""
    StochasticSlow(k_period, slow_k_period, slow_d_period)
    h, lo, c = bar_columns(high=high, low=low, close=close)
    k, d = talib.STOCH(
        h,
        lo,
        c,
        fastk_period=k_period,
        slowk_period=slow_k_period,
        slowk_matype=MA_Type.SMA,
        slowd_period=slow_d_period,
        slowd_matype=MA_Type.SMA,
    )
    return StochasticResult(k, d)


def williams_r(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """Return Williams %R (TA-Lib ``WILLR``)."""
    h, lo, c = bar_columns(high=high, low=low, close=close)
    return talib.WILLR(h, lo, c, timeperiod=check_period("period", period, 2))


def cci(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 20
) -> FloatArray:
    """Return the commodity channel index (TA-Lib ``CCI``)."""
    h, lo, c = bar_columns(high=high, low=low, close=close)
    return talib.CCI(h, lo, c, timeperiod=check_period("period", period, 2))

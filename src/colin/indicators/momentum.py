"""Momentum oscillators: RSI, MACD, stochastics, Williams %R, CCI, rate of change and momentum.

Batch forms are TA-Lib's; the streaming forms follow TA-Lib's recurrences (Wilder smoothing for
RSI, MACD's aligned EMA seeds, zero output on a flat range) so both agree value for value.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy.typing as npt
import talib
from talib import MA_Type  # type: ignore[attr-defined]  # re-exported at runtime, not in stubs

from colin.core.errors import ConfigError
from colin.indicators._validate import FloatArray, as_series, bar_columns, check_period
from colin.indicators.base import (
    CloseIndicator,
    HighLowCloseIndicator,
    RollingExtreme,
)
from colin.indicators.moving_averages import SMA

_ZERO = 1e-14  # TA-Lib's TA_IS_ZERO threshold


class RSI(CloseIndicator):
    """Wilder's relative strength index (0-100); any ``period >= 2`` (2-9 for short-term RSI)."""

    __slots__ = ("_gain", "_loss", "_previous", "period")

    def __init__(self, period: int = 14) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self._previous = 0.0
        self._gain = 0.0
        self._loss = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, value: float) -> None:
        """Add ``value``."""
        count = self.count
        self.count = count + 1
        change = value - self._previous
        self._previous = value
        if count == 0:
            return
        period = self.period
        if count > period:
            self._gain *= period - 1
            self._loss *= period - 1
            if change < 0:
                self._loss -= change
            else:
                self._gain += change
            self._gain /= period
            self._loss /= period
        else:
            if change < 0:
                self._loss -= change
            else:
                self._gain += change
            if count < period:
                return
            self._gain /= period
            self._loss /= period
            self.ready = True
        total = self._gain + self._loss
        self.value = 100.0 * (self._gain / total) if not -_ZERO < total < _ZERO else 0.0


class MACD(CloseIndicator):
    """MACD line (``value``), signal line and histogram, as TA-Lib ``MACD``.

    Both EMAs are seeded on the same bar (the ``slow``-th), the fast one with the average of the
    last ``fast`` closes, so the line matches TA-Lib rather than two independent EMAs.
    """

    __slots__ = ("_fast", "_seed", "_signal", "_slow", "fast", "histogram", "signal", "slow")
    outputs = ("value", "signal", "histogram")

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        super().__init__()
        self.fast = check_period("fast", fast, 2)
        self.slow = check_period("slow", slow, 2)
        if self.fast >= self.slow:
            raise ConfigError(f"fast ({fast}) must be shorter than slow ({slow})")
        self._signal = EMASeries(check_period("signal", signal, 1))
        self._seed: deque[float] = deque(maxlen=self.slow)
        self._fast = 0.0
        self._slow = 0.0
        self.signal = float("nan")
        self.histogram = float("nan")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(fast, slow, signal)``."""
        return (self.fast, self.slow, self._signal.period)

    def update(self, value: float) -> None:
        """Add ``value``."""
        count = self.count + 1
        self.count = count
        if count > self.slow:
            self._fast = (value - self._fast) * (2.0 / (self.fast + 1)) + self._fast
            self._slow = (value - self._slow) * (2.0 / (self.slow + 1)) + self._slow
        else:
            self._seed.append(value)
            if count < self.slow:
                return
            seed = list(self._seed)
            self._slow = sum(seed) / self.slow
            self._fast = sum(seed[-self.fast :]) / self.fast
        line = self._fast - self._slow
        signal = self._signal
        signal.update(line)
        if signal.ready:
            self.value = line
            self.signal = signal.value
            self.histogram = line - signal.value
            self.ready = True


class EMASeries:
    """An SMA-seeded EMA that also accepts ``period == 1`` (used inside MACD)."""

    __slots__ = ("_sum", "count", "period", "ready", "value")

    def __init__(self, period: int) -> None:
        self.period = period
        self.count = 0
        self._sum = 0.0
        self.value = float("nan")
        self.ready = False

    def update(self, value: float) -> None:
        """Add ``value``."""
        count = self.count + 1
        self.count = count
        if count > self.period:
            self.value = (value - self.value) * (2.0 / (self.period + 1)) + self.value
        else:
            self._sum += value
            if count == self.period:
                self.value = self._sum / self.period
                self.ready = True


class StochasticFast(HighLowCloseIndicator):
    """Fast stochastic: ``%K`` (``value``) over ``k_period`` and ``%D`` = SMA of ``%K``."""

    __slots__ = ("_d", "_highest", "_lowest", "d", "k_period")
    outputs = ("value", "d")

    def __init__(self, k_period: int = 5, d_period: int = 3) -> None:
        super().__init__()
        self.k_period = check_period("k_period", k_period, 1)
        self._highest = RollingExtreme(self.k_period, maximum=True)
        self._lowest = RollingExtreme(self.k_period, maximum=False)
        self._d = SMA(d_period)
        self.d = float("nan")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(k_period, d_period)``."""
        return (self.k_period, self._d.period)

    def update(self, high: float, low: float, close: float) -> None:
        """Add the newest bar."""
        highest = self._highest.push(high)
        lowest = self._lowest.push(low)
        self.count += 1
        if self.count < self.k_period:
            return
        scale = (highest - lowest) / 100.0
        k = (close - lowest) / scale if scale != 0.0 else 0.0
        d = self._d
        d.update(k)
        if d.ready:
            self.value = k
            self.d = d.value
            self.ready = True


class StochasticSlow(HighLowCloseIndicator):
    """Slow stochastic: slow ``%K`` (``value``) = SMA of fast %K, slow ``%D`` = SMA of slow %K."""

    __slots__ = ("_highest", "_lowest", "_slow_d", "_slow_k", "d", "k_period")
    outputs = ("value", "d")

    def __init__(self, k_period: int = 5, slow_k_period: int = 3, slow_d_period: int = 3) -> None:
        super().__init__()
        self.k_period = check_period("k_period", k_period, 1)
        self._highest = RollingExtreme(self.k_period, maximum=True)
        self._lowest = RollingExtreme(self.k_period, maximum=False)
        self._slow_k = SMA(slow_k_period)
        self._slow_d = SMA(slow_d_period)
        self.d = float("nan")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(k_period, slow_k_period, slow_d_period)``."""
        return (self.k_period, self._slow_k.period, self._slow_d.period)

    def update(self, high: float, low: float, close: float) -> None:
        """Add the newest bar."""
        highest = self._highest.push(high)
        lowest = self._lowest.push(low)
        self.count += 1
        if self.count < self.k_period:
            return
        scale = (highest - lowest) / 100.0
        slow_k = self._slow_k
        slow_k.update((close - lowest) / scale if scale != 0.0 else 0.0)
        if slow_k.ready:
            slow_d = self._slow_d
            slow_d.update(slow_k.value)
            if slow_d.ready:
                self.value = slow_k.value
                self.d = slow_d.value
                self.ready = True


class WilliamsR(HighLowCloseIndicator):
    """Williams %R (-100..0): where the close sits in the ``period`` high-low range."""

    __slots__ = ("_highest", "_lowest", "period")

    def __init__(self, period: int = 14) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self._highest = RollingExtreme(self.period, maximum=True)
        self._lowest = RollingExtreme(self.period, maximum=False)

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, high: float, low: float, close: float) -> None:
        """Add the newest bar."""
        highest = self._highest.push(high)
        lowest = self._lowest.push(low)
        self.count += 1
        if self.count >= self.period:
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


class _Lagged(CloseIndicator):
    """An indicator of the newest value and the one ``period`` bars before it."""

    __slots__ = ("_window", "period")

    def __init__(self, period: int = 10) -> None:
        super().__init__()
        self.period = check_period("period", period, 1)
        self._window: deque[float] = deque(maxlen=self.period + 1)

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)


class ROC(_Lagged):
    """Rate of change in percent over ``period`` bars (0 where the old value is 0, as TA-Lib)."""

    __slots__ = ()

    def update(self, value: float) -> None:
        """Add ``value``."""
        window = self._window
        window.append(value)
        self.count += 1
        if self.count > self.period:
            old = window[0]
            self.value = (value / old - 1.0) * 100.0 if old != 0.0 else 0.0
            self.ready = True


class Momentum(_Lagged):
    """Momentum: ``x[t] - x[t - period]``."""

    __slots__ = ()

    def update(self, value: float) -> None:
        """Add ``value``."""
        window = self._window
        window.append(value)
        self.count += 1
        if self.count > self.period:
            self.value = value - window[0]
            self.ready = True


# -- batch ----------------------------------------------------------------------------------


class MACDResult(NamedTuple):
    """MACD line, signal line and histogram."""

    macd: FloatArray
    signal: FloatArray
    histogram: FloatArray


class StochasticResult(NamedTuple):
    """%K and %D."""

    k: FloatArray
    d: FloatArray


def _hlc(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike) -> list[FloatArray]:
    return bar_columns(high=high, low=low, close=close)


def rsi(close: npt.ArrayLike, period: int = 14) -> FloatArray:
    """Return Wilder's RSI (TA-Lib ``RSI``); the first ``period`` rows are NaN."""
    return talib.RSI(as_series("close", close), timeperiod=check_period("period", period, 2))


def macd(close: npt.ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9) -> MACDResult:
    """Return MACD line, signal and histogram (TA-Lib ``MACD``)."""
    MACD(fast, slow, signal)  # validates the parameters with the same messages
    line, sig, hist = talib.MACD(
        as_series("close", close), fastperiod=fast, slowperiod=slow, signalperiod=signal
    )
    return MACDResult(line, sig, hist)


def stochastic_fast(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    k_period: int = 5,
    d_period: int = 3,
) -> StochasticResult:
    """Return fast %K and %D (TA-Lib ``STOCHF`` with an SMA for %D)."""
    StochasticFast(k_period, d_period)
    h, lo, c = _hlc(high, low, close)
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
    h, lo, c = _hlc(high, low, close)
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
    h, lo, c = _hlc(high, low, close)
    return talib.WILLR(h, lo, c, timeperiod=check_period("period", period, 2))


def cci(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 20
) -> FloatArray:
    """Return the commodity channel index (TA-Lib ``CCI``)."""
    h, lo, c = _hlc(high, low, close)
    return talib.CCI(h, lo, c, timeperiod=check_period("period", period, 2))


def roc(close: npt.ArrayLike, period: int = 10) -> FloatArray:
    """Return the rate of change in percent (TA-Lib ``ROC``)."""
    return talib.ROC(as_series("close", close), timeperiod=check_period("period", period, 1))


def momentum(close: npt.ArrayLike, period: int = 10) -> FloatArray:
    """Return ``x[t] - x[t - period]`` (TA-Lib ``MOM``)."""
    return talib.MOM(as_series("close", close), timeperiod=check_period("period", period, 1))

"""Momentum: RSI, MACD, rate of change and momentum (high-low oscillators:
:mod:`.range_oscillators`).

Batch forms are TA-Lib's; the streaming forms follow TA-Lib's recurrences (Wilder smoothing for
RSI, MACD's aligned EMA seeds, zero output on a flat range) so both agree value for value.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy.typing as npt
import talib

from colin.core.errors import ConfigError
from colin.indicators._validate import FloatArray, as_series, check_period
from colin.indicators.base import (
    CloseIndicator,
)

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


def roc(close: npt.ArrayLike, period: int = 10) -> FloatArray:
    """Return the rate of change in percent (TA-Lib ``ROC``)."""
    return talib.ROC(as_series("close", close), timeperiod=check_period("period", period, 1))


def momentum(close: npt.ArrayLike, period: int = 10) -> FloatArray:
    """Return ``x[t] - x[t - period]`` (TA-Lib ``MOM``)."""
    return talib.MOM(as_series("close", close), timeperiod=check_period("period", period, 1))

"""Moving averages: SMA, EMA, WMA, DEMA and TEMA.

Batch forms are TA-Lib's; the streaming forms reproduce TA-Lib's seeding exactly (an EMA starts
from the simple average of its first ``period`` inputs), so both agree value for value.
"""

from __future__ import annotations

from collections import deque

import numpy.typing as npt
import talib

from colin.indicators._validate import FloatArray, as_series, check_period
from colin.indicators.base import CloseIndicator

# -- streaming ----------------------------------------------------------------------------------


class SMA(CloseIndicator):
    """Simple moving average of the last ``period`` values."""

    __slots__ = ("_sum", "_window", "period")

    def __init__(self, period: int = 20) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self._window: deque[float] = deque(maxlen=self.period)
        self._sum = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, value: float) -> None:
        """Add ``value``."""
        window = self._window
        if self.ready:  # the window is full
            self._sum += value - window[0]
            window.append(value)
            self.value = self._sum / self.period
        else:
            self._sum += value
            window.append(value)
            if len(window) == self.period:
                self.value = self._sum / self.period
                self.ready = True
        self.count += 1


class EMA(CloseIndicator):
    """Exponential moving average, ``alpha = 2 / (period + 1)``, seeded with an SMA (as TA-Lib)."""

    __slots__ = ("_seed", "alpha", "period")

    def __init__(self, period: int = 20) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self.alpha = 2.0 / (self.period + 1)
        self._seed = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, value: float) -> None:
        """Add ``value``."""
        count = self.count + 1
        self.count = count
        if count > self.period:
            self.value = (value - self.value) * self.alpha + self.value
        else:
            self._seed += value
            if count == self.period:
                self.value = self._seed / self.period
                self.ready = True


class WMA(CloseIndicator):
    """Linearly weighted moving average (weight ``period`` on the newest value, 1 on the oldest)."""

    __slots__ = ("_divisor", "_sum", "_weighted", "_window", "period")

    def __init__(self, period: int = 20) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self._window: deque[float] = deque(maxlen=self.period)
        self._divisor = self.period * (self.period + 1) / 2.0
        self._sum = 0.0
        self._weighted = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, value: float) -> None:
        """Add ``value``."""
        window = self._window
        period = self.period
        if len(window) == period:
            # Every weight drops by one (subtract the old sum), the new value enters at ``period``.
            self._weighted += period * value - self._sum
            self._sum += value - window[0]
            window.append(value)
            self.value = self._weighted / self._divisor
        else:
            window.append(value)
            self._sum += value
            self._weighted += len(window) * value
            if len(window) == period:
                self.value = self._weighted / self._divisor
                self.ready = True
        self.count += 1


class DEMA(CloseIndicator):
    """Double EMA: ``2 * EMA(x) - EMA(EMA(x))``."""

    __slots__ = ("_first", "_second", "period")

    def __init__(self, period: int = 20) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self._first = EMA(self.period)
        self._second = EMA(self.period)

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, value: float) -> None:
        """Add ``value``."""
        first = self._first
        first.update(value)
        if first.ready:
            second = self._second
            second.update(first.value)
            if second.ready:
                self.value = 2.0 * first.value - second.value
                self.ready = True
        self.count += 1


class TEMA(CloseIndicator):
    """Triple EMA: ``3 * E1 - 3 * E2 + E3`` with ``E2 = EMA(E1)`` and ``E3 = EMA(E2)``."""

    __slots__ = ("_first", "_second", "_third", "period")

    def __init__(self, period: int = 20) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self._first = EMA(self.period)
        self._second = EMA(self.period)
        self._third = EMA(self.period)

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, value: float) -> None:
        """Add ``value``."""
        first = self._first
        first.update(value)
        if first.ready:
            second = self._second
            second.update(first.value)
            if second.ready:
                third = self._third
                third.update(second.value)
                if third.ready:
                    self.value = third.value + (3.0 * first.value - 3.0 * second.value)
                    self.ready = True
        self.count += 1


# -- batch ----------------------------------------------------------------------------------


def sma(close: npt.ArrayLike, period: int = 20) -> FloatArray:
    """Return the simple moving average (TA-Lib ``SMA``); the first ``period - 1`` rows are NaN."""
    return talib.SMA(as_series("close", close), timeperiod=check_period("period", period, 2))


def ema(close: npt.ArrayLike, period: int = 20) -> FloatArray:
    """Return the SMA-seeded exponential moving average (TA-Lib ``EMA``)."""
    return talib.EMA(as_series("close", close), timeperiod=check_period("period", period, 2))


def wma(close: npt.ArrayLike, period: int = 20) -> FloatArray:
    """Return the linearly weighted moving average (TA-Lib ``WMA``)."""
    return talib.WMA(as_series("close", close), timeperiod=check_period("period", period, 2))


def dema(close: npt.ArrayLike, period: int = 20) -> FloatArray:
    """Return the double exponential moving average (TA-Lib ``DEMA``)."""
    return talib.DEMA(as_series("close", close), timeperiod=check_period("period", period, 2))


def tema(close: npt.ArrayLike, period: int = 20) -> FloatArray:
    """Return the triple exponential moving average (TA-Lib ``TEMA``)."""
    return talib.TEMA(as_series("close", close), timeperiod=check_period("period", period, 2))


__all__ = ["DEMA", "EMA", "SMA", "TEMA", "WMA", "dema", "ema", "sma", "tema", "wma"]

"""Range and channel indicators: ATR, Bollinger Bands, Keltner Channels, Donchian Channels.

ATR and Bollinger Bands follow TA-Lib's recurrences (Wilder-smoothed ATR seeded with the mean of
the first ``period`` true ranges; population standard deviation from running sums); Keltner and
Donchian are composed from TA-Lib's ``EMA``/``ATR`` and ``MAX``/``MIN``.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy.typing as npt
import talib
from talib import MA_Type  # type: ignore[attr-defined]  # re-exported at runtime, not in stubs

from colin.indicators._validate import (
    FloatArray,
    as_series,
    bar_columns,
    check_period,
    check_positive,
)
from colin.indicators.base import (
    CloseIndicator,
    HighLowCloseIndicator,
    HighLowIndicator,
    RollingRange,
)
from colin.indicators.moving_averages import EMA

_ZERO = 1e-14  # TA-Lib's TA_IS_ZERO threshold


class ATR(HighLowCloseIndicator):
    """Average true range (Wilder), as TA-Lib ``ATR``; ``true_range`` holds the newest TR."""

    __slots__ = ("_previous_close", "_sum", "period", "true_range")
    outputs = ("value",)

    def __init__(self, period: int = 14) -> None:
        super().__init__()
        self.period = check_period("period", period, 1)
        self._previous_close = 0.0
        self._sum = 0.0
        self.true_range = float("nan")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, high: float, low: float, close: float) -> None:
        """Add the newest bar."""
        count = self.count
        self.count = count + 1
        previous = self._previous_close
        self._previous_close = close
        if count == 0:
            return
        true_range = high - low
        gap = abs(high - previous)
        if gap > true_range:
            true_range = gap
        gap = abs(low - previous)
        if gap > true_range:
            true_range = gap
        self.true_range = true_range
        period = self.period
        if count > period:
            self.value = (self.value * (period - 1) + true_range) / period
        else:
            self._sum += true_range
            if count == period:
                self.value = self._sum / period
                self.ready = True


class BollingerBands(CloseIndicator):
    """Bollinger Bands: SMA ``value`` (middle) ± ``width`` x population standard deviation."""

    __slots__ = ("_sum", "_sum_squares", "_window", "lower", "period", "upper", "width")
    outputs = ("value", "upper", "lower")

    def __init__(self, period: int = 20, width: float = 2.0) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self.width = check_positive("width", width)
        self._window: deque[float] = deque(maxlen=self.period)
        self._sum = 0.0
        self._sum_squares = 0.0
        self.upper = float("nan")
        self.lower = float("nan")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period, width)``."""
        return (self.period, self.width)

    def update(self, value: float) -> None:
        """Add ``value``."""
        window = self._window
        window.append(value)
        # Same order as TA-Lib: add the new value, read the window, drop the oldest afterwards.
        self._sum += value
        self._sum_squares += value * value
        self.count += 1
        if self.count < self.period:
            return
        period = self.period
        mean = self._sum / period
        variance = self._sum_squares / period - mean * mean
        deviation = variance**0.5 if variance >= _ZERO else 0.0
        oldest = window[0]
        self._sum -= oldest
        self._sum_squares -= oldest * oldest
        band = self.width * deviation
        self.value = mean
        self.upper = mean + band
        self.lower = mean - band
        self.ready = True


class KeltnerChannels(HighLowCloseIndicator):
    """Keltner Channels: EMA of the close (``value``) ± ``multiplier`` x ATR."""

    __slots__ = ("_atr", "_ema", "lower", "multiplier", "upper")
    outputs = ("value", "upper", "lower")

    def __init__(self, period: int = 20, atr_period: int = 10, multiplier: float = 2.0) -> None:
        super().__init__()
        self._ema = EMA(period)
        self._atr = ATR(atr_period)
        self.multiplier = check_positive("multiplier", multiplier)
        self.upper = float("nan")
        self.lower = float("nan")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period, atr_period, multiplier)``."""
        return (self._ema.period, self._atr.period, self.multiplier)

    def update(self, high: float, low: float, close: float) -> None:
        """Add the newest bar."""
        ema, atr = self._ema, self._atr
        ema.update(close)
        atr.update(high, low, close)
        self.count += 1
        if ema.ready and atr.ready:
            band = self.multiplier * atr.value
            self.value = ema.value
            self.upper = ema.value + band
            self.lower = ema.value - band
            self.ready = True


class DonchianChannels(HighLowIndicator):
    """Donchian Channels: highest high, lowest low and their midpoint (``value``)."""

    __slots__ = ("_range", "lower", "period", "upper")
    outputs = ("value", "upper", "lower")

    def __init__(self, period: int = 20) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self._range = RollingRange(self.period)
        self.upper = float("nan")
        self.lower = float("nan")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, high: float, low: float) -> None:
        """Add the newest high and low."""
        rolling = self._range
        rolling.push(high, low)
        self.count += 1
        if self.count >= self.period:
            self.upper = upper = rolling.highest
            self.lower = lower = rolling.lowest
            self.value = (upper + lower) * 0.5
            self.ready = True


# -- batch ----------------------------------------------------------------------------------


class Bands(NamedTuple):
    """A middle line with upper and lower bands."""

    middle: FloatArray
    upper: FloatArray
    lower: FloatArray


def _hlc(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike) -> list[FloatArray]:
    return bar_columns(high=high, low=low, close=close)


def atr(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """Return the average true range (TA-Lib ``ATR``); the first ``period`` rows are NaN."""
    h, lo, c = _hlc(high, low, close)
    return talib.ATR(h, lo, c, timeperiod=check_period("period", period, 1))


def bollinger_bands(close: npt.ArrayLike, period: int = 20, width: float = 2.0) -> Bands:
    """Return Bollinger Bands (TA-Lib ``BBANDS`` with an SMA middle line)."""
    BollingerBands(period, width)
    upper, middle, lower = talib.BBANDS(
        as_series("close", close),
        timeperiod=period,
        nbdevup=width,
        nbdevdn=width,
        matype=MA_Type.SMA,
    )
    return Bands(middle, upper, lower)


def keltner_channels(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    period: int = 20,
    atr_period: int = 10,
    multiplier: float = 2.0,
) -> Bands:
    """Return Keltner Channels: TA-Lib ``EMA`` of the close ± ``multiplier`` x TA-Lib ``ATR``."""
    KeltnerChannels(period, atr_period, multiplier)
    h, lo, c = _hlc(high, low, close)
    middle = talib.EMA(c, timeperiod=period)
    band = multiplier * talib.ATR(h, lo, c, timeperiod=atr_period)
    return Bands(middle, middle + band, middle - band)


def donchian_channels(high: npt.ArrayLike, low: npt.ArrayLike, period: int = 20) -> Bands:
    """Return Donchian Channels from TA-Lib ``MAX``/``MIN`` (middle = their midpoint)."""
    check_period("period", period, 2)
    h, lo = bar_columns(high=high, low=low)
    upper = talib.MAX(h, timeperiod=period)
    lower = talib.MIN(lo, timeperiod=period)
    return Bands((upper + lower) * 0.5, upper, lower)

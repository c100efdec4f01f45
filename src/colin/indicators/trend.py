"""Trend indicators: ADX/DMI, Parabolic SAR and Ichimoku (SuperTrend: :mod:`.supertrend`).

ADX/DMI and the Parabolic SAR follow TA-Lib's recurrences step for step (``ADX``, ``PLUS_DI``,
``MINUS_DI``, ``SAR``); Ichimoku is composed from TA-Lib ``MAX``/``MIN``.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import talib

from colin.indicators._validate import (
    FloatArray,
    bar_columns,
    check_period,
    check_positive,
)
from colin.indicators.base import HighLowCloseIndicator, HighLowIndicator, RollingRange

_ZERO = 1e-14  # TA-Lib's TA_IS_ZERO threshold
_NAN = float("nan")


class ADX(HighLowCloseIndicator):
    """Average directional index (``value``) with the +DI and -DI lines, as TA-Lib.

    ``plus_di``/``minus_di`` are valid from bar ``period``; ``value`` (and ``ready``) from bar
    ``2 * period - 1``.
    """

    __slots__ = (
        "_close",
        "_high",
        "_low",
        "_minus_dm",
        "_plus_dm",
        "_sum_dx",
        "_true_range",
        "minus_di",
        "period",
        "plus_di",
    )
    outputs = ("value", "plus_di", "minus_di")

    def __init__(self, period: int = 14) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self._high = self._low = self._close = 0.0
        self._plus_dm = self._minus_dm = self._true_range = self._sum_dx = 0.0
        self.plus_di = float("nan")
        self.minus_di = float("nan")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, high: float, low: float, close: float) -> None:
        """Add the newest bar."""
        count = self.count
        self.count = count + 1
        up = high - self._high
        down = self._low - low
        previous_close = self._close
        self._high, self._low, self._close = high, low, close
        if count == 0:
            return
        true_range = high - low
        gap = abs(high - previous_close)
        if gap > true_range:
            true_range = gap
        gap = abs(low - previous_close)
        if gap > true_range:
            true_range = gap
        period = self.period
        if count < period:
            if down > 0 and up < down:
                self._minus_dm += down
            elif up > 0 and up > down:
                self._plus_dm += up
            self._true_range += true_range
            return
        self._minus_dm -= self._minus_dm / period
        self._plus_dm -= self._plus_dm / period
        if down > 0 and up < down:
            self._minus_dm += down
        elif up > 0 and up > down:
            self._plus_dm += up
        self._true_range = self._true_range - self._true_range / period + true_range
        tr = self._true_range
        dx = -1.0
        if -_ZERO < tr < _ZERO:
            self.plus_di = self.minus_di = 0.0
        else:
            minus_di = 100.0 * (self._minus_dm / tr)
            plus_di = 100.0 * (self._plus_dm / tr)
            self.plus_di, self.minus_di = plus_di, minus_di
            total = minus_di + plus_di
            if not -_ZERO < total < _ZERO:
                dx = 100.0 * (abs(minus_di - plus_di) / total)
        if count < 2 * period:
            if dx >= 0.0:
                self._sum_dx += dx
            if count == 2 * period - 1:
                self.value = self._sum_dx / period
                self.ready = True
        elif dx >= 0.0:
            self.value = (self.value * (period - 1) + dx) / period


class ParabolicSAR(HighLowIndicator):
    """Wilder's Parabolic SAR, as TA-Lib ``SAR``; ``long`` is the current side."""

    __slots__ = ("_af", "_extreme", "_high", "_low", "_sar", "acceleration", "long", "maximum")
    outputs = ("value",)

    def __init__(self, acceleration: float = 0.02, maximum: float = 0.2) -> None:
        super().__init__()
        self.acceleration = check_positive("acceleration", acceleration)
        self.maximum = check_positive("maximum", maximum)
        self.acceleration = min(self.acceleration, self.maximum)
        self._af = self.acceleration
        self._high = self._low = self._sar = self._extreme = 0.0
        self.long = True

    def parameters(self) -> tuple[object, ...]:
        """Return ``(acceleration, maximum)``."""
        return (self.acceleration, self.maximum)

    def update(self, high: float, low: float) -> None:
        """Add the newest high and low."""
        count = self.count
        self.count = count + 1
        if count == 0:
            self._high, self._low = high, low
            return
        if count == 1:
            # TA-Lib starts short only when bar 1 shows a -DM (a lower low that dominates).
            up, down = high - self._high, self._low - low
            self.long = not (down > 0 and up < down)
            self._extreme = high if self.long else low
            self._sar = self._low if self.long else self._high
            self._high, self._low = high, low
            self.ready = True
        previous_high, previous_low = self._high, self._low
        self._high, self._low = high, low
        sar, extreme, acceleration = self._sar, self._extreme, self.acceleration
        if self.long:
            if low <= sar:
                self.long = False
                sar = max(extreme, previous_high, high)
                self.value = sar
                self._af = acceleration
                extreme = low
                sar = max(sar + acceleration * (extreme - sar), previous_high, high)
            else:
                self.value = sar
                if high > extreme:
                    extreme = high
                    self._af = min(self._af + acceleration, self.maximum)
                sar = min(sar + self._af * (extreme - sar), previous_low, low)
        elif high >= sar:
            self.long = True
            sar = min(extreme, previous_low, low)
            self.value = sar
            self._af = acceleration
            extreme = high
            sar = min(sar + acceleration * (extreme - sar), previous_low, low)
        else:
            self.value = sar
            if low < extreme:
                extreme = low
                self._af = min(self._af + acceleration, self.maximum)
            sar = max(sar + self._af * (extreme - sar), previous_high, high)
        self._sar, self._extreme = sar, extreme


class Ichimoku(HighLowIndicator):
    """Ichimoku Kinko Hyo lines as known at the bar's close (no lookahead).

    ``value`` is the conversion line (tenkan-sen), ``base`` the base line (kijun-sen);
    ``span_a``/``span_b`` are the cloud lines *as displayed at this bar*, i.e. computed
    ``displacement`` bars ago. The lagging span (chikou) is a plot of today's close in the past
    and carries no new information at the current bar, so it is not produced. ``ready`` turns
    true with the conversion line; each other line is NaN until its own window has filled.
    """

    __slots__ = (
        "_base_range",
        "_conversion_range",
        "_pending",
        "_span_range",
        "base",
        "base_period",
        "conversion_period",
        "displacement",
        "span_a",
        "span_b",
        "span_period",
    )
    outputs = ("value", "base", "span_a", "span_b")

    def __init__(
        self,
        conversion_period: int = 9,
        base_period: int = 26,
        span_period: int = 52,
        displacement: int = 26,
    ) -> None:
        super().__init__()
        self.conversion_period = check_period("conversion_period", conversion_period, 2)
        self.base_period = check_period("base_period", base_period, 2)
        self.span_period = check_period("span_period", span_period, 2)
        self.displacement = check_period("displacement", displacement, 0)
        self._conversion_range = RollingRange(self.conversion_period)
        self._base_range = RollingRange(self.base_period)
        self._span_range = RollingRange(self.span_period)
        self._pending: deque[tuple[float, float]] = deque(maxlen=self.displacement + 1)
        self.base = self.span_a = self.span_b = float("nan")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(conversion_period, base_period, span_period, displacement)``."""
        return (self.conversion_period, self.base_period, self.span_period, self.displacement)

    def update(self, high: float, low: float) -> None:
        """Add the newest high and low."""
        conversion_range, base_range, span_range = (
            self._conversion_range,
            self._base_range,
            self._span_range,
        )
        conversion_range.push(high, low)
        base_range.push(high, low)
        span_range.push(high, low)
        conversion = (conversion_range.highest + conversion_range.lowest) * 0.5
        count = self.count + 1
        self.count = count
        if count >= self.conversion_period:
            self.value = conversion
            self.ready = True
        pending = self._pending
        if count >= self.base_period:
            base = (base_range.highest + base_range.lowest) * 0.5
            self.base = base
            span_a = (conversion + base) * 0.5
        else:
            span_a = _NAN
        if count >= self.span_period:
            pending.append((span_a, (span_range.highest + span_range.lowest) * 0.5))
        else:
            pending.append((span_a, _NAN))
        if len(pending) > self.displacement:
            self.span_a, self.span_b = pending[0]


# -- batch ----------------------------------------------------------------------------------


class DirectionalMovement(NamedTuple):
    """ADX with the +DI and -DI lines."""

    adx: FloatArray
    plus_di: FloatArray
    minus_di: FloatArray


class IchimokuLines(NamedTuple):
    """Ichimoku lines aligned to the bar at which they are known."""

    conversion: FloatArray
    base: FloatArray
    span_a: FloatArray
    span_b: FloatArray


def _hlc(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike) -> list[FloatArray]:
    return bar_columns(high=high, low=low, close=close)


def adx(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> DirectionalMovement:
    """Return ADX, +DI and -DI (TA-Lib ``ADX``, ``PLUS_DI``, ``MINUS_DI``)."""
    check_period("period", period, 2)
    h, lo, c = _hlc(high, low, close)
    return DirectionalMovement(
        talib.ADX(h, lo, c, timeperiod=period),
        talib.PLUS_DI(h, lo, c, timeperiod=period),
        talib.MINUS_DI(h, lo, c, timeperiod=period),
    )


def parabolic_sar(
    high: npt.ArrayLike, low: npt.ArrayLike, acceleration: float = 0.02, maximum: float = 0.2
) -> FloatArray:
    """Return the Parabolic SAR (TA-Lib ``SAR``); row 0 is NaN."""
    ParabolicSAR(acceleration, maximum)
    h, lo = bar_columns(high=high, low=low)
    return talib.SAR(h, lo, acceleration=acceleration, maximum=maximum)


def ichimoku(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    conversion_period: int = 9,
    base_period: int = 26,
    span_period: int = 52,
    displacement: int = 26,
) -> IchimokuLines:
    """Return the Ichimoku lines as known at each bar (see :class:`Ichimoku`)."""
    Ichimoku(conversion_period, base_period, span_period, displacement)
    h, lo = bar_columns(high=high, low=low)
    n = len(h)

    def midpoint(period: int) -> FloatArray:
        line: FloatArray = talib.MAX(h, timeperiod=period)
        line += talib.MIN(lo, timeperiod=period)
        line *= 0.5
        return line

    conversion = midpoint(conversion_period)
    base = midpoint(base_period)
    # the spans are shifted as they are computed: in place, no temporary arrays
    kept = max(n - displacement, 0)
    span_a = np.full(n, np.nan)
    np.add(conversion[:kept], base[:kept], out=span_a[n - kept :])
    span_a[n - kept :] *= 0.5
    span_b = midpoint(span_period)
    span_b[n - kept :] = span_b[:kept]  # numpy copies overlapping ranges correctly
    span_b[: n - kept] = np.nan
    return IchimokuLines(conversion, base, span_a, span_b)

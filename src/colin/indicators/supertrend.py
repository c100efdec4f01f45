"""SuperTrend: a trend line from ATR bands around the bar's midpoint, and its direction.

The streaming :class:`SuperTrend` and the batch :func:`supertrend` agree bar for bar; the batch
form runs one numba loop that computes the ATR exactly as TA-Lib's ``ATR`` (and as :class:`ATR`)
and the bands in the same pass.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
import numpy.typing as npt

from colin.indicators._validate import (
    FloatArray,
    bar_columns,
    check_positive,
    high_low_close,
    hlc_row_valid,
)
from colin.indicators.base import HighLowCloseIndicator
from colin.indicators.channels import ATR


class SuperTrend(HighLowCloseIndicator):
    """SuperTrend line (``value``) and ``direction`` (+1 up, -1 down) from ATR bands on HL/2."""

    __slots__ = ("_atr", "_close", "_lower", "_upper", "direction", "multiplier")
    outputs = ("value", "direction")

    def __init__(self, period: int = 10, multiplier: float = 3.0) -> None:
        super().__init__()
        self._atr = ATR(period)
        self.multiplier = check_positive("multiplier", multiplier)
        self._upper = self._lower = self._close = 0.0
        self.direction = float("nan")

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period, multiplier)``."""
        return (self._atr.period, self.multiplier)

    def update(self, high: float, low: float, close: float) -> None:
        """Add the newest bar."""
        atr = self._atr
        atr.update(high, low, close)
        self.count += 1
        if not atr.ready:
            self._close = close
            return
        middle = (high + low) * 0.5
        upper = middle + self.multiplier * atr.value
        lower = middle - self.multiplier * atr.value
        if not self.ready:
            direction = 1.0
        else:
            previous_close = self._close
            # a band only tightens while the previous close stayed inside it
            if previous_close <= self._upper:
                upper = min(upper, self._upper)
            if previous_close >= self._lower:
                lower = max(lower, self._lower)
            direction = self.direction
            if direction < 0.0 and close > upper:
                direction = 1.0
            elif direction > 0.0 and close < lower:
                direction = -1.0
        self._upper, self._lower, self._close = upper, lower, close
        self.direction = direction
        self.value = lower if direction > 0.0 else upper
        self.ready = True


class SuperTrendResult(NamedTuple):
    """SuperTrend line and direction (+1 / -1)."""

    supertrend: FloatArray
    direction: FloatArray


@numba.njit(cache=True)
def _supertrend_kernel(
    high: FloatArray, low: FloatArray, close: FloatArray, period: int, multiplier: float
) -> tuple[FloatArray, FloatArray, int]:  # pragma: no cover - compiled
    """One pass: Wilder ATR exactly as :class:`ATR` (TA-Lib's), then the SuperTrend bands.

    Each row is also validated here (the first invalid row is returned, else -1): the exact
    division in the ATR recursion is a loop-carried chain, and the checks run in its shadow
    for free where a separate validation pass would cost a third of the kernel.
    """
    n = len(close)
    line = np.empty(n)
    direction = np.empty(n)
    line[: min(n, period)] = np.nan
    direction[: min(n, period)] = np.nan
    if n > 0 and not hlc_row_valid(high[0], low[0], close[0]):
        return line, direction, 0
    atr = 0.0
    final_upper = final_lower = 0.0
    sign = 1.0
    for i in range(1, n):
        if not hlc_row_valid(high[i], low[i], close[i]):
            return line, direction, i
        previous_close = close[i - 1]
        true_range = high[i] - low[i]
        gap = abs(high[i] - previous_close)
        true_range = gap if gap > true_range else true_range
        gap = abs(low[i] - previous_close)
        true_range = gap if gap > true_range else true_range
        if i > period:
            atr = (atr * (period - 1) + true_range) / period
        else:
            atr += true_range
            if i < period:
                continue
            atr /= period
        middle = (high[i] + low[i]) * 0.5
        upper = middle + multiplier * atr
        lower = middle - multiplier * atr
        if i > period:
            if previous_close <= final_upper:
                upper = min(upper, final_upper)
            if previous_close >= final_lower:
                lower = max(lower, final_lower)
            if sign < 0.0 and close[i] > upper:
                sign = 1.0
            elif sign > 0.0 and close[i] < lower:
                sign = -1.0
        final_upper, final_lower = upper, lower
        direction[i] = sign
        line[i] = lower if sign > 0.0 else upper
    return line, direction, -1


def supertrend(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    period: int = 10,
    multiplier: float = 3.0,
) -> SuperTrendResult:
    """Return the SuperTrend line and direction (ATR computed as TA-Lib's, in the same pass).

    Raises
    ------
    DataError
        As :func:`~colin.indicators._validate.bar_columns` does, for the first invalid bar.
    """
    SuperTrend(period, multiplier)
    h, lo, c = high_low_close(high, low, close)
    line, direction, invalid = _supertrend_kernel(h, lo, c, period, float(multiplier))
    if invalid >= 0:
        bar_columns(high=h[: invalid + 1], low=lo[: invalid + 1], close=c[: invalid + 1])
    return SuperTrendResult(line, direction)

"""Volume indicators: OBV, MFI, session-anchored and rolling VWAP, volume z-score.

OBV and MFI follow TA-Lib (``OBV``, ``MFI``); the VWAPs use the typical price ``(H + L + C) / 3``
and are NaN while the window holds no volume; the volume z-score is NaN on a flat window.
"""

from __future__ import annotations

import math
from collections import deque

import numba
import numpy as np
import numpy.typing as npt
import talib

from colin.core.errors import ConfigError
from colin.core.time import timeframe_to_ns
from colin.indicators._validate import (
    FloatArray,
    IntArray,
    as_series,
    as_timestamps,
    bar_columns,
    check_length,
    check_non_negative,
    check_period,
)
from colin.indicators.base import (
    NAN,
    CloseIndicator,
    CloseVolumeIndicator,
    HighLowCloseVolumeIndicator,
    Indicator,
)
from colin.model.data import Bar

_ZERO = 1e-14  # TA-Lib's TA_IS_ZERO threshold


class OBV(CloseVolumeIndicator):
    """On-balance volume: cumulative volume signed by the close's direction (starts at volume 0)."""

    __slots__ = ("_close",)

    def __init__(self) -> None:
        super().__init__()
        self._close = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``()``."""
        return ()

    def update(self, close: float, volume: float) -> None:
        """Add the newest close and volume."""
        if self.count == 0:
            self.value = volume
            self.ready = True
        elif close > self._close:
            self.value += volume
        elif close < self._close:
            self.value -= volume
        self._close = close
        self.count += 1


class MFI(HighLowCloseVolumeIndicator):
    """Money flow index (0-100); 0 while the window's total money flow is below 1 (as TA-Lib)."""

    __slots__ = ("_flows", "_negative", "_positive", "_typical", "period")

    def __init__(self, period: int = 14) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self._flows: deque[tuple[float, float]] = deque(maxlen=self.period)
        self._typical = 0.0
        self._positive = 0.0
        self._negative = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, high: float, low: float, close: float, volume: float) -> None:
        """Add the newest bar."""
        typical = (high + low + close) / 3.0
        change = typical - self._typical
        self._typical = typical
        count = self.count
        self.count = count + 1
        if count == 0:
            return
        flows = self._flows
        if len(flows) == self.period:
            positive, negative = flows[0]
            self._positive -= positive
            self._negative -= negative
        flow = typical * volume
        if change < 0:
            flows.append((0.0, flow))
            self._negative += flow
        elif change > 0:
            flows.append((flow, 0.0))
            self._positive += flow
        else:
            flows.append((0.0, 0.0))
        if count >= self.period:
            total = self._positive + self._negative
            self.value = 0.0 if total < 1.0 else 100.0 * (self._positive / total)
            self.ready = True


class SessionVWAP(Indicator):
    """VWAP of the typical price since the start of the current session.

    Sessions are ``anchor`` long (a timeframe such as ``"1d"``, ``"4h"`` or ``"1w"``) and aligned
    to the UNIX epoch: the default resets at 00:00 UTC (``"1w"`` resets on Thursdays, the epoch's
    weekday). A bar belongs to the session of its ``ts_open``. NaN while the session has no volume
    yet.
    """

    __slots__ = ("_session", "_volume", "_weighted", "anchor", "anchor_ns")
    inputs = ("ts_open", "high", "low", "close", "volume")

    def __init__(self, anchor: str = "1d") -> None:
        super().__init__()
        self.anchor = anchor
        self.anchor_ns = _anchor_ns(anchor)
        self._session = -1
        self._weighted = 0.0
        self._volume = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``(anchor,)``."""
        return (self.anchor,)

    def update(self, ts_open: int, high: float, low: float, close: float, volume: float) -> None:
        """Add the newest bar (``ts_open`` in UTC nanoseconds)."""
        session = ts_open // self.anchor_ns
        if session != self._session:
            self._session = session
            self._weighted = 0.0
            self._volume = 0.0
        self._weighted += (high + low + close) / 3.0 * volume
        self._volume += volume
        self.count += 1
        if self._volume > 0.0:
            self.value = self._weighted / self._volume
            self.ready = True
        else:
            self.value = NAN
            self.ready = False

    def handle_bar(self, bar: Bar) -> None:
        """Update from a closed bar."""
        self.update(bar.ts_open, bar.high, bar.low, bar.close, bar.volume)


class RollingVWAP(HighLowCloseVolumeIndicator):
    """VWAP of the typical price over the last ``period`` bars (NaN if they hold no volume)."""

    __slots__ = ("_traded", "_volume", "_weighted", "_window", "period")

    def __init__(self, period: int = 20) -> None:
        super().__init__()
        self.period = check_period("period", period, 1)
        self._window: deque[tuple[float, float]] = deque(maxlen=self.period)
        self._weighted = 0.0
        self._volume = 0.0
        self._traded = 0  # bars in the window with volume: running sums may keep a residue

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, high: float, low: float, close: float, volume: float) -> None:
        """Add the newest bar."""
        window = self._window
        weighted = (high + low + close) / 3.0 * volume
        if len(window) == self.period:
            old_weighted, old_volume = window[0]
            self._weighted += weighted - old_weighted
            self._volume += volume - old_volume
            self._traded -= old_volume > 0.0
        else:
            self._weighted += weighted
            self._volume += volume
        self._traded += volume > 0.0
        window.append((weighted, volume))
        self.count += 1
        if self.count >= self.period:
            self.ready = True
            self.value = self._weighted / self._volume if self._traded else NAN


class VolumeZScore(CloseIndicator):
    """Z-score of the newest volume against the last ``period`` volumes (population std).

    ``update`` takes the volume; NaN when the window's volumes are all equal.
    """

    __slots__ = ("_sum", "_sum_squares", "_window", "period")
    inputs = ("volume",)

    def __init__(self, period: int = 20) -> None:
        super().__init__()
        self.period = check_period("period", period, 2)
        self._window: deque[float] = deque(maxlen=self.period)
        self._sum = 0.0
        self._sum_squares = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period,)``."""
        return (self.period,)

    def update(self, value: float) -> None:
        """Add the newest volume."""
        window = self._window
        window.append(value)
        self._sum += value
        self._sum_squares += value * value
        self.count += 1
        if self.count < self.period:
            return
        mean = self._sum / self.period
        variance = self._sum_squares / self.period - mean * mean
        oldest = window[0]
        self._sum -= oldest
        self._sum_squares -= oldest * oldest
        self.value = (value - mean) / math.sqrt(variance) if variance >= _ZERO else NAN
        self.ready = True

    def handle_bar(self, bar: Bar) -> None:
        """Update from ``bar.volume``."""
        self.update(bar.volume)


def _anchor_ns(anchor: str) -> int:
    try:
        return timeframe_to_ns(anchor)
    except ValueError as exc:
        raise ConfigError(f"anchor: {exc}") from None


# -- batch --------------------------------------------------------------------------------------


def _hlcv(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, volume: npt.ArrayLike
) -> list[FloatArray]:
    return bar_columns(high=high, low=low, close=close, volume=volume)


def obv(close: npt.ArrayLike, volume: npt.ArrayLike) -> FloatArray:
    """Return on-balance volume (TA-Lib ``OBV``)."""
    c, v = bar_columns(close=close, volume=volume)
    return talib.OBV(c, v)


def mfi(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    period: int = 14,
) -> FloatArray:
    """Return the money flow index (TA-Lib ``MFI``)."""
    h, lo, c, v = _hlcv(high, low, close, volume)
    return talib.MFI(h, lo, c, v, timeperiod=check_period("period", period, 2))


@numba.njit(cache=True)
def _session_vwap_kernel(
    ts_open: IntArray,
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    anchor_ns: int,
) -> FloatArray:  # pragma: no cover - compiled
    out = np.empty(len(volume))
    session = -1
    weighted = 0.0
    total = 0.0
    for i in range(len(volume)):
        key = ts_open[i] // anchor_ns
        if key != session:
            session = key
            weighted = 0.0
            total = 0.0
        weighted += (high[i] + low[i] + close[i]) / 3.0 * volume[i]
        total += volume[i]
        out[i] = weighted / total if total > 0.0 else np.nan
    return out


def session_vwap(
    ts_open: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    anchor: str = "1d",
) -> FloatArray:
    """Return the session-anchored VWAP (sessions of length ``anchor`` aligned to the epoch)."""
    anchor_ns = _anchor_ns(anchor)
    h, lo, c, v = _hlcv(high, low, close, volume)
    ts = as_timestamps("ts_open", ts_open)
    check_length("ts_open", len(ts), len(v))
    return _session_vwap_kernel(ts, h, lo, c, v, anchor_ns)


def rolling_vwap(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    period: int = 20,
) -> FloatArray:
    """Return the VWAP of the typical price over the last ``period`` bars (NaN with no volume)."""
    check_period("period", period, 1)
    h, lo, c, v = _hlcv(high, low, close, volume)
    return _rolling_vwap_kernel(h, lo, c, v, period)


@numba.njit(cache=True)
def _rolling_vwap_kernel(
    high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray, period: int
) -> FloatArray:  # pragma: no cover - compiled
    n = len(volume)
    out = np.full(n, np.nan)
    weighted_values = np.empty(n)
    weighted = total = 0.0
    traded = 0
    for i in range(n):
        w = (high[i] + low[i] + close[i]) / 3.0 * volume[i]
        weighted_values[i] = w
        if i >= period:
            weighted += w - weighted_values[i - period]
            total += volume[i] - volume[i - period]
            traded -= volume[i - period] > 0.0
        else:
            weighted += w
            total += volume[i]
        traded += volume[i] > 0.0
        if i + 1 >= period:
            out[i] = weighted / total if traded else np.nan
    return out


def volume_zscore(volume: npt.ArrayLike, period: int = 20) -> FloatArray:
    """Return ``(v - mean) / std`` of volume over ``period`` bars (population std)."""
    check_period("period", period, 2)
    v = as_series("volume", volume)
    check_non_negative("volume", v)
    return _volume_zscore_kernel(v, period)


@numba.njit(cache=True)
def _volume_zscore_kernel(volume: FloatArray, period: int) -> FloatArray:  # pragma: no cover
    n = len(volume)
    out = np.full(n, np.nan)
    total = squares = 0.0
    for i in range(n):
        v = volume[i]
        total += v
        squares += v * v
        if i + 1 >= period:
            mean = total / period
            variance = squares / period - mean * mean
            oldest = volume[i + 1 - period]
            total -= oldest
            squares -= oldest * oldest
            out[i] = (v - mean) / math.sqrt(variance) if variance >= 1e-14 else np.nan
    return out

"""Trade-flow features: cumulative volume delta, trade-sign imbalance, VPIN and Kyle's lambda.

Trades carry the aggressor side (the taker), so buys and sells are classified exactly from the
tape rather than by a tick or bulk-volume rule; trades with an unknown aggressor are skipped.

- ``CumulativeVolumeDelta``: running sum of buy minus sell volume;
- ``TradeImbalance``: over the last ``window`` trades, ``(buys - sells) / window`` by count
  (``value``) and ``(buy volume - sell volume) / volume`` (``volume_imbalance``);
- ``VPIN`` (Easley, Lopez de Prado and O'Hara): trades fill buckets of ``bucket_volume``
  (splitting a trade across a boundary); over the last ``buckets`` full buckets,
  ``sum |buy - sell| / (buckets * bucket_volume)``;
- ``KyleLambda``: over the last ``window`` trades, the least-squares slope of the price change
  since the previous trade on the signed size (price impact per unit traded); NaN while the
  signed sizes in the window do not vary.
"""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

import numba
import numpy as np
import numpy.typing as npt

from colin.core.errors import DataError
from colin.indicators._kernels import rolling_sums
from colin.indicators._validate import (
    FloatArray,
    as_columns,
    check_non_negative,
    check_period,
    check_positive,
    check_positive_prices,
)
from colin.model.data import TradeTick
from colin.model.enums import AggressorSide

NAN = float("nan")


def trade_sign(trade: TradeTick) -> float:
    """Return +1 for a buyer-initiated trade, -1 for a seller-initiated one, 0 if unknown."""
    side = trade.aggressor_side
    return 1.0 if side is AggressorSide.BUYER else -1.0 if side is AggressorSide.SELLER else 0.0


class CumulativeVolumeDelta:
    """Running buy-minus-sell volume since construction."""

    __slots__ = ("count", "ready", "value")
    outputs = ("value",)

    def __init__(self) -> None:
        self.value = 0.0
        self.ready = True
        self.count = 0

    def update(self, size: float, sign: float) -> None:
        """Add a trade of ``size`` with ``sign`` +1 (buy), -1 (sell) or 0 (unknown)."""
        self.value += sign * size
        self.count += 1

    def handle_trade(self, trade: TradeTick) -> None:
        """Update from a :class:`TradeTick`."""
        self.update(trade.size, trade_sign(trade))


class TradeImbalance:
    """Count and volume imbalance of the last ``window`` classified trades."""

    __slots__ = (
        "_count_sum",
        "_signed",
        "_trades",
        "_volume",
        "count",
        "ready",
        "value",
        "volume_imbalance",
        "window",
    )
    outputs = ("value", "volume_imbalance")

    def __init__(self, window: int = 100) -> None:
        self.window = check_period("window", window, 1)
        self._trades: deque[tuple[float, float]] = deque(maxlen=self.window)
        self._count_sum = self._signed = self._volume = 0.0
        self.value = self.volume_imbalance = NAN
        self.ready = False
        self.count = 0

    def update(self, size: float, sign: float) -> None:
        """Add a trade (``sign`` 0 is ignored)."""
        if sign == 0.0:
            return
        trades = self._trades
        if len(trades) == self.window:
            old_size, old_sign = trades[0]
            self._count_sum -= old_sign
            self._signed -= old_sign * old_size
            self._volume -= old_size
        trades.append((size, sign))
        self._count_sum += sign
        self._signed += sign * size
        self._volume += size
        self.count += 1
        if len(trades) == self.window:
            self.value = self._count_sum / self.window
            self.volume_imbalance = self._signed / self._volume if self._volume > 0.0 else NAN
            self.ready = True

    def handle_trade(self, trade: TradeTick) -> None:
        """Update from a :class:`TradeTick`."""
        self.update(trade.size, trade_sign(trade))


class VPIN:
    """Volume-synchronised probability of informed trading over volume buckets."""

    __slots__ = (
        "_buckets",
        "_buy",
        "_filled",
        "_sell",
        "_total",
        "bucket_volume",
        "buckets",
        "count",
        "ready",
        "value",
    )
    outputs = ("value",)

    def __init__(self, bucket_volume: float, buckets: int = 50) -> None:
        self.bucket_volume = check_positive("bucket_volume", bucket_volume)
        self.buckets = check_period("buckets", buckets, 1)
        self._buckets: deque[float] = deque(maxlen=self.buckets)
        self._buy = self._sell = self._filled = self._total = 0.0
        self.value = NAN
        self.ready = False
        self.count = 0

    def update(self, size: float, sign: float) -> None:
        """Add a trade (``sign`` 0 is ignored); completes as many buckets as it fills."""
        if sign == 0.0:
            return
        self.count += 1
        capacity = self.bucket_volume
        remaining = size
        while remaining > 0.0:
            take = min(remaining, capacity - self._filled)
            if sign > 0.0:
                self._buy += take
            else:
                self._sell += take
            self._filled += take
            remaining -= take
            if self._filled >= capacity:
                self._close_bucket()

    def _close_bucket(self) -> None:
        imbalance = abs(self._buy - self._sell)
        buckets = self._buckets
        if len(buckets) == self.buckets:
            self._total -= buckets[0]
        buckets.append(imbalance)
        self._total += imbalance
        self._buy = self._sell = self._filled = 0.0
        if len(buckets) == self.buckets:
            self.value = self._total / (self.buckets * self.bucket_volume)
            self.ready = True

    def handle_trade(self, trade: TradeTick) -> None:
        """Update from a :class:`TradeTick`."""
        self.update(trade.size, trade_sign(trade))


class KyleLambda:
    """Rolling price impact: slope of trade-to-trade price change on signed size."""

    __slots__ = ("_pairs", "_price", "_sums", "count", "ready", "value", "window")
    outputs = ("value",)

    def __init__(self, window: int = 200) -> None:
        self.window = check_period("window", window, 3)
        self._pairs: deque[tuple[float, float]] = deque(maxlen=self.window)
        self._sums = [0.0] * 4  # sum q, sum dp, sum q*q, sum q*dp
        self._price = NAN
        self.value = NAN
        self.ready = False
        self.count = 0

    def update(self, price: float, size: float, sign: float) -> None:
        """Add a trade (``sign`` 0 is ignored)."""
        if sign == 0.0:
            return
        previous = self._price
        self._price = price
        self.count += 1
        if math.isnan(previous):  # first trade: no price change yet
            return
        q, dp = sign * size, price - previous
        pairs, sums = self._pairs, self._sums
        terms = (q, dp, q * q, q * dp)
        if len(pairs) == self.window:
            oq, odp = pairs[0]
            old = (oq, odp, oq * oq, oq * odp)
            for j in range(4):
                sums[j] += terms[j] - old[j]
        else:
            for j in range(4):
                sums[j] += terms[j]
        pairs.append((q, dp))
        if len(pairs) == self.window:
            self.value = _slope(sums[0], sums[1], sums[2], sums[3], self.window)
            self.ready = True

    def handle_trade(self, trade: TradeTick) -> None:
        """Update from a :class:`TradeTick`."""
        self.update(trade.price, trade.size, trade_sign(trade))


def _slope(sq: float, sdp: float, sqq: float, sqdp: float, n: int) -> float:
    variance = sqq - sq * sq / n
    return (sqdp - sq * sdp / n) / variance if variance > 1e-12 * sqq else NAN


# -- batch ----------------------------------------------------------------------------------


class TradeImbalanceSeries(NamedTuple):
    """Count imbalance and volume imbalance per classified trade."""

    count_imbalance: FloatArray
    volume_imbalance: FloatArray


def _trades(size: npt.ArrayLike, sign: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    q, s = as_columns(size=size, sign=sign)
    check_non_negative("size", q)
    bad = ~np.isin(s, (-1.0, 0.0, 1.0))
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(f"sign: must be -1, 0 or +1, got {float(s[row])} at row {row}")
    return q, s


def cumulative_volume_delta(size: npt.ArrayLike, sign: npt.ArrayLike) -> FloatArray:
    """Return the running buy-minus-sell volume after each trade."""
    q, s = _trades(size, sign)
    return np.cumsum(s * q)


def trade_imbalance(
    size: npt.ArrayLike, sign: npt.ArrayLike, window: int = 100
) -> TradeImbalanceSeries:
    """Return count and volume imbalance over ``window`` classified trades (NaN on unknowns)."""
    check_period("window", window, 1)
    q, s = _trades(size, sign)
    known = s != 0.0
    terms = np.column_stack((s, s * q, q))
    terms[~known] = np.nan
    sums = rolling_sums(terms, window)
    with np.errstate(invalid="ignore", divide="ignore"):
        volume = np.where(sums[:, 2] > 0.0, sums[:, 1] / sums[:, 2], np.nan)
    volume[np.isnan(sums[:, 0])] = np.nan
    return TradeImbalanceSeries(sums[:, 0] / window, volume)


@numba.njit(cache=True)
def _vpin_kernel(
    size: FloatArray, sign: FloatArray, capacity: float, buckets: int
) -> FloatArray:  # pragma: no cover - compiled
    out = np.full(len(size), np.nan)
    ring = np.zeros(buckets)
    closed = 0
    total = 0.0
    buy = sell = filled = 0.0
    value = np.nan
    for i in range(len(size)):
        if sign[i] == 0.0:
            out[i] = value
            continue
        remaining = size[i]
        while remaining > 0.0:
            take = min(remaining, capacity - filled)
            if sign[i] > 0.0:
                buy += take
            else:
                sell += take
            filled += take
            remaining -= take
            if filled >= capacity:
                imbalance = abs(buy - sell)
                slot = closed % buckets
                if closed >= buckets:
                    total -= ring[slot]
                ring[slot] = imbalance
                total += imbalance
                closed += 1
                buy = sell = filled = 0.0
                if closed >= buckets:
                    value = total / (buckets * capacity)
        out[i] = value
    return out


def vpin(
    size: npt.ArrayLike, sign: npt.ArrayLike, bucket_volume: float, buckets: int = 50
) -> FloatArray:
    """Return VPIN after each trade (NaN until ``buckets`` volume buckets are full)."""
    VPIN(bucket_volume, buckets)
    q, s = _trades(size, sign)
    return _vpin_kernel(q, s, float(bucket_volume), buckets)


def kyle_lambda(
    price: npt.ArrayLike, size: npt.ArrayLike, sign: npt.ArrayLike, window: int = 200
) -> FloatArray:
    """Return the rolling Kyle's lambda after each classified trade (NaN for unknown ones)."""
    check_period("window", window, 3)
    q, s = _trades(size, sign)
    (p,) = as_columns(price=price)
    check_positive_prices("price", p)
    if len(p) != len(q):
        raise DataError(f"price: has {len(p)} rows, size has {len(q)}")
    known = np.flatnonzero(s != 0.0)
    out = np.full(len(p), np.nan)
    if len(known) < 2:
        return out
    kp, signed = p[known], s[known] * q[known]
    terms = np.full((len(known), 4), np.nan)
    dp = kp[1:] - kp[:-1]
    qk = signed[1:]
    terms[1:] = np.column_stack((qk, dp, qk * qk, qk * dp))
    sums = rolling_sums(terms, window)
    values = np.array([_slope(a, b, c, d, window) for a, b, c, d in sums])
    out[known] = values
    return out

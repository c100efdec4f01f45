"""Book features: best prices, spread, mid, microprice, imbalances, skew, depth slope, density.

From the top ``depth`` levels of an L2 book (``mid`` = midpoint of the best prices, distances in
basis points of the mid):

- ``imbalance`` (NOBI, the normalised imbalance at the touch): ``(Qb1 - Qa1) / (Qb1 + Qa1)``;
- ``imbalance_depth``: the same over the top ``depth`` levels of each side;
- ``microprice``: ``(ask * Qb1 + bid * Qa1) / (Qb1 + Qa1)``;
- ``skew``: ``(Da - Db) / (Da + Db)`` where ``Db``/``Da`` are the size-weighted mean distances
  of bid/ask liquidity from the mid (positive: asks sit further away than bids);
- ``slope_bid``/``slope_ask``: least-squares slope (through the origin) of cumulative size on
  distance, in size per basis point;
- ``density_bid``/``density_ask``: size within ``band_bps`` of the mid, per basis point.

An empty side or a crossed book (best bid >= best ask) gives NaN for every feature (and
``ready`` false in the streaming form): they are broken states, not market signals.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from colin.indicators._validate import FloatArray, check_period, check_positive
from colin.indicators.orderflow.levels import BookLevels
from colin.model.book import OrderBook

NAN = float("nan")
BOOK_OUTPUTS = (
    "value",
    "best_bid",
    "best_ask",
    "spread",
    "spread_bps",
    "mid",
    "microprice",
    "imbalance",
    "imbalance_depth",
    "skew",
    "slope_bid",
    "slope_ask",
    "density_bid",
    "density_ask",
)


class BookFeatures:
    """Streaming book features (see the module docstring); ``value`` is ``imbalance_depth``."""

    __slots__ = (*BOOK_OUTPUTS, "band_bps", "count", "depth", "ready")
    outputs = BOOK_OUTPUTS

    def __init__(self, depth: int = 10, band_bps: float = 10.0) -> None:
        self.depth = check_period("depth", depth, 1)
        self.band_bps = check_positive("band_bps", band_bps)
        self.count = 0
        self._clear()

    def _clear(self) -> None:
        for name in BOOK_OUTPUTS:
            setattr(self, name, NAN)
        self.ready = False

    def update(self, book: OrderBook) -> None:
        """Recompute from the book's current state."""
        self.count += 1
        bids, asks = book.bids(self.depth), book.asks(self.depth)
        if not bids or not asks or bids[0][0] >= asks[0][0]:
            self._clear()
            return
        bid, bid_size = bids[0]
        ask, ask_size = asks[0]
        mid = (bid + ask) * 0.5
        self.best_bid, self.best_ask, self.mid = bid, ask, mid
        self.spread = ask - bid
        self.spread_bps = self.spread / mid * 1e4
        top = bid_size + ask_size
        self.microprice = (ask * bid_size + bid * ask_size) / top
        self.imbalance = (bid_size - ask_size) / top
        bid_total, bid_distance, bid_slope, bid_density = _side(bids, mid, self.band_bps)
        ask_total, ask_distance, ask_slope, ask_density = _side(asks, mid, self.band_bps)
        self.imbalance_depth = (bid_total - ask_total) / (bid_total + ask_total)
        self.value = self.imbalance_depth
        spread_of_distances = ask_distance + bid_distance
        self.skew = (ask_distance - bid_distance) / spread_of_distances
        self.slope_bid, self.slope_ask = bid_slope, ask_slope
        self.density_bid, self.density_ask = bid_density, ask_density
        self.ready = True


def _side(
    levels: list[tuple[float, float]], mid: float, band_bps: float
) -> tuple[float, float, float, float]:
    """Total size, mean distance (bps), depth slope and density near the mid for one side."""
    total = weighted = cross = square = near = cumulative = 0.0
    scale = 1e4 / mid
    for price, size in levels:
        distance = abs(price - mid) * scale
        total += size
        weighted += size * distance
        cumulative += size
        cross += distance * cumulative
        square += distance * distance
        if distance <= band_bps:
            near += size
    return total, weighted / total, cross / square, near / band_bps


class BookFeatureSeries(NamedTuple):
    """Batch book features, one array per name in :data:`BOOK_OUTPUTS` (``value`` first)."""

    value: FloatArray
    best_bid: FloatArray
    best_ask: FloatArray
    spread: FloatArray
    spread_bps: FloatArray
    mid: FloatArray
    microprice: FloatArray
    imbalance: FloatArray
    imbalance_depth: FloatArray
    skew: FloatArray
    slope_bid: FloatArray
    slope_ask: FloatArray
    density_bid: FloatArray
    density_ask: FloatArray


def book_features(levels: BookLevels, band_bps: float = 10.0) -> BookFeatureSeries:
    """Return the book features for every row of recorded ``levels`` (one numba pass)."""
    check_positive("band_bps", band_bps)
    levels.validate()
    out = _book_kernel(*levels, band_bps)
    return BookFeatureSeries(*(out[:, j] for j in range(len(BOOK_OUTPUTS))))


@numba.njit(cache=True)
def _side_kernel(
    prices: FloatArray, sizes: FloatArray, row: int, mid: float, band_bps: float
) -> tuple[float, float, float, float]:  # pragma: no cover - compiled
    total = weighted = cross = square = near = cumulative = 0.0
    scale = 1e4 / mid
    for k in range(prices.shape[1]):
        price = prices[row, k]
        if np.isnan(price):
            break
        size = sizes[row, k]
        distance = abs(price - mid) * scale
        total += size
        weighted += size * distance
        cumulative += size
        cross += distance * cumulative
        square += distance * distance
        if distance <= band_bps:
            near += size
    return total, weighted / total, cross / square, near / band_bps


@numba.njit(cache=True)
def _book_kernel(
    bid_px: FloatArray,
    bid_sz: FloatArray,
    ask_px: FloatArray,
    ask_sz: FloatArray,
    band_bps: float,
) -> FloatArray:  # pragma: no cover - compiled
    rows = bid_px.shape[0]
    out = np.full((rows, 14), np.nan)
    for i in range(rows):
        bid, ask = bid_px[i, 0], ask_px[i, 0]
        if not bid < ask:  # an empty side (NaN) or a crossed book
            continue
        bid_size, ask_size = bid_sz[i, 0], ask_sz[i, 0]
        mid = (bid + ask) * 0.5
        spread = ask - bid
        top = bid_size + ask_size
        bid_total, bid_distance, bid_slope, bid_density = _side_kernel(
            bid_px, bid_sz, i, mid, band_bps
        )
        ask_total, ask_distance, ask_slope, ask_density = _side_kernel(
            ask_px, ask_sz, i, mid, band_bps
        )
        imbalance_depth = (bid_total - ask_total) / (bid_total + ask_total)
        out[i, 0] = imbalance_depth
        out[i, 1] = bid
        out[i, 2] = ask
        out[i, 3] = spread
        out[i, 4] = spread / mid * 1e4
        out[i, 5] = mid
        out[i, 6] = (ask * bid_size + bid * ask_size) / top
        out[i, 7] = (bid_size - ask_size) / top
        out[i, 8] = imbalance_depth
        out[i, 9] = (ask_distance - bid_distance) / (ask_distance + bid_distance)
        out[i, 10] = bid_slope
        out[i, 11] = ask_slope
        out[i, 12] = bid_density
        out[i, 13] = ask_density
    return out

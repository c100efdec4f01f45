"""Top-of-book level arrays: the batch input of the book features.

A recorded book is four ``(updates, depth)`` float arrays: bid prices, bid sizes, ask prices and
ask sizes, best level first, NaN where a side has fewer than ``depth`` levels.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from colin.core.errors import DataError
from colin.indicators._validate import FloatArray, check_period
from colin.model.book import OrderBook


class BookLevels(NamedTuple):
    """The top ``depth`` levels of a book after each update."""

    bid_prices: FloatArray
    bid_sizes: FloatArray
    ask_prices: FloatArray
    ask_sizes: FloatArray

    def validate(self) -> BookLevels:
        """Check shapes and values; return ``self``.

        Raises
        ------
        DataError
            If the arrays are not equally shaped 2-D arrays, a size is negative, or prices are
            not ordered best-first (bids falling, asks rising), naming the row.
        """
        shape = self.bid_prices.shape
        for name, array in zip(self._fields, self, strict=True):
            if array.ndim != 2 or array.shape != shape:
                raise DataError(
                    f"{name}: expected shape {shape} (updates, depth), got {array.shape}"
                )
        code, row = _scan(*self)
        if code:
            problem = {
                1: "bid_sizes: negative size",
                2: "ask_sizes: negative size",
                3: "bid_prices: levels not ordered best-first",
                4: "ask_prices: levels not ordered best-first",
            }[code]
            raise DataError(f"{problem} at row {row}")
        return self


class BookLevelRecorder:
    """Record the top ``depth`` levels of an :class:`OrderBook` after each update."""

    __slots__ = ("_rows", "depth")

    def __init__(self, depth: int = 10) -> None:
        self.depth = check_period("depth", depth, 1)
        self._rows: list[tuple[list[tuple[float, float]], list[tuple[float, float]]]] = []

    def record(self, book: OrderBook) -> None:
        """Append the book's current top levels."""
        self._rows.append((book.bids(self.depth), book.asks(self.depth)))

    def levels(self) -> BookLevels:
        """Return everything recorded so far as :class:`BookLevels`."""
        rows, depth = len(self._rows), self.depth
        arrays = [np.full((rows, depth), np.nan) for _ in range(4)]
        for i, (bids, asks) in enumerate(self._rows):
            for side, (prices, sizes) in ((bids, arrays[:2]), (asks, arrays[2:])):
                for k, (price, size) in enumerate(side):
                    prices[i, k] = price
                    sizes[i, k] = size
        return BookLevels(*arrays)


def pad_levels(levels: list[tuple[float, float]], depth: int) -> tuple[list[float], list[float]]:
    """Split ``[(price, size), ...]`` into price and size lists padded with NaN to ``depth``."""
    prices = [price for price, _ in levels]
    sizes = [size for _, size in levels]
    missing = depth - len(levels)
    if missing > 0:
        prices.extend([np.nan] * missing)
        sizes.extend([np.nan] * missing)
    return prices, sizes


@numba.njit(cache=True)
def _scan(
    bid_px: FloatArray, bid_sz: FloatArray, ask_px: FloatArray, ask_sz: FloatArray
) -> tuple[int, int]:  # pragma: no cover - compiled
    """Return ``(problem code, row)`` of the first bad row, ``(0, -1)`` if all are fine."""
    rows, depth = bid_px.shape
    for i in range(rows):
        for k in range(depth):
            if bid_sz[i, k] < 0.0:
                return 1, i
            if ask_sz[i, k] < 0.0:
                return 2, i
            if k > 0 and bid_px[i, k] >= bid_px[i, k - 1]:
                return 3, i
            if k > 0 and ask_px[i, k] <= ask_px[i, k - 1]:
                return 4, i
    return 0, -1

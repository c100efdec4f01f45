"""Top-of-book level arrays: the batch input of the book features.

A recorded book is four ``(updates, depth)`` float arrays: bid prices, bid sizes, ask prices and
ask sizes, best level first, NaN where a side has fewer than ``depth`` levels.
"""

from __future__ import annotations

from typing import NamedTuple

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
        for name in ("bid_sizes", "ask_sizes"):
            sizes = getattr(self, name)
            bad = sizes < 0
            if bad.any():
                row = int(np.argwhere(bad)[0, 0])
                raise DataError(f"{name}: negative size at row {row}")
        with np.errstate(invalid="ignore"):
            bad_bids = np.diff(self.bid_prices, axis=1) >= 0
            bad_asks = np.diff(self.ask_prices, axis=1) <= 0
        for name, bad in (("bid_prices", bad_bids), ("ask_prices", bad_asks)):
            if bad.any():
                row = int(np.argwhere(bad)[0, 0])
                raise DataError(f"{name}: levels not ordered best-first at row {row}")
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

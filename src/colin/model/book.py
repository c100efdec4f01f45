"""A level-2 order book built from snapshots and deltas.

Each side keeps a ``price -> size`` dict plus a sorted price list (maintained with ``bisect``), so
best prices are O(1), a level change is O(log n) when a price appears or disappears and O(1) when
only its size changes.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence

from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.model.enums import BookSide

Level = tuple[float, float]


class BookDelta:
    """One level change: set ``side`` at ``price`` to ``size`` (``size == 0`` removes the level)."""

    __slots__ = ("price", "side", "size")

    def __init__(self, side: BookSide, price: float, size: float) -> None:
        self.side = side
        self.price = price
        self.size = size

    def __repr__(self) -> str:
        return f"BookDelta({self.side.value} {self.price} -> {self.size})"


class BookDeltas:
    """A batch of deltas from one venue message, with the venue's update-id range."""

    __slots__ = (
        "deltas",
        "first_update_id",
        "instrument_id",
        "last_update_id",
        "ts_event",
        "ts_init",
    )

    def __init__(
        self,
        instrument_id: InstrumentId,
        deltas: Sequence[BookDelta],
        first_update_id: int,
        last_update_id: int,
        ts_event: int,
        ts_init: int | None = None,
    ) -> None:
        self.instrument_id = instrument_id
        self.deltas = deltas
        self.first_update_id = first_update_id
        self.last_update_id = last_update_id
        self.ts_event = ts_event
        self.ts_init = ts_event if ts_init is None else ts_init


class BookSnapshot:
    """A full picture of the book (bids best-first, asks best-first) at ``last_update_id``."""

    __slots__ = ("asks", "bids", "instrument_id", "last_update_id", "ts_event", "ts_init")

    def __init__(
        self,
        instrument_id: InstrumentId,
        bids: Sequence[Level],
        asks: Sequence[Level],
        last_update_id: int,
        ts_event: int,
        ts_init: int | None = None,
    ) -> None:
        self.instrument_id = instrument_id
        self.bids = bids
        self.asks = asks
        self.last_update_id = last_update_id
        self.ts_event = ts_event
        self.ts_init = ts_event if ts_init is None else ts_init


class _BookSide:
    __slots__ = ("_descending", "_keys", "levels")

    def __init__(self, descending: bool) -> None:
        self.levels: dict[float, float] = {}
        self._keys: list[float] = []  # ascending keys; negated for bids so index 0 is best
        self._descending = descending

    def clear(self) -> None:
        self.levels.clear()
        self._keys.clear()

    def set(self, price: float, size: float) -> None:
        key = -price if self._descending else price
        if size > 0.0:
            if price not in self.levels:
                insort(self._keys, key)
            self.levels[price] = size
        elif price in self.levels:
            del self.levels[price]
            index = bisect_left(self._keys, key)
            del self._keys[index]

    def best(self) -> float | None:
        if not self._keys:
            return None
        key = self._keys[0]
        return -key if self._descending else key

    def top(self, depth: int) -> list[Level]:
        sign = -1.0 if self._descending else 1.0
        return [(sign * key, self.levels[sign * key]) for key in self._keys[:depth]]


class OrderBook:
    """An L2 book for one instrument."""

    __slots__ = ("_asks", "_bids", "instrument_id", "last_update_id", "ts_event", "update_count")

    def __init__(self, instrument_id: InstrumentId) -> None:
        self.instrument_id = instrument_id
        self._bids = _BookSide(descending=True)
        self._asks = _BookSide(descending=False)
        self.last_update_id = 0
        self.ts_event = 0
        self.update_count = 0

    # -- updates ---------------------------------------------------------------------------------

    def apply_snapshot(self, snapshot: BookSnapshot) -> None:
        """Replace the whole book with ``snapshot``."""
        self._bids.clear()
        self._asks.clear()
        for price, size in snapshot.bids:
            self._bids.set(price, size)
        for price, size in snapshot.asks:
            self._asks.set(price, size)
        self.last_update_id = snapshot.last_update_id
        self.ts_event = snapshot.ts_event
        self.update_count += 1

    def apply_deltas(self, deltas: BookDeltas) -> None:
        """Apply one batch of deltas.

        Raises
        ------
        DataError
            If the batch starts after a gap in update ids (``first_update_id`` beyond
            ``last_update_id + 1``): the book must be re-synced from a snapshot.
        """
        if self.last_update_id and deltas.first_update_id > self.last_update_id + 1:
            raise DataError(
                f"{self.instrument_id}: book gap, expected update {self.last_update_id + 1}, "
                f"got {deltas.first_update_id}; re-sync from a snapshot"
            )
        if deltas.last_update_id and deltas.last_update_id <= self.last_update_id:
            return  # already contained in the snapshot
        bids, asks = self._bids, self._asks
        for delta in deltas.deltas:
            (bids if delta.side is BookSide.BID else asks).set(delta.price, delta.size)
        self.last_update_id = deltas.last_update_id
        self.ts_event = deltas.ts_event
        self.update_count += 1

    def update_level(self, side: BookSide, price: float, size: float) -> None:
        """Set one level directly (size 0 removes it)."""
        (self._bids if side is BookSide.BID else self._asks).set(price, size)

    # -- queries ---------------------------------------------------------------------------------

    def best_bid_price(self) -> float | None:
        """The highest bid, or ``None`` if there are no bids."""
        return self._bids.best()

    def best_ask_price(self) -> float | None:
        """The lowest ask, or ``None`` if there are no asks."""
        return self._asks.best()

    def best_bid_size(self) -> float | None:
        """Size at the best bid."""
        price = self._bids.best()
        return None if price is None else self._bids.levels[price]

    def best_ask_size(self) -> float | None:
        """Size at the best ask."""
        price = self._asks.best()
        return None if price is None else self._asks.levels[price]

    def spread(self) -> float | None:
        """Best ask minus best bid, or ``None`` if a side is empty."""
        bid, ask = self._bids.best(), self._asks.best()
        return None if bid is None or ask is None else ask - bid

    def mid_price(self) -> float | None:
        """Midpoint of the best prices, or ``None`` if a side is empty."""
        bid, ask = self._bids.best(), self._asks.best()
        return None if bid is None or ask is None else (bid + ask) * 0.5

    def is_crossed(self) -> bool:
        """Whether the best bid is at or above the best ask (a broken book)."""
        bid, ask = self._bids.best(), self._asks.best()
        return bid is not None and ask is not None and bid >= ask

    def bids(self, depth: int = 10) -> list[Level]:
        """The best ``depth`` bid levels, best first."""
        return self._bids.top(depth)

    def asks(self, depth: int = 10) -> list[Level]:
        """The best ``depth`` ask levels, best first."""
        return self._asks.top(depth)

    def depth(self, side: BookSide, levels: int = 10) -> float:
        """Total size on the best ``levels`` levels of a side."""
        return sum(size for _, size in (self.bids if side is BookSide.BID else self.asks)(levels))

    def vwap_to_size(self, side: BookSide, size: float) -> tuple[float, float]:
        """Average price of taking ``size`` from ``side`` and the size actually available.

        Returns ``(vwap, filled)``; ``filled < size`` when the side is too thin, and
        ``(nan, 0.0)`` when it is empty.
        """
        if size <= 0:
            raise ValueError(f"size must be positive, got {size}")
        book_side = self._bids if side is BookSide.BID else self._asks
        remaining, cost = size, 0.0
        for price, level_size in _iter_levels(book_side):
            take = level_size if level_size < remaining else remaining
            cost += take * price
            remaining -= take
            if remaining <= 0.0:
                break
        filled = size - remaining
        return (cost / filled if filled > 0 else float("nan")), filled

    def __repr__(self) -> str:
        return (
            f"OrderBook({self.instrument_id} bid={self.best_bid_price()} "
            f"ask={self.best_ask_price()} update_id={self.last_update_id})"
        )


def _iter_levels(side: _BookSide) -> Iterable[Level]:
    sign = -1.0 if side._descending else 1.0
    for key in side._keys:
        price = sign * key
        yield price, side.levels[price]

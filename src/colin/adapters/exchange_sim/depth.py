"""The public order book of one simulated symbol, with Binance update ids.

Every change (a replayed snapshot or delta batch, or a synthesized book) is turned into the set of
level changes against the current book; each non-empty change set gets the next range of update
ids (``U`` = previous ``u`` + 1) so a client can sync from a REST snapshot plus the diff stream
exactly as it does against Binance.
"""

from __future__ import annotations

from collections.abc import Iterable

from colin.core.ids import InstrumentId
from colin.model.book import BookDeltas, BookSnapshot
from colin.model.enums import BookSide

Levels = list[tuple[float, float]]
Change = tuple[float, float]  # (price, new size); size 0 removes the level


class DepthBook:
    """Bids and asks of one symbol and the id of its last update.

    Parameters
    ----------
    first_update_id
        The ``lastUpdateId`` before any data (the first diff starts right after it).
    """

    def __init__(self, first_update_id: int = 1_000_000) -> None:
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.last_update_id = first_update_id

    def apply(self, event: BookSnapshot | BookDeltas) -> tuple[list[Change], list[Change]] | None:
        """Apply a snapshot or delta batch; return the bid and ask changes (``None``: none)."""
        if isinstance(event, BookSnapshot):
            return self.replace(event.bids, event.asks)
        bid_changes: list[Change] = []
        ask_changes: list[Change] = []
        for delta in event.deltas:
            is_bid = delta.side is BookSide.BID
            side = self.bids if is_bid else self.asks
            if side.get(delta.price, 0.0) == delta.size:
                continue
            _set(side, delta.price, delta.size)
            (bid_changes if is_bid else ask_changes).append((delta.price, delta.size))
        return self._commit(bid_changes, ask_changes)

    def replace(
        self, bids: Iterable[tuple[float, float]], asks: Iterable[tuple[float, float]]
    ) -> tuple[list[Change], list[Change]] | None:
        """Replace the whole book; return the level changes (``None`` if nothing changed)."""
        bid_changes = _diff(self.bids, dict(bids))
        ask_changes = _diff(self.asks, dict(asks))
        return self._commit(bid_changes, ask_changes)

    def _commit(
        self, bid_changes: list[Change], ask_changes: list[Change]
    ) -> tuple[list[Change], list[Change]] | None:
        count = len(bid_changes) + len(ask_changes)
        if count == 0:
            return None
        self.last_update_id += count
        return bid_changes, ask_changes

    def top(self, limit: int) -> tuple[Levels, Levels]:
        """Return the best ``limit`` bids (descending) and asks (ascending)."""
        bids = sorted(self.bids.items(), key=lambda level: -level[0])[:limit]
        asks = sorted(self.asks.items())[:limit]
        return bids, asks

    def best_bid(self) -> tuple[float, float] | None:
        """Return the best bid level, if any."""
        if not self.bids:
            return None
        price = max(self.bids)
        return price, self.bids[price]

    def best_ask(self) -> tuple[float, float] | None:
        """Return the best ask level, if any."""
        if not self.asks:
            return None
        price = min(self.asks)
        return price, self.asks[price]

    def snapshot(self, instrument_id: InstrumentId, ts_ns: int) -> BookSnapshot:
        """Return the whole book as a :class:`BookSnapshot` (for the matching venue)."""
        bids, asks = self.top(len(self.bids) + len(self.asks))
        return BookSnapshot(instrument_id, bids, asks, self.last_update_id, ts_ns)


def _set(side: dict[float, float], price: float, size: float) -> None:
    if size > 0:
        side[price] = size
    else:
        side.pop(price, None)


def _diff(side: dict[float, float], new: dict[float, float]) -> list[Change]:
    """Change ``side`` into ``new`` in place; return the changes."""
    changes: list[Change] = []
    for price in [p for p in side if p not in new]:
        del side[price]
        changes.append((price, 0.0))
    for price, size in new.items():
        if size <= 0:
            continue
        if side.get(price) != size:
            side[price] = size
            changes.append((price, size))
    return changes

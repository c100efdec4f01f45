"""Put Binance depth diffs and snapshots in an order an :class:`OrderBook` can apply.

Binance's rule for building a local book: buffer the diff stream, take a REST snapshot, drop the
diffs the snapshot already contains (``u <= lastUpdateId``), then apply the rest in sequence; a
diff that does not continue the previous one means updates were lost and the book must wait for a
new snapshot. Recordings follow the same timeline: the snapshot line arrives after some diffs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from colin.model.book import BookDeltas, BookSnapshot

logger = logging.getLogger(__name__)

BookEvent = BookSnapshot | BookDeltas


@dataclass(slots=True)
class BookSyncStats:
    """What the synchroniser did with the depth messages it saw."""

    snapshots: int = 0
    deltas_emitted: int = 0
    deltas_stale: int = 0
    deltas_unsynced: int = 0
    gaps: int = 0


class BinanceBookSync:
    """Sequence depth events: snapshot first, then contiguous diffs only.

    Diffs received before the first snapshot are buffered (at most ``max_buffer``); when the
    snapshot arrives, the buffered diffs that extend it are emitted right after it with their
    ``ts_init`` set to the snapshot's receive time, the moment a live client could apply them.
    After a gap in update ids, diffs are buffered again until the next snapshot. Everything
    dropped is counted in :attr:`stats` and logged once per gap.
    """

    __slots__ = ("_last_update_id", "_max_buffer", "_pending", "stats")

    def __init__(self, max_buffer: int = 10_000) -> None:
        self._pending: list[BookDeltas] = []
        self._last_update_id: int | None = None
        self._max_buffer = max_buffer
        self.stats = BookSyncStats()

    @property
    def is_synced(self) -> bool:
        """Whether a snapshot has been seen and no gap has happened since."""
        return self._last_update_id is not None

    def on_event(self, event: BookEvent) -> list[BookEvent]:
        """Feed one depth event; return the events that may now be applied, in order."""
        if isinstance(event, BookSnapshot):
            return self._on_snapshot(event)
        if self._last_update_id is None:
            self._buffer(event)
            return []
        if event.last_update_id <= self._last_update_id:
            self.stats.deltas_stale += 1
            return []
        if event.first_update_id > self._last_update_id + 1:
            self.stats.gaps += 1
            logger.warning(
                "%s: depth gap, expected update %d, got %d; waiting for a new snapshot",
                event.instrument_id,
                self._last_update_id + 1,
                event.first_update_id,
            )
            self._last_update_id = None
            self._buffer(event)
            return []
        self._last_update_id = event.last_update_id
        self.stats.deltas_emitted += 1
        return [event]

    def finish(self) -> None:
        """Count diffs still waiting for a snapshot as dropped (call at end of input)."""
        if self._pending:
            logger.warning(
                "%s: %d depth diffs never got a snapshot and were dropped",
                self._pending[0].instrument_id,
                len(self._pending),
            )
        self.stats.deltas_unsynced += len(self._pending)
        self._pending.clear()

    def _buffer(self, event: BookDeltas) -> None:
        if len(self._pending) >= self._max_buffer:
            self._pending.pop(0)
            self.stats.deltas_unsynced += 1
        self._pending.append(event)

    def _on_snapshot(self, snapshot: BookSnapshot) -> list[BookEvent]:
        self.stats.snapshots += 1
        last = snapshot.last_update_id
        out: list[BookEvent] = [snapshot]
        for deltas in self._pending:
            if deltas.last_update_id <= last:
                self.stats.deltas_stale += 1
                continue
            if deltas.first_update_id > last + 1:
                self.stats.deltas_unsynced += 1
                continue
            out.append(
                BookDeltas(
                    deltas.instrument_id,
                    deltas.deltas,
                    deltas.first_update_id,
                    deltas.last_update_id,
                    deltas.ts_event,
                    max(deltas.ts_init, snapshot.ts_init),
                )
            )
            self.stats.deltas_emitted += 1
            last = deltas.last_update_id
        self._pending.clear()
        self._last_update_id = last
        return out

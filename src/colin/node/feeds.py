"""Market-data feeds of a trading node: where bars, trades and book updates come from.

A feed pushes domain objects into a :class:`MarketDataSink` (the node) on the node's event loop
until it ends or is cancelled. Two feeds exist:

- :class:`CatalogReplayFeed` replays recorded data from the Parquet catalog in exactly the order
  a backtest replays it (the backtest's own stream merge), optionally paced against the wall
  clock. Paper mode over it, with the event-time clock, reproduces a backtest trade for trade.
- :class:`colin.node.exchange_feed.ExchangeFeed` streams from an exchange (or the local exchange
  simulator) through the ccxt data client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from colin.backtest.streams import (
    PRIORITY_BOOK,
    PRIORITY_TRADE,
    BarColumns,
    Stream,
    bar_stream,
    chunks,
    object_stream,
)
from colin.core.errors import NotFoundError
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_SECOND
from colin.model.book import BookDeltas, BookSnapshot
from colin.model.data import Bar, TradeTick
from colin.persistence.catalog import iter_book_events, iter_trades
from colin.persistence.catalog.reads import CatalogReads

_CHUNK = 1 << 14
_YIELD_EVERY = 256


class MarketDataSink(Protocol):
    """What a feed delivers to: the trading node."""

    def handle_bar(self, bar: Bar) -> None:
        """Take a closed bar."""

    def handle_trade(self, trade: TradeTick) -> None:
        """Take a public trade."""

    def handle_book(self, event: BookSnapshot | BookDeltas) -> None:
        """Take an L2 snapshot or delta batch."""


class MarketFeed(Protocol):
    """A source of market events for the node."""

    async def run(self, sink: MarketDataSink) -> None:
        """Deliver events to ``sink`` until the feed ends (return) or the task is cancelled."""

    def silence_s(self) -> float:
        """Seconds since the most silent instrument last sent anything (since start, if never)."""

    async def close(self) -> None:
        """Release connections; safe to call more than once."""


class CatalogReplayFeed:
    """Replay bars, trades and book events of the catalog in backtest order.

    Parameters
    ----------
    catalog
        Where the data is read from.
    instruments
        Instrument ids, in the order a backtest config lists them (it breaks timestamp ties).
    timeframe
        Bar timeframe.
    kinds
        Which data to replay per instrument: ``bars``, ``trades``, ``book``.
    start_ns, end_ns
        Time range (``None``: all the catalog holds).
    speed
        Recorded seconds per wall second; ``None`` replays without pauses.

    Raises
    ------
    NotFoundError
        If the catalog holds none of a requested kind for an instrument in the range.
    """

    def __init__(
        self,
        catalog: CatalogReads,
        instruments: Sequence[str],
        timeframe: str,
        kinds: Sequence[str],
        start_ns: int | None = None,
        end_ns: int | None = None,
        speed: float | None = None,
    ) -> None:
        self._catalog = catalog
        self._instruments = [InstrumentId(i) for i in instruments]
        self._timeframe = timeframe
        self._kinds = list(kinds)
        self._start_ns = start_ns
        self._end_ns = end_ns
        self._speed = speed
        self.events_sent = 0
        self._last_event = time.monotonic()

    async def run(self, sink: MarketDataSink) -> None:
        """Send every event to ``sink`` in replay order, then return."""
        streams = self._streams(sink)
        first_ts: int | None = None
        wall_start = time.monotonic()
        count = 0
        for ts_list, sid_list, row_list, emitters in chunks(streams, _CHUNK):
            for k, ts in enumerate(ts_list):
                if self._speed is not None:
                    if first_ts is None:
                        first_ts = ts
                    due = wall_start + (ts - first_ts) / NANOS_PER_SECOND / self._speed
                    delay = due - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                emitters[sid_list[k]](row_list[k])  # type: ignore[misc]
                count += 1
                self.events_sent = count
                if count % _YIELD_EVERY == 0:
                    self._last_event = time.monotonic()
                    await asyncio.sleep(0)  # let timers, signals and the stop request run
                elif self._speed is not None:
                    self._last_event = time.monotonic()

    def silence_s(self) -> float:
        """Seconds since the replay last emitted an event."""
        return time.monotonic() - self._last_event

    async def close(self) -> None:
        """Nothing to release."""

    def _streams(self, sink: MarketDataSink) -> list[Stream]:
        bars: list[Stream] = []
        objects: list[Stream] = []
        for iid in self._instruments:
            for kind in self._kinds:
                if kind == "bars":
                    bars.append(self._bar_stream(iid, sink.handle_bar))
                elif kind == "trades":
                    frame = self._catalog.read_trades(iid, self._start_ns, self._end_ns)
                    trades = list(iter_trades(frame, iid))
                    objects.append(
                        self._object_stream(
                            f"trades {iid}", trades, PRIORITY_TRADE, sink.handle_trade
                        )
                    )
                elif kind == "book":
                    frame = self._catalog.read_book(iid, self._start_ns, self._end_ns)
                    events = list(iter_book_events(frame))
                    objects.append(
                        self._object_stream(f"book {iid}", events, PRIORITY_BOOK, sink.handle_book)
                    )
                else:
                    raise NotFoundError(f"the catalog replay feed has no data kind {kind!r}")
        return bars + objects

    def _bar_stream(self, iid: InstrumentId, handle: Callable[[Bar], None]) -> Stream:
        frame = self._catalog.read_bars(iid, self._timeframe, self._start_ns, self._end_ns)
        if frame.empty:
            raise NotFoundError(f"no {self._timeframe} bars for {iid} in the catalog range")
        columns = BarColumns(
            iid,
            self._timeframe,
            frame["ts_open"].to_numpy(dtype=np.int64),
            *(
                frame[c].to_numpy(dtype=np.float64)
                for c in ("open", "high", "low", "close", "volume")
            ),
        )
        columns.validate()
        return bar_stream(columns, handle, _ignore)

    @staticmethod
    def _object_stream(
        name: str, items: list[Any], priority: int, handle: Callable[[Any], None]
    ) -> Stream:
        if not items:
            raise NotFoundError(f"no {name} in the catalog range")
        ts = np.fromiter((item.ts_event for item in items), dtype=np.int64, count=len(items))
        return object_stream(name, items, ts, priority, (handle,))


def _ignore(_bar: Bar) -> None:
    """The bar stream's second handler: a feed has one receiver, the node."""

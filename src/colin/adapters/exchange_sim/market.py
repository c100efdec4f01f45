"""Market-data replay: what the simulated exchange's market does, step by step, per symbol.

A symbol's market comes from :class:`SimMarketData`: recorded bars, and optionally recorded
trades and L2 book messages. :class:`SymbolReplay` turns it into one time-ordered stream of
:class:`ReplayStep` objects:

* a recorded book (snapshots and delta batches) is replayed as it is; without one, a deterministic
  (seeded) L2 book (:mod:`~colin.adapters.exchange_sim.synth_book`) is synthesized around the
  price at every step of each bar's assumed intrabar path (open, the nearer extreme, the other
  extreme, close; :mod:`colin.matching.bar_path`) so a market order always meets depth;
* recorded trades are replayed; without them one trade per path step prints at the path price,
  carrying an equal share of the bar's volume;
* every bar's end is a step too (its kline closes with the recorded values).

Without bars but with trades, bars are aggregated from the trades.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from colin.adapters.exchange_sim.synth_book import SynthesizedBook
from colin.core.time import NANOS_PER_MILLI, timeframe_to_ns
from colin.matching.bar_path import bar_path_points, price_at
from colin.model.book import BookDeltas, BookSnapshot
from colin.model.data import Bar, TradeTick
from colin.model.enums import AggressorSide
from colin.model.instrument import Instrument

STEPS_PER_BAR = 12
"""Price points a synthesized bar walk visits (besides its extremes)."""


@dataclass(frozen=True, slots=True)
class SimMarketData:
    """The recorded market one simulated symbol replays.

    Parameters
    ----------
    bars
        Bars with columns ``ts_open`` (ns), ``open, high, low, close, volume`` (the kline history
        and, without a recorded book, the path the synthesized book follows).
    timeframe
        The bars' timeframe (``"1m"``, ``"1h"``...).
    trades
        Recorded public trades, in time order.
    book
        Recorded L2 messages (snapshots and delta batches) in time order, the first a snapshot.
    funding
        A perpetual's funding history: ``ts_event`` (ns), ``rate`` and optional ``mark_price``
        (the catalog's funding frame), served by ``/fapi/v1/fundingRate``.
    open_interest
        A perpetual's open interest: ``ts_event`` (ns), ``open_interest`` and optional
        ``open_interest_value`` (the catalog's frame), served by ``/futures/data/openInterestHist``.
    """

    bars: pd.DataFrame | None = None
    timeframe: str = "1m"
    trades: list[TradeTick] | None = None
    book: list[BookSnapshot | BookDeltas] | None = None
    funding: pd.DataFrame | None = None
    open_interest: pd.DataFrame | None = None


@dataclass(frozen=True, slots=True)
class BookStep:
    """A book message (recorded, or a synthesized full book)."""

    ts_ms: int
    event: BookSnapshot | BookDeltas


@dataclass(frozen=True, slots=True)
class TradeStep:
    """A public trade."""

    ts_ms: int
    price: float
    size: float
    buyer_is_maker: bool


@dataclass(frozen=True, slots=True)
class BarClose:
    """The end of bar ``index``: its kline closes."""

    ts_ms: int
    index: int


ReplayStep = BookStep | TradeStep | BarClose
STEP_PRIORITY = {BarClose: 0, BookStep: 1, TradeStep: 2}
"""Order of steps at the same millisecond: a bar closes before the next one's first book."""


class BarSeries:
    """A symbol's bars as millisecond arrays (the kline history)."""

    def __init__(self, bars: pd.DataFrame, timeframe: str) -> None:
        frame = bars.sort_values("ts_open")
        self.timeframe = timeframe
        self.duration_ms = timeframe_to_ns(timeframe) // NANOS_PER_MILLI
        self.open_ms = (frame["ts_open"].to_numpy(np.int64) // NANOS_PER_MILLI).astype(np.int64)
        self.open = frame["open"].to_numpy(np.float64)
        self.high = frame["high"].to_numpy(np.float64)
        self.low = frame["low"].to_numpy(np.float64)
        self.close = frame["close"].to_numpy(np.float64)
        self.volume = frame["volume"].to_numpy(np.float64)

    def __len__(self) -> int:
        return len(self.open_ms)

    def index_at(self, ts_ms: int) -> int:
        """Return the index of the last bar opened at or before ``ts_ms`` (-1: none)."""
        return int(np.searchsorted(self.open_ms, ts_ms, side="right")) - 1


def bars_from_trades(trades: list[TradeTick], timeframe: str) -> pd.DataFrame:
    """Aggregate trades into bars of ``timeframe`` (empty intervals are skipped)."""
    duration = timeframe_to_ns(timeframe)
    frame = pd.DataFrame(
        {
            "ts": [t.ts_event for t in trades],
            "price": [t.price for t in trades],
            "size": [t.size for t in trades],
        }
    )
    frame["ts_open"] = frame["ts"] // duration * duration
    grouped = frame.groupby("ts_open", sort=True)
    return pd.DataFrame(
        {
            "ts_open": grouped["ts"].first().index.to_numpy(np.int64),
            "open": grouped["price"].first().to_numpy(),
            "high": grouped["price"].max().to_numpy(),
            "low": grouped["price"].min().to_numpy(),
            "close": grouped["price"].last().to_numpy(),
            "volume": grouped["size"].sum().to_numpy(),
        }
    )


class SymbolReplay:
    """The time-ordered market steps of one symbol.

    Parameters
    ----------
    instrument
        The simulated instrument (its tick and lot sizes shape the synthesized book).
    data
        The recorded market.
    seed
        Seed of the synthesized book sizes and trade sides.
    """

    def __init__(self, instrument: Instrument, data: SimMarketData, seed: int) -> None:
        self.instrument = instrument
        bars = data.bars
        if (bars is None or len(bars) == 0) and data.trades:
            bars = bars_from_trades(data.trades, data.timeframe)
        if bars is None or len(bars) == 0:
            raise ValueError(f"{instrument.id}: the simulated market needs bars or trades")
        self.bars = BarSeries(bars, data.timeframe)
        self._data = data
        self.funding = _history(data.funding, ("rate", "mark_price"))
        """The recorded funding history by time: ``ts_event, rate, mark_price``."""
        self.open_interest = _history(data.open_interest, ("open_interest", "open_interest_value"))
        """The recorded open interest by time: ``ts_event, open_interest, open_interest_value``."""
        self._rng = random.Random(f"{seed}:{instrument.id}")
        self._book = SynthesizedBook(instrument, seed, float(self.bars.open[0]))

    def first_ms(self) -> int:
        """Return when the market can first be traded: the first book message, else bar open."""
        if self._data.book:
            return self._data.book[0].ts_event // NANOS_PER_MILLI
        return int(self.bars.open_ms[0])

    def steps(self, from_ms: int) -> Iterator[ReplayStep]:
        """Yield the steps at or after the state at ``from_ms``, in time order.

        The first steps rebuild the market as it stood at ``from_ms``: the book message in force
        then (all earlier ones for a recorded book, whose deltas need their base).
        """
        streams: list[Iterator[ReplayStep]] = [self._bar_closes(from_ms)]
        if self._data.book:
            streams.append(_recorded_book(self._data.book))
        if self._data.trades:
            streams.append(_recorded_trades(self._data.trades, from_ms))
        if not self._data.book or not self._data.trades:
            streams.append(
                self._walk(from_ms, book=not self._data.book, trades=not self._data.trades)
            )
        yield from _merge(streams)

    def _bar_closes(self, from_ms: int) -> Iterator[BarClose]:
        bars = self.bars
        for index in range(max(bars.index_at(from_ms), 0), len(bars)):
            yield BarClose(int(bars.open_ms[index]) + bars.duration_ms, index)

    def _walk(self, from_ms: int, book: bool, trades: bool) -> Iterator[ReplayStep]:
        """Walk each bar's path from the bar holding ``from_ms``: a book and/or a trade a step."""
        bars = self.bars
        duration = bars.duration_ms
        step_ms = max(duration // STEPS_PER_BAR, 1)
        first = max(bars.index_at(from_ms), 0)
        for index in range(first, len(bars)):
            open_ms = int(bars.open_ms[index])
            bar = Bar(
                self.instrument.id,
                bars.timeframe,
                float(bars.open[index]),
                float(bars.high[index]),
                float(bars.low[index]),
                float(bars.close[index]),
                float(bars.volume[index]),
                open_ms,
                open_ms + duration - 1,
            )
            points = bar_path_points(bar, "nearest")
            times = sorted(
                {open_ms + k * step_ms for k in range(STEPS_PER_BAR)} | {ts for ts, _ in points[1:]}
            )
            size = float(bars.volume[index]) / len(times)
            previous = self._round(bar.open)
            for ts in times:
                if ts + step_ms <= from_ms:
                    continue
                price = self._round(_path_price(points, ts))
                if book:
                    yield BookStep(ts, self._synth_book(price, ts))
                if trades:
                    seller = price < previous or (price == previous and self._rng.random() < 0.5)
                    yield TradeStep(ts, price, size, seller)
                previous = price

    def _round(self, price: float) -> float:
        return float(self.instrument.round_price(price))

    def _synth_book(self, price: float, ts_ms: int) -> BookSnapshot:
        bids, asks = self._book.levels(price, ts_ms)
        return BookSnapshot(self.instrument.id, bids, asks, 0, ts_ms * NANOS_PER_MILLI)


def _history(frame: pd.DataFrame | None, values: tuple[str, ...]) -> pd.DataFrame:
    """``ts_event`` (int64 ns) and the float ``values`` of ``frame`` sorted by time; a value
    column ``frame`` lacks is NaN, and no frame gives an empty one."""
    if frame is None:
        frame = pd.DataFrame({"ts_event": pd.Series(dtype="int64")})
    out = frame.reindex(columns=["ts_event", *values]).astype(
        {"ts_event": "int64", **dict.fromkeys(values, "float64")}
    )
    return out.sort_values("ts_event", kind="stable").reset_index(drop=True)


def _path_price(points: tuple[tuple[int, float], ...], ts: int) -> float:
    for start, end in pairwise(points):
        if ts <= end[0]:
            return price_at(start, end, ts)
    return points[-1][1]


def _recorded_book(book: list[BookSnapshot | BookDeltas]) -> Iterator[BookStep]:
    for event in book:
        yield BookStep(event.ts_event // NANOS_PER_MILLI, event)


def _recorded_trades(trades: list[TradeTick], from_ms: int) -> Iterator[TradeStep]:
    for trade in trades:
        ts = trade.ts_event // NANOS_PER_MILLI
        if ts >= from_ms:
            seller = trade.aggressor_side is AggressorSide.SELLER
            yield TradeStep(ts, trade.price, trade.size, seller)


def _merge(streams: list[Iterator[ReplayStep]]) -> Iterator[ReplayStep]:
    keyed = (
        ((step.ts_ms, STEP_PRIORITY[type(step)], rank, step) for step in stream)
        for rank, stream in enumerate(streams)
    )
    for _, _, _, step in heapq.merge(*keyed, key=lambda item: item[:3]):
        yield step

"""Klines served by the simulator: recorded bars up to the simulated now, plus the forming one.

A closed kline is the recorded bar. The forming kline starts at the bar's open and follows the
trades replayed inside it; when the bar ends it becomes the recorded bar. Intervals that are whole
multiples of the recorded timeframe are aggregated from it. Recorded bars carry no quote volume
or trade count: the quote volume is ``volume * (high + low + close) / 3`` and the count 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from colin.adapters.exchange_sim.market import BarSeries
from colin.core.time import NANOS_PER_MILLI, timeframe_to_ns

KlineRow = tuple[int, float, float, float, float, float, int, float, int, float, float]
"""open_ms, open, high, low, close, volume, close_ms, quote_volume, trades, taker buy base and
quote volume."""


@dataclass(slots=True)
class FormingKline:
    """The bar in progress, as the replayed trades have shaped it so far."""

    index: int
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0
    quote_volume: float = 0.0
    trades: int = 0
    taker_buy_volume: float = 0.0
    taker_buy_quote: float = 0.0

    def add_trade(self, price: float, size: float, buyer_is_maker: bool) -> None:
        """Fold a trade into the bar."""
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.volume += size
        self.quote_volume += size * price
        self.trades += 1
        if not buyer_is_maker:
            self.taker_buy_volume += size
            self.taker_buy_quote += size * price


def interval_ms(interval: str) -> int:
    """Return a Binance interval's length in ms (``ValueError`` if it is not one)."""
    if interval.endswith("M"):
        raise ValueError(f"unsupported interval {interval!r}")
    return timeframe_to_ns(interval) // NANOS_PER_MILLI


def kline_rows(
    bars: BarSeries,
    known: int,
    forming: FormingKline | None,
    interval: str,
    start_ms: int | None,
    end_ms: int | None,
    limit: int,
) -> list[KlineRow]:
    """Return the klines of ``interval`` opened in ``[start_ms, end_ms]``, up to ``limit``.

    Without ``start_ms`` the latest ``limit`` klines are returned. Only the first ``known`` bars
    exist (those opened by the simulated now); ``forming`` replaces the one still in progress.

    Raises
    ------
    ValueError
        If ``interval`` is not a whole multiple of the recorded timeframe.
    """
    length = interval_ms(interval)
    if length % bars.duration_ms:
        raise ValueError(f"interval {interval} is not a multiple of {bars.timeframe}")
    rows = [_row(bars, forming, i) for i in range(_first(bars, start_ms, length, known), known)]
    if length != bars.duration_ms:
        rows = _aggregate(rows, length)
    if start_ms is not None:
        rows = [row for row in rows if row[0] >= start_ms // length * length]
    if end_ms is not None:
        rows = [row for row in rows if row[0] <= end_ms]
    return rows[:limit] if start_ms is not None else rows[-limit:]


def _first(bars: BarSeries, start_ms: int | None, length: int, known: int) -> int:
    if start_ms is None:
        return 0
    aligned = start_ms // length * length
    return min(max(int(np.searchsorted(bars.open_ms, aligned, side="left")), 0), known)


def _row(bars: BarSeries, forming: FormingKline | None, index: int) -> KlineRow:
    open_ms = int(bars.open_ms[index])
    close_ms = open_ms + bars.duration_ms - 1
    if forming is not None and forming.index == index:
        f = forming
        return (
            open_ms,
            f.open,
            f.high,
            f.low,
            f.close,
            f.volume,
            close_ms,
            f.quote_volume,
            f.trades,
            f.taker_buy_volume,
            f.taker_buy_quote,
        )
    high, low, close = float(bars.high[index]), float(bars.low[index]), float(bars.close[index])
    volume = float(bars.volume[index])
    quote = volume * (high + low + close) / 3
    return (
        open_ms,
        float(bars.open[index]),
        high,
        low,
        close,
        volume,
        close_ms,
        quote,
        0,
        0.0,
        0.0,
    )


def _aggregate(rows: list[KlineRow], length: int) -> list[KlineRow]:
    out: list[KlineRow] = []
    for row in rows:
        start = row[0] // length * length
        if out and out[-1][0] == start:
            last = out[-1]
            out[-1] = (
                start,
                last[1],
                max(last[2], row[2]),
                min(last[3], row[3]),
                row[4],
                last[5] + row[5],
                start + length - 1,
                last[7] + row[7],
                last[8] + row[8],
                last[9] + row[9],
                last[10] + row[10],
            )
        else:
            out.append((start, *row[1:6], start + length - 1, *row[7:]))
    return out

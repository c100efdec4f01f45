"""The replay loops of the backtest engine: events in time order, equity once per timestamp.

:func:`replay_streams` merges any number of streams (bars, ticks, book data, funding) and
handles equal timestamps. :func:`replay_bar_series` is the same loop specialised for the most
common run, one bar series and nothing else: every bar is its own timestamp (validation made the
timestamps strictly increasing), so there is nothing to merge, no per-event stream lookup, and
the equity timestamps are the bars' close times. Both do, per timestamp and in this order: move
the clock (firing due timers), let the venues process the commands that have arrived, hand each
event to the venue and then the data engine, and finally record the equity and give it to the
risk engine. Both give bit-for-bit the same result on the same data (tested).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from colin.backtest.streams import BarColumns, Stream, chunks
from colin.matching.venue import SimulatedVenue
from colin.model.data import Bar
from colin.portfolio.portfolio import Portfolio

ProgressCallback = Callable[[int, int], None]
CHUNK = 1 << 15


@dataclass(frozen=True, slots=True)
class TimeStep:
    """The per-timestamp work around the events: the clock, the venues and the equity."""

    advance: Callable[[int], int]
    """The simulated clock's ``advance_to``."""
    venues: Sequence[SimulatedVenue]
    portfolio: Portfolio
    """Whose equity is recorded at each timestamp."""
    handle_equity: Callable[[int, float], None]
    """The risk engine's equity handler."""


def replay_streams(
    streams: list[Stream], total: int, step: TimeStep, progress: ProgressCallback | None
) -> tuple[np.ndarray, np.ndarray]:
    """Replay merged streams; return the equity curve ``(ts, equity)`` per distinct timestamp."""
    equity_ts = array("q")
    equity = array("d")
    record_ts, record_equity = equity_ts.append, equity.append
    portfolio_equity = step.portfolio.equity
    handle_equity = step.handle_equity
    advance = step.advance
    venue_times = [venue.process_time for venue in step.venues]
    process_time = venue_times[0] if len(venue_times) == 1 else _each(venue_times)
    done = 0
    last_ts = -1
    for ts_list, sid_list, row_list, emitters in chunks(streams, CHUNK):
        for ts, sid, row in zip(ts_list, sid_list, row_list, strict=True):
            if ts != last_ts:
                if last_ts >= 0:
                    value = portfolio_equity()
                    record_ts(last_ts)
                    record_equity(value)
                    handle_equity(last_ts, value)
                advance(ts)
                process_time(ts)
                last_ts = ts
            emitters[sid](row)  # type: ignore[misc]
        done += len(ts_list)
        if progress is not None:
            progress(done, total)
    value = portfolio_equity()
    record_ts(last_ts)
    record_equity(value)
    handle_equity(last_ts, value)
    return np.frombuffer(equity_ts, dtype=np.int64), np.frombuffer(equity, dtype=np.float64)


def replay_bar_series(
    columns: BarColumns,
    venue: SimulatedVenue,
    handle_bar: Callable[[Bar], None],
    step: TimeStep,
    progress: ProgressCallback | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Replay one bar series traded at ``venue``; return the equity curve ``(ts, equity)``.

    Nothing happens between a bar's handling and the next bar's clock move, so the equity of a
    timestamp is taken right after its bar, as :func:`replay_streams` takes it just before the
    next timestamp; while the account holds only base cash and nothing was booked, the last
    value is reused. The venue is skipped while it has nothing in flight, working or open.
    """
    equity = array("d")
    record = equity.append
    portfolio = step.portfolio
    portfolio_equity = portfolio.equity
    handle_equity = step.handle_equity
    advance = step.advance
    active = venue.active
    process_time = venue.process_time
    process_bar = venue.process_bar
    total = len(columns)
    value = 0.0
    version = -1  # no equity computed yet
    for lo in range(0, total, CHUNK):
        hi = min(lo + CHUNK, total)
        for bar in columns.bars(lo, hi):
            ts = bar.ts_event
            advance(ts)
            if active:
                process_time(ts)
                process_bar(bar)
            handle_bar(bar)
            if portfolio.priced or portfolio.version != version:
                value = portfolio_equity()
                version = portfolio.version
            record(value)
            handle_equity(ts, value)
        if progress is not None:
            progress(hi, total)
    return columns.ts_event, np.frombuffer(equity, dtype=np.float64)


def _each(calls: Sequence[Callable[[int], None]]) -> Callable[[int], None]:
    """Return one function that calls every function of ``calls`` in order."""

    def call_all(ts: int) -> None:
        for call in calls:
            call(ts)

    return call_all

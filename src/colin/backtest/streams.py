"""Market-data streams for replay, merged into one time-ordered sequence.

A stream keeps its rows column-wise in numpy arrays. Merging sorts only timestamps (numpy
``lexsort``). The replay then walks the merged order in chunks: for each chunk a stream
:meth:`Stream.prepare` turns just the rows it needs into Python lists and returns an emitter that
builds the domain object of a (chunk-local) row and hands it to the venue and the data engine.
So a million-bar run holds neither a million ``Bar`` objects nor whole-run Python lists.

Ordering at equal timestamps: funding, book, quotes, trades, then bars by ascending timeframe
(a bar closes at its ``ts_event``, after the ticks of that instant).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import sub
from typing import Any

import numpy as np

from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.core.time import timeframe_to_ns
from colin.model.data import Bar

Emitter = Callable[[int], None]

PRIORITY_FUNDING = 0
PRIORITY_BOOK = 1
PRIORITY_QUOTE = 2
PRIORITY_TRADE = 3
PRIORITY_BAR = 4


@dataclass(slots=True)
class Stream:
    """One replayable sequence: sorted ``ts`` (int64 ns) and ``prepare(lo, hi) -> emitter``.

    The emitter takes a row index relative to ``lo``.
    """

    name: str
    ts: np.ndarray
    priority: int
    sub_priority: int
    prepare: Callable[[int, int], Emitter]


@dataclass(slots=True)
class BarColumns:
    """Bars of one instrument and timeframe, column-wise, validated."""

    instrument_id: InstrumentId
    timeframe: str
    ts_open: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    @property
    def ts_event(self) -> np.ndarray:
        """Close times: when each bar becomes known."""
        return self.ts_open + timeframe_to_ns(self.timeframe)

    def __len__(self) -> int:
        return len(self.ts_open)

    def bars(self, lo: int, hi: int) -> Iterator[Bar]:
        """Return the bars of rows ``lo:hi`` in order, each built when it is asked for.

        One C-level ``map`` over the rows' column lists: no per-bar indexing, and no whole-run
        Python lists or ``Bar`` objects.
        """
        tf_ns = timeframe_to_ns(self.timeframe)
        ts_event = (self.ts_open[lo:hi] + tf_ns).tolist()
        return map(
            Bar,
            repeat(self.instrument_id),
            repeat(self.timeframe),
            self.open[lo:hi].tolist(),
            self.high[lo:hi].tolist(),
            self.low[lo:hi].tolist(),
            self.close[lo:hi].tolist(),
            self.volume[lo:hi].tolist(),
            map(sub, ts_event, repeat(tf_ns)),  # ts_open, one int at a time
            ts_event,
        )

    def validate(self) -> None:
        """Refuse bars that would give a silently wrong replay."""
        name = f"bars {self.instrument_id} {self.timeframe}"
        n = len(self.ts_open)
        for column in ("open", "high", "low", "close", "volume"):
            values = getattr(self, column)
            if len(values) != n:
                raise DataError(f"{name}: column {column} has {len(values)} rows, expected {n}")
            bad = ~np.isfinite(values)
            if bad.any():
                raise DataError(f"{name}: column {column} has NaN/inf at row {int(np.argmax(bad))}")
        if n > 1:
            steps = np.diff(self.ts_open)
            if (steps <= 0).any():
                row = int(np.argmax(steps <= 0)) + 1
                raise DataError(f"{name}: timestamps not strictly increasing at row {row}")
        broken = (self.high < np.maximum(self.open, self.close)) | (
            self.low > np.minimum(self.open, self.close)
        )
        if broken.any():
            raise DataError(f"{name}: inconsistent OHLC at row {int(np.argmax(broken))}")


def bar_stream(
    columns: BarColumns,
    process_bar: Callable[[Bar], None],
    handle_bar: Callable[[Bar], None],
) -> Stream:
    """Build the replay stream of one bar series (venue first, then the data engine)."""
    iid, tf = columns.instrument_id, columns.timeframe

    def prepare(lo: int, hi: int) -> Emitter:
        # The replay emits every row of the chunk once, in row order, so the row index is unused.
        next_bar = columns.bars(lo, hi).__next__

        def emit(_row: int) -> None:
            bar = next_bar()
            process_bar(bar)
            handle_bar(bar)

        return emit

    return Stream(f"bars {iid} {tf}", columns.ts_event, PRIORITY_BAR, timeframe_to_ns(tf), prepare)


def object_stream(
    name: str,
    objects: Sequence[Any],
    ts: np.ndarray,
    priority: int,
    handlers: Sequence[Callable[[Any], Any]],
) -> Stream:
    """Build the replay stream of ready-made objects (ticks, book events, funding)."""
    if len(objects) != len(ts):
        raise DataError(f"{name}: {len(objects)} objects but {len(ts)} timestamps")
    if len(ts) > 1 and (np.diff(ts) < 0).any():
        raise DataError(f"{name}: timestamps go backwards at row {int(np.argmax(np.diff(ts) < 0))}")
    items = list(objects)

    def prepare(lo: int, hi: int) -> Emitter:
        chunk = items[lo:hi]

        def emit(r: int) -> None:
            item = chunk[r]
            for handler in handlers:
                handler(item)

        return emit

    return Stream(name, ts, priority, 0, prepare)


def merge(streams: Sequence[Stream]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(ts, stream index, row)`` int64 arrays of every event in replay order."""
    if not streams:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    ts = np.concatenate([s.ts.astype(np.int64, copy=False) for s in streams])
    if len(streams) == 1:
        n = len(ts)
        return ts, np.zeros(n, dtype=np.int64), np.arange(n, dtype=np.int64)
    sid = np.concatenate([np.full(len(s.ts), i, dtype=np.int64) for i, s in enumerate(streams)])
    row = np.concatenate([np.arange(len(s.ts), dtype=np.int64) for s in streams])
    prio = np.concatenate([np.full(len(s.ts), s.priority, dtype=np.int64) for s in streams])
    sub = np.concatenate([np.full(len(s.ts), s.sub_priority, dtype=np.int64) for s in streams])
    order = np.lexsort((row, sid, sub, prio, ts))
    return ts[order], sid[order], row[order]


def chunks(
    streams: Sequence[Stream], chunk_size: int
) -> Iterator[tuple[list[int], list[int], list[int], list[Emitter | None]]]:
    """Yield the merged replay in chunks: ``(ts, stream index, local row, emitters)`` lists."""
    ts_all, sid_all, row_all = merge(streams)
    for start in range(0, len(ts_all), chunk_size):
        stop = min(start + chunk_size, len(ts_all))
        sids = sid_all[start:stop]
        rows = row_all[start:stop].copy()
        emitters: list[Emitter | None] = []
        for index, stream in enumerate(streams):
            mask = sids == index
            if not mask.any():
                emitters.append(None)
                continue
            lo = int(rows[mask].min())
            hi = int(rows[mask].max()) + 1
            emitters.append(stream.prepare(lo, hi))
            rows[mask] -= lo
        yield ts_all[start:stop].tolist(), sids.tolist(), rows.tolist(), emitters

"""Rebuild top-of-book levels from a recorded book frame, in one numba pass.

A book frame (the Parquet catalog's layout, see ``colin.persistence.catalog.events``) has one row
per level change: ``kind`` 0 for a snapshot's levels, 1 for a delta batch's changes; ``side`` +1
bid, -1 ask, 0 for an empty message; ``price``, ``size`` (0 removes a level) and the message's
``first_update_id``/``last_update_id``. Rows of one message are adjacent.

:func:`book_levels_from_frame` applies the messages with the same rules as
:class:`~colin.model.OrderBook` (a snapshot replaces the book; a delta batch already contained in
the book is skipped; a gap in update ids is an error) and returns the top ``depth`` levels after
every applied message: the input of :func:`~colin.indicators.orderflow.book.book_features` and
:func:`~colin.indicators.orderflow.ofi.order_flow_imbalance`, without a Python object per event.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd

from colin.core.errors import DataError
from colin.indicators._validate import FloatArray, IntArray, check_period
from colin.indicators.orderflow.levels import BookLevels

BOOK_FRAME_COLUMNS = (
    "ts_event",
    "kind",
    "side",
    "price",
    "size",
    "first_update_id",
    "last_update_id",
)


def book_levels_from_frame(frame: pd.DataFrame, depth: int = 10) -> tuple[IntArray, BookLevels]:
    """Return ``(ts_event, levels)``: the top ``depth`` levels after each applied message.

    Raises
    ------
    DataError
        If a column is missing, a ``kind``/``side`` is unknown, or a delta batch leaves a gap
        after the book's last update id (naming the row).
    """
    check_period("depth", depth, 1)
    missing = [c for c in BOOK_FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"book frame: missing column(s) {missing}")
    columns = [np.ascontiguousarray(frame[c].to_numpy(), dtype=np.int64) for c in ("kind", "side")]
    kind, side = columns
    bad = ~np.isin(kind, (0, 1)) | ~np.isin(side, (-1, 0, 1))
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(f"book frame: unknown kind {kind[row]} or side {side[row]} at row {row}")
    ts, first, last = (
        np.ascontiguousarray(frame[c].to_numpy(), dtype=np.int64)
        for c in ("ts_event", "first_update_id", "last_update_id")
    )
    price = np.ascontiguousarray(frame["price"].to_numpy(), dtype=np.float64)
    size = np.ascontiguousarray(frame["size"].to_numpy(), dtype=np.float64)
    out_ts, bid_px, bid_sz, ask_px, ask_sz, gap_row = _replay(
        ts, kind, side, price, size, first, last, depth
    )
    if gap_row >= 0:
        raise DataError(
            f"book frame: gap in update ids at row {gap_row} (first_update_id "
            f"{first[gap_row]} after {last[gap_row - 1] if gap_row else 0}); "
            "re-sync from a snapshot"
        )
    return out_ts, BookLevels(bid_px, bid_sz, ask_px, ask_sz)


@numba.njit(cache=True)
def _set_level(
    keys: FloatArray, sizes: FloatArray, count: int, key: float, size: float
) -> int:  # pragma: no cover - compiled
    """Set ``key`` to ``size`` (0 removes) in the ascending arrays; return the new count.

    The best level is kept at the *end*, so the frequent changes near the touch move few
    elements.
    """
    index = np.searchsorted(keys[:count], key)
    if index < count and keys[index] == key:
        if size > 0.0:
            sizes[index] = size
            return count
        for j in range(index, count - 1):
            keys[j] = keys[j + 1]
            sizes[j] = sizes[j + 1]
        return count - 1
    if size <= 0.0:
        return count
    for j in range(count, index, -1):
        keys[j] = keys[j - 1]
        sizes[j] = sizes[j - 1]
    keys[index] = key
    sizes[index] = size
    return count + 1


@numba.njit(cache=True)
def _replay(
    ts: IntArray,
    kind: IntArray,
    side: IntArray,
    price: FloatArray,
    size: FloatArray,
    first: IntArray,
    last: IntArray,
    depth: int,
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray, int]:  # pragma: no cover
    rows = len(ts)
    capacity = rows + 1
    starts = 1 if rows else 0  # messages = rows that start one (an upper bound on outputs)
    for r in range(1, rows):
        if (
            ts[r] != ts[r - 1]
            or kind[r] != kind[r - 1]
            or first[r] != first[r - 1]
            or last[r] != last[r - 1]
        ):
            starts += 1
    bid_keys = np.empty(capacity)  # bid prices ascending: best last
    bid_sizes = np.empty(capacity)
    ask_keys = np.empty(capacity)  # negated ask prices ascending: best (lowest price) last
    ask_sizes = np.empty(capacity)
    bids = asks = 0
    book_last = 0
    messages = 0
    out_ts = np.empty(starts, dtype=np.int64)
    bid_px = np.full((starts, depth), np.nan)
    bid_sz = np.full((starts, depth), np.nan)
    ask_px = np.full((starts, depth), np.nan)
    ask_sz = np.full((starts, depth), np.nan)
    i = 0
    while i < rows:
        end = i + 1  # the message is rows i .. end - 1
        while (
            end < rows
            and ts[end] == ts[i]
            and kind[end] == kind[i]
            and first[end] == first[i]
            and last[end] == last[i]
        ):
            end += 1
        if kind[i] == 0:
            bids = asks = 0
        else:
            if book_last and first[i] > book_last + 1:
                return out_ts[:0], bid_px[:0], bid_sz[:0], ask_px[:0], ask_sz[:0], i
            if last[i] and last[i] <= book_last:
                i = end
                continue  # already contained in the book
        for r in range(i, end):
            if side[r] == 1:
                bids = _set_level(bid_keys, bid_sizes, bids, price[r], size[r])
            elif side[r] == -1:
                asks = _set_level(ask_keys, ask_sizes, asks, -price[r], size[r])
        book_last = last[i]
        out_ts[messages] = ts[i]
        for k in range(min(depth, bids)):
            bid_px[messages, k] = bid_keys[bids - 1 - k]
            bid_sz[messages, k] = bid_sizes[bids - 1 - k]
        for k in range(min(depth, asks)):
            ask_px[messages, k] = -ask_keys[asks - 1 - k]
            ask_sz[messages, k] = ask_sizes[asks - 1 - k]
        messages += 1
        i = end
    return (
        out_ts[:messages],
        bid_px[:messages],
        bid_sz[:messages],
        ask_px[:messages],
        ask_sz[:messages],
        -1,
    )

"""Convert between streams of market-data objects and the catalog's frames.

A book frame has one row per price level: a snapshot (``kind`` 0) is its levels, a delta batch
(``kind`` 1) its changes; ``side`` is +1 bid, -1 ask. A message with no levels is kept as one row
with ``side`` 0 and NaN price/size, so update-id continuity survives the round trip. Rows of one
message are adjacent and share ``ts_init``, ``kind`` and the update ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise

import numpy as np
import pandas as pd

from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.model.book import BookDelta, BookDeltas, BookSnapshot
from colin.model.data import QuoteTick, TradeTick
from colin.model.enums import AggressorSide, BookSide

SNAPSHOT, DELTAS = 0, 1
_SIDE_CODE = {BookSide.BID: 1, BookSide.ASK: -1}
_AGGRESSOR_CODE = {AggressorSide.BUYER: 1, AggressorSide.SELLER: -1, AggressorSide.UNKNOWN: 0}
INSTRUMENT_ATTR = "instrument_id"


def book_events_to_frame(events: Iterable[BookSnapshot | BookDeltas]) -> pd.DataFrame:
    """Flatten book snapshots and delta batches into a book frame (see the module docstring)."""
    rows: list[tuple[int, int, int, int, float, float, int, int]] = []
    append = rows.append
    for event in events:
        if isinstance(event, BookSnapshot):
            head = (event.ts_event, event.ts_init, SNAPSHOT)
            ids = (event.last_update_id, event.last_update_id)
            levels = [(1, p, s) for p, s in event.bids] + [(-1, p, s) for p, s in event.asks]
        else:
            head = (event.ts_event, event.ts_init, DELTAS)
            ids = (event.first_update_id, event.last_update_id)
            levels = [(_SIDE_CODE[d.side], d.price, d.size) for d in event.deltas]
        for side, price, size in levels or [(0, np.nan, np.nan)]:
            append((*head, side, price, size, *ids))
    columns = ["ts_event", "ts_init", "kind", "side", "price", "size"]
    frame = pd.DataFrame(rows, columns=[*columns, "first_update_id", "last_update_id"])
    return frame.astype({"kind": np.int8, "side": np.int8, "price": float, "size": float})


def iter_book_events(
    frame: pd.DataFrame, instrument_id: InstrumentId | str | None = None
) -> Iterator[BookSnapshot | BookDeltas]:
    """Rebuild the snapshots and delta batches of a book frame, in stored order.

    ``instrument_id`` defaults to the frame's ``attrs["instrument_id"]``, which
    ``read_book`` sets.

    Raises
    ------
    DataError
        If no instrument id is known or a row has an unknown ``kind`` or ``side``.
    """
    name = instrument_id if instrument_id is not None else frame.attrs.get(INSTRUMENT_ATTR)
    if name is None:
        raise DataError("iter_book_events: pass instrument_id (the frame carries none in attrs)")
    iid = InstrumentId(name)
    if len(frame) == 0:
        return
    ts_init = frame["ts_init"].to_numpy(np.int64)
    kind = frame["kind"].to_numpy(np.int8)
    last_id = frame["last_update_id"].to_numpy(np.int64)
    first_id = frame["first_update_id"].to_numpy(np.int64)
    ts_event = frame["ts_event"].to_numpy(np.int64).tolist()
    side = frame["side"].to_numpy(np.int8).tolist()
    price = frame["price"].to_numpy(np.float64).tolist()
    size = frame["size"].to_numpy(np.float64).tolist()
    change = (ts_init[1:] != ts_init[:-1]) | (kind[1:] != kind[:-1]) | (last_id[1:] != last_id[:-1])
    bounds = [0, *(np.flatnonzero(change) + 1).tolist(), len(frame)]
    for start, end in pairwise(bounds):
        message_kind = int(kind[start])
        if message_kind == SNAPSHOT:
            bids = [(price[i], size[i]) for i in range(start, end) if side[i] == 1]
            asks = [(price[i], size[i]) for i in range(start, end) if side[i] == -1]
            yield BookSnapshot(
                iid, bids, asks, int(last_id[start]), ts_event[start], int(ts_init[start])
            )
        elif message_kind == DELTAS:
            deltas = [
                BookDelta(BookSide.BID if side[i] == 1 else BookSide.ASK, price[i], size[i])
                for i in range(start, end)
                if side[i] != 0
            ]
            yield BookDeltas(
                iid,
                deltas,
                int(first_id[start]),
                int(last_id[start]),
                ts_event[start],
                int(ts_init[start]),
            )
        else:
            raise DataError(
                f"book frame row {start}: unknown kind {message_kind} (expected 0 or 1)"
            )


def trades_to_frame(trades: Iterable[TradeTick]) -> pd.DataFrame:
    """Return a trades frame (``ts_event, ts_init, price, size, side, trade_id``)."""
    rows = [
        (t.ts_event, t.ts_init, t.price, t.size, _AGGRESSOR_CODE[t.aggressor_side], t.trade_id)
        for t in trades
    ]
    frame = pd.DataFrame(rows, columns=["ts_event", "ts_init", "price", "size", "side", "trade_id"])
    return frame.astype({"ts_event": np.int64, "ts_init": np.int64, "side": np.int8})


def quotes_to_frame(quotes: Iterable[QuoteTick]) -> pd.DataFrame:
    """Return a quotes frame (``ts_event, ts_init, bid_price, ask_price, bid_size, ask_size``)."""
    rows = [
        (q.ts_event, q.ts_init, q.bid_price, q.ask_price, q.bid_size, q.ask_size) for q in quotes
    ]
    columns = ["ts_event", "ts_init", "bid_price", "ask_price", "bid_size", "ask_size"]
    return pd.DataFrame(rows, columns=columns).astype({"ts_event": np.int64, "ts_init": np.int64})


_AGGRESSOR_BY_CODE = {code: side for side, code in _AGGRESSOR_CODE.items()}


def iter_trades(frame: pd.DataFrame, instrument_id: InstrumentId | str) -> Iterator[TradeTick]:
    """Turn a trades frame back into :class:`TradeTick` objects, in row order."""
    iid = InstrumentId(instrument_id)
    sides = [_AGGRESSOR_BY_CODE.get(int(code), AggressorSide.UNKNOWN) for code in frame["side"]]
    columns = zip(
        frame["price"].tolist(),
        frame["size"].tolist(),
        sides,
        frame["trade_id"].astype(str).tolist(),
        frame["ts_event"].tolist(),
        frame["ts_init"].tolist(),
        strict=True,
    )
    for price, size, side, trade_id, ts_event, ts_init in columns:
        yield TradeTick(iid, price, size, side, trade_id, ts_event, ts_init)


def iter_quotes(frame: pd.DataFrame, instrument_id: InstrumentId | str) -> Iterator[QuoteTick]:
    """Turn a quotes frame back into :class:`QuoteTick` objects, in row order."""
    iid = InstrumentId(instrument_id)
    columns = zip(
        *(frame[c].tolist() for c in ("bid_price", "ask_price", "bid_size", "ask_size")),
        frame["ts_event"].tolist(),
        frame["ts_init"].tolist(),
        strict=True,
    )
    for bid, ask, bid_size, ask_size, ts_event, ts_init in columns:
        yield QuoteTick(iid, bid, ask, bid_size, ask_size, ts_event, ts_init)

"""Decode ccxt market-data structures into Colin objects and catalog frames.

Everything ccxt returns for market data stops here: OHLCV rows become :class:`Bar` objects or a
bars frame (``ts_open`` = the row's open time; a bar's ``ts_event`` is its *close* time,
``ts_open + timeframe``), trades become :class:`TradeTick` objects or a trades frame, an order book
becomes a :class:`BookSnapshot` of its best ``depth`` levels (and :func:`book_deltas` turns two
successive snapshots into the :class:`BookDeltas` between them), tickers become
:class:`QuoteTick`, funding-rate history becomes :class:`FundingRate` or a funding frame, and
open-interest history becomes a frame (Colin's model has no open-interest type).

ccxt times are milliseconds; Colin's are nanoseconds. Numbers may arrive as ``int``, ``float``,
``str`` or ``Decimal`` and are read without going through binary rounding twice. Anything
malformed (a missing field, a non-number, NaN, a non-positive price, an inconsistent candle)
raises :class:`DataError` naming the structure and the field; nothing else escapes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_MILLI, timeframe_to_ns
from colin.model.book import BookDelta, BookDeltas, BookSnapshot, Level
from colin.model.data import Bar, FundingRate, QuoteTick, TradeTick
from colin.model.enums import AggressorSide, BookSide

_MAX_MS = (2**63 - 1) // NANOS_PER_MILLI
_INF = math.inf
_SIDES = {"buy": AggressorSide.BUYER, "sell": AggressorSide.SELLER, None: AggressorSide.UNKNOWN}
_SIDE_CODES = {AggressorSide.BUYER: 1, AggressorSide.SELLER: -1, AggressorSide.UNKNOWN: 0}

OhlcvRow = tuple[int, float, float, float, float, float]


# -- OHLCV ---------------------------------------------------------------------------------------


def ohlcv_row(row: Any, where: str = "ohlcv") -> OhlcvRow:
    """Validate one ccxt OHLCV row ``[ms, open, high, low, close, volume]``.

    Returns
    -------
    tuple
        ``(ts_open_ns, open, high, low, close, volume)``.
    """
    if not isinstance(row, list | tuple) or len(row) < 6:
        raise DataError(f"{where}: expected [ms, open, high, low, close, volume], got {row!r}")
    ts = _ms_to_ns(row[0], f"{where} timestamp")
    o, h, low, c = (
        _positive(value, f"{where} {name}")
        for value, name in zip(row[1:5], ("open", "high", "low", "close"), strict=True)
    )
    volume = _number(row[5], f"{where} volume")
    if volume < 0:
        raise DataError(f"{where}: negative volume {row[5]!r} at {ts} ns")
    if h < max(o, c, low) or low > min(o, c, h):
        raise DataError(f"{where}: inconsistent candle o={o} h={h} l={low} c={c} at {ts} ns")
    return ts, o, h, low, c, volume


def bars_from_ohlcv(
    rows: Iterable[Any], instrument_id: InstrumentId, timeframe: str, ts_init: int | None = None
) -> list[Bar]:
    """Turn ccxt OHLCV rows into :class:`Bar` objects (``ts_event`` = close time)."""
    step = _timeframe_ns(timeframe)
    where = f"ohlcv {instrument_id} {timeframe}"
    bars = []
    for row in _rows(rows, where):
        ts, o, h, low, c, v = ohlcv_row(row, where)
        bars.append(Bar(instrument_id, timeframe, o, h, low, c, v, ts, ts + step, ts_init))
    return bars


def ohlcv_to_frame(rows: Iterable[Any], where: str = "ohlcv") -> pd.DataFrame:
    """Turn ccxt OHLCV rows into a bars frame in catalog schema (``ts_open`` int64 ns + floats)."""
    parsed = [ohlcv_row(row, where) for row in _rows(rows, where)]
    columns = ("ts_open", "open", "high", "low", "close", "volume")
    data = list(zip(*parsed, strict=True)) if parsed else [()] * 6
    frame = pd.DataFrame(
        {
            name: np.array(values, dtype=np.int64 if name == "ts_open" else np.float64)
            for name, values in zip(columns, data, strict=True)
        }
    )
    return frame


# -- trades --------------------------------------------------------------------------------------


def trade_from_ccxt(
    trade: Any, instrument_id: InstrumentId, ts_init: int | None = None
) -> TradeTick:
    """Turn a ccxt trade (``timestamp, price, amount, side, id``) into a :class:`TradeTick`."""
    ts, price, size, side, trade_id = _trade_fields(trade, f"trade {instrument_id}")
    return TradeTick(instrument_id, price, size, side, trade_id, ts, ts_init)


def trades_to_frame(trades: Iterable[Any], where: str = "trades") -> pd.DataFrame:
    """Turn ccxt trades into a trades frame in catalog schema.

    Columns ``ts_event, ts_init`` (both the venue time), ``price, size``, ``side`` (+1 buyer
    aggressor, -1 seller, 0 unknown) and ``trade_id``.
    """
    parsed = [_trade_fields(trade, where) for trade in _rows(trades, where)]
    ts = np.array([p[0] for p in parsed], dtype=np.int64)
    return pd.DataFrame(
        {
            "ts_event": ts,
            "ts_init": ts.copy(),
            "price": np.array([p[1] for p in parsed], dtype=np.float64),
            "size": np.array([p[2] for p in parsed], dtype=np.float64),
            "side": np.array([_SIDE_CODES[p[3]] for p in parsed], dtype=np.int8),
            "trade_id": pd.array([p[4] for p in parsed], dtype=object),
        }
    )


def _trade_fields(trade: Any, where: str) -> tuple[int, float, float, AggressorSide, str]:
    record = _record(trade, where)
    ts = _ms_to_ns(record.get("timestamp"), f"{where} timestamp")
    price = _positive(record.get("price"), f"{where} price")
    size = _positive(record.get("amount"), f"{where} amount")
    side = record.get("side")
    if side not in _SIDES:
        raise DataError(f"{where}: side must be 'buy', 'sell' or None, got {side!r}")
    raw_id = record.get("id")
    if raw_id is not None and not isinstance(raw_id, str | int):
        raise DataError(f"{where}: id must be a string or integer, got {raw_id!r}")
    return ts, price, size, _SIDES[side], "" if raw_id is None else str(raw_id)


# -- quotes and books ----------------------------------------------------------------------------


def quote_from_ticker(ticker: Any, instrument_id: InstrumentId, ts_init: int) -> QuoteTick:
    """Turn a ccxt ticker or bids/asks entry into a :class:`QuoteTick`.

    The venue time is the ticker's ``timestamp``, or ``ts_init`` when it has none.
    """
    where = f"ticker {instrument_id}"
    record = _record(ticker, where)
    stamp = record.get("timestamp")
    ts = ts_init if stamp is None else _ms_to_ns(stamp, f"{where} timestamp")
    bid = _positive(record.get("bid"), f"{where} bid")
    ask = _positive(record.get("ask"), f"{where} ask")
    bid_size = _non_negative(record.get("bidVolume"), f"{where} bidVolume")
    ask_size = _non_negative(record.get("askVolume"), f"{where} askVolume")
    return QuoteTick(instrument_id, bid, ask, bid_size, ask_size, ts, ts_init)


def book_snapshot(
    order_book: Any,
    instrument_id: InstrumentId,
    depth: int,
    ts_init: int,
    update_id: int | None = None,
) -> BookSnapshot:
    """Turn a ccxt order book into a :class:`BookSnapshot` of its best ``depth`` levels.

    ``last_update_id`` is the book's ``nonce``; ``update_id`` stands in when the venue has none.
    """
    where = f"order book {instrument_id}"
    record = _record(order_book, where)
    nonce = record.get("nonce")
    if nonce is not None and (isinstance(nonce, bool) or not isinstance(nonce, int)):
        raise DataError(f"{where}: nonce must be an integer, got {nonce!r}")
    stamp = record.get("timestamp")
    ts = ts_init if stamp is None else _ms_to_ns(stamp, f"{where} timestamp")
    bids = _levels(record.get("bids"), depth, f"{where} bids")
    asks = _levels(record.get("asks"), depth, f"{where} asks")
    last = nonce if nonce is not None else (update_id or 0)
    return BookSnapshot(instrument_id, bids, asks, last, ts, ts_init)


def book_deltas(previous: BookSnapshot, current: BookSnapshot) -> BookDeltas:
    """Return the level changes that turn ``previous`` into ``current``.

    Levels that left the snapshot (taken, cancelled or pushed below its depth) get size 0, so a
    book fed the first snapshot and then these deltas holds exactly ``current``. The update ids
    run from ``previous.last_update_id + 1`` to ``current.last_update_id``.
    """
    deltas: list[BookDelta] = []
    for side, old, new in (
        (BookSide.BID, previous.bids, current.bids),
        (BookSide.ASK, previous.asks, current.asks),
    ):
        new_levels = dict(new)
        deltas.extend(BookDelta(side, price, 0.0) for price, _ in old if price not in new_levels)
        old_levels = dict(old)
        deltas.extend(
            BookDelta(side, price, size) for price, size in new if old_levels.get(price) != size
        )
    return BookDeltas(
        current.instrument_id,
        deltas,
        previous.last_update_id + 1,
        current.last_update_id,
        current.ts_event,
        current.ts_init,
    )


def _levels(levels: Any, depth: int, where: str) -> list[Level]:
    if not isinstance(levels, Sequence) or isinstance(levels, str | bytes):
        raise DataError(f"{where}: expected a list of [price, amount], got {levels!r}")
    out: list[Level] = []
    for level in levels[:depth]:
        if type(level) is list and len(level) >= 2:
            price, size = level[0], level[1]
            # the common case (ccxt's floats), checked without the general path: NaN fails `> 0`
            if (
                type(price) is float
                and type(size) is float
                and 0 < price < _INF
                and 0 < size < _INF
            ):
                out.append((price, size))
                continue
        elif not isinstance(level, list | tuple) or len(level) < 2:
            raise DataError(f"{where}: expected [price, amount], got {level!r}")
        out.append((_positive(level[0], f"{where} price"), _positive(level[1], f"{where} amount")))
    return out


# -- funding and open interest -------------------------------------------------------------------


def funding_from_ccxt(entry: Any, instrument_id: InstrumentId) -> FundingRate:
    """Turn a ccxt funding-rate history entry (``timestamp, fundingRate``) into a FundingRate."""
    ts, rate, mark = _funding_fields(entry, f"funding {instrument_id}")
    return FundingRate(instrument_id, rate, ts, None if math.isnan(mark) else mark)


def funding_to_frame(entries: Iterable[Any], where: str = "funding") -> pd.DataFrame:
    """Turn ccxt funding-rate history into a funding frame (``ts_event, rate, mark_price``)."""
    parsed = [_funding_fields(entry, where) for entry in _rows(entries, where)]
    return pd.DataFrame(
        {
            "ts_event": np.array([p[0] for p in parsed], dtype=np.int64),
            "rate": np.array([p[1] for p in parsed], dtype=np.float64),
            "mark_price": np.array([p[2] for p in parsed], dtype=np.float64),
        }
    )


def _funding_fields(entry: Any, where: str) -> tuple[int, float, float]:
    record = _record(entry, where)
    ts = _ms_to_ns(record.get("timestamp"), f"{where} timestamp")
    rate = _number(record.get("fundingRate"), f"{where} fundingRate")
    info = record.get("info")
    mark = info.get("markPrice") if isinstance(info, Mapping) else None
    mark_price = math.nan if mark in (None, "") else _positive(mark, f"{where} markPrice")
    return ts, rate, mark_price


def open_interest_to_frame(entries: Iterable[Any], where: str = "open interest") -> pd.DataFrame:
    """Turn ccxt open-interest history into a frame.

    Columns ``ts_event`` (int64 ns), ``open_interest`` (base units or contracts, NaN if the venue
    gives only the value) and ``open_interest_value`` (quote units, NaN if not given).
    """
    parsed = []
    for entry in _rows(entries, where):
        record = _record(entry, where)
        ts = _ms_to_ns(record.get("timestamp"), f"{where} timestamp")
        amount = _optional(record.get("openInterestAmount"), f"{where} openInterestAmount")
        value = _optional(record.get("openInterestValue"), f"{where} openInterestValue")
        if math.isnan(amount) and math.isnan(value):
            raise DataError(f"{where}: entry at {ts} ns has neither amount nor value")
        parsed.append((ts, amount, value))
    return pd.DataFrame(
        {
            "ts_event": np.array([p[0] for p in parsed], dtype=np.int64),
            "open_interest": np.array([p[1] for p in parsed], dtype=np.float64),
            "open_interest_value": np.array([p[2] for p in parsed], dtype=np.float64),
        }
    )


# -- scalars -------------------------------------------------------------------------------------


def _rows(rows: Any, where: str) -> Sequence[Any]:
    if not isinstance(rows, Sequence) or isinstance(rows, str | bytes):
        raise DataError(f"{where}: expected a list, got {type(rows).__name__}")
    return rows


def _record(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DataError(f"{where}: expected a dict, got {value!r}")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise DataError(f"{where}: not a number: {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise DataError(f"{where}: not a finite number: {value!r}")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise DataError(f"{where}: not a number: {value!r}") from None
    if not math.isfinite(number):
        raise DataError(f"{where}: not a finite number: {value!r}")
    return number


def _positive(value: Any, where: str) -> float:
    number = _number(value, where)
    if number <= 0:
        raise DataError(f"{where}: must be positive, got {value!r}")
    return number


def _non_negative(value: Any, where: str) -> float:
    if value is None:
        return 0.0
    number = _number(value, where)
    if number < 0:
        raise DataError(f"{where}: must not be negative, got {value!r}")
    return number


def _optional(value: Any, where: str) -> float:
    return math.nan if value is None else _non_negative(value, where)


def _ms_to_ns(value: Any, where: str) -> int:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DataError(f"{where}: expected integer milliseconds, got {value!r}")
    if not 0 <= value <= _MAX_MS:
        raise DataError(f"{where}: milliseconds out of range: {value!r}")
    return value * NANOS_PER_MILLI


def _timeframe_ns(timeframe: str) -> int:
    try:
        return timeframe_to_ns(timeframe)
    except ValueError as exc:
        raise DataError(str(exc)) from exc

"""Decode raw Binance websocket / REST JSON into Colin market-data objects.

Supported messages (spot, USD-M and COIN-M futures):

* ``depthUpdate`` diffs (``U``/``u`` update ids, plus ``pu`` on futures) -> :class:`BookDeltas`
* REST depth snapshots (``lastUpdateId``, ``bids``, ``asks``) -> :class:`BookSnapshot`
* ``trade`` -> :class:`TradeTick`
* ``bookTicker`` -> :class:`QuoteTick`

Messages may be wrapped in a combined-stream envelope (``{"stream": ..., "data": {...}}``).
``markPriceUpdate`` messages are recognised and skipped (they carry no book or trade data).
Anything else raises :class:`DataError`.

Venue times are milliseconds: a message's ``ts_event`` is its transaction time ``T`` when present,
else its event time ``E``, else the local receive time (spot ``bookTicker`` and spot REST
snapshots carry no venue time).
"""

from __future__ import annotations

import json
from typing import Any

from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_MILLI
from colin.model.book import BookDelta, BookDeltas, BookSnapshot
from colin.model.data import QuoteTick, TradeTick
from colin.model.enums import AggressorSide, BookSide

MarketEvent = BookSnapshot | BookDeltas | TradeTick | QuoteTick

_IGNORED_EVENTS = frozenset({"markPriceUpdate"})


def venue_symbol_for(instrument_id: InstrumentId) -> str:
    """Return Binance's symbol for a spot or linear instrument id (``BTC/USDT`` -> ``BTCUSDT``).

    Inverse (COIN-M) contracts such as ``BTCUSD_PERP`` cannot be derived from the unified
    symbol; pass ``venue_symbol`` to :class:`BinanceCaptureDecoder` for those.
    """
    pair = instrument_id.symbol.split(":", 1)[0]
    return pair.replace("/", "").upper()


class BinanceCaptureDecoder:
    """Turn raw Binance JSON messages for one instrument into Colin objects.

    Parameters
    ----------
    instrument_id
        The Colin instrument the messages belong to.
    venue_symbol
        Binance's symbol (``BTCUSDT``, ``BTCUSD_PERP``); derived from ``instrument_id`` when
        omitted. A message for another symbol raises :class:`DataError`.
    """

    __slots__ = ("instrument_id", "venue_symbol")

    def __init__(self, instrument_id: InstrumentId | str, venue_symbol: str | None = None) -> None:
        self.instrument_id = InstrumentId(instrument_id)
        self.venue_symbol = (venue_symbol or venue_symbol_for(self.instrument_id)).upper()

    def decode(self, raw: str | bytes, ts_init: int) -> MarketEvent | None:
        """Decode one raw JSON text received at local time ``ts_init`` (ns).

        Returns
        -------
        MarketEvent or None
            The decoded object, or ``None`` for a recognised message that carries no market data
            for Colin (``markPriceUpdate``).

        Raises
        ------
        DataError
            If the text is not JSON, the message type is unknown, a field is missing or malformed,
            or the message is for another symbol.
        """
        try:
            message = json.loads(raw)
        except ValueError as exc:
            raise DataError(f"invalid JSON in Binance message: {exc}") from exc
        return self.decode_message(message, ts_init)

    def decode_message(self, message: Any, ts_init: int) -> MarketEvent | None:
        """Decode an already-parsed JSON message (see :meth:`decode`)."""
        if not isinstance(message, dict):
            raise DataError(f"Binance message must be a JSON object, got {type(message).__name__}")
        data = message.get("data", message) if "stream" in message else message
        if not isinstance(data, dict):
            raise DataError("Binance combined-stream message has a non-object 'data' field")
        try:
            if "lastUpdateId" in data and "bids" in data:
                return self._snapshot(data, ts_init)
            event_type = data.get("e")
            if event_type == "depthUpdate":
                return self._deltas(data, ts_init)
            if event_type == "trade":
                return self._trade(data, ts_init)
            if event_type == "bookTicker" or (event_type is None and "B" in data and "A" in data):
                return self._quote(data, ts_init)
            if event_type in _IGNORED_EVENTS:
                return None
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(
                f"malformed Binance {data.get('e', 'snapshot')} message for {self.venue_symbol}: "
                f"bad or missing field ({type(exc).__name__}: {exc})"
            ) from exc
        raise DataError(
            f"unknown Binance message type {event_type!r} (keys: {sorted(data)[:8]}); expected "
            "depthUpdate, trade, bookTicker or a REST depth snapshot"
        )

    # -- message kinds ---------------------------------------------------------------------------

    def _check_symbol(self, data: dict[str, Any]) -> None:
        symbol = data.get("s")
        if symbol is not None and symbol.upper() != self.venue_symbol:
            raise DataError(
                f"Binance message for symbol {symbol!r} given to the decoder of "
                f"{self.instrument_id} (expects {self.venue_symbol!r})"
            )

    def _snapshot(self, data: dict[str, Any], ts_init: int) -> BookSnapshot:
        return BookSnapshot(
            instrument_id=self.instrument_id,
            bids=_levels(data["bids"]),
            asks=_levels(data["asks"]),
            last_update_id=int(data["lastUpdateId"]),
            ts_event=_venue_time(data, ts_init),
            ts_init=ts_init,
        )

    def _deltas(self, data: dict[str, Any], ts_init: int) -> BookDeltas:
        self._check_symbol(data)
        deltas = [BookDelta(BookSide.BID, float(p), float(q)) for p, q in data["b"]]
        deltas.extend(BookDelta(BookSide.ASK, float(p), float(q)) for p, q in data["a"])
        # Futures chain diffs through ``pu`` (the previous diff's ``u``) rather than ``U``:
        # continuing from ``pu`` lets OrderBook's contiguity check work for both markets.
        previous = data.get("pu")
        first = int(previous) + 1 if previous is not None else int(data["U"])
        return BookDeltas(
            instrument_id=self.instrument_id,
            deltas=deltas,
            first_update_id=first,
            last_update_id=int(data["u"]),
            ts_event=_venue_time(data, ts_init),
            ts_init=ts_init,
        )

    def _trade(self, data: dict[str, Any], ts_init: int) -> TradeTick:
        self._check_symbol(data)
        # ``m`` is true when the buyer was the resting (maker) order: the seller crossed.
        aggressor = AggressorSide.SELLER if data["m"] else AggressorSide.BUYER
        return TradeTick(
            instrument_id=self.instrument_id,
            price=float(data["p"]),
            size=float(data["q"]),
            aggressor_side=aggressor,
            trade_id=str(data["t"]),
            ts_event=_venue_time(data, ts_init),
            ts_init=ts_init,
        )

    def _quote(self, data: dict[str, Any], ts_init: int) -> QuoteTick:
        self._check_symbol(data)
        return QuoteTick(
            instrument_id=self.instrument_id,
            bid_price=float(data["b"]),
            ask_price=float(data["a"]),
            bid_size=float(data["B"]),
            ask_size=float(data["A"]),
            ts_event=_venue_time(data, ts_init),
            ts_init=ts_init,
        )


def _levels(raw: list[list[str]]) -> list[tuple[float, float]]:
    return [(float(price), float(size)) for price, size in raw]


def _venue_time(data: dict[str, Any], ts_init: int) -> int:
    millis = data.get("T", data.get("E"))
    return ts_init if millis is None else int(millis) * NANOS_PER_MILLI

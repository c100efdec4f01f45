"""Binance market-data streams of the exchange simulator.

Clients connect to ``/stream/ws[/{n}]`` (spot) or ``/fstream/{public,market}/ws[/{n}]`` (USD-M)
and send ``{"method": "SUBSCRIBE" | "UNSUBSCRIBE" | "LIST_SUBSCRIPTIONS", "params": [...],
"id": N}``. Streams: ``<symbol>@depth[@<speed>ms]`` (diffs with ``U``/``u``, plus ``pu`` on
USD-M), ``<symbol>@trade``, ``<symbol>@aggTrade``, ``<symbol>@kline_<interval>`` and
``<symbol>@bookTicker``. Every exchange event is rendered once per stream kind and fanned out to
the subscribers in the order they subscribed.

Limits: each core depth diff is one frame whatever the requested update speed (no 100 ms / 1 s
aggregation); an aggregate trade is one trade (``a == f == l``); klines carry ``f``/``L`` as -1.
"""

from __future__ import annotations

import json
import re
from itertools import count
from typing import TYPE_CHECKING, Any

from colin.adapters.exchange_sim.events import (
    DepthUpdate,
    ExchangeEvent,
    KlineUpdate,
    Market,
    TradePrint,
)
from colin.adapters.exchange_sim.ws_connection import WsConnection, WsSettings
from colin.adapters.exchange_sim.ws_service import WsService

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiohttp import web

    from colin.adapters.exchange_sim.ws_faults import WsFaults
    from colin.adapters.exchange_sim.ws_routes import SimHandle

_INTERVALS = "1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w|1M"
_STREAM = re.compile(
    rf"^(?P<symbol>[a-z0-9]+)@(?P<channel>trade|aggTrade|bookTicker|depth"
    rf"|kline_(?:{_INTERVALS}))(?:@(?:0|100|250|500|1000)ms)?$"
)

_Key = tuple[Market, str, str]
"""(market, lower-case symbol, channel): what one rendered frame is for."""


def parse_stream(name: str) -> tuple[str, str] | None:
    """``(symbol, channel)`` of a stream name such as ``btcusdt@depth@100ms``, or ``None``."""
    match = _STREAM.match(name)
    if match is None:
        return None
    channel = match["channel"]
    if name.endswith("ms") and channel != "depth":
        return None
    return match["symbol"], channel


def render_depth(event: DepthUpdate) -> dict[str, Any]:
    """A ``depthUpdate`` frame (``pu`` and ``T`` only on USD-M)."""
    frame: dict[str, Any] = {"e": "depthUpdate", "E": event.event_ms}
    if event.market == "usdm":
        frame["T"] = event.event_ms
    frame |= {"s": event.symbol, "U": event.first_update_id, "u": event.final_update_id}
    if event.market == "usdm":
        frame["pu"] = event.prev_final_update_id
    frame["b"] = [list(level) for level in event.bids]
    frame["a"] = [list(level) for level in event.asks]
    return frame


def render_trade(event: TradePrint) -> dict[str, Any]:
    """A ``trade`` frame."""
    if event.market == "usdm":
        return {
            "e": "trade",
            "E": event.event_ms,
            "T": event.trade_ms,
            "s": event.symbol,
            "t": event.trade_id,
            "p": event.price,
            "q": event.quantity,
            "X": "MARKET",
            "m": event.buyer_is_maker,
        }
    return {
        "e": "trade",
        "E": event.event_ms,
        "s": event.symbol,
        "t": event.trade_id,
        "p": event.price,
        "q": event.quantity,
        "T": event.trade_ms,
        "m": event.buyer_is_maker,
        "M": True,
    }


def render_agg_trade(event: TradePrint) -> dict[str, Any]:
    """An ``aggTrade`` frame aggregating exactly one trade."""
    frame: dict[str, Any] = {
        "e": "aggTrade",
        "E": event.event_ms,
        "s": event.symbol,
        "a": event.trade_id,
        "p": event.price,
        "q": event.quantity,
        "f": event.trade_id,
        "l": event.trade_id,
        "T": event.trade_ms,
        "m": event.buyer_is_maker,
    }
    if event.market == "spot":
        frame["M"] = True
    return frame


def render_kline(event: KlineUpdate) -> dict[str, Any]:
    """A ``kline`` frame."""
    return {
        "e": "kline",
        "E": event.event_ms,
        "s": event.symbol,
        "k": {
            "t": event.open_ms,
            "T": event.close_ms,
            "s": event.symbol,
            "i": event.interval,
            "f": -1,
            "L": -1,
            "o": event.open,
            "c": event.close,
            "h": event.high,
            "l": event.low,
            "v": event.volume,
            "n": event.trades,
            "x": event.closed,
            "q": event.quote_volume,
            "V": event.taker_buy_volume,
            "Q": event.taker_buy_quote_volume,
            "B": "0",
        },
    }


def _parse_params(params: Any) -> list[tuple[str, tuple[str, str]]] | None:
    """The ``(name, (symbol, channel))`` of each requested stream; ``None`` if any is invalid."""
    if not isinstance(params, list):
        return None
    streams = []
    for name in params:
        parsed = parse_stream(name) if isinstance(name, str) else None
        if parsed is None:
            return None
        streams.append((name, parsed))
    return streams


class MarketStreams(WsService[dict[str, _Key]]):
    """Subscriptions and fan-out of the market-data streams (a connection's state: its streams).

    Built like any :class:`~.ws_service.WsService`; the simulator's exchange core gives the book
    tops of ``bookTicker``.
    """

    def __init__(self, sim: SimHandle, faults: WsFaults, settings: WsSettings) -> None:
        super().__init__(sim, faults, settings)
        self._subs: dict[_Key, dict[WsConnection, tuple[int, str]]] = {}
        self._seq = count()
        self._tops: dict[tuple[Market, str], tuple[Any, Any]] = {}

    def handler(self, market: Market) -> Callable[[web.Request], Any]:
        """The aiohttp route handler for ``market``'s stream endpoints."""

        async def handle(request: web.Request) -> web.WebSocketResponse:
            async def on_text(conn: WsConnection, text: str) -> None:
                self._on_request(conn, market, text)

            return await self._serve(request, on_text, {})

        return handle

    def subscribed(self, market: Market) -> frozenset[str]:
        """Stream names (``btcusdt@trade``, ...) that an open connection of ``market`` has
        subscribed: every event published from now on reaches them."""
        return frozenset(
            name for mine in self._conns.values() for name, key in mine.items() if key[0] == market
        )

    def _forget(self, conn: WsConnection, state: dict[str, _Key]) -> None:
        for key in state.values():
            self._subs.get(key, {}).pop(conn, None)

    def on_event(self, event: ExchangeEvent) -> None:
        """Render ``event`` into the frames of every stream it feeds."""
        if isinstance(event, DepthUpdate):
            self._publish((event.market, event.symbol.lower(), "depth"), render_depth(event))
            self._publish_book_ticker(event)
        elif isinstance(event, TradePrint):
            symbol = event.symbol.lower()
            self._publish((event.market, symbol, "trade"), render_trade(event))
            self._publish((event.market, symbol, "aggTrade"), render_agg_trade(event))
        elif isinstance(event, KlineUpdate):
            key = (event.market, event.symbol.lower(), f"kline_{event.interval}")
            self._publish(key, render_kline(event))

    def _publish(self, key: _Key, frame: dict[str, Any]) -> None:
        subscribers = self._subs.get(key)
        if not subscribers:
            return
        for conn, (_, stream) in sorted(subscribers.items(), key=lambda item: item[1][0]):
            conn.send_data(stream, frame)

    def _publish_book_ticker(self, event: DepthUpdate) -> None:
        key = (event.market, event.symbol.lower(), "bookTicker")
        if not self._subs.get(key):
            return
        update_id, bids, asks = self._sim.exchange.depth_snapshot(event.market, event.symbol, 1)
        top = (tuple(bids[0]) if bids else None, tuple(asks[0]) if asks else None)
        if self._tops.get((event.market, event.symbol)) == top:
            return
        self._tops[(event.market, event.symbol)] = top
        bid = top[0] or ("0", "0")
        ask = top[1] or ("0", "0")
        frame: dict[str, Any] = {"u": update_id, "s": event.symbol}  # spot: no event type
        if event.market == "usdm":
            frame = {"e": "bookTicker", "u": update_id, "E": event.event_ms, "T": event.event_ms}
            frame["s"] = event.symbol
        frame |= {"b": str(bid[0]), "B": str(bid[1]), "a": str(ask[0]), "A": str(ask[1])}
        self._publish(key, frame)

    def _on_request(self, conn: WsConnection, market: Market, text: str) -> None:
        try:
            request = json.loads(text)
        except ValueError:
            conn.send_control({"error": {"code": 3, "msg": "Invalid JSON"}, "id": None})
            return
        if not isinstance(request, dict):
            conn.send_control({"error": {"code": 2, "msg": "Invalid request"}, "id": None})
            return
        request_id = request.get("id")
        method = request.get("method")
        params = request.get("params", [])
        if method == "LIST_SUBSCRIPTIONS":
            conn.send_control({"result": list(self._conns[conn]), "id": request_id})
            return
        if method not in ("SUBSCRIBE", "UNSUBSCRIBE"):
            msg = f"Invalid request: unknown variant {method!r}"
            conn.send_control({"error": {"code": 2, "msg": msg}, "id": request_id})
            return
        streams = _parse_params(params)
        if streams is None:
            msg = "Invalid request: invalid stream"
            conn.send_control({"error": {"code": 2, "msg": msg}, "id": request_id})
            return
        mine = self._conns[conn]
        for name, (symbol, channel) in streams:
            key: _Key = (market, symbol, channel)
            if method == "SUBSCRIBE" and name not in mine:
                mine[name] = key
                self._subs.setdefault(key, {}).setdefault(conn, (next(self._seq), name))
            elif method == "UNSUBSCRIBE" and name in mine:
                del mine[name]
                if key not in mine.values():
                    self._subs.get(key, {}).pop(conn, None)
        self._ack(conn, {"result": None, "id": request_id})

"""User-data streams of the exchange simulator.

Spot: the WebSocket API at ``/ws-api/v3``. A client subscribes with
``{"id", "method": "userDataStream.subscribe.signature", "params": {apiKey, timestamp,
[recvWindow], signature}}`` (the params key-sorted and HMAC-SHA256-signed with the API secret), is
answered ``{"id", "status": 200, "result": {"subscriptionId": n}}`` and from then on receives
``{"subscriptionId": n, "event": {...}}`` for ``executionReport``, ``outboundAccountPosition``
and ``balanceUpdate``. ``userDataStream.unsubscribe``, ``session.subscriptions``, ``ping`` and
``time`` are served too, and the order methods of :mod:`.ws_api_orders`.

USD-M: ``/fstream/private/ws?listenKey=K`` with a key issued by ``POST /fapi/v1/listenKey``; it
pushes ``ORDER_TRADE_UPDATE`` and ``ACCOUNT_UPDATE``. An unknown key is refused at the upgrade
(HTTP 400, -1125); a key that expires while connected gets ``listenKeyExpired`` and the socket is
closed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count
from typing import TYPE_CHECKING, Any

from aiohttp import web

from colin.adapters.exchange_sim.errors import BinanceError
from colin.adapters.exchange_sim.events import AccountUpdate, ExchangeEvent, OrderUpdate
from colin.adapters.exchange_sim.ws_api_orders import ORDER_METHODS, order_request, wire_params
from colin.adapters.exchange_sim.ws_connection import WsConnection, WsSettings
from colin.adapters.exchange_sim.ws_service import WsService
from colin.adapters.exchange_sim.ws_user_frames import (
    account_update,
    balance_update,
    execution_report,
    order_trade_update,
    outbound_account_position,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from colin.adapters.exchange_sim.ws_faults import WsFaults
    from colin.adapters.exchange_sim.ws_routes import SimHandle

_Reply = dict[str, Any]


def _error(request_id: Any, status: int, code: int, msg: str) -> _Reply:
    return {"id": request_id, "status": status, "error": {"code": code, "msg": msg}}


def _ok(request_id: Any, result: Any) -> _Reply:
    return {"id": request_id, "status": 200, "result": result}


@dataclass(slots=True)
class _Session:
    """One WebSocket API connection's user-data subscriptions and its next subscription id."""

    subscriptions: list[int] = field(default_factory=list)
    ids: count[int] = field(default_factory=count)


class SpotUserApi(WsService[_Session]):
    """The spot WebSocket API's user-data subscriptions.

    Built like any :class:`~.ws_service.WsService`; the simulator's ``auth`` verifies the
    signatures of subscriptions and order requests.
    """

    def __init__(self, sim: SimHandle, faults: WsFaults, settings: WsSettings) -> None:
        super().__init__(sim, faults, settings)
        self._execution_ids = count(1)
        self._free: dict[str, Decimal] = {}

    def handler(self) -> Callable[[web.Request], Any]:
        """The aiohttp route handler of ``/ws-api/v3``."""

        async def handle(request: web.Request) -> web.WebSocketResponse:
            return await self._serve(request, self._on_text, _Session(), wrap_events=True)

        return handle

    def on_event(self, event: ExchangeEvent) -> None:
        """Push a spot order or account event to every subscription."""
        if isinstance(event, OrderUpdate) and event.order.market == "spot":
            self._push("executionReport", execution_report(event, next(self._execution_ids)))
        elif isinstance(event, AccountUpdate) and event.market == "spot":
            for entry in event.balances:
                free = Decimal(entry.free)
                previous = self._free.get(entry.asset)
                self._free[entry.asset] = free
                if event.reason != "ORDER" and previous is not None and free != previous:
                    delta = format(free - previous, "f")
                    self._push("balanceUpdate", balance_update(event.event_ms, entry.asset, delta))
            self._push("outboundAccountPosition", outbound_account_position(event))

    def _push(self, name: str, frame: dict[str, Any]) -> None:
        for conn, session in self._conns.items():
            for subscription_id in session.subscriptions:
                conn.send_data(name, {"subscriptionId": subscription_id, "event": frame})

    async def _on_text(self, conn: WsConnection, text: str) -> None:
        try:
            request = json.loads(text)
        except ValueError:
            conn.send_control(_error(None, 400, -1100, "Malformed JSON."))
            return
        if not isinstance(request, dict):
            conn.send_control(_error(None, 400, -1100, "Malformed request."))
            return
        request_id = request.get("id")
        params = request.get("params") or {}
        method = request.get("method")
        if not isinstance(params, dict):
            conn.send_control(_error(request_id, 400, -1100, "Malformed request."))
        elif method == "userDataStream.subscribe.signature":
            self._subscribe(conn, request_id, params)
        elif method in ORDER_METHODS:
            conn.send_control(self._order(request_id, method, params))
        elif method == "userDataStream.unsubscribe":
            self._unsubscribe(conn, request_id, params)
        elif method == "session.subscriptions":
            ids = self._conns[conn].subscriptions
            conn.send_control(_ok(request_id, [{"subscriptionId": i} for i in ids]))
        elif method == "ping":
            conn.send_control(_ok(request_id, {}))
        elif method == "time":
            conn.send_control(_ok(request_id, {"serverTime": self._sim.now_ms()}))
        else:
            conn.send_control(_error(request_id, 400, -1020, "This operation is not supported."))

    def _order(self, request_id: Any, method: str, params: dict[str, Any]) -> _Reply:
        wire = wire_params(params)
        rejection = self._sim.auth.check_ws_signature(wire)
        if rejection is not None:
            return _error(request_id, *rejection)
        try:
            return _ok(request_id, order_request(self._sim, method, wire))
        except BinanceError as error:
            return _error(request_id, error.status, error.code, error.msg)

    def _subscribe(self, conn: WsConnection, request_id: Any, params: dict[str, Any]) -> None:
        rejection = self._sim.auth.check_ws_signature(wire_params(params))
        if rejection is not None:
            conn.send_control(_error(request_id, *rejection))
            return
        session = self._conns[conn]
        subscription_id = next(session.ids)
        session.subscriptions.append(subscription_id)
        self._ack(conn, _ok(request_id, {"subscriptionId": subscription_id}))

    def _unsubscribe(self, conn: WsConnection, request_id: Any, params: dict[str, Any]) -> None:
        ids = self._conns[conn].subscriptions
        wanted = params.get("subscriptionId")
        if wanted is None:
            ids.clear()
        elif wanted in ids:
            ids.remove(wanted)
        else:
            msg = "User Data Stream subscription not active."
            conn.send_control(_error(request_id, 400, -2036, msg))
            return
        conn.send_control(_ok(request_id, {}))


class UsdmUserStream(WsService[str]):
    """The USD-M listenKey user-data stream (a connection's state: its listen key).

    Built like any :class:`~.ws_service.WsService`; the simulator's ``listen_keys`` issue and
    expire the keys.
    """

    def handler(self) -> Callable[[web.Request], Any]:
        """The aiohttp route handler of ``/fstream/private/ws``."""

        async def handle(request: web.Request) -> web.StreamResponse:
            key = request.query.get("listenKey", "")
            if not self._sim.listen_keys.is_valid(key):
                body = {"code": -1125, "msg": "This listenKey does not exist."}
                return web.json_response(body, status=400)

            async def ignore(_conn: WsConnection, _text: str) -> None:
                return None

            return await self._serve(request, ignore, key)

        return handle

    def on_event(self, event: ExchangeEvent) -> None:
        """Push a USD-M order or account event to every connection whose key is still valid."""
        if isinstance(event, OrderUpdate) and event.order.market == "usdm":
            self._push("ORDER_TRADE_UPDATE", order_trade_update(event))
        elif isinstance(event, AccountUpdate) and event.market == "usdm":
            self._push("ACCOUNT_UPDATE", account_update(event))

    def _push(self, name: str, frame: dict[str, Any]) -> None:
        for conn, key in list(self._conns.items()):
            if self._sim.listen_keys.is_valid(key):
                conn.send_data(name, frame)
            elif not conn.closed:
                expired = {"e": "listenKeyExpired", "E": frame["E"], "listenKey": key}
                conn.send_control(expired)
                conn.close_after_queue(1000)

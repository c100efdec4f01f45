"""Order requests of the spot WebSocket API (``/ws-api/v3``): what ccxt's ``create_order_ws``,
``cancel_order_ws`` and ``fetch_order_ws`` send.

``order.place``, ``order.cancel`` and ``order.status`` run the same
exchange calls as the REST endpoints and reply with the same bodies, wrapped as
``{"id", "status": 200, "result": ...}``; refusals carry Binance's code and message as
``{"id", "status", "error": {"code", "msg"}}``. Requests are signed like the user-data
subscription (key-sorted raw ``k=v`` pairs). REST request weights and REST fault rules do not
apply to these requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from colin.adapters.exchange_sim.rest_spot import cancel_view, order_result, order_view

if TYPE_CHECKING:
    from colin.adapters.exchange_sim.ws_routes import SimHandle

ORDER_METHODS = frozenset({"order.place", "order.cancel", "order.status"})
"""The WebSocket-API order methods served."""

_NOT_ORDER_FIELDS = frozenset(
    {"apiKey", "signature", "timestamp", "recvWindow", "returnRateLimits"}
)


def wire_params(params: Mapping[str, Any]) -> dict[str, str]:
    """The request's parameters as text, as the client signed them (``true``/``false``)."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


def order_request(sim: SimHandle, method: str, params: Mapping[str, str]) -> Any:
    """Run one order method; return its ``result``.

    Parameters
    ----------
    sim
        The simulator.
    method
        One of :data:`ORDER_METHODS`.
    params
        The signed request's parameters, as text (signature fields are ignored).

    Raises
    ------
    BinanceError
        What the REST endpoint would refuse with.
    """
    exchange = sim.exchange
    fields = {k: v for k, v in params.items() if k not in _NOT_ORDER_FIELDS}
    if method == "order.place":
        record = exchange.place_order("spot", fields)
        default = "FULL" if record.type in ("LIMIT", "MARKET") else "ACK"
        return order_result(record, fields.get("newOrderRespType") or default, sim.now_ms())
    if method == "order.cancel":
        record = exchange.cancel_order("spot", fields)
        cancel_id = fields.get("newClientOrderId") or f"cancel{record.order_id}"
        return cancel_view(record, cancel_id, sim.now_ms())
    return order_view(exchange.find_order("spot", fields, cancel=False))

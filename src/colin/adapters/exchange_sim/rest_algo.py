"""USD-M conditional (algo) order endpoints: ``/fapi/v1/algoOrder`` and friends.

What ccxt calls for a futures order with ``triggerPrice`` (create), and with
``params={"trigger": True}`` for fetch, cancel, open orders, all orders and cancel-all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from colin.adapters.exchange_sim.algo_orders import AlgoOrder
from colin.adapters.exchange_sim.errors import mandatory
from colin.adapters.exchange_sim.orders import plain
from colin.adapters.exchange_sim.rest_base import add_endpoint, int_param

if TYPE_CHECKING:
    from colin.adapters.exchange_sim.server import ExchangeSimulator


def algo_view(order: AlgoOrder) -> dict[str, Any]:
    """Render an algo order as Binance does."""
    return {
        "algoId": order.algo_id,
        "clientAlgoId": order.client_algo_id,
        "algoType": "CONDITIONAL",
        "orderType": order.order_type,
        "symbol": order.symbol,
        "side": order.side,
        "positionSide": "BOTH",
        "timeInForce": order.time_in_force,
        "quantity": plain(order.quantity),
        "algoStatus": order.status,
        "actualOrderId": "" if order.actual_order_id is None else str(order.actual_order_id),
        "triggerPrice": plain(order.trigger_price),
        "price": plain(order.price),
        "icebergQuantity": None,
        "selfTradePreventionMode": "NONE",
        "workingType": "CONTRACT_PRICE",
        "priceMatch": "NONE",
        "closePosition": False,
        "priceProtect": False,
        "reduceOnly": order.reduce_only,
        "createTime": order.create_ms,
        "updateTime": order.update_ms,
        "triggerTime": order.trigger_ms,
        "goodTillDate": 0,
    }


def add_algo_routes(app: web.Application, sim: ExchangeSimulator) -> None:
    """Register the signed algo-order endpoints."""
    exchange = sim.exchange
    algo = exchange.algo

    def symbol_of(params: dict[str, str], required: bool) -> str | None:
        symbol = params.get("symbol")
        if not symbol:
            if required:
                raise mandatory("symbol")
            return None
        exchange.symbol("usdm", symbol)
        return symbol

    def create(params: dict[str, str]) -> Any:
        return algo_view(exchange.create_algo_order(params))

    def query(params: dict[str, str]) -> Any:
        return algo_view(algo.find(params))

    def cancel(params: dict[str, str]) -> Any:
        order = algo.cancel(algo.find(params), sim.now_ms())
        return {
            "algoId": order.algo_id,
            "clientAlgoId": order.client_algo_id,
            "code": "200",
            "msg": "success",
        }

    def open_orders(params: dict[str, str]) -> Any:
        return [algo_view(o) for o in algo.open_orders(symbol_of(params, required=False))]

    def all_orders(params: dict[str, str]) -> Any:
        symbol = symbol_of(params, required=True)
        limit = int_param(params, "limit", 500, 1000) or 500
        orders = [algo.refresh(o) for o in algo.orders.values() if o.symbol == symbol]
        return [algo_view(o) for o in orders][-limit:]

    def cancel_all(params: dict[str, str]) -> Any:
        now = sim.now_ms()
        for order in algo.open_orders(symbol_of(params, required=True)):
            algo.cancel(order, now)
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    routes = {
        ("POST", "algoOrder"): create,
        ("GET", "algoOrder"): query,
        ("DELETE", "algoOrder"): cancel,
        ("GET", "openAlgoOrders"): open_orders,
        ("GET", "allAlgoOrders"): all_orders,
        ("DELETE", "algoOpenOrders"): cancel_all,
    }
    for (method, name), endpoint in routes.items():
        add_endpoint(app, sim, method, f"/fapi/v1/{name}", endpoint, "SIGNED")

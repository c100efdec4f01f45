"""Spot trading endpoints (``/api/v3``): orders, cancel-replace, account and trades.

Replies follow Binance's JSON exactly (decimal strings with 8 decimals, ``newOrderRespType``
ACK / RESULT / FULL, ``orderListId`` -1) so that ccxt parses them as it parses Binance's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from colin.adapters.exchange_sim.errors import BinanceError, mandatory, unknown_order
from colin.adapters.exchange_sim.orders import OrderRecord, fmt
from colin.adapters.exchange_sim.rest_base import (
    add_endpoint,
    int_param,
    symbol_param,
    trades_query,
)

if TYPE_CHECKING:
    from colin.adapters.exchange_sim.server import ExchangeSimulator

_PREFIX = "/api/v3"


def _state(record: OrderRecord) -> dict[str, Any]:
    """The fields every spot order reply carries: price, quantities, status and kind."""
    return {
        "price": fmt(record.price),
        "origQty": fmt(record.orig_qty),
        "executedQty": fmt(record.executed_qty),
        "cummulativeQuoteQty": fmt(record.cum_quote),
        "status": record.status,
        "timeInForce": record.time_in_force,
        "type": record.type,
        "side": record.side,
    }


def order_result(record: OrderRecord, response_type: str, transact_ms: int) -> dict[str, Any]:
    """Render a new order's reply (ACK, RESULT or FULL)."""
    body: dict[str, Any] = {
        "symbol": record.symbol,
        "orderId": record.order_id,
        "orderListId": -1,
        "clientOrderId": record.client_order_id,
        "transactTime": transact_ms,
    }
    if response_type == "ACK":
        return body
    body.update(
        {
            **_state(record),
            "origQuoteOrderQty": fmt(record.orig_quote_qty),
            "workingTime": record.time_ms,
            "selfTradePreventionMode": "NONE",
        }
    )
    if record.stop_price:
        body["stopPrice"] = fmt(record.stop_price)
    if response_type == "FULL":
        body["fills"] = [
            {
                "price": fmt(f.price),
                "qty": fmt(f.qty),
                "commission": fmt(f.commission),
                "commissionAsset": f.commission_asset,
                "tradeId": f.trade_id,
            }
            for f in record.fills
        ]
    return body


def order_view(record: OrderRecord) -> dict[str, Any]:
    """Render an order as ``GET /api/v3/order`` does."""
    return {
        "symbol": record.symbol,
        "orderId": record.order_id,
        "orderListId": -1,
        "clientOrderId": record.client_order_id,
        **_state(record),
        "stopPrice": fmt(record.stop_price),
        "icebergQty": fmt(0),
        "time": record.time_ms,
        "updateTime": record.update_ms,
        "isWorking": record.is_open,
        "workingTime": record.time_ms,
        "origQuoteOrderQty": fmt(record.orig_quote_qty),
        "selfTradePreventionMode": "NONE",
    }


def cancel_view(record: OrderRecord, cancel_client_id: str, transact_ms: int) -> dict[str, Any]:
    """Render a canceled order as ``DELETE /api/v3/order`` does."""
    return {
        "symbol": record.symbol,
        "origClientOrderId": record.client_order_id,
        "orderId": record.order_id,
        "orderListId": -1,
        "clientOrderId": cancel_client_id,
        "transactTime": transact_ms,
        **_state(record),
        "selfTradePreventionMode": "NONE",
    }


def add_spot_routes(app: web.Application, sim: ExchangeSimulator) -> None:
    """Register the signed spot trading endpoints."""
    exchange = sim.exchange
    account = exchange.accounts["spot"]

    def new_order(params: dict[str, str]) -> Any:
        record = exchange.place_order("spot", params)
        default = "FULL" if record.type in ("LIMIT", "MARKET") else "ACK"
        return order_result(record, params.get("newOrderRespType") or default, sim.now_ms())

    def query_order(params: dict[str, str]) -> Any:
        return order_view(exchange.find_order("spot", params, cancel=False))

    def cancel(params: dict[str, str]) -> Any:
        record = exchange.cancel_order("spot", params)
        cancel_id = params.get("newClientOrderId") or f"cancel{record.order_id}"
        return cancel_view(record, cancel_id, sim.now_ms())

    def open_orders(params: dict[str, str]) -> Any:
        symbol = params.get("symbol") or None
        if symbol is not None:
            exchange.symbol("spot", symbol)
        return [order_view(r) for r in account.open_orders(symbol)]

    def cancel_open(params: dict[str, str]) -> Any:
        symbol = params.get("symbol")
        if not symbol:
            raise mandatory("symbol")
        records = exchange.cancel_all("spot", symbol)
        if not records:  # Binance answers a cancel-all with nothing to cancel so (ccxt#14999)
            raise unknown_order("spot", cancel=True)
        now = sim.now_ms()
        return [cancel_view(r, f"cancel{r.order_id}", now) for r in records]

    def all_orders(params: dict[str, str]) -> Any:
        symbol = symbol_param(sim, "spot", params)
        limit = int_param(params, "limit", 500, 1000)
        records = [r for r in account.orders.values() if r.symbol == symbol]
        return [order_view(r) for r in records][-(limit or 500) :]

    def account_info(_params: dict[str, str]) -> Any:
        balances = account.balances()
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {
                "maker": fmt(0.001),
                "taker": fmt(0.001),
                "buyer": fmt(0),
                "seller": fmt(0),
            },
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": sim.now_ms(),
            "accountType": "SPOT",
            "balances": [
                {"asset": asset, "free": fmt(free), "locked": fmt(locked)}
                for asset, (free, locked) in sorted(balances.items())
            ],
            "permissions": ["SPOT"],
            "uid": 1,
        }

    def my_trades(params: dict[str, str]) -> Any:
        symbol = symbol_param(sim, "spot", params)
        return [
            {
                "symbol": symbol,
                "id": f.trade_id,
                "orderId": f.order_id,
                "orderListId": -1,
                "price": fmt(f.price),
                "qty": fmt(f.qty),
                "quoteQty": fmt(f.quote_qty),
                "commission": fmt(f.commission),
                "commissionAsset": f.commission_asset,
                "time": f.time_ms,
                "isBuyer": f.is_buyer,
                "isMaker": f.is_maker,
                "isBestMatch": True,
            }
            for f in trades_query(account.fills(symbol), params)
        ]

    routes = {
        ("POST", "order"): new_order,
        ("GET", "order"): query_order,
        ("DELETE", "order"): cancel,
        ("GET", "openOrders"): open_orders,
        ("DELETE", "openOrders"): cancel_open,
        ("GET", "allOrders"): all_orders,
        ("GET", "account"): account_info,
        ("GET", "myTrades"): my_trades,
    }
    for (method, name), endpoint in routes.items():
        add_endpoint(app, sim, method, f"{_PREFIX}/{name}", endpoint, "SIGNED")
    add_endpoint(app, sim, "POST", f"{_PREFIX}/order/cancelReplace", _cancel_replace(sim), "SIGNED")


def _replace_body(
    cancel_result: str, new_result: str, cancel_response: Any, new_response: Any
) -> dict[str, Any]:
    """A cancel-replace reply (or its error's ``data``): each half's outcome and response."""
    return {
        "cancelResult": cancel_result,
        "newOrderResult": new_result,
        "cancelResponse": cancel_response,
        "newOrderResponse": new_response,
    }


class _ReplaceFailed(BinanceError):
    """A cancel-replace that failed, with Binance's ``data`` block."""

    def __init__(self, code: int, msg: str, status: int, data: dict[str, Any]) -> None:
        super().__init__(code, msg, status)
        self.data = data

    def body(self) -> dict[str, object]:
        """Return Binance's error body with the per-step results."""
        return {"code": self.code, "msg": self.msg, "data": self.data}


def _cancel_replace(sim: ExchangeSimulator) -> Any:
    """``POST /api/v3/order/cancelReplace`` with ``cancelReplaceMode=STOP_ON_FAILURE``."""
    exchange = sim.exchange

    def replace(params: dict[str, str]) -> Any:
        mode = params.get("cancelReplaceMode")
        if mode not in ("STOP_ON_FAILURE", "ALLOW_FAILURE"):
            raise mandatory("cancelReplaceMode")
        cancel_params = {
            "symbol": params.get("symbol", ""),
            "orderId": params.get("cancelOrderId", ""),
            "origClientOrderId": params.get("cancelOrigClientOrderId", ""),
        }
        cancel_params = {k: v for k, v in cancel_params.items() if v}
        try:
            canceled = exchange.cancel_order("spot", cancel_params)
        except BinanceError as error:
            data = _replace_body("FAILURE", "NOT_ATTEMPTED", error.body(), None)
            raise _ReplaceFailed(-2022, "Order cancel-replace failed.", 400, data) from None
        now = sim.now_ms()
        cancel_body = cancel_view(canceled, f"cancel{canceled.order_id}", now)
        new_params = {
            k: v for k, v in params.items() if not k.startswith("cancel") and k != "signature"
        }
        try:
            record = exchange.place_order("spot", new_params)
        except BinanceError as error:
            data = _replace_body("SUCCESS", "FAILURE", cancel_body, error.body())
            raise _ReplaceFailed(
                -2021, "Order cancel-replace partially failed.", 409, data
            ) from None
        response_type = params.get("newOrderRespType") or "FULL"
        return _replace_body(
            "SUCCESS", "SUCCESS", cancel_body, order_result(record, response_type, now)
        )

    return replace

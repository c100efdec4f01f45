"""USD-M futures trading endpoints (``/fapi``): orders, amend, account, positions, leverage,
user trades and listen keys.

The account is one-way (``positionSide`` BOTH) and cross-margined; margin follows the matching
venue's model (initial margin ``notional / leverage``, no liquidation). Numbers are rendered as
Binance's futures API renders them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import web

from colin.adapters.exchange_sim.errors import mandatory
from colin.adapters.exchange_sim.orders import OrderRecord, plain
from colin.adapters.exchange_sim.rest_base import (
    add_endpoint,
    int_param,
    symbol_param,
    trades_query,
)

if TYPE_CHECKING:
    from colin.adapters.exchange_sim.server import ExchangeSimulator

_ZERO = Decimal(0)
MAINT_MARGIN_RATIO = Decimal("0.004")


def order_view(record: OrderRecord) -> dict[str, Any]:
    """Render an order as ``/fapi/v1/order`` does (POST RESULT, GET, DELETE, PUT)."""
    return {
        "orderId": record.order_id,
        "symbol": record.symbol,
        "status": record.status,
        "clientOrderId": record.client_order_id,
        "price": plain(record.price),
        "avgPrice": plain(record.avg_price),
        "origQty": plain(record.orig_qty),
        "executedQty": plain(record.executed_qty),
        "cumQty": plain(record.executed_qty),
        "cumQuote": plain(record.cum_quote),
        "timeInForce": record.time_in_force,
        "type": record.type,
        "reduceOnly": record.reduce_only,
        "closePosition": False,
        "side": record.side,
        "positionSide": "BOTH",
        "stopPrice": plain(record.stop_price),
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": record.type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "NONE",
        "goodTillDate": 0,
        "time": record.time_ms,
        "updateTime": record.update_ms,
    }


def add_usdm_routes(app: web.Application, sim: ExchangeSimulator) -> None:
    """Register the USD-M trading and account endpoints."""
    exchange = sim.exchange
    account = exchange.accounts["usdm"]

    def symbol_of(params: dict[str, str]) -> str:
        return symbol_param(sim, "usdm", params)

    def new_order(params: dict[str, str]) -> Any:
        return order_view(exchange.place_order("usdm", params))

    def amend(params: dict[str, str]) -> Any:
        return order_view(exchange.amend_order("usdm", params))

    def query_order(params: dict[str, str]) -> Any:
        return order_view(exchange.find_order("usdm", params, cancel=False))

    def cancel(params: dict[str, str]) -> Any:
        return order_view(exchange.cancel_order("usdm", params))

    def open_orders(params: dict[str, str]) -> Any:
        symbol = symbol_of(params) if params.get("symbol") else None
        return [order_view(r) for r in account.open_orders(symbol)]

    def cancel_all(params: dict[str, str]) -> Any:
        exchange.cancel_all("usdm", symbol_of(params))
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    def all_orders(params: dict[str, str]) -> Any:
        symbol = symbol_of(params)
        limit = int_param(params, "limit", 500, 1000) or 500
        return [order_view(r) for r in account.orders.values() if r.symbol == symbol][-limit:]

    def user_trades(params: dict[str, str]) -> Any:
        symbol = symbol_of(params)
        return [
            {
                "buyer": f.is_buyer,
                "commission": plain(f.commission),
                "commissionAsset": f.commission_asset,
                "id": f.trade_id,
                "maker": f.is_maker,
                "orderId": f.order_id,
                "price": plain(f.price),
                "qty": plain(f.qty),
                "quoteQty": plain(f.quote_qty),
                "realizedPnl": plain(f.realized_pnl),
                "side": "BUY" if f.is_buyer else "SELL",
                "positionSide": "BOTH",
                "symbol": symbol,
                "time": f.time_ms,
            }
            for f in trades_query(account.fills(symbol), params)
        ]

    def positions(params: dict[str, str], with_leverage: bool) -> list[dict[str, Any]]:
        wanted = symbol_of(params) if params.get("symbol") else None
        out = []
        for symbol in account.instruments:
            if wanted is not None and symbol != wanted:
                continue
            amount, entry = account.position(symbol)
            if not amount and not with_leverage and not account.open_orders(symbol):
                continue
            out.append(_position(sim, symbol, amount, entry, with_leverage))
        return out

    def account_v3(_params: dict[str, str]) -> Any:
        return _account(sim)

    def leverage(params: dict[str, str]) -> Any:
        symbol = symbol_of(params)
        value = int_param(params, "leverage", None)
        if value is None:
            raise mandatory("leverage")
        account.set_leverage(symbol, value)
        return {"leverage": value, "maxNotionalValue": "1000000", "symbol": symbol}

    def brackets(params: dict[str, str]) -> Any:
        symbols = [symbol_of(params)] if params.get("symbol") else list(account.instruments)
        return [
            {
                "symbol": symbol,
                "notionalCoef": 1.0,
                "brackets": [
                    {
                        "bracket": 1,
                        "initialLeverage": int(account.instruments[symbol].max_leverage),
                        "notionalCap": 1_000_000,
                        "notionalFloor": 0,
                        "maintMarginRatio": float(MAINT_MARGIN_RATIO),
                        "cum": 0.0,
                    }
                ],
            }
            for symbol in symbols
        ]

    def new_listen_key(_params: dict[str, str]) -> Any:
        return {"listenKey": sim.listen_keys.issue()}

    def keep_alive(params: dict[str, str]) -> Any:
        key = params.get("listenKey") or next(
            (k for k in sim.listen_keys.expiry if sim.listen_keys.is_valid(k)), ""
        )
        sim.listen_keys.extend(key)
        return {"listenKey": key}

    def close_key(params: dict[str, str]) -> Any:
        for key in (
            [params["listenKey"]] if params.get("listenKey") else list(sim.listen_keys.expiry)
        ):
            sim.listen_keys.close(key)
        return {}

    signed = {
        ("POST", "/fapi/v1/order"): new_order,
        ("PUT", "/fapi/v1/order"): amend,
        ("GET", "/fapi/v1/order"): query_order,
        ("DELETE", "/fapi/v1/order"): cancel,
        ("GET", "/fapi/v1/openOrders"): open_orders,
        ("DELETE", "/fapi/v1/allOpenOrders"): cancel_all,
        ("GET", "/fapi/v1/allOrders"): all_orders,
        ("GET", "/fapi/v1/userTrades"): user_trades,
        ("GET", "/fapi/v3/account"): account_v3,
        ("GET", "/fapi/v2/account"): account_v3,
        ("GET", "/fapi/v3/positionRisk"): lambda p: positions(p, with_leverage=False),
        ("GET", "/fapi/v2/positionRisk"): lambda p: positions(p, with_leverage=True),
        ("POST", "/fapi/v1/leverage"): leverage,
        ("GET", "/fapi/v1/leverageBracket"): brackets,
    }
    for (method, path), endpoint in signed.items():
        add_endpoint(app, sim, method, path, endpoint, "SIGNED")
    add_endpoint(app, sim, "POST", "/fapi/v1/listenKey", new_listen_key, "API_KEY")
    add_endpoint(app, sim, "PUT", "/fapi/v1/listenKey", keep_alive, "API_KEY")
    add_endpoint(app, sim, "DELETE", "/fapi/v1/listenKey", close_key, "API_KEY")


def _position(
    sim: ExchangeSimulator, symbol: str, amount: Decimal, entry: Decimal, with_leverage: bool
) -> dict[str, Any]:
    account = sim.exchange.accounts["usdm"]
    instrument = account.instruments[symbol]
    mark = sim.exchange.symbol("usdm", symbol).mark_price() or entry
    notional = amount * mark * instrument.contract_size
    leverage = account.leverage[symbol]
    initial = abs(amount) * entry * instrument.contract_size / leverage
    body: dict[str, Any] = {
        "symbol": symbol,
        "positionSide": "BOTH",
        "positionAmt": plain(amount),
        "entryPrice": plain(entry),
        "breakEvenPrice": plain(entry),
        "markPrice": plain(mark),
        "unRealizedProfit": plain(account.unrealized_pnl(symbol)),
        "liquidationPrice": "0",
        "isolatedMargin": "0",
        "notional": plain(notional),
        "marginAsset": instrument.quote,
        "isolatedWallet": "0",
        "initialMargin": plain(initial),
        "maintMargin": plain(abs(notional) * MAINT_MARGIN_RATIO),
        "positionInitialMargin": plain(initial),
        "openOrderInitialMargin": "0",
        "adl": 0,
        "bidNotional": "0",
        "askNotional": "0",
        "updateTime": sim.now_ms() if amount else 0,
    }
    if with_leverage:
        body.update({"leverage": str(leverage), "marginType": "cross", "isAutoAddMargin": "false"})
    return body


def _account(sim: ExchangeSimulator) -> dict[str, Any]:
    account = sim.exchange.accounts["usdm"]
    now = sim.now_ms()
    upnl_by_quote: dict[str, Decimal] = {}
    position_rows = []
    for symbol, instrument in account.instruments.items():
        amount, entry = account.position(symbol)
        upnl = account.unrealized_pnl(symbol)
        upnl_by_quote[instrument.quote] = upnl_by_quote.get(instrument.quote, _ZERO) + upnl
        row = _position(sim, symbol, amount, entry, with_leverage=False)
        position_rows.append(
            {
                key: row[key]
                for key in (
                    "symbol",
                    "positionSide",
                    "positionAmt",
                    "unRealizedProfit",
                    "isolatedMargin",
                    "notional",
                    "isolatedWallet",
                    "initialMargin",
                    "maintMargin",
                    "updateTime",
                )
            }
        )
    assets = []
    totals = dict.fromkeys(("wallet", "upnl", "margin", "initial", "available"), _ZERO)
    for asset, (free, locked) in sorted(account.balances().items()):
        wallet = free + locked
        upnl = upnl_by_quote.get(asset, _ZERO)
        available = free + min(upnl, _ZERO)
        assets.append(
            {
                "asset": asset,
                "walletBalance": plain(wallet),
                "unrealizedProfit": plain(upnl),
                "marginBalance": plain(wallet + upnl),
                "maintMargin": "0",
                "initialMargin": plain(locked),
                "positionInitialMargin": plain(locked),
                "openOrderInitialMargin": "0",
                "crossWalletBalance": plain(wallet),
                "crossUnPnl": plain(upnl),
                "availableBalance": plain(available),
                "maxWithdrawAmount": plain(available),
                "updateTime": now,
            }
        )
        for key, value in (
            ("wallet", wallet),
            ("upnl", upnl),
            ("margin", wallet + upnl),
            ("initial", locked),
            ("available", available),
        ):
            totals[key] += value
    return {
        "totalInitialMargin": plain(totals["initial"]),
        "totalMaintMargin": "0",
        "totalWalletBalance": plain(totals["wallet"]),
        "totalUnrealizedProfit": plain(totals["upnl"]),
        "totalMarginBalance": plain(totals["margin"]),
        "totalPositionInitialMargin": plain(totals["initial"]),
        "totalOpenOrderInitialMargin": "0",
        "totalCrossWalletBalance": plain(totals["wallet"]),
        "totalCrossUnPnl": plain(totals["upnl"]),
        "availableBalance": plain(totals["available"]),
        "maxWithdrawAmount": plain(totals["available"]),
        "assets": assets,
        "positions": position_rows,
    }

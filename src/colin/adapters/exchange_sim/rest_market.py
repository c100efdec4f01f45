"""Public market-data endpoints, the same on spot (``/api/v3``) and USD-M (``/fapi/v1``).

ping, time, exchangeInfo, depth, klines, trades, aggTrades, 24h ticker, book ticker and price.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from colin.adapters.exchange_sim.errors import BinanceError, invalid_symbol, mandatory
from colin.adapters.exchange_sim.events import Market, TradePrint
from colin.adapters.exchange_sim.exchange_info import exchange_info
from colin.adapters.exchange_sim.rest_base import add_endpoint, int_param

if TYPE_CHECKING:
    from colin.adapters.exchange_sim.server import ExchangeSimulator

DAY_MS = 86_400_000
_SPOT_DEPTH_MAX = 5000
_USDM_DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)


def add_market_routes(app: web.Application, sim: ExchangeSimulator, market: Market) -> None:
    """Register the public endpoints of ``market`` under its prefix."""
    prefix = "/api/v3" if market == "spot" else "/fapi/v1"
    exchange = sim.exchange

    def symbol_of(params: dict[str, str]) -> str:
        symbol = params.get("symbol")
        if not symbol:
            raise mandatory("symbol")
        exchange.symbol(market, symbol)
        return symbol

    def ping(_params: dict[str, str]) -> Any:
        return {}

    def server_time(_params: dict[str, str]) -> Any:
        return {"serverTime": sim.now_ms()}

    def info(params: dict[str, str]) -> Any:
        instruments = exchange.instruments(market)
        wanted = params.get("symbol")
        if wanted:
            exchange.symbol(market, wanted)
            instruments = [i for i in instruments if f"{i.base}{i.quote}" == wanted]
        return exchange_info(market, instruments, sim.now_ms(), sim.start_ms)

    def depth(params: dict[str, str]) -> Any:
        symbol = symbol_of(params)
        limit = int_param(params, "limit", 100 if market == "spot" else 500)
        assert limit is not None
        if market == "usdm":  # the valid limit at or above the one asked for
            limit = next((n for n in _USDM_DEPTH_LIMITS if n >= limit), _USDM_DEPTH_LIMITS[-1])
        last_id, bids, asks = exchange.depth_snapshot(market, symbol, min(limit, _SPOT_DEPTH_MAX))
        body: dict[str, Any] = {"lastUpdateId": last_id}
        if market == "usdm":
            body.update({"E": sim.now_ms(), "T": sim.now_ms()})
        body.update({"bids": [list(b) for b in bids], "asks": [list(a) for a in asks]})
        return body

    def klines(params: dict[str, str]) -> Any:
        symbol = symbol_of(params)
        interval = params.get("interval")
        if not interval:
            raise mandatory("interval")
        limit = int_param(params, "limit", 500, 1000 if market == "spot" else 1500)
        assert limit is not None
        try:
            rows = exchange.klines(
                market,
                symbol,
                interval,
                int_param(params, "startTime", None),
                int_param(params, "endTime", None),
                limit,
            )
        except ValueError:
            raise BinanceError(-1120, "Invalid interval.") from None
        state = exchange.symbol(market, symbol)
        return [
            [
                row[0],
                state.price_str(row[1]),
                state.price_str(row[2]),
                state.price_str(row[3]),
                state.price_str(row[4]),
                state.size_str(row[5]),
                row[6],
                f"{row[7]:.8f}",
                row[8],
                state.size_str(row[9]),
                f"{row[10]:.8f}",
                "0",
            ]
            for row in rows
        ]

    def trades(params: dict[str, str]) -> Any:
        symbol = symbol_of(params)
        limit = int_param(params, "limit", 500, 1000)
        assert limit is not None
        return [_trade(t, market) for t in exchange.trades(market, symbol, limit)]

    def agg_trades(params: dict[str, str]) -> Any:
        symbol = symbol_of(params)
        limit = int_param(params, "limit", 500, 1000)
        assert limit is not None
        tape = exchange.trades(market, symbol, len(exchange.symbol(market, symbol).tape))
        from_id = int_param(params, "fromId", None)
        start = int_param(params, "startTime", None)
        end = int_param(params, "endTime", None)
        selected = [
            t
            for t in tape
            if (from_id is None or t.trade_id >= from_id)
            and (start is None or t.trade_ms >= start)
            and (end is None or t.trade_ms <= end)
        ]
        chosen = selected[:limit] if from_id is not None or start is not None else selected[-limit:]
        return [_agg_trade(t) for t in chosen]

    def ticker_24hr(params: dict[str, str]) -> Any:
        symbols = [params["symbol"]] if params.get("symbol") else _all_symbols(sim, market)
        tickers = [_ticker(sim, market, s) for s in symbols]
        return tickers[0] if params.get("symbol") else tickers

    def book_ticker(params: dict[str, str]) -> Any:
        symbols = [params["symbol"]] if params.get("symbol") else _all_symbols(sim, market)
        out = []
        for symbol in symbols:
            _, bids, asks = exchange.depth_snapshot(market, symbol, 1)
            bid = bids[0] if bids else ("0", "0")
            ask = asks[0] if asks else ("0", "0")
            entry: dict[str, Any] = {
                "symbol": symbol,
                "bidPrice": bid[0],
                "bidQty": bid[1],
                "askPrice": ask[0],
                "askQty": ask[1],
            }
            if market == "usdm":
                entry["time"] = sim.now_ms()
            out.append(entry)
        return out[0] if params.get("symbol") else out

    def price(params: dict[str, str]) -> Any:
        symbols = [params["symbol"]] if params.get("symbol") else _all_symbols(sim, market)
        out = []
        for symbol in symbols:
            mark = exchange.symbol(market, symbol).mark_price()
            out.append({"symbol": symbol, "price": "0" if mark is None else f"{mark}"})
        return out[0] if params.get("symbol") else out

    routes = {
        "ping": ping,
        "time": server_time,
        "exchangeInfo": info,
        "depth": depth,
        "klines": klines,
        "trades": trades,
        "aggTrades": agg_trades,
        "ticker/24hr": ticker_24hr,
        "ticker/bookTicker": book_ticker,
        "ticker/price": price,
    }
    for name, endpoint in routes.items():
        add_endpoint(app, sim, "GET", f"{prefix}/{name}", endpoint)


def _all_symbols(sim: ExchangeSimulator, market: Market) -> list[str]:
    return [symbol for m, symbol in sim.exchange.symbols if m == market]


def _trade(trade: TradePrint, market: Market) -> dict[str, Any]:
    quote = f"{float(trade.price) * float(trade.quantity):.8f}"
    body: dict[str, Any] = {
        "id": trade.trade_id,
        "price": trade.price,
        "qty": trade.quantity,
        "quoteQty": quote,
        "time": trade.trade_ms,
        "isBuyerMaker": trade.buyer_is_maker,
    }
    if market == "spot":
        body["isBestMatch"] = True
    return body


def _agg_trade(trade: TradePrint) -> dict[str, Any]:
    return {
        "a": trade.trade_id,
        "p": trade.price,
        "q": trade.quantity,
        "f": trade.trade_id,
        "l": trade.trade_id,
        "T": trade.trade_ms,
        "m": trade.buyer_is_maker,
        "M": True,
    }


def _ticker(sim: ExchangeSimulator, market: Market, symbol: str) -> dict[str, Any]:
    exchange = sim.exchange
    state = exchange.symbol(market, symbol)
    now = sim.now_ms()
    rows = exchange.klines(market, symbol, state.bars.timeframe, now - DAY_MS, now, 10_000)
    if not rows:
        raise invalid_symbol()
    first, last = rows[0], rows[-1]
    high = max(r[2] for r in rows)
    low = min(r[3] for r in rows)
    volume = sum(r[5] for r in rows)
    quote = sum(r[7] for r in rows)
    _, bids, asks = exchange.depth_snapshot(market, symbol, 1)
    change = last[4] - first[1]
    body: dict[str, Any] = {
        "symbol": symbol,
        "priceChange": state.price_str(change),
        "priceChangePercent": f"{100 * change / first[1]:.3f}",
        "weightedAvgPrice": state.price_str(quote / volume if volume else last[4]),
        "lastPrice": state.price_str(last[4]),
        "lastQty": state.size_str(0.0),
        "openPrice": state.price_str(first[1]),
        "highPrice": state.price_str(high),
        "lowPrice": state.price_str(low),
        "volume": state.size_str(volume),
        "quoteVolume": f"{quote:.8f}",
        "openTime": first[0],
        "closeTime": now,
        "firstId": 0,
        "lastId": 0,
        "count": sum(r[8] for r in rows),
    }
    if market == "spot":
        body.update(
            {
                "prevClosePrice": state.price_str(first[1]),
                "bidPrice": bids[0][0] if bids else "0",
                "bidQty": bids[0][1] if bids else "0",
                "askPrice": asks[0][0] if asks else "0",
                "askQty": asks[0][1] if asks else "0",
            }
        )
    return body

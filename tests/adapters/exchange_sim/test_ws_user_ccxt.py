"""The simulator's user-data streams against the real ``ccxt.pro.binance`` client (async).

Spot user data comes over the WebSocket API (``userDataStream.subscribe.signature``), USD-M over
the listenKey stream. Each test arms its watchers first (research note G7), then walks an order
through create -> partial fill -> fill, and a second one through create -> cancel, checking that
what ccxt's ``watch_*`` caches hold equals the REST view and the simulator's ground truth.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import ccxt
import pytest
from tests.adapters.exchange_sim.ws_ccxt import T, advance, client, run

from colin.adapters.exchange_sim import ExchangeSimulator
from colin.adapters.exchange_sim.ws_faults import WsFaultRule


async def user_stream_live(exchange: Any, market: str) -> None:
    """Wait until the user-data stream a pending ``watch_*`` opened is live."""
    async with asyncio.timeout(T):
        if market == "spot":  # ccxt flags the subscription at once, then awaits the ack
            url = exchange.urls["api"]["ws"]["ws-api"]["spot"]
            while not (
                url in exchange.clients
                and "spot" in exchange.clients[url].subscriptions
                and "authenticate:signature:spot" not in exchange.clients[url].futures
            ):
                await asyncio.sleep(0.01)
            return
        # USD-M: the listenKey, then the stream's socket
        while not exchange.options.get("linear", {}).get("listenKey"):
            await asyncio.sleep(0.01)
        url = exchange.get_private_ws_url("linear", exchange.options["linear"]["listenKey"])
        while url not in exchange.clients or exchange.clients[url].closed():
            await asyncio.sleep(0.01)
        await exchange.clients[url].connected


class Watchers:
    """Keeps ``watch_orders``, ``watch_my_trades`` and ``watch_balance`` pending all the time."""

    def __init__(self, exchange: Any, symbol: str) -> None:
        self.exchange = exchange
        self.symbol = symbol
        self.statuses: dict[str, list[tuple[str, float]]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, market: str) -> None:
        ex = self.exchange
        self._tasks = [
            asyncio.ensure_future(self._loop(ex.watch_orders, self._record)),
            asyncio.ensure_future(self._loop(ex.watch_my_trades, None)),
            asyncio.ensure_future(self._loop(ex.watch_balance, None)),
        ]
        await user_stream_live(ex, market)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _loop(self, watch: Callable[[], Awaitable[Any]], record: Any) -> None:
        while True:
            result = await watch()
            if record is not None:
                record(result)

    def _record(self, orders: list[dict[str, Any]]) -> None:
        for order in orders:
            self.statuses.setdefault(order["id"], []).append((order["status"], order["filled"]))

    def order(self, order_id: str) -> dict[str, Any] | None:
        cache = self.exchange.orders
        return None if cache is None else cache.hashmap.get(self.symbol, {}).get(order_id)

    async def until(self, predicate: Callable[[], bool]) -> None:
        """Wait (bounded) until the watched caches satisfy ``predicate``."""
        async with asyncio.timeout(T):
            while not predicate():
                await asyncio.sleep(0.01)


async def lifecycle(sim: ExchangeSimulator, exchange: Any, market: str, symbol: str) -> Watchers:
    """Partial -> full fill of a marketable buy, then create -> cancel of a passive one."""
    watchers = Watchers(exchange, symbol)
    await watchers.start(market)
    book = await asyncio.wait_for(exchange.fetch_order_book(symbol, 5), T)
    bid, ask = book["bids"][0][0], book["asks"][0][0]
    sim.exchange.force_partial_fill(Decimal("0.5"))
    taker = await asyncio.wait_for(exchange.create_order(symbol, "limit", "buy", 0.02, ask), T)
    await watchers.until(lambda: (watchers.order(taker["id"]) or {}).get("filled") == 0.01)
    assert watchers.order(taker["id"])["status"] == "open"  # type: ignore[index]
    for _ in range(60):
        if (watchers.order(taker["id"]) or {}).get("status") == "closed":
            break
        await advance(sim, 5_000)
    await watchers.until(lambda: (watchers.order(taker["id"]) or {}).get("status") == "closed")
    passive = await asyncio.wait_for(
        exchange.create_order(symbol, "limit", "buy", 0.01, round(bid * 0.9, 1)), T
    )
    await watchers.until(lambda: watchers.order(passive["id"]) is not None)
    await asyncio.wait_for(exchange.cancel_order(passive["id"], symbol), T)
    await watchers.until(lambda: (watchers.order(passive["id"]) or {}).get("status") == "canceled")
    await asyncio.sleep(0.2)  # the account updates that follow the cancel
    await watchers.stop()
    assert watchers.statuses[taker["id"]][-1] == ("closed", 0.02)
    assert watchers.statuses[passive["id"]][-1] == ("canceled", 0.0)
    for order_id in (taker["id"], passive["id"]):
        rest = await asyncio.wait_for(exchange.fetch_order(order_id, symbol), T)
        streamed = watchers.order(order_id)
        assert streamed is not None
        for key in ("status", "filled", "amount", "price", "side", "clientOrderId"):
            assert streamed[key] == rest[key], key
        assert streamed["cost"] == pytest.approx(rest["cost"])
    fills = await asyncio.wait_for(exchange.fetch_my_trades(symbol), T)
    streamed_fills = {t["id"]: t for t in exchange.myTrades}
    assert len(fills) >= 2 and set(streamed_fills) == {t["id"] for t in fills}
    for fill in fills:
        mine = streamed_fills[fill["id"]]
        assert (mine["order"], mine["price"], mine["amount"]) == (
            fill["order"],
            fill["price"],
            fill["amount"],
        )
        assert mine["fee"]["cost"] == pytest.approx(fill["fee"]["cost"])
    return watchers


def test_spot_user_data_follows_an_order_lifecycle(sim: ExchangeSimulator) -> None:
    async def body(exchange: Any) -> None:
        await lifecycle(sim, exchange, "spot", "BTC/USDT")
        balance = exchange.balance["spot"]
        for asset, (free, locked) in sim.balances("spot").items():
            assert Decimal(str(balance[asset]["free"])) == free
            assert Decimal(str(balance[asset]["used"])) == locked

    run(sim, "spot", body)


def test_usdm_user_data_follows_an_order_lifecycle_and_the_position(
    sim: ExchangeSimulator,
) -> None:
    async def body(exchange: Any) -> None:
        positions = asyncio.ensure_future(exchange.watch_positions(["BTC/USDT:USDT"]))
        await lifecycle(sim, exchange, "usdm", "BTC/USDT:USDT")
        ((amount, entry),) = sim.positions().values()
        (position,) = exchange.positions["linear"].hashmap["BTC/USDT:USDT"].values()
        assert position["side"] == "long" and position["contracts"] == float(amount)
        assert Decimal(str(position["entryPrice"])) == entry
        free, locked = sim.balances("usdm")["USDT"]
        assert Decimal(str(exchange.balance["linear"]["USDT"]["total"])) == free + locked
        positions.cancel()

    run(sim, "usdm", body)


def test_spot_subscription_with_a_wrong_secret_is_refused(sim: ExchangeSimulator) -> None:
    async def body(exchange: Any) -> None:
        exchange.secret = "not-the-secret"
        # ccxt 4.5.90 maps the -1022 reply to AuthenticationError, then its own cleanup deletes
        # the subscription twice: the caller sees a KeyError raised while handling it
        with pytest.raises((ccxt.AuthenticationError, KeyError)) as raised:
            await asyncio.wait_for(exchange.watch_orders("BTC/USDT"), T)
        error = raised.value
        if isinstance(error, KeyError):
            error = error.__context__
        assert isinstance(error, ccxt.AuthenticationError)
        assert "Signature for this request is not valid." in str(error)

    run(sim, "spot", body)


def test_usdm_stream_refuses_unknown_and_expired_listen_keys(sim: ExchangeSimulator) -> None:
    async def body(exchange: Any) -> None:
        watch = asyncio.ensure_future(exchange.watch_orders("BTC/USDT:USDT"))
        await user_stream_live(exchange, "usdm")
        key = exchange.options["linear"]["listenKey"]
        url = exchange.get_private_ws_url("linear", key)
        await advance(sim, 61 * 60_000)  # the key was never kept alive: it has expired
        assert not sim.listen_keys.is_valid(key)
        await asyncio.wait_for(exchange.create_order("BTC/USDT:USDT", "market", "buy", 0.01), T)
        with pytest.raises(ccxt.NetworkError):  # listenKeyExpired, then the server closes
            await asyncio.wait_for(watch, T)
        assert url not in exchange.clients or exchange.clients[url].closed()
        stranger = client(sim, "usdm")
        stranger.options["linear"] = {"listenKey": "unknown", "lastAuthenticatedTime": 2**62}
        try:
            with pytest.raises(ccxt.NetworkError):
                await asyncio.wait_for(stranger.watch_orders("BTC/USDT:USDT"), T)
        finally:
            await asyncio.wait_for(stranger.close(), T)

    run(sim, "usdm", body)


@pytest.mark.parametrize("market", ["spot", "usdm"])
def test_a_dropped_user_stream_is_reconnected_by_the_next_watch(
    sim: ExchangeSimulator, market: str
) -> None:
    symbol = "BTC/USDT" if market == "spot" else "BTC/USDT:USDT"
    path = "/ws-api" if market == "spot" else "/fstream/private"

    async def body(exchange: Any) -> None:
        first = asyncio.ensure_future(exchange.watch_orders(symbol))
        await user_stream_live(exchange, market)
        sim.ws_faults.add(WsFaultRule("close", path=path, close_code=None))
        await asyncio.wait_for(exchange.create_order(symbol, "market", "buy", 0.01), T)
        with pytest.raises(ccxt.NetworkError):
            await asyncio.wait_for(first, T)
        second = asyncio.ensure_future(exchange.watch_orders(symbol))
        await user_stream_live(exchange, market)
        order = await asyncio.wait_for(exchange.create_order(symbol, "market", "buy", 0.01), T)
        seen = await asyncio.wait_for(second, T)
        assert order["id"] in {o["id"] for o in seen}

    run(sim, market, body)
    assert [record.kind for record in sim.ws_faults.log] == ["close"]


def test_spot_orders_over_the_websocket_api(sim: ExchangeSimulator) -> None:
    async def body(exchange: Any) -> None:
        book = await asyncio.wait_for(exchange.fetch_order_book("BTC/USDT", 5), T)
        bid = book["bids"][0][0]
        resting = await asyncio.wait_for(
            exchange.create_order_ws("BTC/USDT", "limit", "buy", 0.01, round(bid * 0.9, 2)), T
        )
        assert resting["status"] == "open" and resting["filled"] == 0
        status = await asyncio.wait_for(exchange.fetch_order_ws(resting["id"], "BTC/USDT"), T)
        assert (status["id"], status["status"]) == (resting["id"], "open")
        canceled = await asyncio.wait_for(exchange.cancel_order_ws(resting["id"], "BTC/USDT"), T)
        assert canceled["status"] == "canceled"
        taken = await asyncio.wait_for(
            exchange.create_order_ws("BTC/USDT", "market", "buy", 0.01), T
        )
        assert taken["status"] == "closed" and taken["filled"] == 0.01
        assert len(taken["trades"]) >= 1
        with pytest.raises(ccxt.InsufficientFunds):
            await asyncio.wait_for(exchange.create_order_ws("BTC/USDT", "market", "buy", 5), T)
        with pytest.raises(ccxt.OrderNotFound):
            await asyncio.wait_for(exchange.cancel_order_ws(resting["id"], "BTC/USDT"), T)
        truth = {o.order_id: o.status for o in sim.orders("spot", "BTCUSDT")}
        assert truth == {int(resting["id"]): "CANCELED", int(taken["id"]): "FILLED"}

    run(sim, "spot", body)


def test_reordered_execution_reports_leave_ccxt_with_the_older_state(
    sim: ExchangeSimulator,
) -> None:
    """A TRADE report before its NEW: ccxt keeps whichever came last, so a client must order
    reports itself (by cumulative quantity / event time) or confirm with a REST lookup."""

    async def body(exchange: Any) -> None:
        watchers = Watchers(exchange, "BTC/USDT")
        await watchers.start("spot")
        sim.ws_faults.add(WsFaultRule("reorder", path="/ws-api", stream="executionReport"))
        order = await asyncio.wait_for(exchange.create_order("BTC/USDT", "market", "buy", 0.01), T)

        def both_in() -> bool:  # the TRADE (a fill in myTrades), then the held-back NEW
            cached = watchers.order(order["id"]) or {}
            fills = [t for t in exchange.myTrades or [] if t["order"] == order["id"]]
            return bool(fills) and cached.get("status") == "open"

        await watchers.until(both_in)
        await watchers.stop()
        assert watchers.order(order["id"])["filled"] == 0.0  # type: ignore[index]
        rest = await asyncio.wait_for(exchange.fetch_order(order["id"], "BTC/USDT"), T)
        assert (rest["status"], rest["filled"]) == ("closed", 0.01)
        trades = [t for t in exchange.myTrades if t["order"] == order["id"]]
        assert sum(t["amount"] for t in trades) == pytest.approx(0.01)

    run(sim, "spot", body)
    assert [record.kind for record in sim.ws_faults.log] == ["reorder"]

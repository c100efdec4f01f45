"""The simulator's market-stream wire protocol and WebSocket faults, seen by a raw aiohttp client.

The exchange core is replaced by a stub that publishes hand-made events, so every frame the test
reads is known exactly. (The ccxt-level behaviour is in the other ``test_ws_*`` files.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from colin.adapters.exchange_sim.auth import Authenticator, sign
from colin.adapters.exchange_sim.events import (
    AccountUpdate,
    AssetBalance,
    DepthUpdate,
    ExchangeEvent,
    KlineUpdate,
    OrderSnapshot,
    OrderUpdate,
    PositionState,
    TradePrint,
)
from colin.adapters.exchange_sim.ws_connection import WsSettings
from colin.adapters.exchange_sim.ws_faults import WsFaultRule, WsFaults
from colin.adapters.exchange_sim.ws_routes import WS_GATEWAY, add_ws_routes

T = 5.0  # bound on every await
NOW = 1_700_000_000_000


class StubExchange:
    def __init__(self) -> None:
        self.callbacks: list[Callable[[ExchangeEvent], None]] = []
        self.top: tuple[list[tuple[str, str]], list[tuple[str, str]]] = ([], [])
        self.update_id = 100

    def subscribe(self, callback: Callable[[ExchangeEvent], None]) -> Callable[[], None]:
        self.callbacks.append(callback)
        return lambda: self.callbacks.remove(callback)

    def depth_snapshot(self, market: str, symbol: str, limit: int) -> Any:
        return self.update_id, self.top[0][:limit], self.top[1][:limit]

    def emit(self, event: ExchangeEvent) -> None:
        for callback in list(self.callbacks):
            callback(event)


class StubKeys:
    def __init__(self) -> None:
        self.valid = {"good-key"}

    def is_valid(self, key: str) -> bool:
        return key in self.valid


class StubSim:
    def __init__(self) -> None:
        self.exchange = StubExchange()
        self.ws_faults = WsFaults(seed=7)
        self.ws_settings = WsSettings()
        self.auth = Authenticator("key", "secret", self.now_ms)
        self.listen_keys = StubKeys()

    def now_ms(self) -> int:
        return NOW


@contextlib.asynccontextmanager
async def served(sim: StubSim) -> AsyncIterator[tuple[str, web.Application]]:
    app = web.Application()
    add_ws_routes(app, sim)  # type: ignore[arg-type]  # the stub takes no orders
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"ws://127.0.0.1:{port}", app
    finally:
        await asyncio.wait_for(runner.cleanup(), T)


def depth(market: str, first: int, last: int, prev: int) -> DepthUpdate:
    return DepthUpdate(market, "BTCUSDT", 1, first, last, prev, (("100.0", "1.5"),), ())  # type: ignore[arg-type]


def trade(market: str, trade_id: int) -> TradePrint:
    return TradePrint(market, "BTCUSDT", trade_id, "100.5", "0.25", 11, 12, True)  # type: ignore[arg-type]


async def recv(ws: aiohttp.ClientWebSocketResponse) -> Any:
    msg = await asyncio.wait_for(ws.receive(), T)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    return json.loads(msg.data)


async def subscribe(ws: aiohttp.ClientWebSocketResponse, *streams: str, rid: int = 1) -> None:
    await ws.send_json({"method": "SUBSCRIBE", "params": list(streams), "id": rid})
    assert await recv(ws) == {"result": None, "id": rid}


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_spot_streams_render_binance_frames_in_subscription_order() -> None:
    async def scenario() -> None:
        sim = StubSim()
        async with served(sim) as (base, _), aiohttp.ClientSession() as session:
            a = await session.ws_connect(f"{base}/stream/ws/0")
            b = await session.ws_connect(f"{base}/stream/ws/1")
            await subscribe(b, "btcusdt@depth@100ms")
            await subscribe(a, "btcusdt@depth", "btcusdt@trade", "btcusdt@kline_1m", rid=2)
            await a.send_json({"method": "LIST_SUBSCRIPTIONS", "id": 3})
            assert await recv(a) == {
                "result": ["btcusdt@depth", "btcusdt@trade", "btcusdt@kline_1m"],
                "id": 3,
            }
            sim.exchange.emit(depth("spot", 101, 102, 100))
            sim.exchange.emit(trade("spot", 9))
            kline = KlineUpdate(
                "spot", "BTCUSDT", "1m", 5, 0, 59_999, "1", "2", "0.5", "1.5",
                "10", "15", 3, "4", "6", False,
            )  # fmt: skip
            sim.exchange.emit(kline)
            sim.exchange.emit(depth("usdm", 1, 1, 0))  # another market: not on spot sockets
            expected_depth = {
                "e": "depthUpdate", "E": 1, "s": "BTCUSDT", "U": 101, "u": 102,
                "b": [["100.0", "1.5"]], "a": [],
            }  # fmt: skip
            assert await recv(b) == expected_depth
            assert await recv(a) == expected_depth
            assert await recv(a) == {
                "e": "trade", "E": 12, "s": "BTCUSDT", "t": 9, "p": "100.5", "q": "0.25",
                "T": 11, "m": True, "M": True,
            }  # fmt: skip
            frame = await recv(a)
            assert frame["e"] == "kline" and frame["k"]["i"] == "1m" and frame["k"]["x"] is False
            assert frame["k"]["o"] == "1" and frame["k"]["c"] == "1.5" and frame["k"]["n"] == 3
            await a.send_json({"method": "UNSUBSCRIBE", "params": ["btcusdt@trade"], "id": 4})
            assert await recv(a) == {"result": None, "id": 4}
            sim.exchange.emit(trade("spot", 10))
            sim.exchange.emit(depth("spot", 103, 103, 102))
            assert (await recv(a))["U"] == 103  # the trade was not sent

    run(scenario())


def test_usdm_depth_carries_pu_and_invalid_requests_get_code_2() -> None:
    async def scenario() -> None:
        sim = StubSim()
        async with served(sim) as (base, _), aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"{base}/fstream/public/ws/0")
            await ws.send_json({"method": "SUBSCRIBE", "params": ["btcusdt@nonsense"], "id": 5})
            assert await recv(ws) == {
                "error": {"code": 2, "msg": "Invalid request: invalid stream"},
                "id": 5,
            }
            await subscribe(ws, "btcusdt@depth@100ms", "btcusdt@aggTrade", "btcusdt@bookTicker")
            sim.exchange.top = ([("100.0", "1.5")], [("101.0", "2")])
            sim.exchange.emit(depth("usdm", 101, 103, 99))
            frame = await recv(ws)
            assert (frame["U"], frame["u"], frame["pu"], frame["T"]) == (101, 103, 99, 1)
            assert await recv(ws) == {
                "e": "bookTicker", "u": 100, "E": 1, "T": 1, "s": "BTCUSDT",
                "b": "100.0", "B": "1.5", "a": "101.0", "A": "2",
            }  # fmt: skip
            sim.exchange.emit(depth("usdm", 104, 104, 103))  # same top: no bookTicker
            sim.exchange.emit(trade("usdm", 4))
            assert (await recv(ws))["u"] == 104
            agg = await recv(ws)
            assert agg["e"] == "aggTrade" and (agg["a"], agg["f"], agg["l"]) == (4, 4, 4)

    run(scenario())


async def _fault_session(
    rule: WsFaultRule, n_events: int
) -> tuple[list[int], aiohttp.WSMessage | None, StubSim]:
    """Subscribe to spot depth, install ``rule``, emit diffs 1..n and collect the ``u`` seen."""
    sim = StubSim()
    seen: list[int] = []
    ending: aiohttp.WSMessage | None = None
    async with served(sim) as (base, _), aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{base}/stream/ws")
        await subscribe(ws, "btcusdt@depth@100ms")
        sim.ws_faults.add(rule)
        for u in range(1, n_events + 1):
            sim.exchange.emit(depth("spot", u, u, u - 1))
        while True:
            try:
                msg = await asyncio.wait_for(ws.receive(), 0.5)
            except TimeoutError:
                break
            if msg.type != aiohttp.WSMsgType.TEXT:
                ending = msg
                break
            frame = json.loads(msg.data)
            seen.append(frame.get("u", -1))
    return seen, ending, sim


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (WsFaultRule("drop", stream="@depth", after=1), [1, 3, 4]),
        (WsFaultRule("duplicate", after=2), [1, 2, 3, 3, 4]),
        (WsFaultRule("reorder", path="/stream"), [2, 1, 3, 4]),
        (WsFaultRule("drop", sticky=True, probability=0.5), [3]),  # seed 7: .32 .15 .65 .07
        (WsFaultRule("drop", path="/fstream"), [1, 2, 3, 4]),  # another route: no effect
        (WsFaultRule("stall", after=1, duration_s=None), [1]),
        (WsFaultRule("shutdown", after=3, duration_s=0.1), [1, 2, 3, -1, 4]),
    ],
)
def test_frame_faults(rule: WsFaultRule, expected: list[int]) -> None:
    seen, _, sim = run(_fault_session(rule, 4))
    assert seen == expected
    fired = expected != [1, 2, 3, 4]
    assert [r.kind for r in sim.ws_faults.log][:1] == ([rule.kind] if fired else [])


@pytest.mark.parametrize(("code", "expected_close"), [(1000, 1000), (1001, 1001), (None, None)])
def test_close_faults(code: int | None, expected_close: int | None) -> None:
    seen, ending, _ = run(_fault_session(WsFaultRule("close", after=2, close_code=code), 4))
    assert seen == [1, 2]
    assert ending is not None
    if expected_close is None:  # TCP reset: no close frame reaches the client
        assert ending.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    else:
        assert ending.type == aiohttp.WSMsgType.CLOSE and ending.data == expected_close


def test_delayed_ack_lets_data_arrive_first_and_no_pong_leaves_pings_unanswered() -> None:
    async def scenario() -> None:
        sim = StubSim()
        sim.ws_faults.add(WsFaultRule("delay_ack", duration_s=0.3))
        sim.ws_faults.add(WsFaultRule("no_pong", sticky=True))
        async with served(sim) as (base, _), aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"{base}/stream/ws", autoping=False)
            await ws.send_json({"method": "SUBSCRIBE", "params": ["btcusdt@trade"], "id": 1})
            await asyncio.sleep(0.05)
            sim.exchange.emit(trade("spot", 1))
            assert (await recv(ws))["e"] == "trade"
            assert await recv(ws) == {"result": None, "id": 1}
            await ws.ping(b"x")
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.receive(), 0.3)

    run(scenario())


def test_server_pings_and_closes_a_client_that_never_pongs() -> None:
    async def scenario() -> None:
        sim = StubSim()
        sim.ws_settings.ping_interval_s = 0.1
        sim.ws_settings.pong_timeout_s = 0.25
        async with served(sim) as (base, _), aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"{base}/stream/ws", autoping=False)
            kinds = []
            while True:
                msg = await asyncio.wait_for(ws.receive(), T)
                kinds.append(msg.type)
                if msg.type != aiohttp.WSMsgType.PING:
                    break
            assert kinds[:2] == [aiohttp.WSMsgType.PING, aiohttp.WSMsgType.PING]
            assert kinds[-1] == aiohttp.WSMsgType.CLOSE and msg.data == 1008

    run(scenario())


# -- user data ---------------------------------------------------------------------------------


def order_update(market: str, execution_type: str, status: str, filled: str) -> OrderUpdate:
    order = OrderSnapshot(
        market, "BTCUSDT", 42, "cid-1", "BUY", "LIMIT", "GTC", "100", "0", "2", filled,  # type: ignore[arg-type]
        str(100 * float(filled)), status, False, NOW - 5, NOW,
    )  # fmt: skip
    if execution_type != "TRADE":
        return OrderUpdate(order, execution_type, NOW)
    return OrderUpdate(order, "TRADE", NOW, "0.5", "100", "0.05", "USDT", 7, True, "1.5")


def signed(**params: Any) -> dict[str, Any]:
    """Sign like ccxt's ``sign_params``: key-sorted, raw ``k=v`` pairs."""
    payload = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    return params | {"signature": sign("secret", payload)}


def test_spot_websocket_api_subscriptions_and_user_events() -> None:
    async def scenario() -> None:
        sim = StubSim()
        async with served(sim) as (base, _), aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"{base}/ws-api/v3")
            bad = signed(apiKey="key", timestamp=NOW) | {"signature": "00"}
            await ws.send_json({"id": "a", "method": "userDataStream.subscribe.signature",
                                "params": bad})  # fmt: skip
            assert await recv(ws) == {
                "id": "a", "status": 400,
                "error": {"code": -1022, "msg": "Signature for this request is not valid."},
            }  # fmt: skip
            for request_id, expected in (("b", 0), ("c", 1)):
                params = signed(apiKey="key", recvWindow=5000, timestamp=NOW)
                await ws.send_json({"id": request_id, "params": params,
                                    "method": "userDataStream.subscribe.signature"})  # fmt: skip
                assert await recv(ws) == {
                    "id": request_id, "status": 200, "result": {"subscriptionId": expected},
                }  # fmt: skip
            await ws.send_json({"id": "d", "method": "userDataStream.unsubscribe",
                                "params": {"subscriptionId": 1}})  # fmt: skip
            assert await recv(ws) == {"id": "d", "status": 200, "result": {}}
            await ws.send_json({"id": "m", "method": "time", "params": ["not", "a", "dict"]})
            assert (await recv(ws))["error"]["code"] == -1100
            await ws.send_json({"id": "e", "method": "session.subscriptions"})
            assert await recv(ws) == {"id": "e", "status": 200, "result": [{"subscriptionId": 0}]}
            sim.exchange.emit(order_update("spot", "TRADE", "PARTIALLY_FILLED", "0.5"))
            sim.exchange.emit(order_update("usdm", "NEW", "NEW", "0"))  # not on the spot API
            balances = (AssetBalance("USDT", "950", "100"),)
            sim.exchange.emit(AccountUpdate("spot", NOW, "ORDER", balances))
            deposit = (AssetBalance("USDT", "1000.5", "100"),)
            sim.exchange.emit(AccountUpdate("spot", NOW + 1, "DEPOSIT", deposit))
            report = await recv(ws)
            assert report["subscriptionId"] == 0
            event = report["event"]
            assert {k: event[k] for k in "esScxXilzLnNtmwOZY"} == {
                "e": "executionReport", "s": "BTCUSDT", "S": "BUY", "c": "cid-1",
                "x": "TRADE", "X": "PARTIALLY_FILLED", "i": 42, "l": "0.5", "z": "0.5",
                "L": "100", "n": "0.05", "N": "USDT", "t": 7, "m": True, "w": True,
                "O": NOW - 5, "Z": "50.0", "Y": "50.0",
            }  # fmt: skip
            assert (await recv(ws))["event"] == {
                "e": "outboundAccountPosition", "E": NOW, "u": NOW,
                "B": [{"a": "USDT", "f": "950", "l": "100"}],
            }  # fmt: skip
            assert (await recv(ws))["event"] == {
                "e": "balanceUpdate", "E": NOW + 1, "a": "USDT", "d": "50.5", "T": NOW + 1,
            }  # fmt: skip
            assert (await recv(ws))["event"]["B"] == [{"a": "USDT", "f": "1000.5", "l": "100"}]
            sim.ws_faults.add(WsFaultRule("shutdown", path="/ws-api", duration_s=0.05))
            sim.exchange.emit(order_update("spot", "CANCELED", "CANCELED", "0.5"))
            assert await recv(ws) == {"event": {"e": "serverShutdown", "E": NOW}}
            assert (await recv(ws))["event"]["x"] == "CANCELED"
            closing = await asyncio.wait_for(ws.receive(), T)
            assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 1001

    run(scenario())


def test_usdm_listen_key_stream_frames_expiry_and_refusal() -> None:
    async def scenario() -> None:
        sim = StubSim()
        async with served(sim) as (base, _), aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(f"{base}/fstream/private/ws?listenKey=nope")
            assert refused.value.status == 400
            ws = await session.ws_connect(f"{base}/fstream/private/ws?listenKey=good-key")
            await asyncio.sleep(0.05)
            sim.exchange.emit(order_update("usdm", "TRADE", "PARTIALLY_FILLED", "0.5"))
            position = (PositionState("BTCUSDT", "0.5", "100", "0.2"),)
            balances = (AssetBalance("USDT", "990", "5"),)
            sim.exchange.emit(AccountUpdate("usdm", NOW, "ORDER", balances, position))
            update = await recv(ws)
            assert update["e"] == "ORDER_TRADE_UPDATE" and update["T"] == NOW
            body = update["o"]
            keys = ("x", "X", "i", "l", "z", "L", "ap", "n", "N", "rp", "ps")
            assert {k: body[k] for k in keys} == {
                "x": "TRADE", "X": "PARTIALLY_FILLED", "i": 42, "l": "0.5", "z": "0.5",
                "L": "100", "ap": "100", "n": "0.05", "N": "USDT", "rp": "1.5", "ps": "BOTH",
            }  # fmt: skip
            account = await recv(ws)
            assert account["a"]["B"] == [{"a": "USDT", "wb": "995", "cw": "995", "bc": "0"}]
            (row,) = account["a"]["P"]
            assert (row["s"], row["pa"], row["ep"], row["up"]) == ("BTCUSDT", "0.5", "100", "0.2")
            sim.listen_keys.valid.clear()
            sim.exchange.emit(order_update("usdm", "CANCELED", "CANCELED", "0.5"))
            assert await recv(ws) == {"e": "listenKeyExpired", "E": NOW, "listenKey": "good-key"}
            closing = await asyncio.wait_for(ws.receive(), T)
            assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 1000

    run(scenario())


def test_subscribed_names_the_streams_of_open_connections_per_market() -> None:
    async def scenario() -> None:
        sim = StubSim()
        async with served(sim) as (base, app), aiohttp.ClientSession() as session:
            market = app[WS_GATEWAY].market
            a = await session.ws_connect(f"{base}/stream/ws/0")
            assert market.subscribed("spot") == frozenset()
            await subscribe(a, "btcusdt@trade", "btcusdt@depth@100ms")
            assert market.subscribed("spot") == {"btcusdt@trade", "btcusdt@depth@100ms"}
            assert market.subscribed("usdm") == frozenset()
            await a.send_json({"method": "UNSUBSCRIBE", "params": ["btcusdt@trade"], "id": 2})
            assert await recv(a) == {"result": None, "id": 2}
            assert market.subscribed("spot") == {"btcusdt@depth@100ms"}
            await a.close()
            async with asyncio.timeout(T):
                while market.subscribed("spot"):
                    await asyncio.sleep(0.01)

    run(scenario())

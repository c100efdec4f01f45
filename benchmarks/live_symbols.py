"""How many symbols one paper node follows: the third part of the live-trading benchmark.

A realtime simulator with S symbols runs in one process, a paper
:class:`~colin.node.trading.TradingNode` subscribed to ``kline_1m`` and the L2 book of every
symbol (through ccxt, :class:`~colin.node.exchange_feed.ExchangeFeed`) in another, so the CPU
measured (``time.process_time`` of the node's process) is the node's alone. The baseline is the
bare ccxt client following the same streams (``watch_ohlcv`` and ``watch_order_book`` loops) in a
process of its own against the same simulator.

Lags of book updates are measured twice: inside the follower (ccxt's receipt of the depth frame
to the strategy, or the ``watch_order_book`` loop, seeing the book) and from the simulator's
event time (which adds the simulator's 50 ms replay tick and its own delays).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any

import ccxt

from colin.adapters.ccxt.capabilities import capabilities_for
from colin.adapters.ccxt.exchange_factory import create_exchange
from colin.adapters.ccxt.symbols import instrument_from_market, to_ccxt_symbol
from colin.core.ids import InstrumentId
from colin.model.book import OrderBook
from colin.node.exchange_feed import ExchangeFeed
from colin.node.live_config import TradingNodeConfig
from colin.node.trading import TradingNode
from colin.persistence.sql import create_store
from colin.strategy.params import StrategyParams
from colin.strategy.strategy import Strategy
from live_sim_process import SimProcess, SimSpec, percentiles, symbol_ids

WARMUP_S = 60.0
SETTLE_S = 1.0


class FollowParams(StrategyParams):
    """Parameters of :class:`FollowAll`."""

    instrument_ids: list[str]


class FollowProbe:
    """Frames counted and depth diffs timestamped at ccxt's WebSocket handler; the lags of the
    book updates the follower sees."""

    def __init__(self, event_wall_ns: Callable[[int], int]) -> None:
        self.event_wall_ns = event_wall_ns
        self.measuring = False
        self.following: set[str] = set()
        self.frames = {"depthUpdate": 0, "kline": 0}
        self.received: dict[tuple[str, int], int] = {}
        self.wire_lags: list[int] = []
        self.follower_lags: list[int] = []
        self.total_lags: list[int] = []

    def watch(self, exchange: Any) -> None:
        """Wrap ``exchange``'s WebSocket message handler."""
        original = exchange.handle_message

        def handle_message(client: Any, message: Any) -> Any:
            payload = message.get("data", message) if isinstance(message, dict) else None
            event = payload.get("e") if isinstance(payload, dict) else None
            if self.measuring and payload is not None and event in self.frames:
                self.frames[event] += 1
                if event == "depthUpdate":
                    self.received[(payload["s"], payload["u"])] = time.perf_counter_ns()
                    self.wire_lags.append(time.time_ns() - self.event_wall_ns(payload["E"]))
            return original(client, message)

        exchange.handle_message = handle_message

    def seen(self, venue_symbol: str, update_id: int, event_ms: int) -> None:
        """A book update reached the follower: note the symbol as followed, and the lags."""
        self.following.add(venue_symbol)
        if not self.measuring:
            return
        self.total_lags.append(time.time_ns() - self.event_wall_ns(event_ms))
        received = self.received.get((venue_symbol, update_id))
        if received is not None:
            self.follower_lags.append(time.perf_counter_ns() - received)


class FollowAll(Strategy):
    """Subscribes to the 1m bars and the book of every instrument; hands books to the probe."""

    name = "follow_all"
    Params = FollowParams
    params: FollowParams

    def __init__(self, instrument_ids: list[str], probe: FollowProbe) -> None:
        super().__init__({"instrument_ids": instrument_ids})
        self.probe = probe

    def on_start(self) -> None:
        """Subscribe to everything."""
        for iid in self.params.instrument_ids:
            self.subscribe_bars(iid, "1m")
            self.subscribe_order_book(iid)

    def on_order_book(self, book: OrderBook) -> None:
        """Report the update to the probe."""
        symbol = book.instrument_id.symbol.replace("/", "")
        self.probe.seen(symbol, book.last_update_id, book.ts_event // 1_000_000)


async def measure(
    probe: FollowProbe, symbols: int, warmup_s: float, seconds: float,
    window: Callable[[str], None],
) -> dict[str, Any]:  # fmt: skip
    """Wait until every symbol's book arrived (at most ``warmup_s``), then measure."""
    started = time.monotonic()
    while len(probe.following) < symbols and time.monotonic() < started + warmup_s:
        await asyncio.sleep(0.1)
    ready_s = time.monotonic() - started
    following = len(probe.following)
    await asyncio.sleep(SETTLE_S)
    probe.measuring = True
    window("start")
    cpu0, wall0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    window("end")
    probe.measuring = False
    messages = sum(probe.frames.values())
    return {
        "symbols": symbols,
        "following": following,
        "ready_s": ready_s,
        "cpu_share": cpu / wall,
        "messages_per_s": messages / wall,
        "depth_per_s": probe.frames["depthUpdate"] / wall,
        "cpu_us_per_message": cpu / max(messages, 1) * 1e6,
        "lag_in_follower": percentiles(probe.follower_lags),
        "lag_from_event": percentiles(probe.total_lags),
        "lag_to_ccxt": percentiles(probe.wire_lags),
    }


async def follow_with_node(
    hello: dict[str, Any], ids: list[str], probe: FollowProbe,
    measure_window: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:  # fmt: skip
    """A paper node with :class:`FollowAll` on ``kline_1m`` and the books of ``ids``."""
    config = TradingNodeConfig.model_validate(
        {
            "mode": "paper",
            "instruments": ids,
            "data": ["bars", "book"],
            "stale_feed": {"enabled": False},
            "ccxt_overrides": hello["ccxt"],
            "starting_balances": {"USDT": 10_000},
        }
    )
    data = create_exchange("binance", "spot", overrides=hello["ccxt"])
    probe.watch(data)
    await data.load_markets()
    instruments = [
        instrument_from_market(data.market(to_ccxt_symbol(InstrumentId(i))), "BINANCE", 0)
        for i in ids
    ]
    feed = ExchangeFeed(data, capabilities_for("binance", "spot"), ids, "1m", ["bars", "book"])
    store = create_store("sqlite:///:memory:")
    node = TradingNode(config, instruments, feed, store, strategies=[FollowAll(ids, probe)])
    running = asyncio.create_task(node.run(install_signal_handlers=False))
    try:
        result = await measure_window()
        client = feed.client
        restarts = sum(s.reconnects for s in client.streams.values()) if client else 0
    finally:
        node.request_stop("benchmark over")
        await asyncio.wait_for(running, 60)
    return result | {"stream_restarts": restarts}


async def follow_with_ccxt(
    hello: dict[str, Any], ids: list[str], probe: FollowProbe,
    measure_window: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:  # fmt: skip
    """The baseline: bare ``watch_ohlcv`` and ``watch_order_book`` loops, no Colin engine."""
    data = create_exchange("binance", "spot", overrides=hello["ccxt"])
    probe.watch(data)
    await data.load_markets()
    restarts = 0

    async def loop(watch: Callable[[], Awaitable[Any]], seen: Callable[[Any], None]) -> None:
        nonlocal restarts
        while True:
            try:
                seen(await watch())
            except ccxt.OperationFailed:  # as the data client: watch again after a pause
                restarts += 1
                await asyncio.sleep(0.1)

    def watch_bars(symbol: str) -> Callable[[], Awaitable[Any]]:
        return lambda: data.watch_ohlcv(symbol, "1m")

    def watch_book(symbol: str) -> Callable[[], Awaitable[Any]]:
        return lambda: data.watch_order_book(symbol)

    def book_seen(symbol: str) -> Callable[[Any], None]:
        venue_symbol = symbol.replace("/", "")
        return lambda book: probe.seen(venue_symbol, book["nonce"], book["timestamp"])

    tasks = []
    for iid in ids:
        symbol = to_ccxt_symbol(InstrumentId(iid))
        tasks.append(loop(watch_bars(symbol), lambda _rows: None))
        tasks.append(loop(watch_book(symbol), book_seen(symbol)))
    running = [asyncio.create_task(task) for task in tasks]
    try:
        result = await measure_window()
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await data.close()
    return result | {"stream_restarts": restarts}


def _follow(
    conn: Connection, hello: dict[str, Any], spec: SimSpec, who: str, seconds: float
) -> None:
    """Child process: follow every symbol with the node or bare ccxt, telling the parent when
    the measurement starts and ends, then send the result."""
    ids = [str(i) for i in symbol_ids(spec.symbols)]
    wall_ns: int = hello["wall_ns"]
    sim_ms: int = hello["sim_ms"]

    def event_wall_ns(event_ms: int) -> int:
        return wall_ns + int((event_ms - sim_ms) * 1_000_000 / spec.speed)

    probe = FollowProbe(event_wall_ns)
    follow = follow_with_node if who == "node" else follow_with_ccxt

    async def run() -> dict[str, Any]:
        return await follow(
            hello, ids, probe, lambda: measure(probe, len(ids), WARMUP_S, seconds, conn.send)
        )

    conn.send(asyncio.run(run()))


def symbols_on_one_core(symbols: int, speed: float, seconds: float) -> dict[str, Any]:
    """A realtime simulator with ``symbols`` pairs followed by bare ccxt, then by a paper node,
    each in a process of its own."""
    spec = SimSpec(symbols=symbols, clock="realtime", speed=speed)
    context = mp.get_context("spawn")
    out: dict[str, Any] = {"symbols": symbols, "speed": speed}
    with SimProcess(spec) as sim:
        hello = {"ccxt": sim.ccxt, "sim_ms": sim.sim_ms, "wall_ns": sim.wall_ns}
        for who in ("ccxt", "node"):
            conn, child = context.Pipe()
            follower = context.Process(target=_follow, args=(child, hello, spec, who, seconds))
            follower.start()
            result: dict[str, Any] = {}
            simulator_cpu = float("nan")
            while conn.poll(WARMUP_S + seconds + 60):
                message = conn.recv()
                if message == "start":
                    sim.mark()
                elif message == "end":
                    simulator_cpu = sim.report()
                else:
                    result = message
                    break
            follower.join(30)
            out[who] = result | {"simulator_cpu_share": simulator_cpu}
    return out

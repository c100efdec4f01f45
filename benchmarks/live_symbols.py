"""How many symbols one paper node follows: the third part of the live-trading benchmark.

A realtime simulator with S symbols runs in one process, a paper
:class:`~colin.node.trading.TradingNode` subscribed to ``kline_1m`` and the L2 book of every
symbol (through ccxt, :class:`~colin.node.exchange_feed.ExchangeFeed`) in another, so the CPU
measured (``time.process_time`` of the node's process) is the node's alone. Lags of book updates
are measured twice: inside the node (ccxt's receipt of the depth frame to the strategy seeing the
book) and from the simulator's event time (which includes the simulator's 50 ms replay tick).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from colin.adapters.ccxt.capabilities import capabilities_for
from colin.adapters.ccxt.exchange_factory import create_exchange
from colin.adapters.ccxt.symbols import instrument_from_market, to_ccxt_symbol
from colin.core.ids import InstrumentId
from colin.model.book import OrderBook
from colin.model.data import Bar
from colin.node.exchange_feed import ExchangeFeed
from colin.node.live_config import TradingNodeConfig
from colin.node.trading import TradingNode
from colin.persistence.sql import create_store
from colin.strategy.params import StrategyParams
from colin.strategy.strategy import Strategy
from live_sim_process import SimProcess, SimSpec, percentiles, symbol_ids

WARMUP_S = 60.0


class FollowParams(StrategyParams):
    """Parameters of :class:`FollowAll`."""

    instrument_ids: list[str]


class FollowProbe:
    """Receipt of depth frames at ccxt, and lags of the books the strategy sees."""

    def __init__(self, event_wall_ns: Callable[[int], int]) -> None:
        self.event_wall_ns = event_wall_ns
        self.measuring = False
        self.frames = {"depthUpdate": 0, "kline": 0}
        self.received: dict[tuple[str, int], int] = {}
        self.wire_lags: list[int] = []
        self.node_lags: list[int] = []
        self.total_lags: list[int] = []

    def watch(self, exchange: Any) -> None:
        """Count frames and timestamp depth diffs at ccxt's WebSocket handler."""
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

    def book_seen(self, book: OrderBook) -> None:
        """Lag of a book update: from the simulator's event time, and from ccxt's receipt."""
        if not self.measuring:
            return
        self.total_lags.append(time.time_ns() - self.event_wall_ns(book.ts_event // 1_000_000))
        venue_symbol = book.instrument_id.symbol.replace("/", "")
        received = self.received.get((venue_symbol, book.last_update_id))
        if received is not None:
            self.node_lags.append(time.perf_counter_ns() - received)


class FollowAll(Strategy):
    """Subscribes to the 1m bars and the book of every instrument; hands books to the probe."""

    name = "follow_all"
    Params = FollowParams
    params: FollowParams

    def __init__(self, instrument_ids: list[str], probe: FollowProbe) -> None:
        super().__init__({"instrument_ids": instrument_ids})
        self.probe = probe
        self.seen: set[InstrumentId] = set()
        self.bars = 0

    def on_start(self) -> None:
        """Subscribe to everything."""
        for iid in self.params.instrument_ids:
            self.subscribe_bars(iid, "1m")
            self.subscribe_order_book(iid)

    def on_bar(self, bar: Bar) -> None:
        """Count a closed bar."""
        self.bars += 1

    def on_order_book(self, book: OrderBook) -> None:
        """Note the instrument as followed, and the update's lag."""
        self.seen.add(book.instrument_id)
        self.probe.book_seen(book)


async def follow_symbols(
    hello: dict[str, Any],
    spec: SimSpec,
    warmup_s: float,
    seconds: float,
    window: Callable[[str], None],
) -> dict[str, Any]:
    """A paper node following ``kline_1m`` and the book of every symbol for ``seconds``;
    ``window`` is told when the measurement starts and ends."""
    ids = [str(i) for i in symbol_ids(spec.symbols)]
    ccxt_config = hello["ccxt"]

    wall_ns: int = hello["wall_ns"]
    sim_ms: int = hello["sim_ms"]

    def event_wall_ns(event_ms: int) -> int:
        return wall_ns + int((event_ms - sim_ms) * 1_000_000 / spec.speed)

    config = TradingNodeConfig.model_validate(
        {
            "mode": "paper",
            "instruments": ids,
            "data": ["bars", "book"],
            "stale_feed": {"enabled": False},
            "ccxt_overrides": ccxt_config,
            "starting_balances": {"USDT": 10_000},
        }
    )
    data = create_exchange("binance", "spot", overrides=ccxt_config)
    probe = FollowProbe(event_wall_ns)
    probe.watch(data)
    await data.load_markets()
    instruments = [
        instrument_from_market(data.market(to_ccxt_symbol(InstrumentId(i))), "BINANCE", 0)
        for i in ids
    ]
    feed = ExchangeFeed(data, capabilities_for("binance", "spot"), ids, "1m", ["bars", "book"])
    strategy = FollowAll(ids, probe)
    node = TradingNode(config, instruments, feed, create_store("sqlite:///:memory:"),
                       strategies=[strategy])  # fmt: skip
    running = asyncio.create_task(node.run(install_signal_handlers=False))
    started = time.monotonic()
    try:
        while len(strategy.seen) < len(ids) and time.monotonic() < started + warmup_s:
            await asyncio.sleep(0.1)
        ready_s = time.monotonic() - started
        following = len(strategy.seen)
        await asyncio.sleep(1.0)
        bars0 = strategy.bars
        probe.measuring = True
        window("start")
        cpu0, wall0 = time.process_time(), time.monotonic()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        window("end")
        probe.measuring = False
        restarts = sum(s.reconnects for s in feed.client.streams.values()) if feed.client else 0
    finally:
        node.request_stop("benchmark over")
        await asyncio.wait_for(running, 60)
    messages = sum(probe.frames.values())
    return {
        "symbols": len(ids),
        "following": following,
        "ready_s": ready_s,
        "stream_restarts": restarts,
        "node_cpu_share": cpu / wall,
        "messages_per_s": messages / wall,
        "depth_per_s": probe.frames["depthUpdate"] / wall,
        "bars_per_s": (strategy.bars - bars0) / wall,
        "cpu_us_per_message": cpu / max(messages, 1) * 1e6,
        "lag_in_node": percentiles(probe.node_lags),
        "lag_from_event": percentiles(probe.total_lags),
        "lag_to_ccxt": percentiles(probe.wire_lags),
    }


def _follow(
    conn: Connection, hello: dict[str, Any], spec: SimSpec, warmup_s: float, seconds: float
) -> None:
    """Child process: run :func:`follow_symbols`, telling the parent when it measures."""
    result = asyncio.run(follow_symbols(hello, spec, warmup_s, seconds, conn.send))
    conn.send(result)


def symbols_on_one_core(symbols: int, speed: float, seconds: float) -> dict[str, Any]:
    """A realtime simulator with ``symbols`` pairs and a paper node, each in its own process."""
    spec = SimSpec(symbols=symbols, clock="realtime", speed=speed)
    context = mp.get_context("spawn")
    with SimProcess(spec) as sim:
        hello = {"ccxt": sim.ccxt, "sim_ms": sim.sim_ms, "wall_ns": sim.wall_ns}
        conn, child = context.Pipe()
        node = context.Process(target=_follow, args=(child, hello, spec, 60.0, seconds))
        node.start()
        result: dict[str, Any] = {}
        simulator_cpu = float("nan")
        while conn.poll(seconds + 120):
            message = conn.recv()
            if message == "start":
                sim.mark()
            elif message == "end":
                simulator_cpu = sim.report()
            else:
                result = message
                break
        node.join(30)
    return result | {"simulator_cpu_share": simulator_cpu, "speed": speed}

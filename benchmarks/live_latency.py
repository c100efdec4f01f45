"""Tick-to-order latency of the live-trading benchmark: market message in, order request out.

A message is timestamped when ccxt's WebSocket handler receives it (the data exchange's
``handle_message``), an order when ccxt issues its HTTP request (the order exchange's ``fetch``),
both with ``time.perf_counter_ns``; the order's client id ties it to the message it answers
(:class:`WireProbe`). Every answer is an IOC buy of spot BTC/USDT 2% under the market (it
expires unfilled). Two kinds of path answer each message of the streams they follow:

- the bare ccxt path: ``watch_*`` loops calling ``create_order`` at once (the baseline);
- a live :class:`~colin.node.trading.TradingNode`: data client, data engine, strategy, risk
  engine, execution engine with its write-ahead journal, ccxt execution client.

:data:`PATHS` measures both on trades, 1m klines and book diffs together (a simulator step sends
one of each at once, so the later ones of a step wait for the earlier ones' orders) and on
trades alone (one message, one order), the node with its journal on disk (at the node's default
durability, ``normal``, and at ``full``: one fsync per order) and in memory. The
stepped simulator moves five simulated seconds at a time; the next step waits until every order
is answered and nothing has arrived for ``QUIET_S``, so no step queues behind the previous one.
The simulator process runs on a CPU of its own, this process on the others (:func:`pinned`).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from colin.adapters.ccxt.capabilities import capabilities_for
from colin.adapters.ccxt.exchange_factory import create_exchange
from colin.adapters.ccxt.symbols import instrument_from_market, to_ccxt_symbol
from colin.model.book import OrderBook
from colin.model.data import Bar, TradeTick
from colin.model.enums import OrderSide, TimeInForce
from colin.node.event_loop import EventLoopKind, run_on_loop
from colin.node.exchange_feed import ExchangeFeed
from colin.node.launch import JOURNAL_CHECKPOINT_INTERVAL_S
from colin.node.live_config import TradingNodeConfig
from colin.node.trading import TradingNode
from colin.persistence.sql import create_store
from colin.strategy.params import StrategyParams
from colin.strategy.strategy import Strategy
from live_probe import KINDS, WireProbe
from live_sim_process import SPOT, SimProcess, SimSpec, percentiles, split_cpus

STEP_MS = 5_000  # one simulated step: about one point of a bar's synthesized path
QUIET_S = 0.01  # a step is over when nothing arrived for this long and every order is done
WARMUP_ORDERS = 30
STREAMS = ("trades", "bars", "book")
QTY = Decimal("0.001")
BELOW = Decimal("0.98")  # IOC buys 2% under the market expire unfilled
RISK = {  # what live mode requires, loose enough that every order passes
    "max_order_notional": 1_000,
    "max_position_notional": 20_000,
    "price_band_pct": 0.05,
    "self_trade_prevention": False,
}


class AnswerParams(StrategyParams):
    """Parameters of :class:`AnswerEveryMessage`."""

    instrument_id: str
    streams: list[str]


class AnswerEveryMessage(Strategy):
    """Answers every trade, closed bar and book update with an IOC buy 2% under the market."""

    name = "answer_every_message"
    Params = AnswerParams
    params: AnswerParams

    def __init__(self, probe: WireProbe, instrument_id: str, streams: Sequence[str]) -> None:
        super().__init__({"instrument_id": instrument_id, "streams": list(streams)})
        self.probe = probe

    def on_start(self) -> None:
        """Subscribe to the streams asked for: trades, 1m bars, the book."""
        iid, streams = self.params.instrument_id, self.params.streams
        if "trades" in streams:
            self.subscribe_trade_ticks(iid)
        if "bars" in streams:
            self.subscribe_bars(iid, "1m")
        if "book" in streams:
            self.subscribe_order_book(iid)

    def on_trade_tick(self, trade: TradeTick) -> None:
        """Answer a trade."""
        self._answer(("trade", trade.trade_id), trade.price)

    def on_bar(self, bar: Bar) -> None:
        """Answer a closed bar (caused by the first kline of the next bar)."""
        self._answer(("bar", str(bar.ts_event // 1_000_000)), bar.close)

    def on_order_book(self, book: OrderBook) -> None:
        """Answer a book update."""
        bid = book.best_bid_price()
        if bid is not None:
            self._answer(("book", str(book.last_update_id)), bid)

    def _answer(self, key: tuple[str, str], price: float) -> None:
        seen = time.perf_counter_ns()
        limit = Decimal(str(price)) * BELOW
        iid = self.params.instrument_id
        order = self.submit_limit(iid, OrderSide.BUY, QTY, limit, time_in_force=TimeInForce.IOC)
        client_id = str(order.client_order_id)
        self.probe.decided[client_id] = (seen, time.perf_counter_ns())
        self.probe.cause[client_id] = key


async def drive(
    sim: SimProcess, probe: WireProbe, idle: Callable[[], bool], until: Callable[[], bool],
    limit_s: float,
) -> None:  # fmt: skip
    """Step the simulator until ``until()``; a step ends once ``idle()``, every order is
    answered and nothing arrived for ``QUIET_S``."""
    deadline = time.monotonic() + limit_s
    while not until() and time.monotonic() < deadline:
        start = time.perf_counter_ns()
        probe.step += 1
        sim.advance(STEP_MS)
        while True:
            await asyncio.sleep(0.002)
            now = time.perf_counter_ns()
            started = probe.last_activity_ns > start or now - start > 100_000_000
            quiet = now - probe.last_activity_ns > QUIET_S * 1e9
            if started and quiet and probe.answered >= len(probe.sent) and idle():
                break


async def measure(
    sim: SimProcess, probe: WireProbe, idle: Callable[[], bool], orders: int, limit_s: float
) -> None:
    """Warm up (streams subscribed, first orders out), forget it, then measure ``orders``."""
    await drive(sim, probe, idle, lambda: len(probe.sent) >= WARMUP_ORDERS, limit_s)
    probe.reset()
    await drive(sim, probe, idle, lambda: len(probe.sent) >= orders, limit_s)


async def bare_ccxt_path(
    sim: SimProcess, probe: WireProbe, streams: Sequence[str], orders: int, limit_s: float
) -> dict[str, int]:
    """The baseline: ccxt ``watch_*`` loops answering each message with ``create_order``."""
    data = create_exchange("binance", "spot", overrides=sim.ccxt)
    trader = create_exchange("binance", "spot", overrides=sim.ccxt)
    probe.watch(data)
    probe.wire(trader)
    await asyncio.gather(data.load_markets(), trader.load_markets())
    symbol = to_ccxt_symbol(SPOT)
    pending: set[asyncio.Task[Any]] = set()
    outcomes: Counter[str] = Counter()

    def finished(task: asyncio.Task[Any]) -> None:
        pending.discard(task)
        error = None if task.cancelled() else task.exception()
        outcomes[type(error).__name__ if error else str(task.result().get("status"))] += 1

    serial = iter(range(10**9))

    def answer(key: tuple[str, str], price: float) -> None:
        seen = time.perf_counter_ns()
        client_id = f"bare-{next(serial)}"
        params = {"clientOrderId": client_id, "timeInForce": "IOC"}
        limit = price * float(BELOW)
        task = asyncio.create_task(
            trader.create_order(symbol, "limit", "buy", 0.001, limit, params)
        )
        pending.add(task)
        task.add_done_callback(finished)
        probe.decided[client_id] = (seen, time.perf_counter_ns())
        probe.cause[client_id] = key

    async def trades() -> None:
        seen: set[str] = set()
        while True:
            for trade in await data.watch_trades(symbol):
                if trade["id"] not in seen:
                    seen.add(trade["id"])
                    answer(("trade", str(trade["id"])), trade["price"])

    async def bars() -> None:
        newest = None
        while True:
            rows = await data.watch_ohlcv(symbol, "1m")
            if newest is not None and rows[-1][0] > newest:
                answer(("bar", str(rows[-1][0])), rows[-2][4] if len(rows) > 1 else rows[-1][1])
            newest = rows[-1][0]

    async def book() -> None:
        while True:
            snapshot = await data.watch_order_book(symbol)
            if snapshot["bids"]:
                answer(("book", str(snapshot["nonce"])), snapshot["bids"][0][0])

    loops = {"trades": trades, "bars": bars, "book": book}
    watchers = [asyncio.create_task(loops[name]()) for name in streams]
    try:
        await measure(sim, probe, lambda: not pending, orders, limit_s)
    finally:
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, *pending, return_exceptions=True)
        await asyncio.gather(data.close(), trader.close())
    return dict(outcomes)


async def colin_path(
    sim: SimProcess,
    probe: WireProbe,
    streams: Sequence[str],
    orders: int,
    store_url: str,
    limit_s: float,
    durability: str | None = None,
) -> dict[str, int]:
    """A live node trading :class:`AnswerEveryMessage` through ccxt against ``sim``; returns
    how its orders ended. ``durability`` overrides the node config's ``store_durability``."""
    config = TradingNodeConfig.model_validate(
        {
            "mode": "live",
            **({} if durability is None else {"store_durability": durability}),
            "instruments": [str(SPOT)],
            "data": list(streams),
            "risk": RISK,
            "reconcile": {"interval_s": 3600},
            "stale_feed": {"enabled": False},
            "ccxt_overrides": sim.ccxt,
        }
    )
    data = create_exchange("binance", "spot", overrides=sim.ccxt)
    trader = create_exchange("binance", "spot", overrides=sim.ccxt)
    probe.watch(data)
    probe.wire(trader)
    await data.load_markets()
    instrument = instrument_from_market(data.market("BTC/USDT"), "BINANCE", data.precisionMode)
    capabilities = capabilities_for("binance", "spot")
    feed = ExchangeFeed(data, capabilities, [str(SPOT)], "1m", list(streams))
    strategy = AnswerEveryMessage(probe, str(SPOT), streams)
    store = create_store(
        store_url,
        durability=config.store_durability,
        checkpoint_interval_s=JOURNAL_CHECKPOINT_INTERVAL_S,
    )
    node = TradingNode(config, [instrument], feed, store, exchange=trader, strategies=[strategy])
    running = asyncio.create_task(node.run(install_signal_handlers=False))
    try:
        await measure(sim, probe, lambda: not node.cache.orders_open(), orders, limit_s)
    finally:
        node.request_stop("benchmark over")
        await asyncio.wait_for(running, 60)
    return dict(Counter(order.status.name.lower() for order in node.cache.orders()))


@dataclass(frozen=True)
class LatencyPath:
    """One measured configuration: bare ccxt or a node (journal on disk or in memory), and
    the streams answered."""

    name: str
    node: bool
    streams: tuple[str, ...] = STREAMS
    journal_on_disk: bool = True
    durability: str | None = None
    """The journal store's durability; ``None``: the node config's default."""
    baseline: str = ""
    """The bare-ccxt path this one is compared with."""


PATHS = (
    LatencyPath("bare ccxt", node=False),
    LatencyPath("colin node", node=True, baseline="bare ccxt"),
    LatencyPath("bare ccxt, trades only", node=False, streams=("trades",)),
    LatencyPath(
        "colin node, trades only", node=True, streams=("trades",),
        baseline="bare ccxt, trades only",
    ),
    LatencyPath(
        "colin, trades, journal full sync", node=True, streams=("trades",),
        durability="full", baseline="bare ccxt, trades only",
    ),
    LatencyPath(
        "colin, trades, journal in memory", node=True, streams=("trades",),
        journal_on_disk=False, baseline="bare ccxt, trades only",
    ),
)  # fmt: skip


def tick_to_order(
    orders: int,
    limit_s: float,
    paths: Sequence[LatencyPath] = PATHS,
    loop: EventLoopKind = "auto",
    pin: bool = True,
) -> dict[str, Any]:
    """Measure each path, in a fresh event loop of the kind ``loop`` names (the node config's
    ``event_loop`` setting; the bare ccxt paths run on the same kind), against the same
    simulator process. With ``pin`` (and two CPUs or more) the simulator runs on a CPU of its
    own and this process on the others (:func:`~live_sim_process.split_cpus`)."""
    result: dict[str, Any] = {}
    cpus = split_cpus() if pin else None
    spec = SimSpec(cpus=cpus[0] if cpus else None)
    with (
        SimProcess(spec) as sim,
        tempfile.TemporaryDirectory() as tmp,
        pinned(cpus[1] if cpus else None),
    ):
        for n, path in enumerate(paths):
            probe = WireProbe()
            if path.node:
                store = (
                    f"sqlite:///{tmp}/journal{n}.db"
                    if path.journal_on_disk
                    else "sqlite:///:memory:"
                )
                run = partial(
                    colin_path, sim, probe, path.streams, orders, store, limit_s, path.durability
                )
            else:
                run = partial(bare_ccxt_path, sim, probe, path.streams, orders, limit_s)
            outcomes = run_on_loop(run, loop)
            by_kind = probe.latencies()
            every = [v for k in KINDS for v in by_kind[k]]
            result[path.name] = {
                "streams": list(path.streams),
                "baseline": path.baseline or path.name,
                "all": percentiles(every),
                "order_outcomes": outcomes,
            } | {kind: percentiles(values) for kind, values in by_kind.items()}
    return result


@contextmanager
def pinned(cpus: frozenset[int] | None) -> Iterator[None]:
    """Run this process on ``cpus`` (``None``: unchanged) until the block ends."""
    if cpus is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)

"""Benchmark: the full pre-trade check set with 100 open positions and 200 open orders.

Run with ``python benchmarks/bench_risk.py [--runs 3] [--orders 20000]``. Every order goes
through ``bus.send`` to the risk endpoint exactly as a strategy sends it; the execution endpoint
is a no-op so that only the risk engine is timed. The baseline is a pass-through endpoint that
forwards the command unchecked, measured in the same run. Prints the range over the runs of
p50/p99 per order and of the p50 ratio to the baseline, then what the risk engine adds to the
per-bar path of a backtest (marking positions, the drawdown controller).
"""

from __future__ import annotations

import argparse
import statistics
import time
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import SimClock
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from colin.core.topics import EXEC_EXECUTE, EXEC_PROCESS, FILLS_TOPIC, RISK_EXECUTE, bars_topic
from colin.model.commands import SubmitOrder
from colin.model.data import Bar
from colin.model.enums import InstrumentKind, LiquiditySide, OrderSide, OrderType
from colin.model.events import OrderAccepted, OrderCanceled, OrderFilled, OrderSubmitted
from colin.model.instrument import Instrument
from colin.model.orders import Order
from colin.portfolio.portfolio import Portfolio
from colin.risk import InMemoryAuditSink, RiskConfig, RiskEngine, TradingWindow

POSITIONS = 100
OPEN_ORDERS = 200
START_NS = 1_700_000_000_000_000_000

FULL_CHECKS = RiskConfig(
    max_order_quantity=1_000.0,
    min_order_notional=1.0,
    max_order_notional=5_000_000.0,
    price_band_pct=0.05,
    max_data_age_s=3_600.0,
    max_position_notional=50_000_000.0,
    max_position_pct_equity=50.0,
    max_gross_exposure=1e12,
    max_net_exposure=1e12,
    max_leverage=1_000.0,
    max_var=1e12,
    max_open_orders_per_symbol=1_000_000,
    max_open_orders_total=10_000_000,
    submit_rate={"count": 10_000_000, "interval_s": 1.0},
    self_trade_prevention=True,
    check_margin=True,
    perp_leverage=10.0,
    restricted=frozenset({"LUNA", "FTT"}),
    trading_hours=(TradingWindow(),),
    decision_history=1_000,
)


class Bench(NamedTuple):
    """One freshly built node and the orders to send through it."""

    bus: MessageBus
    clock: SimClock
    cache: Cache
    portfolio: Portfolio
    commands: list[SubmitOrder]


def build(count: int) -> Bench:
    """Build a node with 100 perp positions and 200 working orders, and the orders to send."""
    bus = MessageBus()
    clock = SimClock(START_NS)
    cache = Cache()
    instruments = [
        Instrument(
            id=InstrumentId(f"C{i:03d}/USDT:USDT.SIM"),
            base=f"C{i:03d}",
            quote="USDT",
            tick_size=Decimal("0.01"),
            lot_size=Decimal("0.001"),
            kind=InstrumentKind.PERPETUAL,
            max_leverage=Decimal(20),
        )
        for i in range(POSITIONS)
    ]
    portfolio = Portfolio(bus, clock, cache, {"USDT": Decimal(100_000_000)}, "USDT")
    for n, instrument in enumerate(instruments):
        cache.add_instrument(instrument)
        cache.add_bar(
            Bar(
                instrument.id,
                "1m",
                100.0,
                100.0,
                100.0,
                100.0,
                1.0,
                START_NS - 60_000_000_000,
                START_NS,
            )
        )
        side = OrderSide.BUY if n % 2 else OrderSide.SELL
        bus.publish(
            FILLS_TOPIC,
            OrderFilled(
                client_order_id=ClientOrderId(f"seed-{n}"),
                instrument_id=instrument.id,
                strategy_id=StrategyId("bench"),
                ts_event=START_NS,
                ts_init=START_NS,
                venue_order_id=VenueOrderId(f"v{n}"),
                trade_id=TradeId(f"t{n}"),
                side=side,
                last_qty=Decimal(10),
                last_px=Decimal(100),
                commission=Decimal(0),
                commission_currency="USDT",
                liquidity_side=LiquiditySide.TAKER,
            ),
        )
        for k, (order_side, price) in enumerate(((OrderSide.BUY, "95"), (OrderSide.SELL, "105"))):
            order = Order(
                client_order_id=ClientOrderId(f"rest-{n}-{k}"),
                strategy_id=StrategyId("bench"),
                instrument_id=instrument.id,
                side=order_side,
                order_type=OrderType.LIMIT,
                quantity=Decimal(1),
                price=Decimal(price),
            )
            cache.add_order(order)
            for kind in (OrderSubmitted, OrderAccepted):
                fields = (
                    {"venue_order_id": VenueOrderId(f"r{n}{k}")} if kind is OrderAccepted else {}
                )
                order.apply(
                    kind(
                        client_order_id=order.client_order_id,
                        instrument_id=order.instrument_id,
                        strategy_id=order.strategy_id,
                        ts_event=START_NS,
                        ts_init=START_NS,
                        **fields,
                    )
                )
            cache.update_order(order)
    assert len(portfolio.positions_open()) == POSITIONS
    assert cache.orders_open_count() == OPEN_ORDERS
    bus.register(EXEC_EXECUTE, lambda command: None)
    bus.register(EXEC_PROCESS, lambda event: None)
    return Bench(bus, clock, cache, portfolio, make_orders(instruments, clock, count))


def make_orders(instruments: list[Instrument], clock: SimClock, count: int) -> list[SubmitOrder]:
    """Make fresh limit orders over every instrument and side (none crosses a resting one).

    Positions alternate long and short, and so do orders within each pair of instruments, so
    half the orders add to a position (every limit check runs) and half reduce one.
    """
    commands = []
    for n in range(count):
        instrument = instruments[(n // 2) % len(instruments)]
        buy = n % 2 == 0
        order = Order(
            client_order_id=ClientOrderId(f"b-{n}"),
            strategy_id=StrategyId("bench"),
            instrument_id=instrument.id,
            side=OrderSide.BUY if buy else OrderSide.SELL,
            order_type=OrderType.LIMIT,
            quantity=Decimal("0.5"),
            price=Decimal("99.50" if buy else "100.50"),
            ts_init=clock.timestamp_ns(),
        )
        commands.append(SubmitOrder(order=order, ts_init=order.ts_init))
    return commands


def time_sends(
    bus: MessageBus, commands: list[SubmitOrder], engine: RiskEngine | None
) -> tuple[list[int], list[int]]:
    """Send each command to the risk endpoint; return wall-clock and thread-CPU ns per send.

    The CPU time leaves out the time the thread was preempted, which on a shared machine is
    most of what the wall-clock tail measures. After each (untimed) send the approved order is
    closed again, as a venue would fill or cancel it, so the node keeps 200 open orders.
    """
    send = bus.send
    wall = time.perf_counter_ns
    cpu = time.thread_time_ns
    walls = []
    cpus = []
    for command in commands:
        started_cpu = cpu()
        started = wall()
        send(RISK_EXECUTE, command)
        walls.append(wall() - started)
        cpus.append(cpu() - started_cpu)
        if engine is not None:
            order = command.order
            engine.ledger.on_order_event(
                OrderCanceled(
                    client_order_id=order.client_order_id,
                    instrument_id=order.instrument_id,
                    strategy_id=order.strategy_id,
                    ts_event=START_NS,
                    ts_init=START_NS,
                )
            )
    return walls, cpus


def calibration_ms() -> float:
    """Time a fixed pure-Python loop (1M additions), to compare machines and load."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter_ns()
        total = 0
        for i in range(1_000_000):
            total += i
        best = min(best, (time.perf_counter_ns() - started) / 1e6)
    return best


def percentile(samples: list[int], q: float) -> float:
    """Return the ``q`` quantile (0-100) in microseconds."""
    return statistics.quantiles(samples, n=1000)[int(q * 10) - 1] / 1_000


Quantiles = dict[str, dict[str, tuple[float, float]]]


def measure(count: int) -> Quantiles:
    """Measure the baseline, the risk engine, and the risk engine with an audit sink once."""
    results: Quantiles = {}
    for name in ("pass-through", "risk engine", "risk engine + audit"):
        bench = build(count)
        bus, commands = bench.bus, bench.commands
        engine = None
        if name == "pass-through":
            bus.register(RISK_EXECUTE, lambda command, send=bus.send: send(EXEC_EXECUTE, command))
        else:
            audit = InMemoryAuditSink() if name.endswith("audit") else None
            engine = RiskEngine(bus, bench.clock, bench.cache, bench.portfolio, FULL_CHECKS, audit)
            ids = [i.id for i in bench.cache.instruments()]
            vol = np.full(len(ids), 0.04)
            engine.set_covariance(ids, np.outer(vol, vol) * (0.5 + 0.5 * np.eye(len(ids))))
        warm, timed = commands[: count // 10], commands[count // 10 :]
        time_sends(bus, warm, engine)
        walls, cpus = time_sends(bus, timed, engine)
        if engine is not None and engine.ledger.count != OPEN_ORDERS:
            raise SystemExit(f"the ledger holds {engine.ledger.count} open orders")
        if engine is not None:
            if engine.denied_count:
                raise SystemExit(f"orders were denied: {list(engine.decisions)[-1]}")
            assert len(engine.assessor.checks) >= 13
        results[name] = {
            "wall": (percentile(walls, 50), percentile(walls, 99)),
            "cpu": (percentile(cpus, 50), percentile(cpus, 99)),
        }
    return results


def bar_cost_ns(bars: int, with_engine: bool) -> float:
    """Return the mean ns per bar of caching, publishing and ``handle_equity`` on the node.

    Every bar moves the price of an instrument with an open position (so the exposure book marks
    it) and equity makes a new high each time (so the drawdown controller recomputes its floor).
    """
    bench = build(0)
    bus, cache = bench.bus, bench.cache
    engine = None
    if with_engine:
        engine = RiskEngine(bus, bench.clock, cache, bench.portfolio, FULL_CHECKS)
    instruments = cache.instruments()
    series = [
        Bar(
            instrument.id,
            "1m",
            close,
            close,
            close,
            close,
            1.0,
            START_NS + n * 60_000_000_000,
            START_NS + (n + 1) * 60_000_000_000,
        )
        for n in range(bars)
        for instrument in (instruments[n % len(instruments)],)
        for close in (100.0 + (n % 7) * 0.01,)
    ]
    topics = [bars_topic(bar.instrument_id, bar.timeframe) for bar in series]
    handle_equity = engine.handle_equity if engine is not None else None
    publish, add_bar = bus.publish, cache.add_bar
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter_ns()
        for n, bar in enumerate(series):
            add_bar(bar)
            publish(topics[n], bar)
            if handle_equity is not None:
                handle_equity(bar.ts_init, 1e8 + n)
        best = min(best, (time.perf_counter_ns() - started) / len(series))
    return best


def spread(values: list[float]) -> str:
    """Return ``min–max`` (or one value) with two decimals."""
    low, high = min(values), max(values)
    return f"{low:.2f}" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}–{high:.2f}"


def main() -> None:
    """Measure every variant ``--runs`` times and print the ranges, then the per-bar cost."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bars", type=int, default=100_000)
    args = parser.parse_args()
    runs = [measure(args.orders) for _ in range(args.runs)]
    print(
        f"{POSITIONS} open positions, {OPEN_ORDERS} open orders, {args.orders} orders per "
        f"variant, {args.runs} runs (ranges are min–max over the runs)"
    )
    print(
        f"calibration: 1M-iteration Python loop {calibration_ms():.0f} ms (lower is a faster CPU)"
    )
    print(f"{'variant':<22}{'clock':>6}{'p50 µs':>14}{'p99 µs':>16}{'p50 ratio':>14}")
    for clock in ("wall", "cpu"):
        for name in runs[0]:
            p50 = [run[name][clock][0] for run in runs]
            p99 = [run[name][clock][1] for run in runs]
            ratio = [run[name][clock][0] / run["pass-through"][clock][0] for run in runs]
            print(f"{name:<22}{clock:>6}{spread(p50):>14}{spread(p99):>16}{spread(ratio):>14}")
    bare = bar_cost_ns(args.bars, with_engine=False)
    risk = bar_cost_ns(args.bars, with_engine=True)
    print(
        f"per bar (cache, publish, handle_equity; best of 3): {bare:.0f} ns without the risk "
        f"engine, {risk:.0f} ns with it (+{risk - bare:.0f} ns)"
    )


if __name__ == "__main__":
    main()

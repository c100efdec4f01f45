"""Benchmark: the full pre-trade check set with 100 open positions and 200 open orders.

Run with ``python benchmarks/bench_risk.py [--runs 3] [--orders 20000]``. Every order goes
through ``bus.send`` to the risk endpoint exactly as a strategy sends it; the execution endpoint
is a no-op so that only the risk engine is timed. Five variants, each on its own node, are
measured in the same process, interleaved in chunks of orders so that load from other processes
falls on all of them alike:

- a pass-through endpoint that forwards the command unchecked (the floor);
- the general path only (the fused fast path switched off: how every order was checked before
  it existed);
- the risk engine as configured (approved orders take the fused path);
- the same with the in-memory hash-chained audit sink;
- orders the engine denies (above the maximum notional), which always take the general path.

Prints the range over the runs of p50/p99 per order, the p50 ratio to the pass-through and the
p50/p99 ratios to the general path, then what the risk engine adds to the per-bar path of a
backtest (marking positions, the drawdown controller).
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


def close_again(engine: RiskEngine, order: Order) -> None:
    """Drop an order from the ledger, as the venue's fill or cancel would (untimed)."""
    engine.ledger.on_order_event(
        OrderCanceled(
            client_order_id=order.client_order_id,
            instrument_id=order.instrument_id,
            strategy_id=order.strategy_id,
            ts_event=START_NS,
            ts_init=START_NS,
        )
    )


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
            close_again(engine, command.order)
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

PASS_THROUGH = "pass-through"
GENERAL = "general path only"
FUSED = "risk engine"
AUDITED = "risk engine + audit"
DENIED = "denied (max notional)"
VARIANTS = (PASS_THROUGH, GENERAL, FUSED, AUDITED, DENIED)
CHUNK = 2_000


class Variant(NamedTuple):
    """One node under test: its bus, its engine (none for the pass-through) and its orders."""

    name: str
    bus: MessageBus
    clock: SimClock
    engine: RiskEngine | None
    commands: list[SubmitOrder]


def make_variant(name: str, count: int) -> Variant:
    """Build one node; the general-path variant has the fused path switched off."""
    bench = build(count)
    bus = bench.bus
    if name == PASS_THROUGH:
        send = bus.send

        def forward(command: SubmitOrder) -> None:
            send(EXEC_EXECUTE, command)

        bus.register(RISK_EXECUTE, forward)
        return Variant(name, bus, bench.clock, None, bench.commands)
    config = FULL_CHECKS
    if name == DENIED:  # every order is above the maximum notional (50 at a price of 100)
        config = FULL_CHECKS.model_copy(update={"max_order_notional": 10.0})
    audit = InMemoryAuditSink() if name == AUDITED else None
    engine = RiskEngine(bus, bench.clock, bench.cache, bench.portfolio, config, audit)
    engine.fused.enabled = name != GENERAL
    ids = [i.id for i in bench.cache.instruments()]
    vol = np.full(len(ids), 0.04)
    engine.set_covariance(ids, np.outer(vol, vol) * (0.5 + 0.5 * np.eye(len(ids))))
    return Variant(name, bus, bench.clock, engine, bench.commands)


def verify(variant: Variant) -> None:
    """Check the node is as described: 200 open orders, and the expected path per order."""
    engine = variant.engine
    if engine is None:
        return
    if engine.ledger.count != OPEN_ORDERS:
        raise SystemExit(f"{variant.name}: the ledger holds {engine.ledger.count} open orders")
    assert len(engine.assessor.checks) >= 13
    if variant.name == DENIED:
        if engine.approved_count:
            raise SystemExit(f"{variant.name}: orders were approved")
    elif engine.denied_count:
        raise SystemExit(f"{variant.name}: orders were denied: {list(engine.decisions)[-1]}")


def measure(count: int) -> Quantiles:
    """Measure every variant on its own node, interleaved in chunks of orders.

    Each variant sends ``CHUNK`` orders in turn, so that load from other processes falls on all
    of them alike and the ratios between them mean something on a shared machine. Before the
    timed sends, every order of the fused variants is checked to take the fused path.
    """
    variants = [make_variant(name, count) for name in VARIANTS]
    warm = count // 10
    for variant in variants:
        time_sends(variant.bus, variant.commands[:warm], variant.engine)
        engine = variant.engine
        if engine is not None and variant.name in (FUSED, AUDITED):
            now, state = variant.clock.timestamp_ns(), engine.trading_state
            if any(
                engine.fused.approve(c.order, now, state) is None for c in variant.commands[warm:]
            ):
                raise SystemExit(f"{variant.name}: an order would not take the fused path")
    samples: dict[str, tuple[list[int], list[int]]] = {v.name: ([], []) for v in variants}
    for n, start in enumerate(range(warm, count, CHUNK)):
        for variant in variants[n % len(variants) :] + variants[: n % len(variants)]:
            walls, cpus = time_sends(
                variant.bus, variant.commands[start : start + CHUNK], variant.engine
            )
            samples[variant.name][0].extend(walls)
            samples[variant.name][1].extend(cpus)
    for variant in variants:
        verify(variant)
    return {
        name: {
            "wall": (percentile(walls, 50), percentile(walls, 99)),
            "cpu": (percentile(cpus, 50), percentile(cpus, 99)),
        }
        for name, (walls, cpus) in samples.items()
    }


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
    header = f"{'variant':<24}{'clock':>6}{'p50 µs':>14}{'p99 µs':>16}"
    print(f"{header}{'p50 / pass':>14}{'p50 / general':>15}{'p99 / general':>15}")
    for clock in ("wall", "cpu"):
        for name in VARIANTS:
            p50 = [run[name][clock][0] for run in runs]
            p99 = [run[name][clock][1] for run in runs]
            ratio = [run[name][clock][0] / run[PASS_THROUGH][clock][0] for run in runs]
            general50 = [run[name][clock][0] / run[GENERAL][clock][0] for run in runs]
            general99 = [run[name][clock][1] / run[GENERAL][clock][1] for run in runs]
            print(
                f"{name:<24}{clock:>6}{spread(p50):>14}{spread(p99):>16}{spread(ratio):>14}"
                f"{spread(general50):>15}{spread(general99):>15}"
            )
    bare = bar_cost_ns(args.bars, with_engine=False)
    risk = bar_cost_ns(args.bars, with_engine=True)
    print(
        f"per bar (cache, publish, handle_equity; best of 3): {bare:.0f} ns without the risk "
        f"engine, {risk:.0f} ns with it (+{risk - bare:.0f} ns)"
    )


if __name__ == "__main__":
    main()

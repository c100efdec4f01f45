"""Benchmark: the simulated venue's per-bar cost.

Run with ``python benchmarks/bench_matching.py``. Three cases, each against a baseline measured
in the same run:

* idle: ``process_bar`` for an instrument with no open or in-flight orders (the hot path, run
  ~1M times per backtest) versus a method that does the same single set lookup and returns;
* resting: ``process_bar`` with one resting limit order that never fills (the full four-point
  intrabar walk) versus the idle call;
* trading: a market order submitted and filled every bar (admission, reservation, fill,
  events, account) versus the idle call.
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

from colin.core.bus import MessageBus
from colin.core.clock import SimClock
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId
from colin.core.topics import EXEC_PROCESS
from colin.matching import SimulatedVenue
from colin.model.commands import SubmitOrder
from colin.model.data import Bar
from colin.model.enums import OrderSide, OrderType
from colin.model.instrument import Instrument
from colin.model.orders import Order

INSTRUMENT = InstrumentId("BTC/USDT.SIM")
MINUTE = 60_000_000_000


class _OneLookup:
    """The floor: a method doing exactly one set lookup, like the venue's idle path."""

    def __init__(self) -> None:
        self._active: set[InstrumentId] = set()

    def process_bar(self, bar: Bar) -> None:
        if bar.instrument_id not in self._active:
            return


def _venue() -> tuple[SimulatedVenue, SimClock]:
    clock = SimClock()
    bus = MessageBus()
    bus.register(EXEC_PROCESS, lambda _event: None)
    instrument = Instrument(
        id=INSTRUMENT,
        base="BTC",
        quote="USDT",
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.001"),
    )
    balances = {"USDT": Decimal(10**12), "BTC": Decimal(10**6)}
    return SimulatedVenue("SIM", bus, clock, [instrument], balances), clock


def _bars(count: int) -> list[Bar]:
    return [
        Bar(INSTRUMENT, "1m", 100.0, 101.0, 99.0, 100.0, 10.0, i * MINUTE, (i + 1) * MINUTE)
        for i in range(count)
    ]


def _per_bar_ns(process: object, bars: list[Bar], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for bar in bars:
            process(bar)  # type: ignore[operator]
        best = min(best, (time.perf_counter_ns() - start) / len(bars))
    return best


def _order(sequence: int, order_type: OrderType, price: str | None) -> Order:
    return Order(
        client_order_id=ClientOrderId(f"B-{sequence}"),
        strategy_id=StrategyId("bench"),
        instrument_id=INSTRUMENT,
        side=OrderSide.BUY if sequence % 2 else OrderSide.SELL,
        order_type=order_type,
        quantity=Decimal("0.01"),
        price=None if price is None else Decimal(price),
    )


def main() -> None:
    """Measure and print the three cases."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bars = _bars(args.bars)

    floor, idle_venue = _OneLookup(), _venue()[0]
    baseline = idle = float("inf")
    for _ in range(args.repeat):  # interleaved, so that machine load hits both alike
        baseline = min(baseline, _per_bar_ns(floor.process_bar, bars, 1))
        idle = min(idle, _per_bar_ns(idle_venue.process_bar, bars, 1))

    resting_venue, clock = _venue()
    resting_venue.submit_order(SubmitOrder(order=_order(1, OrderType.LIMIT, "1"), ts_init=0))
    resting = _per_bar_ns(resting_venue.process_bar, bars[: args.bars // 10], args.repeat)

    trading_venue, clock = _venue()
    trading_bars = bars[: args.bars // 100]
    start = time.perf_counter_ns()
    for sequence, bar in enumerate(trading_bars):
        clock.set_time(bar.ts_open)
        order = _order(sequence, OrderType.MARKET, None)
        trading_venue.submit_order(SubmitOrder(order=order, ts_init=bar.ts_open))
        clock.set_time(bar.ts_event)
        trading_venue.process_bar(bar)
    trading = (time.perf_counter_ns() - start) / len(trading_bars)

    print(f"baseline one-lookup method : {baseline:9.1f} ns/bar")
    print(f"idle process_bar           : {idle:9.1f} ns/bar  ({idle / baseline:5.2f}x baseline)")
    print(f"one resting order          : {resting:9.1f} ns/bar  ({resting / idle:5.1f}x idle)")
    print(f"market order every bar     : {trading:9.1f} ns/bar  ({trading / idle:5.1f}x idle)")


if __name__ == "__main__":
    main()

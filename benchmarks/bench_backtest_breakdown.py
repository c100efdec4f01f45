"""Where a backtest's time goes: the replay, the strategy's bar path and the order path.

Runs the same bootstrapped 1-minute bars through the engine with progressively more work and
prints microseconds per bar, then the cost of one market order end to end (risk, OMS, venue,
portfolio) from a strategy that orders on every bar.

Run: ``.venv/bin/python benchmarks/bench_backtest_breakdown.py [--bars N]``
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

import pandas as pd

from bench_backtest import IID, synthetic_minutes
from colin.backtest.engine import BacktestEngine
from colin.model import Bar, OrderSide
from colin.persistence.catalog import sample_catalog
from colin.strategy.builtin.sma_cross import SmaCross
from colin.strategy.strategy import Strategy


class Idle(Strategy):
    """Subscribes to the bars and does nothing with them."""

    name = "idle"

    def on_start(self) -> None:
        self.subscribe_bars(IID, "1m")


class SmaNoOrders(SmaCross):
    """The SMA crossover's bar path without its orders."""

    name = "sma_no_orders"

    def _enter(self, price: float) -> None:
        pass

    def close_position(self, instrument_id: str, tags: tuple[str, ...] = ()) -> None:
        return None


class EveryBar(Strategy):
    """Buys and sells 0.01 BTC on alternate bars."""

    name = "every_bar"

    def on_start(self) -> None:
        self.subscribe_bars(IID, "1m")
        self.count = 0

    def on_bar(self, bar: Bar) -> None:
        self.count += 1
        side = OrderSide.BUY if self.count % 2 else OrderSide.SELL
        self.submit_market(IID, side, Decimal("0.01"))


def timed(bars: pd.DataFrame, strategy: Strategy | None) -> tuple[float, int]:
    """Run the engine; return seconds and fills."""
    engine = BacktestEngine(starting_balances={"USDT": 1_000_000})
    engine.add_instrument(sample_catalog().instrument(IID))
    engine.add_bars(IID, "1m", bars)
    if strategy is not None:
        engine.add_strategy(strategy)
    start = time.perf_counter()
    result = engine.run()
    return time.perf_counter() - start, len(result.fills)


def main() -> None:
    """Print the breakdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=300_000)
    args = parser.parse_args()
    bars = synthetic_minutes(args.bars)
    params = {"instrument_id": IID, "timeframe": "1m"}
    cases: list[tuple[str, Strategy | None]] = [
        ("replay only", None),
        ("idle strategy", Idle()),
        ("SMA bar path, no orders", SmaNoOrders(params)),
        ("SMA crossover, trading", SmaCross(params)),
    ]
    for label, strategy in cases:
        seconds, fills = timed(bars, strategy)
        print(
            f"{label:26s} {seconds / len(bars) * 1e6:6.2f} us/bar  "
            f"{len(bars) / seconds:>10,.0f} bars/s  fills={fills:,}"
        )
    few = bars.iloc[: min(len(bars), 20_000)]
    seconds, fills = timed(few, EveryBar())
    print(
        f"{'one market order per bar':26s} {seconds / fills * 1e6:6.1f} us per order, with its bar"
    )


if __name__ == "__main__":
    main()

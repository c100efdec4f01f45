"""No lookahead: bars are seen only once closed, and fills only at prices reached after arrival."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from colin.backtest.engine import BacktestEngine
from colin.core.time import NANOS_PER_HOUR, NANOS_PER_MINUTE
from colin.matching.config import SimulatedVenueConfig
from colin.matching.latency import LatencyModel
from colin.model import Bar, OrderSide
from colin.persistence.catalog import sample_catalog
from colin.strategy.strategy import Strategy

IID = "BTC/USDT.BINANCE"
LATENCY = 7 * NANOS_PER_MINUTE


class Alternator(Strategy):
    """Buys and sells 0.01 BTC on alternate bars and records what it saw and when."""

    name = "alternator"

    def on_start(self) -> None:
        self.subscribe_bars(IID, "1h")
        self.seen: list[tuple[int, int, int]] = []
        self.sent: dict[str, int] = {}
        self.count = 0

    def on_bar(self, bar: Bar) -> None:
        now = self.clock.timestamp_ns()
        self.seen.append((now, bar.ts_open, bar.ts_event))
        self.count += 1
        if self.count % 2:
            side = OrderSide.BUY
        elif self.portfolio.net_quantity(bar.instrument_id) > 0:
            side = OrderSide.SELL
        else:
            return
        order = self.submit_market(IID, side, Decimal("0.01"))
        self.sent[order.client_order_id] = now


def test_bars_are_seen_at_their_close_and_fills_respect_latency() -> None:
    bars = sample_catalog().read_bars(IID, "1h").iloc[:400]
    engine = BacktestEngine(
        starting_balances={"USDT": 100_000},
        venue_config=SimulatedVenueConfig(latency=LatencyModel(fixed_ns=LATENCY)),
    )
    engine.add_instrument(sample_catalog().instrument(IID))
    engine.add_bars(IID, "1h", bars)
    strategy = Alternator()
    engine.add_strategy(strategy)
    result = engine.run()

    for now, ts_open, ts_event in strategy.seen:
        assert ts_event == ts_open + NANOS_PER_HOUR
        assert now == ts_event, "a bar is delivered exactly at its close, never before"

    indexed = bars.set_index("ts_open")
    assert len(result.fills) > 100
    for fill in result.fills:
        arrival = strategy.sent[fill.client_order_id] + LATENCY
        assert fill.ts_event >= arrival
        bar = indexed.loc[(fill.ts_event // NANOS_PER_HOUR) * NANOS_PER_HOUR]
        assert bar.low <= float(fill.last_px) <= bar.high
        # the fill is not the bar's open: that price was printed before the order arrived
        assert fill.ts_event > bar.name


def test_dropping_future_bars_does_not_change_earlier_decisions() -> None:
    bars = sample_catalog().read_bars(IID, "1h").iloc[:300]

    def run(frame: pd.DataFrame) -> list[tuple[int, str, Decimal]]:
        engine = BacktestEngine(starting_balances={"USDT": 100_000})
        engine.add_instrument(sample_catalog().instrument(IID))
        engine.add_bars(IID, "1h", frame)
        engine.add_strategy(Alternator())
        return [(f.ts_event, f.side.value, f.last_px) for f in engine.run().fills]

    full, truncated = run(bars), run(bars.iloc[:200])
    assert truncated == full[: len(truncated)]
    assert len(full) > len(truncated)

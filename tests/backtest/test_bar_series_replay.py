"""One bar series alone is replayed by a specialised loop that must give the general result."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from colin.backtest.engine import BacktestEngine
from colin.backtest.result import BacktestResult
from colin.backtest.streams import BarColumns, Stream
from colin.core.clock import TimeEvent
from colin.model import Bar, OrderSide
from colin.persistence.catalog import sample_catalog
from colin.strategy.builtin.sma_cross import SmaCross
from colin.strategy.strategy import Strategy

IID = "BTC/USDT.BINANCE"
HOUR_NS = 3_600_000_000_000


class RestingOrders(Strategy):
    """Keeps limit and stop orders working across bars, cancels them, and orders from a timer."""

    name = "resting_orders"

    def on_start(self) -> None:
        self.subscribe_bars(IID, "1m")
        self.count = 0
        self.clock.set_timer("hourly", HOUR_NS, self._on_timer)

    def _on_timer(self, event: TimeEvent) -> None:
        side = OrderSide.BUY if (event.ts_event // HOUR_NS) % 2 else OrderSide.SELL
        if side is OrderSide.BUY or self.portfolio.net_quantity(self.instrument(IID).id) > 0:
            self.submit_market(IID, side, Decimal("0.001"))

    def on_bar(self, bar: Bar) -> None:
        self.count += 1
        if self.count % 7 == 0:
            self.submit_limit(IID, OrderSide.BUY, Decimal("0.002"), bar.close * 0.9995)
        if self.count % 11 == 0 and self.portfolio.net_quantity(self.instrument(IID).id) > 0:
            self.submit_stop_market(IID, OrderSide.SELL, Decimal("0.001"), bar.close * 0.999)
        if self.count % 29 == 0:
            self.cancel_all_orders(IID)


def _run(bars: pd.DataFrame, strategy: Strategy, general: bool) -> tuple[BacktestEngine, Any]:
    engine = BacktestEngine(starting_balances={"USDT": 10_000})
    engine.add_instrument(sample_catalog().instrument(IID))
    engine.add_bars(IID, "1m", bars)
    engine.add_strategy(strategy)
    if general:

        def no_single_series(streams: list[Stream]) -> BarColumns | None:
            return None

        engine._single_bar_series = no_single_series  # type: ignore[method-assign]
    return engine, engine.run()


def _orders(result: BacktestResult) -> list[tuple[Any, ...]]:
    return [
        (o.client_order_id, o.status, o.filled_qty, o.avg_px, [type(e) for e in o.events])
        for o in result.orders
    ]


def _sma_cross() -> Strategy:
    return SmaCross({"instrument_id": IID, "timeframe": "1m"})


@pytest.mark.parametrize("make", [_sma_cross, RestingOrders])
def test_single_bar_series_gives_the_general_loops_result(make: Any) -> None:
    every = sample_catalog().read_bars(IID, "1m")
    bars = pd.concat([every.iloc[:2000], every.iloc[2090:4000]])  # with a gap
    fast_engine, fast = _run(bars, make(), general=False)
    general_engine, general = _run(bars, make(), general=True)

    assert fast_engine._single_bar_series(fast_engine._streams()) is not None  # it ran
    assert len(fast.fills) > 10
    assert [vars_of(f) for f in fast.fills] == [vars_of(f) for f in general.fills]
    assert _orders(fast) == _orders(general)
    assert np.array_equal(fast.equity_ts, general.equity_ts)
    assert np.array_equal(fast.equity, general.equity)
    assert fast.events_processed == general.events_processed
    assert fast_engine.exec_engine.journal.last_sequence() == (
        general_engine.exec_engine.journal.last_sequence()
    )


def vars_of(event: Any) -> dict[str, Any]:
    """Every field of a (slotted) event."""
    return {name: getattr(event, name) for name in event.__dataclass_fields__}

"""The drawdown controller trips at its level on a real-data backtest and leaves the book flat.

Buy-and-hold BTC/USDT through the March 2020 crash (Binance 1h bars): the 5% hard stop must halt
trading and flatten the position, the strategy's attempts to buy back must be denied, and the
equity curve must be flat after the stop.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colin.backtest.engine import BacktestEngine
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_DAY
from colin.model.data import Bar
from colin.model.enums import OrderSide
from colin.model.instrument import Instrument
from colin.risk import RiskConfig
from colin.strategy.strategy import Strategy

DATA = Path(__file__).parent.parent / "data" / "risk" / "btc_usdt_1h_crises.csv.gz"
BTC = InstrumentId("BTC/USDT.BINANCE")


class BuyAndHold(Strategy):
    """Hold BTC with 90% of equity; buy back whenever flat."""

    name = "buy-and-hold"

    def on_start(self) -> None:
        self.subscribe_bars(BTC, "1h")

    def on_bar(self, bar: Bar) -> None:
        if self.portfolio.net_quantity(BTC) == 0 and not self.cache.orders_open(BTC):
            size = Decimal(repr(0.9 * self.portfolio.equity() / bar.close))
            self.submit_market(BTC, OrderSide.BUY, size)


@pytest.fixture(scope="module")
def march_2020() -> pd.DataFrame:
    bars = pd.read_csv(DATA)
    ts = pd.to_datetime(bars["open_time"], utc=True)
    bars = bars[(ts >= "2020-03-01") & (ts < "2020-04-01")].copy()
    bars["ts_open"] = pd.to_datetime(bars["open_time"], utc=True).dt.as_unit("ns").astype("int64")
    return bars[["ts_open", "open", "high", "low", "close", "volume"]].reset_index(drop=True)


def test_drawdown_stop_trips_at_its_level_and_the_portfolio_is_flat_after(
    march_2020: pd.DataFrame,
) -> None:
    engine = BacktestEngine({"USDT": Decimal(100_000)}, risk_config=RiskConfig())
    engine.add_instrument(
        Instrument(
            id=BTC, base="BTC", quote="USDT", tick_size=Decimal("0.01"), lot_size=Decimal("0.00001")
        )
    )
    engine.add_bars(BTC, "1h", march_2020)
    engine.add_strategy(BuyAndHold())
    result = engine.run()

    trips = [e for e in engine.risk_engine.events if type(e).__name__ == "BreakerTripped"]
    assert trips, "the drawdown controller never tripped during the March 2020 crash"
    first = trips[0]
    assert first.rule.startswith("drawdown.")
    assert first.value >= 0.05 and first.limit == 0.05

    # the trip happened at the first equity point whose drawdown reached the stop level
    ts, equity = result.equity_ts, result.equity
    running_peak = np.maximum.accumulate(equity)
    day = ts // NANOS_PER_DAY
    day_peak = pd.Series(equity).groupby(day).cummax().to_numpy()
    week = (ts + 3 * NANOS_PER_DAY) // (7 * NANOS_PER_DAY)
    week_peak = pd.Series(equity).groupby(week).cummax().to_numpy()
    breached = (
        (equity <= running_peak * 0.95) | (equity <= day_peak * 0.95) | (equity <= week_peak * 0.95)
    )
    assert int(ts[np.argmax(breached)]) == first.ts_event

    # flat afterwards: no position, no open orders, and equity no longer moves with BTC
    assert engine.portfolio.net_quantity(BTC) == 0
    assert engine.cache.orders_open() == []
    after = equity[ts > first.ts_event + 2 * 3_600_000_000_000]
    assert len(after) > 100 and np.ptp(after) == 0.0

    # the halt held: the strategy's buy-backs were denied and listed in the result
    assert result.denied and all("HALTED" in d.reason for d in result.denied)
    kinds = [e["kind"] for e in result.risk_events]
    assert "TradingStateChanged" in kinds and "KillSwitchActivated" in kinds

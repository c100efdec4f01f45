"""The event-driven stack must trade exactly like an independent plain loop."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import numpy as np
import pandas as pd
import pytest
import talib

from colin.backtest.engine import BacktestEngine
from colin.model import OrderSide
from colin.persistence.catalog import sample_catalog
from colin.strategy.builtin.sma_cross import SmaCross

IID = "BTC/USDT.BINANCE"
FEE = Decimal("0.001")
LOT = Decimal("0.00001")
BUFFER_BPS = Decimal(10)


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return sample_catalog().read_bars(IID, "1h")


def plain_loop(
    bars: pd.DataFrame, cash: Decimal
) -> tuple[list[tuple[int, str, Decimal, Decimal]], float]:
    """SMA(10)/SMA(50) long-only, all-in, market orders filled at the next bar's open, 0.1% fee."""
    close = bars["close"].to_numpy()
    opens = bars["open"].to_numpy()
    ts_open = bars["ts_open"].to_numpy()
    diff = talib.SMA(close, 10) - talib.SMA(close, 50)
    qty = Decimal(0)
    pending: tuple[str, Decimal] | None = None
    trades = []
    for i in range(len(close)):
        if pending is not None:
            side, size = pending
            price = Decimal(repr(float(opens[i])))
            notional = size * price
            fee = notional * FEE
            if side == "BUY":
                cash -= notional + fee
                qty += size
            else:
                cash += notional - fee
                qty -= size
            trades.append((int(ts_open[i]), side, size, price))
            pending = None
        if i < 1 or np.isnan(diff[i - 1]):
            continue
        previous, current = diff[i - 1], diff[i]
        if previous <= 0 < current and qty == 0:
            unit = Decimal(repr(float(close[i]))) * (1 + BUFFER_BPS / 10_000) * (1 + FEE)
            size = (cash / unit / LOT).quantize(Decimal(1), rounding=ROUND_DOWN) * LOT
            if size > 0:
                pending = ("BUY", size)
        elif previous >= 0 > current and qty > 0:
            pending = ("SELL", qty)
    return trades, float(cash) + float(qty) * float(close[-1])


def test_sma_crossover_matches_the_plain_loop_trade_for_trade(bars: pd.DataFrame) -> None:
    assert len(bars) > 1000, "the bundled sample should hold months of hourly bars"
    engine = BacktestEngine(starting_balances={"USDT": 10_000})
    engine.add_instrument(sample_catalog().instrument(IID))
    engine.add_bars(IID, "1h", bars)
    engine.add_strategy(SmaCross({"instrument_id": IID, "timeframe": "1h", "fast": 10, "slow": 50}))
    result = engine.run()

    expected_trades, expected_equity = plain_loop(bars, Decimal(10_000))
    got = [
        (f.ts_event, "BUY" if f.side is OrderSide.BUY else "SELL", f.last_qty, f.last_px)
        for f in result.fills
    ]
    assert len(expected_trades) > 10
    assert got == expected_trades
    assert result.equity[-1] == pytest.approx(expected_equity, rel=1e-8)
    assert result.denied == []
    assert len(result.equity) == len(bars)

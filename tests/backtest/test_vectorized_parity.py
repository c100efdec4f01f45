"""The vectorised mode trades exactly like the event-driven engine on the bundled real bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from colin.backtest.engine import BacktestEngine
from colin.backtest.result import BacktestResult
from colin.backtest.vectorized import (
    ExecutionRules,
    backtest_signals,
    sma_cross_signals,
    sweep_signals,
    sweep_sma_cross,
)
from colin.core.errors import DataError
from colin.model import OrderSide
from colin.persistence.catalog import sample_catalog
from colin.strategy.builtin.sma_cross import SmaCross

CASES = [
    ("BTC/USDT.BINANCE", "1h", 10, 50),
    ("BTC/USDT.BINANCE", "1h", 3, 7),
    ("ETH/USDT.BINANCE", "15m", 20, 100),
    ("BTC/USDT.BINANCE", "1m", 5, 30),
]


def engine_run(
    iid: str, timeframe: str, bars: pd.DataFrame, fast: int, slow: int
) -> BacktestResult:
    engine = BacktestEngine(starting_balances={"USDT": 10_000})
    engine.add_instrument(sample_catalog().instrument(iid))
    engine.add_bars(iid, timeframe, bars)
    engine.add_strategy(
        SmaCross({"instrument_id": iid, "timeframe": timeframe, "fast": fast, "slow": slow})
    )
    return engine.run()


@pytest.mark.parametrize(("iid", "timeframe", "fast", "slow"), CASES)
def test_vectorised_fills_equal_the_engine_fills(
    iid: str, timeframe: str, fast: int, slow: int
) -> None:
    catalog = sample_catalog()
    bars = catalog.read_bars(iid, timeframe)
    result = engine_run(iid, timeframe, bars, fast, slow)
    rules = ExecutionRules.for_instrument(catalog.instrument(iid), 10_000)
    opens, closes = bars["open"].to_numpy(), bars["close"].to_numpy()
    entries, exits = sma_cross_signals(closes, fast, slow)
    run = backtest_signals(opens, closes, entries, exits, rules)

    ts_open = bars["ts_open"].to_numpy()
    expected = [
        (f.ts_event, 1 if f.side is OrderSide.BUY else -1, float(f.last_qty), float(f.last_px))
        for f in result.fills
    ]
    got = [
        (int(ts_open[i]), int(side), float(qty), float(px))
        for i, side, qty, px in zip(run.fill_index, run.side, run.quantity, run.price, strict=True)
    ]
    assert len(expected) > 10
    assert got == expected
    assert run.fee == pytest.approx([float(f.commission) for f in result.fills], rel=1e-12)
    assert run.final_equity == pytest.approx(float(result.equity[-1]), rel=1e-10)
    np.testing.assert_allclose(run.equity, result.equity, rtol=1e-10)


def test_sweep_rows_equal_single_runs() -> None:
    catalog = sample_catalog()
    iid = "BTC/USDT.BINANCE"
    bars = catalog.read_bars(iid, "1h")
    opens, closes = bars["open"].to_numpy(), bars["close"].to_numpy()
    rules = ExecutionRules.for_instrument(catalog.instrument(iid), 10_000)
    fast = np.array([3, 5, 10, 10, 20])
    slow = np.array([7, 30, 50, 100, 200])
    sweep = sweep_sma_cross(opens, closes, fast, slow, rules)
    for k in range(len(fast)):
        run = backtest_signals(opens, closes, *sma_cross_signals(closes, fast[k], slow[k]), rules)
        assert sweep.fills[k] == len(run.fill_index)
        assert sweep.final_equity[k] == pytest.approx(run.final_equity, rel=1e-12)
        peaks = np.maximum.accumulate(np.concatenate(([10_000.0], run.equity)))
        drawdown = 1 - np.concatenate(([10_000.0], run.equity)) / peaks
        assert sweep.max_drawdown[k] == pytest.approx(drawdown.max(), rel=1e-9)
        returns = np.diff(np.concatenate(([10_000.0], run.equity))) / np.concatenate(
            ([10_000.0], run.equity[:-1])
        )
        assert sweep.sharpe[k] == pytest.approx(returns.mean() / returns.std(ddof=1), rel=1e-6)


def test_signal_matrix_sweep_equals_single_runs_and_the_sma_sweep() -> None:
    catalog = sample_catalog()
    iid = "ETH/USDT.BINANCE"
    bars = catalog.read_bars(iid, "1h")
    opens, closes = bars["open"].to_numpy(), bars["close"].to_numpy()
    rules = ExecutionRules.for_instrument(catalog.instrument(iid), 10_000)
    pairs = [(5, 20), (10, 50), (20, 100)]
    signals = [sma_cross_signals(closes, f, s) for f, s in pairs]
    rng = np.random.default_rng(5)
    noise = rng.random((len(closes), 2))
    entries = np.column_stack([e for e, _ in signals] + [noise[:, 0] < 0.02])
    exits = np.column_stack([x for _, x in signals] + [noise[:, 1] < 0.02])
    sweep = sweep_signals(opens, closes, entries, exits, rules)
    sma = sweep_sma_cross(opens, closes, [f for f, _ in pairs], [s for _, s in pairs], rules)
    assert sweep.final_equity[:3].tolist() == sma.final_equity.tolist()
    assert sweep.fills[:3].tolist() == sma.fills.tolist()
    run = backtest_signals(opens, closes, entries[:, 3], exits[:, 3], rules)
    assert sweep.fills[3] == len(run.fill_index) > 20
    assert sweep.final_equity[3] == pytest.approx(run.final_equity, rel=1e-12)
    with pytest.raises(DataError, match="rows"):
        sweep_signals(opens, closes, entries[:-1], exits[:-1], rules)


def test_signal_on_the_last_bar_never_fills() -> None:
    opens = np.array([100.0, 101.0, 102.0])
    closes = np.array([100.5, 101.5, 102.5])
    rules = ExecutionRules(starting_cash=1_000.0, fee_rate=0.001, lot_size=0.001)
    run = backtest_signals(opens, closes, np.array([False, False, True]), np.zeros(3, bool), rules)
    assert len(run.fill_index) == 0
    assert run.final_equity == 1_000.0


def test_entry_below_the_minimum_notional_is_skipped() -> None:
    opens = np.array([100.0, 100.0, 100.0])
    closes = np.array([100.0, 100.0, 100.0])
    entries = np.array([True, False, False])
    small = ExecutionRules(starting_cash=4.0, fee_rate=0.0, lot_size=0.001, min_notional=5.0)
    assert len(backtest_signals(opens, closes, entries, ~entries, small).fill_index) == 0
    enough = ExecutionRules(starting_cash=6.0, fee_rate=0.0, lot_size=0.001, min_notional=5.0)
    run = backtest_signals(opens, closes, entries, np.zeros(3, bool), enough)
    # 6 / (100 * 1.001) = 0.05994 -> 0.059 (rounded down to the lot)
    assert run.quantity.tolist() == pytest.approx([0.059])
    assert run.fill_index.tolist() == [1]


def test_bad_prices_name_the_row() -> None:
    rules = ExecutionRules(starting_cash=1_000.0, fee_rate=0.001, lot_size=0.001)
    closes = np.array([1.0, np.nan, 2.0])
    with pytest.raises(Exception, match="close at row 1"):
        backtest_signals(np.ones(3), closes, np.zeros(3, bool), np.zeros(3, bool), rules)
    with pytest.raises(ValueError, match="fast < slow"):
        sma_cross_signals(np.ones(10), 5, 5)

"""Pairs trading on real Binance 1h bars (ETH/USDT vs BTC/USDT, 2024) from the sample catalog.

Over 2024 as a whole ETH and BTC are not cointegrated (Engle-Granger p = 0.75), but the test on a
300-bar formation window passes in a few stretches (e.g. the window ending at bar 804, around
2024-02-03). The gate is shown both ways on the same real series: a stretch where every test
fails (bars 900-1956) trades nothing, and a run over bars 0-3000 trades only while the last
test passed.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from statsmodels.tsa.stattools import coint

from colin.backtest.engine import BacktestEngine
from colin.model.events import OrderEvent, OrderFilled
from colin.model.orders import Order
from colin.persistence.catalog import sample_catalog
from colin.strategy.builtin.hedge_ratio import KalmanHedge, RollingOlsHedge
from colin.strategy.builtin.pairs import PairsTrading, PairsTradingParams

Y, X = "ETH/USDT.BINANCE", "BTC/USDT.BINANCE"
FORMATION = 300
HEDGE_WINDOW = 100
Z_WINDOW = 50
RETEST = 24


class RecordingPairs(PairsTrading):
    """Records the paired closes, the gate and the z-score of every step, and every order."""

    def on_start(self) -> None:
        super().on_start()
        self.steps: list[dict[str, Any]] = []
        self.orders: list[tuple[int, Order]] = []
        self.filled: dict[str, Decimal] = {}

    def _step(self, y: float, x: float) -> None:
        super()._step(y, x)
        self.steps.append(
            {
                "y": y,
                "x": x,
                "pvalue": self.pvalue,
                "beta": self.beta,
                "z": self.zscore,
            }
        )

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            key = str(event.client_order_id)
            self.filled[key] = self.filled.get(key, Decimal(0)) + event.last_qty

    def submit_order(self, order: Order) -> None:
        # Orders are sent from inside the step, before it is recorded: index = that step.
        self.orders.append((len(self.steps), order))
        super().submit_order(order)


@pytest.fixture(scope="module")
def bars() -> tuple[pd.DataFrame, pd.DataFrame]:
    catalog = sample_catalog()
    return catalog.read_bars(Y, "1h"), catalog.read_bars(X, "1h")


def _run(bars: tuple[pd.DataFrame, pd.DataFrame], rows: slice, **params: Any) -> RecordingPairs:
    catalog = sample_catalog()
    engine = BacktestEngine({"USDT": Decimal(100_000), "BTC": Decimal(2), "ETH": Decimal(40)})
    for instrument_id, frame in zip((Y, X), bars, strict=True):
        engine.add_instrument(catalog.instrument(instrument_id))
        engine.add_bars(instrument_id, "1h", frame.iloc[rows])
    strategy = RecordingPairs(
        {
            "instrument_ids": [Y, X],
            "formation_bars": FORMATION,
            "hedge_window": HEDGE_WINDOW,
            "zscore_window": Z_WINDOW,
            "retest_every": RETEST,
            **params,
        }
    )
    engine.add_strategy(strategy)
    engine.run()
    return strategy


def _check_pvalues(strategy: RecordingPairs, at: list[int]) -> None:
    """The gate's p-values equal statsmodels' on the formation window that ended there."""
    ys = np.array([s["y"] for s in strategy.steps])
    xs = np.array([s["x"] for s in strategy.steps])
    for step in at:
        window = slice(step + 1 - FORMATION, step + 1)
        expected = coint(ys[window], xs[window], maxlag=1, autolag=None)[1]
        assert strategy.steps[step]["pvalue"] == pytest.approx(expected, rel=1e-9)


def _tested(step: int) -> bool:
    """Whether the strategy ran the test at ``step``: on the first full window, then every 24."""
    return step >= FORMATION - 1 and (step - FORMATION + 1) % RETEST == 0


def _last_test(step: int) -> int:
    return max(i for i in range(step + 1) if _tested(i))


def test_a_pair_that_fails_the_cointegration_test_never_trades(bars) -> None:  # type: ignore[no-untyped-def]
    strategy = _run(bars, slice(900, 1956))
    tested = [i for i in range(len(strategy.steps)) if _tested(i)]
    assert len(tested) >= 30
    _check_pvalues(strategy, tested)
    assert all(strategy.steps[i]["pvalue"] >= 0.05 for i in tested)
    extremes = [s for s in strategy.steps if abs(s["z"]) > 2.0]
    assert extremes, "the z-score alone would have entered: only the gate stops it"
    assert strategy.orders == []


@pytest.fixture(scope="module")
def first_half(bars) -> RecordingPairs:  # type: ignore[no-untyped-def]
    return _run(bars, slice(0, 3000))


def test_entries_only_while_cointegrated_and_beyond_the_entry_z(first_half: RecordingPairs) -> None:
    entries = [(i, o) for i, o in first_half.orders if o.tags[0] == "entry"]
    assert len(entries) >= 4
    steps = [i for i, _ in entries]
    _check_pvalues(first_half, sorted({_last_test(i) for i in steps}))
    for step in steps:
        assert first_half.steps[step]["pvalue"] < 0.05
        assert abs(first_half.steps[step]["z"]) > 2.0


def test_both_legs_are_sized_by_the_hedge_ratio(first_half: RecordingPairs) -> None:
    entries = [(i, o) for i, o in first_half.orders if o.tags[0] == "entry"]
    lot = Decimal("0.00001")  # BTC/USDT lot size
    for (step, y_order), (_, x_order) in zip(entries[::2], entries[1::2], strict=True):
        assert (y_order.tags[1], x_order.tags[1]) == ("y", "x")
        assert y_order.side is not x_order.side
        beta = Decimal(repr(first_half.steps[step]["beta"]))
        assert beta > 0
        assert 0 <= beta * y_order.quantity - x_order.quantity < lot
        ys = np.array([s["y"] for s in first_half.steps[:step]])[-HEDGE_WINDOW:]
        xs = np.array([s["x"] for s in first_half.steps[:step]])[-HEDGE_WINDOW:]
        assert float(beta) == pytest.approx(np.polyfit(xs, ys, 1)[0], rel=1e-6)
        short_spread = first_half.steps[step]["z"] > 0
        assert (y_order.side.value == "SELL") == short_spread
        for order in (y_order, x_order):
            assert first_half.filled[str(order.client_order_id)] == order.quantity, "leg not filled"


def test_exits_when_the_z_score_reverts(first_half: RecordingPairs) -> None:
    direction = 0
    exits = 0
    for step, order in first_half.orders:
        z = first_half.steps[step]["z"]
        if order.tags == ("entry", "y"):
            direction = -1 if z > 0 else 1
        elif order.tags == ("exit", "y"):
            exits += 1
            assert direction * z >= -0.5, "exit before z reverted within exit_z"
    assert exits >= 2


def test_kalman_hedge_trades_only_a_cointegrated_pair(bars) -> None:  # type: ignore[no-untyped-def]
    strategy = _run(bars, slice(0, 3000), hedge_method="kalman")
    entries = [(i, o) for i, o in strategy.orders if o.tags[0] == "entry"]
    assert entries
    for (step, y_order), (_, x_order) in zip(entries[::2], entries[1::2], strict=True):
        state = strategy.steps[step]
        assert state["pvalue"] < 0.05 and abs(state["z"]) > 2.0
        beta = Decimal(repr(state["beta"]))
        assert 0 <= beta * y_order.quantity - x_order.quantity < Decimal("0.00001")
    betas = [s["beta"] for s in strategy.steps if not math.isnan(s["beta"])]
    assert min(betas) > 0 and len(set(betas)) > 100, "the filtered hedge ratio must move"


def test_parameters_are_validated() -> None:
    with pytest.raises(ValidationError, match="exactly two"):
        PairsTradingParams(instrument_ids=[Y])
    with pytest.raises(ValidationError, match="exit_z"):
        PairsTradingParams(instrument_ids=[Y, X], entry_z=1.0, exit_z=1.5)


def test_hedge_estimators_recover_an_exact_linear_relation(bars) -> None:  # type: ignore[no-untyped-def]
    x = bars[1]["close"].to_numpy()[:1500]
    y = 0.05 * x + 120.0
    ols, kalman = RollingOlsHedge(100), KalmanHedge(1e-4, 1e-6, warmup=100)
    for xi, yi in zip(x, y, strict=True):
        ols.update(float(xi), float(yi))
        kalman.update(float(xi), float(yi))
    assert ols.beta == pytest.approx(0.05, rel=1e-6)
    assert ols.alpha == pytest.approx(120.0, rel=1e-4)
    assert kalman.beta * x[-1] + kalman.alpha == pytest.approx(y[-1], rel=1e-3)
    with pytest.raises(ValueError, match="window"):
        RollingOlsHedge(2)
    with pytest.raises(ValueError, match="delta"):
        KalmanHedge(1.5, 1e-3, warmup=10)


def test_spot_entry_the_account_cannot_fund_is_skipped_whole(bars) -> None:  # type: ignore[no-untyped-def]
    catalog = sample_catalog()
    engine = BacktestEngine({"USDT": Decimal(100_000)})  # no ETH or BTC to sell
    for instrument_id, frame in zip((Y, X), bars, strict=True):
        engine.add_instrument(catalog.instrument(instrument_id))
        engine.add_bars(instrument_id, "1h", frame.iloc[0:3000])
    strategy = RecordingPairs({"instrument_ids": [Y, X], "formation_bars": FORMATION})
    engine.add_strategy(strategy)
    engine.run()
    signals = [s for s in strategy.steps if s["pvalue"] < 0.05 and abs(s["z"]) > 2.0]
    assert signals, "the gate and the z-score did call for entries"
    assert strategy.orders == [], "every entry sells one leg, which the account cannot do"

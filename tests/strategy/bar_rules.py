"""Check a bar strategy's backtest against its rules recomputed independently with TA-Lib.

The reference walk mirrors what the rules say, not how the strategy is coded: one position at a
time, a decision at a bar's close fills at the next bar's open, entries only when flat, exits only
from the matching side. The engine's fills must be exactly the walk's, bar for bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from colin.backtest.engine import BacktestEngine
from colin.backtest.result import BacktestResult
from colin.core.ids import InstrumentId
from colin.model.enums import InstrumentKind, OrderSide
from colin.model.instrument import Instrument
from colin.persistence.catalog import sample_catalog
from colin.risk.config import RiskConfig
from colin.strategy.strategy import Strategy

BTC = "BTC/USDT.BINANCE"
ETH = "ETH/USDT.BINANCE"
BTC_PERP = "BTC/USDT:USDT.BINANCE"


@dataclass(frozen=True)
class Trade:
    """One position change: the bar whose open filled it and the position sign after it."""

    bar: int
    position: int


def bars(instrument_id: str, timeframe: str, rows: int | None = None) -> pd.DataFrame:
    """Return the sample catalog's bars (the first ``rows`` of them)."""
    frame: pd.DataFrame = sample_catalog().read_bars(instrument_id, timeframe)
    return frame if rows is None else frame.iloc[:rows].reset_index(drop=True)


def btc_perpetual() -> Instrument:
    """A BTC/USDT linear perpetual with the spot sample's tick and lot, traded at 1x."""
    return Instrument(
        id=InstrumentId(BTC_PERP),
        base="BTC",
        quote="USDT",
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.00001"),
        kind=InstrumentKind.PERPETUAL,
        max_leverage=Decimal(20),
    )


def run(
    strategy: Strategy, instrument_id: str, timeframe: str, frame: pd.DataFrame
) -> BacktestResult:
    """Backtest ``strategy`` on ``frame`` with 10,000 USDT (a perpetual when the id says so)."""
    if instrument_id == BTC_PERP:
        instrument = btc_perpetual()
        risk = RiskConfig.model_validate({"drawdown": {"enabled": False}})
    else:
        instrument = sample_catalog().instrument(instrument_id)
        risk = None
    engine = BacktestEngine(starting_balances={"USDT": 10_000}, risk_config=risk)
    engine.add_instrument(instrument)
    engine.add_bars(instrument_id, timeframe, frame)
    engine.add_strategy(strategy)
    return engine.run()


def engine_trades(result: BacktestResult, frame: pd.DataFrame) -> list[Trade]:
    """Turn the fills into trades; every fill must be one whole order at a bar's open."""
    ts_open = frame["ts_open"].to_numpy(dtype=np.int64)
    opens = frame["open"].to_numpy()
    assert result.denied == [], [d.reason for d in result.denied]
    trades = []
    position = Decimal(0)
    for fill in result.fills:
        k = int(np.searchsorted(ts_open, fill.ts_event))
        assert k < len(ts_open) and ts_open[k] == fill.ts_event, "a fill off a bar's open"
        assert float(fill.last_px) == opens[k], (
            f"bar {k}: filled at {fill.last_px}, open {opens[k]}"
        )
        position += fill.last_qty if fill.side is OrderSide.BUY else -fill.last_qty
        trades.append(Trade(k, (position > 0) - (position < 0)))
    return trades


Rule = Callable[[int, int], bool]
"""``rule(i, entry_bar)``: whether a condition holds at bar ``i`` (``entry_bar``: the fill bar
of the open position, -1 when flat)."""


def reference_trades(
    n: int,
    ready: np.ndarray,
    long_entry: np.ndarray,
    long_exit: Rule,
    short_entry: np.ndarray | None = None,
    short_exit: Rule | None = None,
) -> list[Trade]:
    """Walk the rules over ``n`` bars and return the trades they call for."""
    position, entry_bar, pending = 0, -1, None
    trades = []
    for i in range(n):
        if pending is not None:
            position, pending = pending, None
            entry_bar = i if position else -1
            trades.append(Trade(i, position))
        if not ready[i]:
            continue
        if position > 0:
            if long_exit(i, entry_bar):
                pending = 0
        elif position < 0:
            assert short_exit is not None
            if short_exit(i, entry_bar):
                pending = 0
        elif long_entry[i]:
            pending = 1
        elif short_entry is not None and short_entry[i]:
            pending = -1
    return trades


def entries_and_exits(trades: list[Trade]) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Return the entry decisions and, per closed trade, ``(side, entry fill bar, exit bar)``."""
    entries, exits = [], []
    side, opened = 0, -1
    for trade in trades:
        if trade.position:
            entries.append(trade.bar - 1)
            side, opened = trade.position, trade.bar
        else:
            exits.append((side, opened, trade.bar - 1))
    return entries, exits

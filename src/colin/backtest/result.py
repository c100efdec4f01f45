"""What a backtest run produces: the input to metrics, reports, JSON output and the run store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from colin.model.events import OrderDenied, OrderFilled
from colin.model.orders import Order


@dataclass(slots=True)
class BacktestResult:
    """Everything a finished run knows.

    Attributes
    ----------
    run_id
        Unique id of the run (also the key in the run store).
    config
        The resolved run configuration (strategy name and parameters, instruments, timeframes,
        time range, starting balances, and the fee/slippage/latency/fill-path assumptions).
    base_currency
        Currency of the equity curve and of every money metric.
    starting_equity
        Equity before the first event.
    equity_ts, equity
        The equity curve: UTC ns timestamps (int64) and account value (float64), one point per
        distinct market-data timestamp.
    fills
        Every fill, in order.
    orders
        Every order with its final state and full event history.
    denied
        Orders the risk engine refused, with reasons.
    prices
        For charts: per instrument id, ``{"ts": int64 array, "close": float64 array}`` of the
        traded timeframe.
    risk_events
        Breaker trips and trading-state changes, as plain dicts (``ts``, ``kind``, ``detail``).
    metrics
        Filled by :func:`colin.backtest.metrics.compute_metrics`.
    started_at_ns, finished_at_ns
        Wall-clock start and end of the run.
    events_processed
        Market-data events replayed.
    """

    run_id: str
    config: dict[str, Any]
    base_currency: str
    starting_equity: float
    equity_ts: np.ndarray
    equity: np.ndarray
    fills: list[OrderFilled]
    orders: list[Order]
    denied: list[OrderDenied] = field(default_factory=list)
    prices: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    risk_events: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    started_at_ns: int = 0
    finished_at_ns: int = 0
    events_processed: int = 0

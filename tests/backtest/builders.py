"""Small builders of fills and results for the backtest result tests."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from colin.backtest.result import BacktestResult
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from colin.core.time import NANOS_PER_DAY
from colin.model.enums import LiquiditySide, OrderSide
from colin.model.events import OrderFilled

BTC = InstrumentId("BTC/USDT.BINANCE")
ETH = InstrumentId("ETH/USDT.BINANCE")
STRATEGY = StrategyId("test-strategy")
T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z

_sequence = iter(range(1, 10**9))


def day(n: float) -> int:
    """Return the UTC ns timestamp ``n`` days after 2024-01-01."""
    return T0 + int(n * NANOS_PER_DAY)


def fill(
    side: str,
    qty: str | int,
    px: str | int,
    ts: int = T0,
    fee: str | int = 0,
    fee_currency: str = "USDT",
    instrument: InstrumentId = BTC,
    order_id: str | None = None,
) -> OrderFilled:
    """Build a fill; ``side`` is ``"BUY"`` or ``"SELL"``."""
    number = next(_sequence)
    return OrderFilled(
        client_order_id=ClientOrderId(order_id or f"O-{number}"),
        instrument_id=instrument,
        strategy_id=STRATEGY,
        ts_event=ts,
        ts_init=ts,
        venue_order_id=VenueOrderId(f"V-{number}"),
        trade_id=TradeId(f"T-{number}"),
        side=OrderSide(side),
        last_qty=Decimal(qty),
        last_px=Decimal(px),
        commission=Decimal(fee),
        commission_currency=fee_currency,
        liquidity_side=LiquiditySide.TAKER,
    )


def daily_result(
    equity: list[float] | np.ndarray,
    starting_equity: float = 100.0,
    fills: list[OrderFilled] | None = None,
    **kwargs: object,
) -> BacktestResult:
    """Build a result whose equity points fall on days 1..N (the start is day 0)."""
    values = np.asarray(equity, dtype=np.float64)
    ts = T0 + np.arange(1, len(values) + 1, dtype=np.int64) * NANOS_PER_DAY
    return BacktestResult(
        run_id="test-run",
        config=dict(kwargs.pop("config", {})),  # type: ignore[call-overload]
        base_currency="USDT",
        starting_equity=starting_equity,
        equity_ts=ts,
        equity=values,
        fills=fills or [],
        orders=[],
        **kwargs,  # type: ignore[arg-type]
    )

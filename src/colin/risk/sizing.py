"""Position sizing: how much to buy or sell, within the risk engine's limits.

The pure functions return a raw size in base units (floats: sizing is an estimate); the
:class:`PositionSizer` turns one into an order quantity rounded down to the lot size and capped by
the largest quantity the risk engine would approve right now.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

from colin.core.ids import ClientOrderId, InstrumentId, StrategyId
from colin.model.enums import OrderSide, OrderType
from colin.model.orders import Order
from colin.model.signal import Signal

if TYPE_CHECKING:
    from colin.risk.engine import RiskEngine


def _positive(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")


def _fraction(name: str, value: float) -> None:
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")


def fixed_fractional(equity: float, fraction: float, price: float) -> float:
    """Return the size whose value is ``fraction`` of ``equity``."""
    _positive("price", price)
    _fraction("fraction", fraction)
    return max(equity, 0.0) * fraction / price


def risk_to_stop(equity: float, risk_fraction: float, entry: float, stop: float) -> float:
    """Return the size that loses ``risk_fraction`` of equity if the stop is hit.

    Raises
    ------
    ValueError
        If the stop equals the entry (the risk per unit would be zero).
    """
    _positive("entry", entry)
    _positive("stop", stop)
    _fraction("risk_fraction", risk_fraction)
    distance = abs(entry - stop)
    if distance == 0.0:
        raise ValueError(f"stop {stop} equals the entry {entry}: the risk per unit is zero")
    return max(equity, 0.0) * risk_fraction / distance


def atr_stop(entry: float, atr: float, multiple: float, side: OrderSide) -> float:
    """Return a stop ``multiple`` ATRs away from ``entry`` on the losing side."""
    _positive("atr", atr)
    _positive("multiple", multiple)
    stop = entry - multiple * atr if side is OrderSide.BUY else entry + multiple * atr
    if stop <= 0.0:
        raise ValueError(f"an ATR stop of {multiple} x {atr} below {entry} is not a positive price")
    return stop


def volatility_target(
    equity: float, target_volatility: float, asset_volatility: float, price: float
) -> float:
    """Return the size whose annualised volatility is ``target_volatility`` of equity."""
    _positive("asset_volatility", asset_volatility)
    _positive("target_volatility", target_volatility)
    _positive("price", price)
    return max(equity, 0.0) * target_volatility / asset_volatility / price


def kelly_fraction(
    win_probability: float, win_loss_ratio: float, scale: float = 0.5, cap: float = 0.25
) -> float:
    """Return the fractional Kelly bet: ``scale * (p - (1 - p) / b)``, clipped to ``[0, cap]``."""
    _fraction("win_probability", win_probability)
    _positive("win_loss_ratio", win_loss_ratio)
    _fraction("scale", scale)
    _fraction("cap", cap)
    full = win_probability - (1.0 - win_probability) / win_loss_ratio
    return min(max(full * scale, 0.0), cap)


def confidence_scaled(size: float, confidence: float, min_confidence: float = 0.0) -> float:
    """Scale ``size`` by a signal's confidence; below ``min_confidence`` the size is zero."""
    _fraction("confidence", confidence)
    _fraction("min_confidence", min_confidence)
    if confidence < min_confidence:
        return 0.0
    return size * confidence


class PositionSizer:
    """Turn raw sizes into order quantities the risk engine would approve."""

    def __init__(self, engine: RiskEngine) -> None:
        self._engine = engine

    def max_quantity(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal | None = None
    ) -> Decimal:
        """Return the largest quantity the risk engine would approve now (0 if none).

        A probe order far larger than any limit is assessed without side effects; each limit
        reports the quantity it would allow, and the smallest of those is the answer.
        """
        engine = self._engine
        instrument = engine.assessor_instrument_by_id(instrument_id)
        if instrument is None:
            return Decimal(0)
        probe_quantity = instrument.max_quantity or instrument.lot_size * Decimal(10) ** 12
        probe = Order(
            client_order_id=ClientOrderId("risk-sizing-probe"),
            strategy_id=StrategyId("risk"),
            instrument_id=instrument_id,
            side=side,
            order_type=OrderType.MARKET if price is None else OrderType.LIMIT,
            quantity=probe_quantity,
            price=price,
        )
        assessment = engine.assess_probe(probe)
        if not assessment.breaches:
            return probe_quantity
        if any(b.allowed is None for b in assessment.breaches):
            return Decimal(0)
        allowed = min(b.allowed for b in assessment.breaches if b.allowed is not None)
        quantity = instrument.round_quantity(Decimal(repr(allowed)))
        return quantity if quantity >= instrument.min_quantity else Decimal(0)

    def quantity(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        size: float,
        price: Decimal | None = None,
    ) -> Decimal:
        """Round ``size`` (base units) down to the lot and cap it at :meth:`max_quantity`."""
        instrument = self._engine.assessor_instrument_by_id(instrument_id)
        if instrument is None or not math.isfinite(size) or size <= 0.0:
            return Decimal(0)
        contracts = Decimal(repr(size)) / instrument.contract_size
        wanted = instrument.round_quantity(contracts)
        if wanted < instrument.min_quantity or wanted <= 0:
            return Decimal(0)
        return min(wanted, self.max_quantity(instrument_id, side, price))

    def for_signal(
        self,
        signal: Signal,
        price: float,
        fraction: float,
        min_confidence: float = 0.0,
    ) -> tuple[OrderSide, Decimal] | None:
        """Size a signal: ``fraction`` of equity scaled by its confidence and strength."""
        if signal.direction == 0:
            return None
        side = OrderSide.BUY if signal.direction > 0 else OrderSide.SELL
        base = fixed_fractional(self._engine.exposure.equity, fraction * signal.strength, price)
        size = confidence_scaled(base, signal.confidence, min_confidence)
        quantity = self.quantity(signal.instrument_id, side, size)
        return (side, quantity) if quantity > 0 else None

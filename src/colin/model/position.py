"""Net positions and their exact PnL.

A :class:`Position` nets every fill of one instrument into a signed quantity (positive long,
negative short) with an average entry price. Realised PnL is booked when a fill reduces or flips
the position: ``closed_qty * (exit - entry) * contract_size`` for longs, the negative for shorts.
Fees are tracked apart from price PnL (``realized_pnl`` excludes them; ``net_realized_pnl``
subtracts the fees paid in the settlement currency).
"""

from __future__ import annotations

from decimal import Decimal

from colin.core.ids import InstrumentId, StrategyId
from colin.model.enums import PositionSide
from colin.model.events import OrderFilled
from colin.model.instrument import Instrument

_ZERO = Decimal(0)


class Position:
    """The net position in one instrument."""

    __slots__ = (
        "avg_entry_price",
        "avg_entry_price_f",
        "commissions",
        "contract_size",
        "instrument",
        "instrument_id",
        "quantity",
        "quantity_f",
        "realized_pnl",
        "strategy_id",
        "trade_count",
        "ts_closed",
        "ts_last",
        "ts_opened",
    )

    def __init__(self, instrument: Instrument, strategy_id: str = "") -> None:
        self.instrument = instrument
        self.instrument_id: InstrumentId = instrument.id
        self.strategy_id = StrategyId(strategy_id)
        self.contract_size = instrument.contract_size
        self.quantity = _ZERO
        self.avg_entry_price = _ZERO
        self.realized_pnl = _ZERO
        self.commissions = _ZERO
        self.trade_count = 0
        self.ts_opened = 0
        self.ts_closed = 0
        self.ts_last = 0
        # float mirrors for per-bar marking on the hot path
        self.quantity_f = 0.0
        self.avg_entry_price_f = 0.0

    @property
    def side(self) -> PositionSide:
        """LONG, SHORT or FLAT."""
        if self.quantity > 0:
            return PositionSide.LONG
        if self.quantity < 0:
            return PositionSide.SHORT
        return PositionSide.FLAT

    @property
    def is_open(self) -> bool:
        """Whether the position is not flat."""
        return self.quantity != 0

    @property
    def net_realized_pnl(self) -> Decimal:
        """Realised PnL less the fees paid in the settlement currency."""
        return self.realized_pnl - self.commissions

    def apply(self, fill: OrderFilled) -> Decimal:
        """Net ``fill`` into the position and return the PnL it realised (before fees)."""
        signed = fill.signed_qty
        price = fill.last_px
        if fill.commission_currency == self.instrument.settlement_currency:
            self.commissions += fill.commission
        self.trade_count += 1
        self.ts_last = fill.ts_event
        current = self.quantity
        realized = _ZERO
        if current == 0 or (current > 0) == (signed > 0):
            # opening or adding: weighted average entry
            new_qty = current + signed
            self.avg_entry_price = (
                self.avg_entry_price * abs(current) + price * abs(signed)
            ) / abs(new_qty)
            if current == 0:
                self.ts_opened = fill.ts_event
        else:
            closed = min(abs(signed), abs(current))
            direction = 1 if current > 0 else -1
            realized = closed * (price - self.avg_entry_price) * self.contract_size * direction
            new_qty = current + signed
            if new_qty == 0:
                self.avg_entry_price = _ZERO
                self.ts_closed = fill.ts_event
            elif (new_qty > 0) != (current > 0):
                # flipped: the remainder opens at the fill price
                self.avg_entry_price = price
                self.ts_opened = fill.ts_event
        self.quantity = new_qty
        self.realized_pnl += realized
        self.quantity_f = float(new_qty)
        self.avg_entry_price_f = float(self.avg_entry_price)
        return realized

    def unrealized_pnl(self, mark_price: float) -> float:
        """Open PnL at ``mark_price`` (float: marks come from market data)."""
        if self.quantity_f == 0.0:
            return 0.0
        return self.quantity_f * (mark_price - self.avg_entry_price_f) * float(self.contract_size)

    def notional(self, mark_price: float) -> float:
        """Absolute value of the position at ``mark_price``."""
        return abs(self.quantity_f) * mark_price * float(self.contract_size)

    def __repr__(self) -> str:
        return (
            f"Position({self.instrument_id} qty={self.quantity} avg={self.avg_entry_price} "
            f"realized={self.realized_pnl})"
        )

"""Order and position events: facts about what happened (past tense)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from colin.model.enums import LiquiditySide, OrderSide


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderEvent:
    """Base of all order events."""

    client_order_id: ClientOrderId
    instrument_id: InstrumentId
    strategy_id: StrategyId
    ts_event: int
    ts_init: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderDenied(OrderEvent):
    """The risk engine refused the order before it left Colin."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderSubmitted(OrderEvent):
    """The order was journaled and sent to the venue."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderAccepted(OrderEvent):
    """The venue acknowledged the order and it is working."""

    venue_order_id: VenueOrderId


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRejected(OrderEvent):
    """The venue refused the order."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderTriggered(OrderEvent):
    """A stop order's trigger price was reached."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPendingUpdate(OrderEvent):
    """A modify request was sent and is not answered yet."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPendingCancel(OrderEvent):
    """A cancel request was sent and is not answered yet."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderUpdated(OrderEvent):
    """The venue applied a modify: the order now has these values."""

    quantity: Decimal
    price: Decimal | None
    trigger_price: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderModifyRejected(OrderEvent):
    """The venue refused a modify; the order keeps its previous values."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelRejected(OrderEvent):
    """The venue refused a cancel (usually because the order was already closed)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCanceled(OrderEvent):
    """The order was canceled; what was filled stays filled."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderExpired(OrderEvent):
    """The order ended by its time in force (e.g. the unfilled rest of an IOC)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilled(OrderEvent):
    """An execution of (part of) the order. ``commission`` is in ``commission_currency``."""

    venue_order_id: VenueOrderId
    trade_id: TradeId
    side: OrderSide
    last_qty: Decimal
    last_px: Decimal
    commission: Decimal
    commission_currency: str
    liquidity_side: LiquiditySide

    @property
    def signed_qty(self) -> Decimal:
        """The quantity with the sign of the side (+ buy, - sell)."""
        return self.last_qty if self.side is OrderSide.BUY else -self.last_qty


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionEvent:
    """Base of position events: the position's state after the change."""

    instrument_id: InstrumentId
    strategy_id: StrategyId
    quantity: Decimal
    avg_entry_price: Decimal
    realized_pnl: Decimal
    ts_event: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionOpened(PositionEvent):
    """A flat position became long or short."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionChanged(PositionEvent):
    """An open position grew, shrank or flipped."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionClosed(PositionEvent):
    """A position went back to flat."""

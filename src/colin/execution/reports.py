"""Venue-neutral reports of what a venue says about orders, fills, balances and positions.

Venue clients decode their wire formats (ccxt dicts, websocket frames) into these frozen types at
the edge; the :class:`~colin.execution.reconcile.Reconciler` compares them with the cache and turns
every difference into order events. A report is a statement by the venue, not a change: nothing
happens to an order until the reconciler applies it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from colin.core.ids import ClientOrderId, InstrumentId, TradeId, VenueOrderId
from colin.model.account import Balance
from colin.model.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce

#: The statuses a venue can report (Colin-side states such as SUBMITTED never come from a venue).
VENUE_STATUSES = frozenset(
    {
        OrderStatus.ACCEPTED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
        OrderStatus.REJECTED,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderStatusReport:
    """One order as the venue sees it now.

    ``status`` is one of :data:`VENUE_STATUSES`: ``ACCEPTED`` for a working order without fills,
    ``PARTIALLY_FILLED`` for a working order with some. ``client_order_id`` is ``None`` when the
    venue has none for the order (it was not placed through an API that sets one).
    """

    client_order_id: ClientOrderId | None
    venue_order_id: VenueOrderId
    instrument_id: InstrumentId
    side: OrderSide
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None
    filled_qty: Decimal
    avg_px: Decimal | None
    status: OrderStatus
    ts_event: int
    time_in_force: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    reduce_only: bool = False
    trigger_price: Decimal | None = None

    def __post_init__(self) -> None:
        if self.status not in VENUE_STATUSES:
            raise ValueError(f"order {self.venue_order_id}: {self.status} is not a venue status")
        if self.quantity <= 0 or self.filled_qty < 0 or self.filled_qty > self.quantity:
            raise ValueError(
                f"order {self.venue_order_id}: filled {self.filled_qty} of {self.quantity} "
                "is not a valid fill state"
            )

    @property
    def is_open(self) -> bool:
        """Whether the order is still working at the venue."""
        return self.status in (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED)


@dataclass(frozen=True, slots=True, kw_only=True)
class FillReport:
    """One execution as the venue reports it. ``commission`` is in ``commission_currency``."""

    trade_id: TradeId
    client_order_id: ClientOrderId | None
    venue_order_id: VenueOrderId
    instrument_id: InstrumentId
    side: OrderSide
    quantity: Decimal
    price: Decimal
    commission: Decimal
    commission_currency: str
    liquidity_side: LiquiditySide
    ts_event: int

    def __post_init__(self) -> None:
        if self.quantity <= 0 or self.price <= 0:
            raise ValueError(f"fill {self.trade_id}: quantity and price must be positive")


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionReport:
    """A derivative position at the venue: signed quantity (+ long, - short), entry price."""

    instrument_id: InstrumentId
    quantity: Decimal
    entry_price: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueState:
    """A snapshot of one venue account, gathered by a venue client for reconciliation.

    Parameters
    ----------
    venue
        The venue name (orders of other venues in the cache are not compared).
    orders
        Every working order at the venue, plus the final state of each order the client looked
        up because Colin thought it open and the venue did not list it.
    missing
        Client order ids the client looked up and the venue does not know.
    fills
        Recent fills of the account (at least those since the oldest open order of Colin's).
    balances
        Account balances per currency; empty when the client did not fetch them.
    positions
        Derivative positions; only instruments listed here (or in ``position_instruments``) are
        compared.
    position_instruments
        Instruments whose positions were fetched; one absent from ``positions`` is flat.
    ts_event
        When the snapshot was taken (ns).
    """

    venue: str
    orders: tuple[OrderStatusReport, ...] = ()
    missing: frozenset[ClientOrderId] = field(default_factory=frozenset)
    fills: tuple[FillReport, ...] = ()
    balances: tuple[Balance, ...] = ()
    positions: tuple[PositionReport, ...] = ()
    position_instruments: frozenset[InstrumentId] = field(default_factory=frozenset)
    ts_event: int = 0

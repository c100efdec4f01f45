"""Orders and their state machine.

An :class:`Order` changes only by :meth:`Order.apply` with an event; every transition not in
``_TRANSITIONS`` raises :class:`~colin.core.errors.InvalidStateTransition`. The diagram::

    INITIALIZED ─► DENIED
         │
         ▼
     SUBMITTED ─► REJECTED
         │
         ▼
     ACCEPTED ◄──► PENDING_UPDATE / PENDING_CANCEL      (answers return to the previous state)
         │  └──► TRIGGERED (stops)
         ▼
  PARTIALLY_FILLED ─► FILLED | CANCELED | EXPIRED

Fills may arrive before the acknowledgement (SUBMITTED → FILLED), as they do on real venues.

The constructor only stores what it is given; the risk engine is what validates an order, so that
a malformed order becomes an explicit denial rather than an exception in strategy code.
"""

from __future__ import annotations

from decimal import Decimal

from colin.core.errors import InvalidStateTransition
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, VenueOrderId
from colin.model.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from colin.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
)

S = OrderStatus
_WORKING = {S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED}
_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.INITIALIZED: frozenset({S.DENIED, S.SUBMITTED}),
    S.SUBMITTED: frozenset(
        {
            S.ACCEPTED,
            S.REJECTED,
            S.CANCELED,
            S.EXPIRED,
            S.TRIGGERED,
            S.PENDING_UPDATE,
            S.PENDING_CANCEL,
            S.PARTIALLY_FILLED,
            S.FILLED,
        }
    ),
    S.ACCEPTED: frozenset(
        {
            S.ACCEPTED,
            S.CANCELED,
            S.EXPIRED,
            S.TRIGGERED,
            S.PENDING_UPDATE,
            S.PENDING_CANCEL,
            S.PARTIALLY_FILLED,
            S.FILLED,
        }
    ),
    S.TRIGGERED: frozenset(
        {
            S.TRIGGERED,
            S.CANCELED,
            S.EXPIRED,
            S.REJECTED,
            S.PENDING_UPDATE,
            S.PENDING_CANCEL,
            S.PARTIALLY_FILLED,
            S.FILLED,
        }
    ),
    S.PENDING_UPDATE: frozenset(
        {
            S.ACCEPTED,
            S.TRIGGERED,
            S.PARTIALLY_FILLED,
            S.CANCELED,
            S.EXPIRED,
            S.PENDING_CANCEL,
            S.FILLED,
        }
    ),
    S.PENDING_CANCEL: frozenset(
        {S.CANCELED, S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED, S.FILLED, S.EXPIRED}
    ),
    S.PARTIALLY_FILLED: frozenset(
        {S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED, S.PENDING_UPDATE, S.PENDING_CANCEL}
    ),
}
for _closed in (S.DENIED, S.REJECTED, S.FILLED, S.CANCELED, S.EXPIRED):
    _TRANSITIONS[_closed] = frozenset()


# the same table keyed by status names: string hashes are cached, enum hashes are a Python call
_ALLOWED: dict[str, frozenset[str]] = {
    status._name_: frozenset(target._name_ for target in targets)
    for status, targets in _TRANSITIONS.items()
}
_ZERO = Decimal(0)


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether an order in ``current`` may move to ``target``."""
    return target in _TRANSITIONS[current]


class Order:
    """A request to trade, and everything that has happened to it since."""

    __slots__ = (
        "_status_before_pending",
        "avg_px",
        "client_order_id",
        "commissions",
        "events",
        "filled_qty",
        "instrument_id",
        "order_type",
        "post_only",
        "price",
        "quantity",
        "reduce_only",
        "side",
        "status",
        "strategy_id",
        "tags",
        "time_in_force",
        "trigger_price",
        "ts_init",
        "ts_last",
        "venue_order_id",
    )

    def __init__(
        self,
        *,
        client_order_id: ClientOrderId,
        strategy_id: StrategyId,
        instrument_id: InstrumentId,
        side: OrderSide,
        order_type: OrderType,
        quantity: Decimal,
        price: Decimal | None = None,
        trigger_price: Decimal | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        post_only: bool = False,
        reduce_only: bool = False,
        ts_init: int = 0,
        tags: tuple[str, ...] = (),
    ) -> None:
        self.client_order_id = client_order_id
        self.strategy_id = strategy_id
        self.instrument_id = instrument_id
        self.side = side
        self.order_type = order_type
        self.quantity = quantity
        self.price = price
        self.trigger_price = trigger_price
        self.time_in_force = time_in_force
        self.post_only = post_only
        self.reduce_only = reduce_only
        self.ts_init = ts_init
        self.ts_last = ts_init
        self.tags = tags
        self.status = OrderStatus.INITIALIZED
        self.venue_order_id: VenueOrderId | None = None
        self.filled_qty = _ZERO
        self.avg_px: Decimal | None = None
        self.commissions: dict[str, Decimal] = {}
        self.events: list[OrderEvent] = []
        self._status_before_pending: OrderStatus | None = None

    # -- derived ---------------------------------------------------------------------------------

    @property
    def leaves_qty(self) -> Decimal:
        """Quantity still to be filled."""
        return self.quantity - self.filled_qty

    @property
    def is_open(self) -> bool:
        """Whether the order may still fill or be canceled."""
        return self.status.is_open

    @property
    def is_closed(self) -> bool:
        """Whether the order has reached a final state."""
        return self.status.is_closed

    @property
    def is_buy(self) -> bool:
        """Whether this is a buy order."""
        return self.side is OrderSide.BUY

    @property
    def signed_quantity(self) -> Decimal:
        """The order quantity, negative for sells."""
        return self.quantity if self.side is OrderSide.BUY else -self.quantity

    # -- state machine ---------------------------------------------------------------------------

    def apply(self, event: OrderEvent) -> None:
        """Move the order by ``event``.

        Raises
        ------
        InvalidStateTransition
            If the event is not allowed in the current state, belongs to another order, or a
            fill would take the filled quantity past the order quantity.
        """
        if event.client_order_id != self.client_order_id:
            raise InvalidStateTransition(
                f"event for {event.client_order_id} applied to order {self.client_order_id}"
            )
        status = self.status
        target = self._target_status(event)
        if target._name_ not in _ALLOWED[status._name_]:
            raise InvalidStateTransition(
                f"order {self.client_order_id}: {type(event).__name__} is not allowed in "
                f"state {status.value}"
            )
        # exact event types (``_target_status`` refused any other), most frequent first
        if isinstance(event, OrderFilled):
            self._apply_fill(event)
            if self.filled_qty == self.quantity:
                target = S.FILLED
        elif isinstance(event, OrderAccepted):
            self.venue_order_id = event.venue_order_id
        elif isinstance(event, (OrderPendingUpdate, OrderPendingCancel)):
            if status is not S.PENDING_UPDATE and status is not S.PENDING_CANCEL:
                self._status_before_pending = status
        elif isinstance(event, OrderUpdated):
            self.quantity = event.quantity
            self.price = event.price
            self.trigger_price = event.trigger_price
            if self.filled_qty >= self.quantity:
                target = S.FILLED
        self.status = target
        self.ts_last = event.ts_event
        self.events.append(event)

    def _target_status(self, event: OrderEvent) -> OrderStatus:
        kind = type(event)
        if kind is OrderFilled:
            return S.PARTIALLY_FILLED  # promoted to FILLED in apply() when complete
        target = _EVENT_STATUS.get(kind)
        if target is not None:
            return target
        if kind is OrderUpdated or kind is OrderModifyRejected or kind is OrderCancelRejected:
            return self._restored_status()
        raise InvalidStateTransition(f"unknown order event {kind.__name__}")

    def _restored_status(self) -> OrderStatus:
        if self.status in (S.PENDING_UPDATE, S.PENDING_CANCEL):
            if self._status_before_pending is not None:
                return self._status_before_pending
            return S.PARTIALLY_FILLED if self.filled_qty else S.ACCEPTED
        if self.status in _WORKING:
            return self.status
        return S.REJECTED if self.status.is_closed else S.ACCEPTED

    def _apply_fill(self, fill: OrderFilled) -> None:
        if fill.side is not self.side:
            raise InvalidStateTransition(f"order {self.client_order_id}: fill side mismatch")
        new_filled = self.filled_qty + fill.last_qty
        if fill.last_qty <= 0 or new_filled > self.quantity:
            raise InvalidStateTransition(
                f"order {self.client_order_id}: fill of {fill.last_qty} would take the filled "
                f"quantity to {new_filled} of {self.quantity}"
            )
        previous_cost = (self.avg_px or _ZERO) * self.filled_qty
        self.avg_px = (previous_cost + fill.last_px * fill.last_qty) / new_filled
        self.filled_qty = new_filled
        self.venue_order_id = self.venue_order_id or fill.venue_order_id
        currency = fill.commission_currency
        self.commissions[currency] = self.commissions.get(currency, _ZERO) + fill.commission

    def __repr__(self) -> str:
        price = f" @ {self.price}" if self.price is not None else ""
        return (
            f"Order({self.client_order_id} {self.side.value} {self.quantity} {self.instrument_id} "
            f"{self.order_type.value}{price} {self.status.value} filled={self.filled_qty})"
        )


_EVENT_STATUS: dict[type[OrderEvent], OrderStatus] = {
    OrderDenied: S.DENIED,
    OrderSubmitted: S.SUBMITTED,
    OrderAccepted: S.ACCEPTED,
    OrderRejected: S.REJECTED,
    OrderTriggered: S.TRIGGERED,
    OrderPendingUpdate: S.PENDING_UPDATE,
    OrderPendingCancel: S.PENDING_CANCEL,
    OrderCanceled: S.CANCELED,
    OrderExpired: S.EXPIRED,
}

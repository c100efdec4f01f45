"""The venue's own record of a working order.

The :class:`~colin.model.orders.Order` in a ``SubmitOrder`` belongs to the execution engine; the
venue copies what it needs into a :class:`VenueOrder` and never touches the original.
"""

from __future__ import annotations

from decimal import Decimal

from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, VenueOrderId
from colin.model.enums import OrderSide, OrderType, TimeInForce
from colin.model.orders import Order

_ZERO = Decimal(0)


class VenueOrder:
    """A working order at the simulated venue.

    Attributes
    ----------
    eligible_from
        Venue time from which the order may match: its arrival, or the arrival of its latest
        modify (a modified order loses its queue priority, as on Binance).
    sequence
        Arrival sequence number, the tie-break of priority.
    taker_on_arrival
        Whether the order was marketable when it arrived: its first fill is then a taker fill.
        Cleared after its first chance to match, when it becomes a resting (maker) order.
    fresh
        Whether the order has not had a chance to match yet (IOC/FOK decide at that moment).
    triggered
        Whether a stop order's trigger has been reached.
    acts_as_market
        Whether the order takes any price: a market order, or a triggered stop-market.
    reserved
        Funds held for the order's unfilled quantity, in ``reserved_currency``.
    """

    __slots__ = (
        "acts_as_market",
        "client_order_id",
        "eligible_from",
        "filled_qty",
        "fresh",
        "instrument_id",
        "is_buy",
        "is_stop",
        "order_type",
        "post_only",
        "price",
        "price_f",
        "quantity",
        "reduce_only",
        "reserved",
        "reserved_currency",
        "sequence",
        "side",
        "strategy_id",
        "taker_on_arrival",
        "time_in_force",
        "trigger_f",
        "trigger_price",
        "triggered",
        "venue_order_id",
    )

    def __init__(self, order: Order, venue_order_id: VenueOrderId, arrival_ns: int, sequence: int):
        self.client_order_id: ClientOrderId = order.client_order_id
        self.strategy_id: StrategyId = order.strategy_id
        self.instrument_id: InstrumentId = order.instrument_id
        self.side: OrderSide = order.side
        self.is_buy = order.side is OrderSide.BUY
        self.order_type: OrderType = order.order_type
        self.is_stop = order.order_type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)
        self.acts_as_market = order.order_type is OrderType.MARKET
        self.time_in_force: TimeInForce = order.time_in_force
        self.post_only = order.post_only
        self.reduce_only = order.reduce_only
        self.venue_order_id = venue_order_id
        self.quantity: Decimal = order.quantity
        self.filled_qty = _ZERO
        self.price: Decimal | None = None
        self.price_f = 0.0
        self.trigger_price: Decimal | None = None
        self.trigger_f = 0.0
        self.set_prices(order.price, order.trigger_price)
        self.eligible_from = arrival_ns
        self.sequence = sequence
        self.taker_on_arrival = False
        self.fresh = True
        self.triggered = False
        self.reserved = _ZERO
        self.reserved_currency = ""

    def set_prices(self, price: Decimal | None, trigger_price: Decimal | None) -> None:
        """Set the limit and trigger prices (and their float mirrors used for matching)."""
        self.price = price
        self.price_f = float(price) if price is not None else 0.0
        self.trigger_price = trigger_price
        self.trigger_f = float(trigger_price) if trigger_price is not None else 0.0

    @property
    def leaves_qty(self) -> Decimal:
        """Quantity still to be filled."""
        return self.quantity - self.filled_qty

    def mark_triggered(self) -> None:
        """Record that the stop's trigger was reached (a stop-market now takes any price)."""
        self.triggered = True
        self.acts_as_market = self.order_type is OrderType.STOP_MARKET

    @property
    def priority(self) -> tuple[int, int]:
        """Sort key of the matching queue: earlier eligibility first."""
        return (self.eligible_from, self.sequence)

    def __repr__(self) -> str:
        return (
            f"VenueOrder({self.client_order_id} {self.side.value} {self.order_type.value} "
            f"{self.filled_qty}/{self.quantity} price={self.price} trigger={self.trigger_price})"
        )

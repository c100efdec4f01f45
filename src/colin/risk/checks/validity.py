"""Well-formedness: the checks that must pass before an order can be valued at all.

Every failure here is a denial with a named field and reason, never an exception: comparisons
with ``Decimal('NaN')`` raise, so finiteness is checked before any comparison, and arithmetic on
absurd exponents is caught and reported.
"""

from __future__ import annotations

from decimal import Decimal

from colin.model.enums import OrderSide, OrderType, TimeInForce
from colin.model.instrument import Instrument
from colin.model.orders import Order
from colin.risk.checks.base import Breach

_NEEDS_PRICE = (OrderType.LIMIT, OrderType.STOP_LIMIT)
_NEEDS_TRIGGER = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


def validate_order(
    order: Order, instrument: Instrument, max_quantity: Decimal | None
) -> Breach | None:
    """Return why ``order`` is malformed for ``instrument``, or ``None`` if it is well formed."""
    if not isinstance(order.side, OrderSide):
        return Breach("invalid_side", f"side must be BUY or SELL, got {order.side!r}")
    if not isinstance(order.order_type, OrderType):
        return Breach("invalid_order_type", f"unknown order type {order.order_type!r}")
    if not isinstance(order.time_in_force, TimeInForce):
        return Breach("invalid_time_in_force", f"unknown time in force {order.time_in_force!r}")
    breach = _check_quantity(order.quantity, instrument, max_quantity)
    if breach is not None:
        return breach
    if order.order_type in _NEEDS_PRICE:
        breach = _check_price("price", order.price, instrument)
        if breach is not None:
            return breach
    elif order.price is not None:
        return Breach("invalid_price", f"a {order.order_type.value} order takes no limit price")
    if order.order_type in _NEEDS_TRIGGER:
        return _check_price("trigger_price", order.trigger_price, instrument)
    if order.trigger_price is not None:
        return Breach(
            "invalid_trigger_price", f"a {order.order_type.value} order takes no trigger price"
        )
    if order.post_only and order.order_type is not OrderType.LIMIT:
        return Breach("invalid_post_only", "post-only is only valid on limit orders")
    return None


def _check_quantity(
    quantity: object, instrument: Instrument, max_quantity: Decimal | None
) -> Breach | None:
    if not isinstance(quantity, Decimal):
        return Breach(
            "invalid_quantity", f"quantity must be a Decimal, got {type(quantity).__name__}"
        )
    if not quantity.is_finite():
        return Breach("invalid_quantity", f"quantity must be finite, got {quantity}")
    if quantity <= 0:
        return Breach("invalid_quantity", f"quantity must be positive, got {quantity}")
    try:
        off_lot = quantity % instrument.lot_size != 0
    except ArithmeticError:
        return Breach("invalid_quantity", f"quantity {quantity} is not representable")
    if off_lot:
        return Breach(
            "quantity_precision",
            f"quantity {quantity} is not a multiple of the lot size {instrument.lot_size}",
        )
    if quantity < instrument.min_quantity:
        return Breach(
            "min_quantity", f"quantity {quantity} is below the minimum {instrument.min_quantity}"
        )
    if instrument.max_quantity is not None and quantity > instrument.max_quantity:
        return Breach(
            "max_quantity",
            f"quantity {quantity} is above the instrument maximum {instrument.max_quantity}",
            float(instrument.max_quantity),
        )
    if max_quantity is not None and quantity > max_quantity:
        return Breach(
            "max_quantity",
            f"quantity {quantity} is above the configured maximum {max_quantity}",
            float(max_quantity),
        )
    return None


def _check_price(name: str, price: object, instrument: Instrument) -> Breach | None:
    code = f"invalid_{name}"
    if price is None:
        return Breach(code, f"{name} is required for this order type")
    if not isinstance(price, Decimal):
        return Breach(code, f"{name} must be a Decimal, got {type(price).__name__}")
    if not price.is_finite():
        return Breach(code, f"{name} must be finite, got {price}")
    if price <= 0:
        return Breach(code, f"{name} must be positive, got {price}")
    try:
        off_tick = price % instrument.tick_size != 0
    except ArithmeticError:
        return Breach(code, f"{name} {price} is not representable")
    if off_tick:
        return Breach(
            "price_precision",
            f"{name} {price} is not a multiple of the tick size {instrument.tick_size}",
        )
    return None

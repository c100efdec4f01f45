"""Well-formedness: the checks that must pass before an order can be valued at all.

Every failure here is a denial with a named field and reason, never an exception: comparisons
with ``Decimal('NaN')`` raise, so finiteness is checked before any comparison, and arithmetic on
absurd exponents is caught and reported.

Quantities and prices that passed once are remembered per instrument (with their float value,
see :class:`~colin.risk.spec.InstrumentSpec`), so the Decimal arithmetic runs once per distinct
value rather than once per order; validity depends only on the value, never on how it is written.
"""

from __future__ import annotations

from decimal import Decimal

from colin.model.enums import OrderSide, OrderType, TimeInForce
from colin.model.orders import Order
from colin.risk.checks.base import Breach
from colin.risk.spec import InstrumentSpec

_LIMIT = OrderType.LIMIT
_STOP_LIMIT = OrderType.STOP_LIMIT
_STOP_MARKET = OrderType.STOP_MARKET


def validate_order(
    order: Order, spec: InstrumentSpec, max_quantity: Decimal | None
) -> Breach | None:
    """Return why ``order`` is malformed for the spec's instrument, or ``None`` if well formed."""
    if not isinstance(order.side, OrderSide):
        return Breach("invalid_side", f"side must be BUY or SELL, got {order.side!r}")
    order_type = order.order_type
    if not isinstance(order_type, OrderType):
        return Breach("invalid_order_type", f"unknown order type {order_type!r}")
    if not isinstance(order.time_in_force, TimeInForce):
        return Breach("invalid_time_in_force", f"unknown time in force {order.time_in_force!r}")
    quantity = order.quantity
    try:
        known = type(quantity) is Decimal and quantity in spec.quantities
    except TypeError:  # a signalling NaN cannot even be hashed
        known = False
    if not known:
        breach = _check_quantity(quantity, spec, max_quantity)
        if breach is not None:
            return breach
    price = order.price
    if order_type is _LIMIT or order_type is _STOP_LIMIT:
        try:
            known = type(price) is Decimal and price in spec.prices
        except TypeError:
            known = False
        if not known:
            breach = check_price("price", price, spec)
            if breach is not None:
                return breach
    elif price is not None:
        return Breach("invalid_price", f"a {order_type.value} order takes no limit price")
    trigger = order.trigger_price
    if order_type is _STOP_MARKET or order_type is _STOP_LIMIT:
        return check_price("trigger_price", trigger, spec)
    if trigger is not None:
        return Breach("invalid_trigger_price", f"a {order_type.value} order takes no trigger price")
    if order.post_only and order_type is not _LIMIT:
        return Breach("invalid_post_only", "post-only is only valid on limit orders")
    return None


def _check_quantity(
    quantity: object, spec: InstrumentSpec, max_quantity: Decimal | None
) -> Breach | None:
    if not isinstance(quantity, Decimal):
        return Breach(
            "invalid_quantity", f"quantity must be a Decimal, got {type(quantity).__name__}"
        )
    if not quantity.is_finite():
        return Breach("invalid_quantity", f"quantity must be finite, got {quantity}")
    if quantity <= 0:
        return Breach("invalid_quantity", f"quantity must be positive, got {quantity}")
    instrument = spec.instrument
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
    if type(quantity) is Decimal:  # a subclass could hash or compare differently
        spec.remember(spec.quantities, quantity)
    return None


def check_price(name: str, price: object, spec: InstrumentSpec) -> Breach | None:
    """Return why ``price`` (the order field ``name``) is malformed for the spec's instrument,
    or ``None`` when it is a positive multiple of the tick size (then it is remembered in
    ``spec.prices``)."""
    try:
        if type(price) is Decimal and price in spec.prices:
            return None
    except TypeError:  # a signalling NaN cannot even be hashed
        pass
    code = f"invalid_{name}"
    if price is None:
        return Breach(code, f"{name} is required for this order type")
    if not isinstance(price, Decimal):
        return Breach(code, f"{name} must be a Decimal, got {type(price).__name__}")
    if not price.is_finite():
        return Breach(code, f"{name} must be finite, got {price}")
    if price <= 0:
        return Breach(code, f"{name} must be positive, got {price}")
    tick_size = spec.instrument.tick_size
    try:
        off_tick = price % tick_size != 0
    except ArithmeticError:
        return Breach(code, f"{name} {price} is not representable")
    if off_tick:
        return Breach(
            "price_precision", f"{name} {price} is not a multiple of the tick size {tick_size}"
        )
    if type(price) is Decimal:
        spec.remember(spec.prices, price)
    return None

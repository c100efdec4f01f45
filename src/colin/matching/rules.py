"""Venue-side order rules: the checks a Binance-like venue applies before accepting an order.

Each check returns a human-readable reason naming the offending field and value, or ``None``.
Balance checks live in :mod:`colin.matching.account`.
"""

from __future__ import annotations

from decimal import Decimal

from colin.model.enums import OrderType, TimeInForce
from colin.model.instrument import Instrument

_PRICED = (OrderType.LIMIT, OrderType.STOP_LIMIT)
_STOPS = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


def check_quantity(instrument: Instrument, quantity: Decimal) -> str | None:
    """Check a quantity against the instrument's lot size and min/max (Binance ``LOT_SIZE``)."""
    if not quantity.is_finite() or quantity <= 0:
        return f"quantity {quantity} must be positive"
    if quantity % instrument.lot_size != 0:
        return f"quantity {quantity} is not a multiple of the lot size {instrument.lot_size}"
    if quantity < instrument.min_quantity:
        return f"quantity {quantity} is below the minimum {instrument.min_quantity}"
    if instrument.max_quantity is not None and quantity > instrument.max_quantity:
        return f"quantity {quantity} is above the maximum {instrument.max_quantity}"
    return None


def check_price(instrument: Instrument, name: str, price: Decimal | None) -> str | None:
    """Check that a price is present, positive and on the tick grid (Binance ``PRICE_FILTER``)."""
    if price is None:
        return f"{name} is required"
    if not price.is_finite() or price <= 0:
        return f"{name} {price} must be positive"
    if price % instrument.tick_size != 0:
        return f"{name} {price} is not a multiple of the tick size {instrument.tick_size}"
    return None


def check_shape(
    instrument: Instrument,
    order_type: OrderType,
    quantity: Decimal,
    price: Decimal | None,
    trigger_price: Decimal | None,
    time_in_force: TimeInForce,
    post_only: bool,
) -> str | None:
    """Check the fields of an order that do not depend on the market or the account."""
    reason = check_quantity(instrument, quantity)
    if reason is None and order_type in _PRICED:
        reason = check_price(instrument, "price", price)
    if reason is None and order_type in _STOPS:
        reason = check_price(instrument, "trigger_price", trigger_price)
    if reason is None and post_only:
        if order_type is not OrderType.LIMIT:
            reason = f"post-only needs a LIMIT order, got {order_type.value}"
        elif time_in_force is not TimeInForce.GTC:
            reason = f"post-only needs time in force GTC, got {time_in_force.value}"
    return reason


def check_notional(instrument: Instrument, quantity: Decimal, price: Decimal | None) -> str | None:
    """Check the order value against the instrument's minimum (Binance ``MIN_NOTIONAL``)."""
    if price is None or instrument.min_notional <= 0:
        return None
    notional = instrument.notional(quantity, price)
    if notional < instrument.min_notional:
        return f"notional {notional} is below the minimum {instrument.min_notional}"
    return None


def check_reduce_only(
    instrument: Instrument, is_buy: bool, quantity: Decimal, position: Decimal
) -> str | None:
    """Check that a reduce-only order can only shrink the current perpetual position."""
    if not instrument.is_derivative:
        return "reduce-only is only supported for perpetual instruments"
    if position == 0 or (position > 0) == is_buy:
        return f"reduce-only order would increase the position (position {position})"
    if quantity > abs(position):
        return f"reduce-only quantity {quantity} exceeds the position {abs(position)}"
    return None


def check_market_rules(
    order_type: OrderType,
    is_buy: bool,
    post_only: bool,
    price: float | None,
    trigger_price: float | None,
    reference: float | None,
    reject_stop_would_trigger: bool,
) -> str | None:
    """Check the rules that depend on the market price at arrival (``reference``)."""
    if reference is None:
        return None
    if post_only and price is not None and (price >= reference if is_buy else price <= reference):
        side = "ask" if is_buy else "bid"
        return f"post-only order would take liquidity: price {price} crosses the {side} {reference}"
    if (
        reject_stop_would_trigger
        and order_type in _STOPS
        and trigger_price is not None
        and (reference >= trigger_price if is_buy else reference <= trigger_price)
    ):
        return f"stop order would trigger immediately: trigger {trigger_price}, market {reference}"
    return None

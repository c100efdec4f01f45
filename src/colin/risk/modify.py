"""Checks on a modify: the new values must be well formed, and any increase must fit the limits.

A modify that lowers the quantity only needs well-formed values and a sane price. One that raises
it is checked like a new order for the extra quantity, so that no limit can be dodged by
submitting small and amending up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from colin.model.commands import ModifyOrder
from colin.model.enums import TradingState
from colin.model.orders import Order
from colin.risk.checks import Breach
from colin.risk.checks.validity import validate_order

if TYPE_CHECKING:
    from colin.risk.engine import RiskEngine


def assess_modify(
    engine: RiskEngine, command: ModifyOrder, order: Order | None, now: int
) -> list[Breach]:
    """Return every reason to refuse ``command`` (empty when it may pass)."""
    if order is None:
        return [Breach("unknown_order", f"no order {command.client_order_id} to modify")]
    if not order.is_open:
        return [Breach("order_closed", f"{order.client_order_id} is {order.status.value}")]
    state = engine.trading_state
    if state is TradingState.HALTED:
        return [Breach("trading_state", "trading is HALTED: only cancels pass")]
    instrument = engine.assessor_instrument(order)
    if instrument is None:
        return [Breach("unknown_instrument", f"unknown instrument {order.instrument_id!r}")]
    quantity = order.quantity if command.quantity is None else command.quantity
    shadow = Order(
        client_order_id=order.client_order_id,
        strategy_id=order.strategy_id,
        instrument_id=order.instrument_id,
        side=order.side,
        order_type=order.order_type,
        quantity=quantity,
        price=order.price if command.price is None else command.price,
        trigger_price=order.trigger_price
        if command.trigger_price is None
        else command.trigger_price,
        time_in_force=order.time_in_force,
        post_only=order.post_only,
        reduce_only=order.reduce_only,
        ts_init=now,
    )
    assessor = engine.assessor
    spec = assessor.specs.get(instrument)
    breach = validate_order(shadow, spec, assessor.max_quantity)
    if breach is not None:
        return [breach]
    if quantity <= order.filled_qty:
        return [
            Breach(
                "invalid_quantity",
                f"quantity {quantity} is not above the filled {order.filled_qty}",
            )
        ]
    increase = quantity - order.quantity
    if increase > 0:
        if state is TradingState.REDUCING:
            return [Breach("trading_state", "trading is REDUCING: a modify may not add quantity")]
        shadow.quantity = increase
    else:
        shadow.quantity = (
            order.leaves_qty if command.quantity is None else quantity - order.filled_qty
        )
    reference = engine.reference_price(order.instrument_id)
    own_decimal = shadow.price if shadow.price is not None else shadow.trigger_price
    own = float(own_decimal) if own_decimal is not None else None
    price = own if own is not None else (reference or 0.0)
    if reference is not None and reference > price:
        price = reference
    if price <= 0.0:
        return [Breach("no_reference_price", f"no last price for {order.instrument_id}")]
    ctx = assessor.context(shadow, spec, float(shadow.quantity), own, price, reference, now)
    return assessor.run(ctx, None if increase > 0 else assessor.price_checks)

"""Self-trade prevention: never let our own orders trade with each other."""

from __future__ import annotations

from colin.cache.cache import CacheFacade
from colin.model.enums import OrderSide, OrderType
from colin.risk.checks.base import Breach, OrderContext

_PRICED = (OrderType.LIMIT, OrderType.STOP_LIMIT)


class SelfTradeCheck:
    """Deny an order that would cross one of our resting orders on the other side."""

    code = "self_trade"
    __slots__ = ("cache",)

    def __init__(self, cache: CacheFacade) -> None:
        self.cache = cache

    def check(self, ctx: OrderContext) -> Breach | None:
        """Compare the order's price with our resting opposite-side limit orders."""
        order = ctx.order
        if order.order_type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT):
            return None
        if ctx.pending.count == 0:
            return None
        limit = order.price
        buy = order.side is OrderSide.BUY
        for resting in self.cache.orders_open(order.instrument_id):
            if resting.side is order.side or resting.order_type not in _PRICED:
                continue
            price = resting.price
            if price is None:
                continue
            crosses = limit is None or (price <= limit if buy else price >= limit)
            if crosses:
                return Breach(
                    "self_trade",
                    f"would trade against our own {resting.side.value} order "
                    f"{resting.client_order_id} at {price}",
                )
        return None

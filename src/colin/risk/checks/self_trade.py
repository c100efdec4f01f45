"""Self-trade prevention: never let our own orders trade with each other."""

from __future__ import annotations

from colin.cache.cache import CacheFacade
from colin.model.enums import OrderType
from colin.risk.checks.base import Breach, OrderContext

_PRICED = (OrderType.LIMIT, OrderType.STOP_LIMIT)
_STOPS = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


class SelfTradeCheck:
    """Deny an order that would cross one of our resting orders on the other side."""

    code = "self_trade"
    __slots__ = ("cache",)

    def __init__(self, cache: CacheFacade) -> None:
        self.cache = cache

    def check(self, ctx: OrderContext) -> Breach | None:
        """Compare the order's price with our resting opposite-side limit orders."""
        order = ctx.order
        pending = ctx.pending
        buy = ctx.sign > 0.0
        # nothing resting on the other side: nothing to trade against
        if (pending.sell_qty if buy else pending.buy_qty) == 0.0 or order.order_type in _STOPS:
            return None
        limit = ctx.own_price
        side = order.side
        for resting in self.cache.orders_open(order.instrument_id):
            if resting.side is side or resting.price is None or resting.order_type not in _PRICED:
                continue
            price = float(resting.price)
            crosses = limit is None or (price <= limit if buy else price >= limit)
            if crosses:
                return Breach(
                    "self_trade",
                    f"would trade against our own {resting.side.value} order "
                    f"{resting.client_order_id} at {price}",
                )
        return None

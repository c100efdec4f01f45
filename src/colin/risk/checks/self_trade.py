"""Self-trade prevention: never let our own orders trade with each other."""

from __future__ import annotations

from colin.model.enums import OrderType
from colin.risk.checks.base import Breach, OrderContext

_STOPS = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


class SelfTradeCheck:
    """Deny an order that would cross one of our resting limit orders on the other side.

    The resting limit prices come from the open-order ledger, so the check reads no cache.
    """

    code = "self_trade"
    __slots__ = ()

    def check(self, ctx: OrderContext) -> Breach | None:
        """Compare the order's price with our resting opposite-side limit prices."""
        buy = ctx.sign > 0.0
        resting = ctx.pending.sell_limits if buy else ctx.pending.buy_limits
        if not resting or ctx.order.order_type in _STOPS:
            return None
        limit = ctx.own_price
        for client_order_id, price in resting.items():
            if limit is None or (price <= limit if buy else price >= limit):
                side = "SELL" if buy else "BUY"
                return Breach(
                    "self_trade",
                    f"would trade against our own {side} order {client_order_id} at {price:g}",
                )
        return None

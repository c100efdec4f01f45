"""Self-trade prevention: never let our own orders trade with each other."""

from __future__ import annotations

from colin.model.enums import OrderType
from colin.risk.checks.base import Breach, OrderContext

_STOPS = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


class SelfTradeCheck:
    """Deny an order that would cross one of our resting limit orders on the other side.

    The ledger keeps the best resting limit price of each side, so the check reads no cache and
    scans no orders (except to name the one it would trade with).
    """

    code = "self_trade"
    __slots__ = ()

    def check(self, ctx: OrderContext) -> Breach | None:
        """Compare the order's price with our best resting opposite-side limit price."""
        pending = ctx.pending
        limit = ctx.own_price
        if ctx.sign > 0.0:
            best = pending.lowest_sell
            if best is None or (limit is not None and best > limit):
                return None
            resting, side = pending.sell_limits, "SELL"
        else:
            best = pending.highest_buy
            if best is None or (limit is not None and best < limit):
                return None
            resting, side = pending.buy_limits, "BUY"
        if ctx.order.order_type in _STOPS:
            return None
        client_order_id = next(k for k, price in resting.items() if price == best)
        return Breach(
            "self_trade", f"would trade against our own {side} order {client_order_id} at {best:g}"
        )

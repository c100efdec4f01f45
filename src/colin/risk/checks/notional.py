"""Order notional: the instrument's minimum and the configured minimum and maximum."""

from __future__ import annotations

from colin.risk.checks.base import Breach, OrderContext


class NotionalCheck:
    """Deny orders whose value is below the venue/configured minimum or above the maximum."""

    code = "notional"
    __slots__ = ("max_notional", "min_notional")

    def __init__(self, min_notional: float | None, max_notional: float | None) -> None:
        self.min_notional = min_notional or 0.0
        self.max_notional = max_notional

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check the order's notional at its valuation price."""
        notional = ctx.notional
        floor = max(self.min_notional, ctx.spec.min_notional)
        if notional < floor and not ctx.order.reduce_only:
            return Breach(
                "min_notional", f"notional {notional:,.2f} is below the minimum {floor:,.2f}"
            )
        if self.max_notional is not None:
            ctx.utilise("order notional", notional, self.max_notional)
            if notional > self.max_notional:
                return Breach(
                    "max_notional",
                    f"notional {notional:,.2f} is above the maximum {self.max_notional:,.2f}",
                    self.max_notional / (ctx.price * ctx.multiplier),
                )
        return None

"""Order notional: the instrument's minimum and the configured minimum and maximum."""

from __future__ import annotations

from colin.risk.checks.base import Breach, OrderContext


class NotionalCheck:
    """Deny orders whose value is below the venue/configured minimum or above the maximum."""

    code = "notional"
    __slots__ = ("max_notional", "min_notional", "warn_level")

    def __init__(
        self, min_notional: float | None, max_notional: float | None, warn_level: float
    ) -> None:
        self.min_notional = min_notional or 0.0
        self.max_notional = max_notional
        self.warn_level = warn_level

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check the order's notional at its valuation price."""
        notional = ctx.notional
        floor = ctx.spec.min_notional
        if floor < self.min_notional:
            floor = self.min_notional
        if notional < floor and not ctx.order.reduce_only:
            return Breach(
                "min_notional", f"notional {notional:,.2f} is below the minimum {floor:,.2f}"
            )
        limit = self.max_notional
        if limit is not None:
            share = notional / limit
            if share > ctx.utilisation:
                ctx.utilisation = share
            if share >= self.warn_level:
                ctx.near("order notional", notional, limit, share)
            if notional > limit:
                return Breach(
                    "max_notional",
                    f"notional {notional:,.2f} is above the maximum {limit:,.2f}",
                    limit / (ctx.price * ctx.multiplier),
                )
        return None

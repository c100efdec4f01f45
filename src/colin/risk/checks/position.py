"""Maximum position per instrument, as a notional and as a share of equity."""

from __future__ import annotations

from colin.risk.checks.base import Breach, OrderContext


class PositionLimitCheck:
    """Deny orders that could take one instrument's position past its limit.

    The worst case counts every working order on the same side as filled. An order that can only
    shrink the position always passes.
    """

    code = "position_limit"
    only_adding = True
    __slots__ = ("max_notional", "max_pct_equity")

    def __init__(self, max_notional: float | None, max_pct_equity: float | None) -> None:
        self.max_notional = max_notional
        self.max_pct_equity = max_pct_equity

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check the worst-case position after the order against both limits."""
        existing = ctx.existing
        directed = ctx.sign * existing + ctx.quantity  # position in the order's direction
        if ctx.reduces or directed <= abs(existing):
            return None
        unit = ctx.price * ctx.multiplier
        used = directed * unit
        if self.max_notional is not None:
            ctx.utilise("position notional", used, self.max_notional)
            if used > self.max_notional:
                allowed = self.max_notional / unit - ctx.sign * existing
                return Breach(
                    "max_position_notional",
                    f"{ctx.order.instrument_id} position could reach {used:,.2f}, "
                    f"above the limit {self.max_notional:,.2f}",
                    allowed if allowed > 0.0 else None,
                )
        if self.max_pct_equity is not None:
            pct = self.max_pct_equity
            equity_after = ctx.equity - ctx.ledger.costs - ctx.quantity * ctx.unit_cost
            limit = pct * equity_after
            ctx.utilise("position share of equity", used, limit)
            if used > limit:
                allowed = (pct * (ctx.equity - ctx.ledger.costs) - ctx.sign * existing * unit) / (
                    unit + pct * ctx.unit_cost
                )
                return Breach(
                    "max_position_pct_equity",
                    f"{ctx.order.instrument_id} position could reach {used:,.2f}, "
                    f"above {pct:.1%} of equity ({limit:,.2f})",
                    allowed if allowed > 0.0 else None,
                )
        return None

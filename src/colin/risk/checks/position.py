"""Maximum position per instrument, as a notional and as a share of equity."""

from __future__ import annotations

from colin.risk.checks.base import Breach, OrderContext
from colin.risk.ledger import OpenOrderLedger


class PositionLimitCheck:
    """Deny orders that could take one instrument's position past its limit.

    The worst case counts every working order on the same side as filled. An order that can only
    shrink the position always passes (the assessor does not call this check for one).
    """

    code = "position_limit"
    only_adding = True
    __slots__ = ("ledger", "max_notional", "max_pct_equity", "reads_marks", "warn_level")

    def __init__(
        self,
        ledger: OpenOrderLedger,
        max_notional: float | None,
        max_pct_equity: float | None,
        warn_level: float,
    ) -> None:
        self.ledger = ledger
        self.max_notional = max_notional
        self.max_pct_equity = max_pct_equity
        self.reads_marks = max_pct_equity is not None  # equity moves with prices
        self.warn_level = warn_level

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check the worst-case position after the order against both limits."""
        existing = ctx.existing
        sign = ctx.sign
        directed = sign * existing + ctx.quantity  # position in the order's direction
        if directed <= abs(existing):
            return None
        unit = ctx.price * ctx.multiplier
        used = directed * unit
        limit = self.max_notional
        if limit is not None:
            share = used / limit
            if share > ctx.utilisation:
                ctx.utilisation = share
            if share >= self.warn_level:
                ctx.near("position notional", used, limit, share)
            if used > limit:
                allowed = limit / unit - sign * existing
                return Breach(
                    "max_position_notional",
                    f"{ctx.order.instrument_id} position could reach {used:,.2f}, "
                    f"above the limit {limit:,.2f}",
                    allowed if allowed > 0.0 else None,
                )
        pct = self.max_pct_equity
        if pct is not None:
            costs = self.ledger.costs
            limit = pct * (ctx.equity - costs - ctx.quantity * ctx.unit_cost)
            share = used / limit if limit > 0.0 else 1.0
            if share > ctx.utilisation:
                ctx.utilisation = share
            if share >= self.warn_level:
                ctx.near("position share of equity", used, limit, share)
            if used > limit:
                allowed = (pct * (ctx.equity - costs) - sign * existing * unit) / (
                    unit + pct * ctx.unit_cost
                )
                return Breach(
                    "max_position_pct_equity",
                    f"{ctx.order.instrument_id} position could reach {used:,.2f}, "
                    f"above {pct:.1%} of equity ({limit:,.2f})",
                    allowed if allowed > 0.0 else None,
                )
        return None

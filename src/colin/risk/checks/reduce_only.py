"""Reduce-only enforcement: such an order may only shrink the position, never open or flip it."""

from __future__ import annotations

from colin.risk.checks.base import Breach, OrderContext


class ReduceOnlyCheck:
    """Deny reduce-only orders that could increase or flip the position."""

    code = "reduce_only"
    __slots__ = ()

    def check(self, ctx: OrderContext) -> Breach | None:
        """Pass non-reduce-only orders; check reduce-only ones against the position."""
        if not ctx.order.reduce_only or ctx.reduces:
            return None
        position = ctx.position
        if position == 0.0 or position * ctx.sign > 0.0:
            return Breach(
                "reduce_only",
                f"reduce-only {ctx.order.side.value} order but the position is {position}",
            )
        room = abs(position) - abs(ctx.existing - position)
        return Breach(
            "reduce_only",
            f"reduce-only order of {ctx.quantity} could flip the position of {position} "
            f"(with working orders on the same side)",
            room if room > 0.0 else None,
        )

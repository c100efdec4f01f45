"""Maximum number of working orders, per instrument and in total."""

from __future__ import annotations

from colin.risk.checks.base import Breach, OrderContext


class OpenOrdersCheck:
    """Deny a new order when the instrument or the node already has too many working orders."""

    code = "open_orders"
    __slots__ = ("per_instrument", "total")

    def __init__(self, per_instrument: int | None, total: int | None) -> None:
        self.per_instrument = per_instrument
        self.total = total

    def check(self, ctx: OrderContext) -> Breach | None:
        """Count the working orders (approved ones not yet acknowledged included)."""
        if self.per_instrument is not None:
            count = ctx.pending.count
            ctx.utilise("open orders of the instrument", count + 1, self.per_instrument)
            if count >= self.per_instrument:
                return Breach(
                    "max_open_orders_per_symbol",
                    f"{ctx.order.instrument_id} already has {count} open orders "
                    f"(limit {self.per_instrument})",
                )
        if self.total is not None:
            count = ctx.ledger.count
            ctx.utilise("open orders", count + 1, self.total)
            if count >= self.total:
                return Breach(
                    "max_open_orders_total",
                    f"{count} orders are already open (limit {self.total})",
                )
        return None

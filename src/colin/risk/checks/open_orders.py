"""Maximum number of working orders, per instrument and in total."""

from __future__ import annotations

from colin.risk.checks.base import Breach, OrderContext
from colin.risk.ledger import OpenOrderLedger


class OpenOrdersCheck:
    """Deny a new order when the instrument or the node already has too many working orders."""

    code = "open_orders"
    __slots__ = ("ledger", "per_instrument", "total", "warn_level")

    def __init__(
        self,
        ledger: OpenOrderLedger,
        per_instrument: int | None,
        total: int | None,
        warn_level: float,
    ) -> None:
        self.ledger = ledger
        self.per_instrument = per_instrument
        self.total = total
        self.warn_level = warn_level

    def check(self, ctx: OrderContext) -> Breach | None:
        """Count the working orders (approved ones not yet acknowledged included)."""
        limit = self.per_instrument
        if limit is not None:
            count = ctx.pending.count
            share = (count + 1) / limit
            if share > ctx.utilisation:
                ctx.utilisation = share
            if share >= self.warn_level:
                ctx.near("open orders of the instrument", count + 1, limit, share)
            if count >= limit:
                return Breach(
                    "max_open_orders_per_symbol",
                    f"{ctx.order.instrument_id} already has {count} open orders (limit {limit})",
                )
        limit = self.total
        if limit is not None:
            count = self.ledger.count
            share = (count + 1) / limit
            if share > ctx.utilisation:
                ctx.utilisation = share
            if share >= self.warn_level:
                ctx.near("open orders", count + 1, limit, share)
            if count >= limit:
                return Breach(
                    "max_open_orders_total", f"{count} orders are already open (limit {limit})"
                )
        return None

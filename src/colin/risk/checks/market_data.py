"""Stale market data: no new risk on prices nobody has seen for a while."""

from __future__ import annotations

from colin.cache.cache import CacheFacade
from colin.core.time import NANOS_PER_SECOND
from colin.risk.checks.base import Breach, OrderContext


class StaleDataCheck:
    """Deny risk-increasing orders when the instrument's last price is older than ``max_age_s``."""

    code = "stale_data"
    only_adding = True
    __slots__ = ("cache", "max_age_ns")

    def __init__(self, cache: CacheFacade, max_age_s: float) -> None:
        self.cache = cache
        self.max_age_ns = int(max_age_s * NANOS_PER_SECOND)

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check the age of the instrument's last price."""
        seen = self.cache.last_price_ts(ctx.order.instrument_id)
        age = ctx.now - seen
        if seen == 0 or age > self.max_age_ns:
            shown = "never" if seen == 0 else f"{age / NANOS_PER_SECOND:.1f}s ago"
            return Breach(
                "stale_data",
                f"last price of {ctx.order.instrument_id} was seen {shown} "
                f"(limit {self.max_age_ns / NANOS_PER_SECOND:.1f}s)",
            )
        return None

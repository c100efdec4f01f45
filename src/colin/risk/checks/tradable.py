"""Whether an instrument may be traded now: venue/operator halts and breaker blocks."""

from __future__ import annotations

from colin.core.ids import InstrumentId
from colin.risk.checks.base import Breach, OrderContext


class TradableCheck:
    """Deny orders in halted instruments, and new risk in instruments a breaker has blocked."""

    code = "tradable"
    __slots__ = ("blocked", "halted")

    def __init__(self) -> None:
        self.halted: dict[InstrumentId, str] = {}
        self.blocked: dict[InstrumentId, tuple[int, str]] = {}

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check the instrument's halt and block status."""
        instrument_id = ctx.order.instrument_id
        if self.halted:
            reason = self.halted.get(instrument_id)
            if reason is not None:
                return Breach("not_tradable", f"{instrument_id} is not tradable: {reason}")
        if self.blocked and not ctx.reduces:
            block = self.blocked.get(instrument_id)
            if block is not None:
                until, reason = block
                if ctx.now < until:
                    return Breach("breaker_block", f"{instrument_id} is blocked: {reason}")
                del self.blocked[instrument_id]
        return None

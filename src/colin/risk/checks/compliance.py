"""Compliance rules: restricted instruments and assets, and trading hours (UTC)."""

from __future__ import annotations

from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_MINUTE
from colin.risk.checks.base import Breach, OrderContext
from colin.risk.config import TradingWindow, minutes_of

_MINUTES_PER_DAY = 1440
_MINUTES_PER_WEEK = 7 * _MINUTES_PER_DAY
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday


class RestrictedCheck:
    """Deny new risk in restricted instruments, symbols or assets; exits stay allowed."""

    code = "restricted"
    only_adding = True
    __slots__ = ("_verdicts", "restricted")

    def __init__(self, restricted: frozenset[str]) -> None:
        self.restricted = restricted
        self._verdicts: dict[InstrumentId, str | None] = {}

    def check(self, ctx: OrderContext) -> Breach | None:
        """Match the instrument id, its symbol and its base and quote assets."""
        if ctx.reduces:
            return None
        instrument_id = ctx.order.instrument_id
        try:
            match = self._verdicts[instrument_id]
        except KeyError:
            instrument = ctx.instrument
            names = (instrument.id, instrument.symbol, instrument.base, instrument.quote)
            match = next((name for name in names if name in self.restricted), None)
            self._verdicts[instrument_id] = match
        if match is not None:
            return Breach("restricted", f"{match} is on the restricted list")
        return None


class TradingHoursCheck:
    """Deny new risk outside the configured UTC trading windows; exits stay allowed."""

    code = "trading_hours"
    only_adding = True
    __slots__ = ("intervals",)

    def __init__(self, windows: tuple[TradingWindow, ...]) -> None:
        self.intervals = tuple(
            (
                day * _MINUTES_PER_DAY + minutes_of(w.start),
                day * _MINUTES_PER_DAY + minutes_of(w.end),
            )
            for w in windows
            for day in w.days
        )

    def is_open(self, ts_ns: int) -> bool:
        """Return whether ``ts_ns`` falls in a trading window."""
        minutes = ts_ns // NANOS_PER_MINUTE
        minute_of_week = (
            ((minutes // _MINUTES_PER_DAY + _EPOCH_WEEKDAY) % 7) * _MINUTES_PER_DAY
            + minutes % _MINUTES_PER_DAY
        ) % _MINUTES_PER_WEEK
        return any(start <= minute_of_week < end for start, end in self.intervals)

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check the clock time against the windows."""
        if ctx.reduces or self.is_open(ctx.now):
            return None
        return Breach("trading_hours", "outside the configured trading hours (UTC)")

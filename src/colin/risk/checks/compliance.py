"""Compliance rules: restricted instruments and assets, and trading hours (UTC)."""

from __future__ import annotations

from bisect import bisect_right

from colin.core.time import NANOS_PER_MINUTE
from colin.model.instrument import Instrument
from colin.risk.checks.base import Breach, OrderContext
from colin.risk.config import TradingWindow, minutes_of
from colin.risk.spec import InstrumentSpec

_MINUTES_PER_DAY = 1440
_MINUTES_PER_WEEK = 7 * _MINUTES_PER_DAY
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday


class RestrictedCheck:
    """Deny new risk in restricted instruments, symbols or assets; exits stay allowed.

    The list is fixed by the config, so the assessor only plans this check for the instruments
    it names (see :meth:`applies`).
    """

    code = "restricted"
    only_adding = True
    __slots__ = ("restricted",)

    def __init__(self, restricted: frozenset[str]) -> None:
        self.restricted = restricted

    def match(self, instrument: Instrument) -> str | None:
        """Return the first of the instrument id, symbol, base and quote on the list."""
        names = (instrument.id, instrument.symbol, instrument.base, instrument.quote)
        return next((name for name in names if name in self.restricted), None)

    def applies(self, spec: InstrumentSpec) -> bool:
        """Return whether the list names the instrument or one of its assets."""
        return self.match(spec.instrument) is not None

    def check(self, ctx: OrderContext) -> Breach | None:
        """Deny an order that adds risk in a restricted instrument."""
        match = self.match(ctx.spec.instrument)
        if match is not None:
            return Breach("restricted", f"{match} is on the restricted list")
        return None


class TradingHoursCheck:
    """Deny new risk outside the configured UTC trading windows; exits stay allowed.

    The week is cut once into stretches (minutes of the week) in which the verdict does not
    change; a check compares the clock with the current stretch (``stretch_from_ns`` to
    ``stretch_until_ns``, open or not by ``stretch_open``) and only looks the next one up when
    the clock leaves it.
    """

    code = "trading_hours"
    only_adding = True
    __slots__ = (
        "_edges",
        "_is_open",
        "intervals",
        "stretch_from_ns",
        "stretch_open",
        "stretch_until_ns",
    )

    def __init__(self, windows: tuple[TradingWindow, ...]) -> None:
        self.intervals = tuple(
            (
                day * _MINUTES_PER_DAY + minutes_of(w.start),
                day * _MINUTES_PER_DAY + minutes_of(w.end),
            )
            for w in windows
            for day in w.days
        )
        cuts = sorted({0, _MINUTES_PER_WEEK}.union(*self.intervals))
        edges: list[int] = []
        flags: list[bool] = []
        for start in cuts[:-1]:
            inside = any(s <= start < e for s, e in self.intervals)
            if not flags or flags[-1] != inside:
                edges.append(start)
                flags.append(inside)
        edges.append(_MINUTES_PER_WEEK)
        self._edges = edges
        self._is_open = flags
        self.stretch_from_ns = self.stretch_until_ns = 0
        self.stretch_open = False

    def _locate(self, ts_ns: int) -> tuple[int, int]:
        """Return the stretch index of ``ts_ns`` and the start of its week (ns)."""
        minutes = ts_ns // NANOS_PER_MINUTE
        minute_of_week = (
            (minutes // _MINUTES_PER_DAY + _EPOCH_WEEKDAY) % 7
        ) * _MINUTES_PER_DAY + minutes % _MINUTES_PER_DAY
        index = bisect_right(self._edges, minute_of_week) - 1
        return index, (minutes - minute_of_week) * NANOS_PER_MINUTE

    def is_open(self, ts_ns: int) -> bool:
        """Return whether ``ts_ns`` falls in a trading window."""
        return self._is_open[self._locate(ts_ns)[0]]

    def open_at(self, now: int) -> bool:
        """Return whether ``now`` falls in a trading window, from the cached stretch if it can."""
        if not self.stretch_from_ns <= now < self.stretch_until_ns:
            index, week_ns = self._locate(now)
            self.stretch_from_ns = week_ns + self._edges[index] * NANOS_PER_MINUTE
            self.stretch_until_ns = week_ns + self._edges[index + 1] * NANOS_PER_MINUTE
            self.stretch_open = self._is_open[index]
        return self.stretch_open

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check the clock time against the windows."""
        if self.open_at(ctx.now):
            return None
        return Breach("trading_hours", "outside the configured trading hours (UTC)")

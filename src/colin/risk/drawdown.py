"""The drawdown controller: daily, weekly and peak-to-trough equity drawdowns.

:meth:`DrawdownController.update` runs once per time step on the backtest/live path, so the
common case is a handful of comparisons: roll the day when a day boundary passes, raise the peaks
when equity makes a new high, and do nothing more while equity stays above the highest level that
has not fired yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from colin.core.time import NANOS_PER_DAY
from colin.risk.config import DrawdownConfig

_WEEK_NS = 7 * NANOS_PER_DAY
_MONDAY_OFFSET_NS = 3 * NANOS_PER_DAY  # 1970-01-01 was a Thursday; weeks start on Monday
_RANK = {"daily": 0, "weekly": 1, "peak": 2}


@dataclass(frozen=True, slots=True)
class DrawdownSignal:
    """A level crossed (``kind``: ``warning`` or ``stop``) or a period stop lifted (``resume``)."""

    window: str
    kind: str
    drawdown: float
    limit: float


class _Level:
    __slots__ = ("fired", "fraction", "kind", "window")

    def __init__(self, window: str, kind: str, fraction: float) -> None:
        self.window = window
        self.kind = kind
        self.fraction = fraction
        self.fired = False


class DrawdownController:
    """Track equity highs per window and report warning and stop crossings once per period."""

    __slots__ = (
        "_armed",
        "_day_end",
        "_floor",
        "_levels",
        "_peaks",
        "_week_end",
        "config",
        "stopped_by",
    )

    def __init__(self, config: DrawdownConfig) -> None:
        self.config = config
        self._levels = [
            _Level(window, kind, fraction)
            for window in ("daily", "weekly", "peak")
            for kind in ("warning", "stop")
            for fraction in (getattr(config, f"{window}_{kind}"),)
            if fraction is not None
        ]
        self._peaks = {"daily": float("-inf"), "weekly": float("-inf"), "peak": float("-inf")}
        self._day_end = -1
        self._week_end = -1
        self._floor = float("inf")
        self._armed: tuple[tuple[str, float], ...] = ()
        self._arm()
        self.stopped_by: str | None = None

    def peak(self, window: str) -> float:
        """Return the reference (highest) equity of ``daily``, ``weekly`` or ``peak``."""
        return self._peaks[window]

    def drawdown(self, window: str, equity: float) -> float:
        """Return the drawdown of ``equity`` from a window's peak, as a fraction."""
        peak = self._peaks[window]
        return 0.0 if peak <= 0.0 else max(0.0, 1.0 - equity / peak)

    def update(self, ts: int, equity: float) -> list[DrawdownSignal] | None:
        """Feed one equity point; return the signals it raises, or ``None`` (the usual case)."""
        signals: list[DrawdownSignal] | None = None
        if ts >= self._day_end:
            signals = self._roll(ts, equity)
        peaks = self._peaks
        if equity > peaks["daily"]:
            peaks["daily"] = equity
            if equity > peaks["weekly"]:
                peaks["weekly"] = equity
                if equity > peaks["peak"]:
                    peaks["peak"] = equity
            self._floor = self._compute_floor()
        if equity > self._floor:
            return signals
        crossed = self._crossed(equity)
        if signals is None:
            return crossed or None
        return signals + crossed

    def _roll(self, ts: int, equity: float) -> list[DrawdownSignal] | None:
        self._day_end = (ts // NANOS_PER_DAY + 1) * NANOS_PER_DAY
        windows = ["daily"]
        if ts >= self._week_end:
            shifted = ts + _MONDAY_OFFSET_NS
            self._week_end = (shifted // _WEEK_NS + 1) * _WEEK_NS - _MONDAY_OFFSET_NS
            windows.append("weekly")
        for window in windows:
            self._peaks[window] = equity
        if equity > self._peaks["peak"]:
            self._peaks["peak"] = equity
        for window in windows:
            for level in self._levels:
                if level.window == window:
                    level.fired = False
        self._arm()
        self._floor = self._compute_floor()
        if self.stopped_by in windows and self.config.resume_next_period:
            window = self.stopped_by
            self.stopped_by = None
            return [DrawdownSignal(window, "resume", 0.0, 0.0)]
        return None

    def _arm(self) -> None:
        # per window, 1 - fraction of its nearest level that has not fired: the floor is
        # recomputed on each new high, so it reads one factor per window. Only windows with a
        # positive peak can fire, and for those the nearest level gives the highest threshold.
        factors: dict[str, float] = {}
        for level in self._levels:
            if not level.fired:
                factor = 1.0 - level.fraction
                if factor > factors.get(level.window, float("-inf")):
                    factors[level.window] = factor
        self._armed = tuple(factors.items())

    def _compute_floor(self) -> float:
        floor = float("-inf")
        peaks = self._peaks
        for window, factor in self._armed:
            value = peaks[window] * factor
            if value > floor:
                floor = value
        return floor

    def _crossed(self, equity: float) -> list[DrawdownSignal]:
        crossed = []
        for level in self._levels:
            if level.fired:
                continue
            drawdown = self.drawdown(level.window, equity)
            if drawdown >= level.fraction:
                level.fired = True
                if level.kind == "stop":
                    # a stop implies its warning
                    for other in self._levels:
                        if other.window == level.window:
                            other.fired = True
                    if self.stopped_by is None or _RANK[level.window] > _RANK[self.stopped_by]:
                        self.stopped_by = level.window
                crossed.append(DrawdownSignal(level.window, level.kind, drawdown, level.fraction))
        self._arm()
        self._floor = self._compute_floor()
        return crossed

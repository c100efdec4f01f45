"""Killzone timing: how active the trading session is when the signal is taken.

The score rescales the :class:`~colin.indicators.sessions.SessionCalendar` weight of the scoring
time between the calendar's lowest weight (0) and its highest (1). With the default calendar
(Asian 1.0, London 1.2, New York 1.2, London/New York overlap 1.5, outside 1.0): Asian or
outside 0, London or New York 0.4, the overlap 1. Timing is not directional: the score supports a
long and a short equally.
"""

from __future__ import annotations

from colin.core.time import ns_to_dt
from colin.indicators.sessions import SessionCalendar
from colin.strategy.scorer.factor import FactorScore

NAME = "killzone"


def score_killzone(calendar: SessionCalendar, ts_ns: int) -> FactorScore:
    """Score the session activity at ``ts_ns`` (UTC nanoseconds)."""
    weights = [w.weight for w in calendar.windows] + [calendar.outside_weight]
    lowest, highest = min(weights), max(weights)
    weight = calendar.weight(ts_ns)
    value = (weight - lowest) / (highest - lowest) if highest > lowest else 0.0
    active = calendar.active(ts_ns)
    clock = ns_to_dt(ts_ns).strftime("%H:%M UTC")
    summary = f"{clock}: {', '.join(active) if active else 'outside every session'}"
    summary += f" (weight {weight:g})"
    return FactorScore(
        NAME,
        True,
        value,
        value,
        summary,
        {"session_weight": weight, "sessions": ",".join(active) or None, "score": value},
    )

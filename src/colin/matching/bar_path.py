"""The intrabar price path a bar is assumed to have followed.

A bar only says where the price opened, closed and how far it went. The venue matches orders
against four points over the bar's interval: the open at ``ts_open``, the two extremes at one
third and two thirds of the interval, and the close at ``ts_event``; the price moves linearly
between them. The order of the extremes is configurable:

``"OHLC"``
    high first, then low.
``"OLHC"``
    low first, then high.
``"nearest"``
    the extreme nearer the open comes first (high on a tie); the usual, least-surprising choice.
"""

from __future__ import annotations

from typing import Literal

from colin.model.data import Bar

BarPathOrder = Literal["OHLC", "OLHC", "nearest"]
PathPoint = tuple[int, float]


def bar_path_points(bar: Bar, order: BarPathOrder) -> tuple[PathPoint, ...]:
    """Return the bar's four ``(ts_ns, price)`` path points, in time order."""
    duration = bar.ts_event - bar.ts_open
    first_ts = bar.ts_open + duration // 3
    second_ts = bar.ts_open + (2 * duration) // 3
    high_first = order == "OHLC" or (
        order == "nearest" and bar.high - bar.open <= bar.open - bar.low
    )
    first, second = (bar.high, bar.low) if high_first else (bar.low, bar.high)
    return (
        (bar.ts_open, bar.open),
        (first_ts, first),
        (second_ts, second),
        (bar.ts_event, bar.close),
    )


def price_at(start: PathPoint, end: PathPoint, ts_ns: int) -> float:
    """Return the price on the straight line from ``start`` to ``end`` at ``ts_ns``."""
    t0, p0 = start
    t1, p1 = end
    if t1 <= t0 or ts_ns >= t1:
        return p1
    if ts_ns <= t0:
        return p0
    return p0 + (p1 - p0) * (ts_ns - t0) / (t1 - t0)


def time_at(start: PathPoint, end: PathPoint, price: float) -> int:
    """Return when the line from ``start`` to ``end`` reaches ``price`` (clamped to the segment)."""
    t0, p0 = start
    t1, p1 = end
    if p1 == p0:
        return t0
    fraction = min(max((price - p0) / (p1 - p0), 0.0), 1.0)
    return t0 + round((t1 - t0) * fraction)

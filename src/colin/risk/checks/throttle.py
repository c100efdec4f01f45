"""Command rate throttles: at most N commands in any sliding window of T seconds."""

from __future__ import annotations

from collections import deque

from colin.core.time import NANOS_PER_SECOND
from colin.risk.config import RateLimit


class RateThrottle:
    """A sliding-window counter of approved commands."""

    __slots__ = ("_times", "count", "interval_ns", "name")

    def __init__(self, name: str, limit: RateLimit) -> None:
        self.name = name
        self.count = limit.count
        self.interval_ns = int(limit.interval_s * NANOS_PER_SECOND)
        self._times: deque[int] = deque()

    def allows(self, now: int) -> bool:
        """Return whether one more command fits in the window ending at ``now``."""
        times = self._times
        horizon = now - self.interval_ns
        while times and times[0] <= horizon:
            times.popleft()
        return len(times) < self.count

    def record(self, now: int) -> None:
        """Count a command sent at ``now``."""
        self._times.append(now)

    def acquire(self, now: int) -> bool:
        """Count a command sent at ``now`` if it fits in the window; return whether it did."""
        times = self._times
        horizon = now - self.interval_ns
        while times and times[0] <= horizon:
            times.popleft()
        if len(times) < self.count:
            times.append(now)
            return True
        return False

    def describe(self) -> str:
        """Return the limit in words, for denial reasons."""
        return f"{self.name} rate above {self.count} per {self.interval_ns / NANOS_PER_SECOND:g}s"

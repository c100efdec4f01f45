"""The simulator's one clock: every timestamp, kline boundary and replay step reads it.

Two modes:

* ``stepped``: time stands still until :meth:`ExchangeClock.advance_to` moves it (tests);
* ``realtime``: simulated time runs with the wall clock, scaled by ``speed`` (soak runs, the
  ``colin exchange-sim`` command); a background task replays the market up to it.

Request authentication (``recvWindow``) checks against a separate :class:`WallClock` by
default, because an unmodified ccxt client stamps requests with its own wall clock.
"""

from __future__ import annotations

import time
from typing import Literal

ClockMode = Literal["stepped", "realtime"]


class ExchangeClock:
    """Simulated time in epoch milliseconds.

    Parameters
    ----------
    start_ms
        The simulated time at creation.
    mode
        ``"stepped"`` or ``"realtime"``.
    speed
        Simulated milliseconds per wall millisecond in realtime mode.
    """

    def __init__(self, start_ms: int, mode: ClockMode = "stepped", speed: float = 1.0) -> None:
        if mode not in ("stepped", "realtime"):
            raise ValueError(f"clock mode must be 'stepped' or 'realtime', got {mode!r}")
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.mode: ClockMode = mode
        self.speed = speed
        self._base_ms = start_ms
        self._wall_base = time.monotonic()

    def now_ms(self) -> int:
        """Return the simulated time in epoch milliseconds."""
        if self.mode == "stepped":
            return self._base_ms
        elapsed = (time.monotonic() - self._wall_base) * 1000.0 * self.speed
        return self._base_ms + int(elapsed)

    def advance_to(self, ts_ms: int) -> None:
        """Move stepped time forward to ``ts_ms`` (realtime: jump ahead and keep running).

        Raises
        ------
        ValueError
            If ``ts_ms`` is earlier than now: simulated time never runs backwards.
        """
        now = self.now_ms()
        if ts_ms < now:
            raise ValueError(f"the simulator clock cannot move backwards: {ts_ms} < {now}")
        self._base_ms = ts_ms
        self._wall_base = time.monotonic()


class WallClock:
    """Wall-clock milliseconds plus an adjustable skew (what request timestamps are checked
    against); a positive ``skew_ms`` puts the server ahead of its clients."""

    def __init__(self, skew_ms: int = 0) -> None:
        self.skew_ms = skew_ms

    def now_ms(self) -> int:
        """Return the wall time plus the skew, in epoch milliseconds."""
        return int(time.time() * 1000) + self.skew_ms

"""Client-side rate limiting by request weight, and the retry pacing shared by the ccxt clients.

ccxt's own limiter is switched off (``enableRateLimit=False``): it spaces every call by a fixed
interval and knows nothing of the venue's weight budget. :class:`TokenBucket` holds the budget
declared in :mod:`colin.adapters.ccxt.capabilities` (Binance spot: 6000 weight per minute) and makes
each request wait until its weight is available. When the venue answers 429/418 anyway, the caller
hands the ``Retry-After`` delay to :meth:`TokenBucket.penalize` and nothing is sent before it ends.

The clock and the sleep function are injectable, so tests run the bucket on a virtual clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from colin.adapters.ccxt.capabilities import RateBudget

Sleep = Callable[[float], Awaitable[None]]

_EPSILON = 1e-9  # tokens short by less than this count as there (float refill arithmetic)
_MIN_DELAY_S = 1e-6  # a wait always moves the clock, even when it is a float step away


class TokenBucket:
    """An async token bucket: ``capacity`` tokens, refilled at ``refill_per_s``, taken by weight.

    Waiters are served one at a time in arrival order (an :class:`asyncio.Lock`), so a heavy
    request is never starved by a stream of light ones.

    Parameters
    ----------
    capacity
        Burst size: the most weight that can be spent at once (the bucket starts full).
    refill_per_s
        Weight regained per second.
    clock
        Monotonic seconds (default :func:`time.monotonic`).
    sleep
        Coroutine that waits a number of seconds (default :func:`asyncio.sleep`).
    """

    def __init__(
        self,
        capacity: float,
        refill_per_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if capacity <= 0 or refill_per_s <= 0:
            raise ValueError("capacity and refill_per_s must be positive")
        self.capacity = float(capacity)
        self.refill_per_s = float(refill_per_s)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(capacity)
        self._updated = clock()
        self._blocked_until = float("-inf")
        self._lock = asyncio.Lock()
        self.waited_s = 0.0
        """Total time spent waiting in :meth:`acquire`."""
        self.penalties = 0
        """How many times :meth:`penalize` was called."""

    @classmethod
    def from_budget(
        cls,
        budget: RateBudget,
        *,
        share: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> TokenBucket:
        """Build a bucket for a venue budget.

        ``share`` (0 < share <= 1) keeps only part of the budget, leaving room for other
        processes on the same IP.
        """
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], got {share}")
        return cls(budget.capacity * share, budget.refill_per_s * share, clock=clock, sleep=sleep)

    @property
    def available(self) -> float:
        """Tokens available now (0 while a penalty lasts)."""
        now = self._clock()
        if now < self._blocked_until:
            return 0.0
        self._refill(now)
        return self._tokens

    async def acquire(self, weight: float = 1) -> float:
        """Wait until ``weight`` tokens are available and take them.

        Returns
        -------
        float
            Seconds waited.

        Raises
        ------
        ValueError
            If ``weight`` exceeds the capacity (it could never be granted).
        """
        if weight > self.capacity:
            raise ValueError(f"weight {weight} exceeds the bucket capacity {self.capacity}")
        waited = 0.0
        async with self._lock:
            while True:
                now = self._clock()
                if now < self._blocked_until:
                    delay = self._blocked_until - now
                else:
                    self._refill(now)
                    if self._tokens + _EPSILON >= weight:
                        self._tokens = max(0.0, self._tokens - weight)
                        self.waited_s += waited
                        return waited
                    delay = max(_MIN_DELAY_S, (weight - self._tokens) / self.refill_per_s)
                await self._sleep(delay)
                waited += delay

    def penalize(self, seconds: float) -> None:
        """Grant nothing for ``seconds`` from now and empty the bucket (after a 429/418)."""
        now = self._clock()
        self.penalties += 1
        self._blocked_until = max(self._blocked_until, now + max(0.0, seconds))
        self._tokens = 0.0
        self._updated = self._blocked_until

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(
                self.capacity, self._tokens + (now - self._updated) * self.refill_per_s
            )
            self._updated = now


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff: ``base_s * factor**attempt``, capped at ``cap_s``.

    ``max_attempts`` counts every try, the first included.
    """

    max_attempts: int = 8
    base_s: float = 0.5
    factor: float = 2.0
    cap_s: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt`` (0-based)."""
        return min(self.cap_s, self.base_s * self.factor**attempt)


def retry_after_s(headers: Mapping[str, Any] | None) -> float | None:
    """Return the ``Retry-After`` delay in seconds from response headers (any case), if any.

    Only the seconds form is understood (Binance sends seconds); an HTTP date gives ``None``.
    """
    if not headers:
        return None
    for name, value in headers.items():
        if str(name).lower() == "retry-after":
            try:
                seconds = float(value)
            except (TypeError, ValueError):
                return None
            return seconds if seconds >= 0 else None
    return None

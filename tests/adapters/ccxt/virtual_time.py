"""A virtual clock for the rate-limit and retry tests."""

from __future__ import annotations

import asyncio


class VirtualTime:
    """A clock that moves only when someone sleeps (so retry waits cost no wall time)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        """The virtual time in seconds."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Record the sleep and move the clock by ``seconds`` at once."""
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

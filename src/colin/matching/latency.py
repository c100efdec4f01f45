"""Latency between a trading decision and its arrival at the simulated venue."""

from __future__ import annotations

import random
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

LatencySampler = Callable[[], int]


class LatencyModel(BaseModel):
    """A fixed delay plus an optional uniformly random one, in nanoseconds.

    A command created at ``ts_init`` reaches the venue at ``ts_init + fixed_ns + U(0, jitter_ns)``.
    The random part comes from a generator seeded with ``seed``, so a run is reproducible.

    Parameters
    ----------
    fixed_ns
        Delay every command has (0 by default: the command arrives when it is created).
    jitter_ns
        Upper bound of the extra uniformly distributed delay (0: none).
    seed
        Seed of the jitter generator.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    fixed_ns: int = Field(default=0, ge=0)
    jitter_ns: int = Field(default=0, ge=0)
    seed: int = 0

    def sampler(self) -> LatencySampler:
        """Return a function giving the delay of the next command.

        Each call of this method starts a fresh generator from ``seed``, so two venues built
        from the same config draw the same sequence of delays.
        """
        fixed = self.fixed_ns
        if self.jitter_ns == 0:
            return lambda: fixed
        generator = random.Random(self.seed)
        jitter = self.jitter_ns
        return lambda: fixed + generator.randint(0, jitter)

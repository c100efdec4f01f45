"""USD-M user-data listen keys: issued, kept alive and expired on the simulator clock.

``POST /fapi/v1/listenKey`` returns the account's key (a new one if none is valid, else the same
one, extended), ``PUT`` extends it by 60 minutes (-1125 when it does not exist or has expired),
``DELETE`` closes it. The WebSocket layer asks :meth:`ListenKeys.is_valid` before every push.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from colin.adapters.exchange_sim.errors import BinanceError

VALIDITY_MS = 60 * 60 * 1000
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class ListenKeys:
    """The listen keys of the one USD-M account.

    Parameters
    ----------
    now_ms
        The simulator clock.
    seed
        Seed of the key generator (keys are deterministic).
    """

    def __init__(self, now_ms: Callable[[], int], seed: int = 0) -> None:
        self.now_ms = now_ms
        self.expiry: dict[str, int] = {}
        self._rng = random.Random(f"listen-keys:{seed}")

    def is_valid(self, key: str) -> bool:
        """Whether ``key`` exists and has not expired."""
        expiry = self.expiry.get(key)
        return expiry is not None and self.now_ms() < expiry

    def issue(self) -> str:
        """Return the valid key, extended, or a new one."""
        now = self.now_ms()
        for key in self.expiry:
            if self.is_valid(key):
                self.expiry[key] = now + VALIDITY_MS
                return key
        key = "".join(self._rng.choice(_ALPHABET) for _ in range(64))
        self.expiry[key] = now + VALIDITY_MS
        return key

    def extend(self, key: str) -> None:
        """Keep ``key`` alive 60 more minutes (-1125 if unknown or expired)."""
        if not self.is_valid(key):
            raise BinanceError(-1125, "This listenKey does not exist.")
        self.expiry[key] = self.now_ms() + VALIDITY_MS

    def close(self, key: str) -> None:
        """Invalidate ``key``."""
        self.expiry.pop(key, None)

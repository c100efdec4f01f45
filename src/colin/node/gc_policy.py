"""When a trading node collects garbage: between market events, never inside one.

CPython's cyclic collector runs when allocations pass a threshold, and a market message is
exactly when a node allocates: the collection then lands inside the tick-to-order path (a young
collection costs 2-6 ms in a node, a full one 0.2-0.3 s; docs/performance.md). The node instead
freezes what start-up built (markets, instruments, restored orders, loaded modules: never garbage,
never scanned again), switches automatic collection off, and collects from its timer tick, when no
message is being handled. Memory is still freed by reference counting as before; only reference
cycles wait for the next scheduled pass.
"""

from __future__ import annotations

import gc

YOUNG_INTERVAL_S = 0.25
"""How often the young generations are collected (when anything was allocated)."""
FULL_INTERVAL_S = 60.0
"""How often every generation is collected."""


class IdleCollector:
    """Run the garbage collector on the node's schedule instead of on allocation.

    Call :meth:`start` once start-up is done, :meth:`tick` from the node's timer loop and
    :meth:`stop` at shutdown (which restores the interpreter's automatic collection).
    """

    def __init__(self) -> None:
        self._next_young = 0.0
        self._next_full = 0.0
        self._was_enabled = False
        self.collections = 0

    def start(self, now: float) -> None:
        """Collect once, freeze the survivors and take over the scheduling."""
        gc.collect()
        gc.freeze()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._next_young = now + YOUNG_INTERVAL_S
        self._next_full = now + FULL_INTERVAL_S

    def tick(self, now: float) -> None:
        """Collect what is due at ``now`` (monotonic seconds)."""
        if now >= self._next_full:
            self._next_full = now + FULL_INTERVAL_S
            self._next_young = now + YOUNG_INTERVAL_S
            gc.collect()
            self.collections += 1
        elif now >= self._next_young:
            self._next_young = now + YOUNG_INTERVAL_S
            if gc.get_count()[0]:
                gc.collect(1)
                self.collections += 1

    def stop(self) -> None:
        """Give collection back to the interpreter (several nodes may run in one process)."""
        gc.unfreeze()
        if self._was_enabled:
            gc.enable()

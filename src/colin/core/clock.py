"""Clocks: the only source of "now" for every component.

:class:`SimClock` is moved by the backtest engine and fires timers deterministically in time order;
:class:`LiveClock` reads the system clock. Both give UTC nanoseconds.
"""

from __future__ import annotations

import heapq
import itertools
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class TimeEvent:
    """A timer firing: its name, the time it was due and the time it was delivered."""

    name: str
    ts_event: int
    ts_init: int


TimerCallback = Callable[[TimeEvent], None]


@dataclass(order=True, slots=True)
class _Timer:
    next_ns: int
    seq: int
    name: str = field(compare=False)
    interval_ns: int = field(compare=False)
    stop_ns: int | None = field(compare=False)
    callback: TimerCallback = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class Clock(ABC):
    """Time and timers; subclasses decide where time comes from."""

    def __init__(self) -> None:
        self._timers: dict[str, _Timer] = {}
        self._heap: list[_Timer] = []
        self._seq = itertools.count()

    @abstractmethod
    def timestamp_ns(self) -> int:
        """Return the current time in UTC nanoseconds."""

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimerCallback,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Call ``callback`` every ``interval_ns``, first at ``start_ns + interval_ns``."""
        if interval_ns <= 0:
            raise ValueError(f"timer {name!r}: interval must be positive, got {interval_ns}")
        start = self.timestamp_ns() if start_ns is None else start_ns
        self._add(
            _Timer(start + interval_ns, next(self._seq), name, interval_ns, stop_ns, callback)
        )

    def set_time_alert(self, name: str, alert_ns: int, callback: TimerCallback) -> None:
        """Call ``callback`` once at ``alert_ns``."""
        self._add(_Timer(alert_ns, next(self._seq), name, 0, None, callback))

    def cancel_timer(self, name: str) -> None:
        """Cancel a timer or alert; unknown names are ignored."""
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancelled = True

    @property
    def timer_names(self) -> list[str]:
        """Names of the active timers."""
        return sorted(self._timers)

    @property
    def next_timer_ns(self) -> int | None:
        """When the next timer is due, or ``None``."""
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0].next_ns if self._heap else None

    def _add(self, timer: _Timer) -> None:
        if timer.name in self._timers:
            raise ValueError(f"a timer named {timer.name!r} already exists")
        self._timers[timer.name] = timer
        heapq.heappush(self._heap, timer)

    def _fire_due(self, until_ns: int, set_now: Callable[[int], None]) -> int:
        """Fire every timer due at or before ``until_ns`` in time order; return how many fired."""
        fired = 0
        heap = self._heap
        while heap and heap[0].next_ns <= until_ns:
            timer = heapq.heappop(heap)
            if timer.cancelled:
                continue
            due = timer.next_ns
            set_now(due)
            if timer.interval_ns and (
                timer.stop_ns is None or due + timer.interval_ns <= timer.stop_ns
            ):
                timer.next_ns = due + timer.interval_ns
                timer.seq = next(self._seq)
                heapq.heappush(heap, timer)
            else:
                self._timers.pop(timer.name, None)
            timer.callback(TimeEvent(timer.name, due, due))
            fired += 1
        return fired


class SimClock(Clock):
    """A clock that only moves when told to; used by backtests and tests."""

    def __init__(self, start_ns: int = 0) -> None:
        super().__init__()
        self._now = start_ns

    def timestamp_ns(self) -> int:
        """Return the simulated time."""
        return self._now

    def set_time(self, ts_ns: int) -> None:
        """Jump to ``ts_ns`` without firing timers (the engine fires them with advance_to)."""
        self._now = ts_ns

    def advance_to(self, ts_ns: int) -> int:
        """Fire every timer due up to ``ts_ns`` in order, then set the time to ``ts_ns``.

        Raises
        ------
        ValueError
            If ``ts_ns`` is earlier than the current time: simulated time never runs backwards.
        """
        if ts_ns < self._now:
            raise ValueError(f"SimClock cannot move backwards: {ts_ns} < {self._now}")
        fired = 0
        if self._heap and self._heap[0].next_ns <= ts_ns:
            fired = self._fire_due(ts_ns, self.set_time)
        self._now = ts_ns
        return fired


class LiveClock(Clock):
    """The system clock. Call :meth:`fire_due` from the node's event loop to run due timers."""

    def timestamp_ns(self) -> int:
        """Return the system time."""
        return time.time_ns()

    def fire_due(self) -> int:
        """Fire the timers whose time has come; return how many fired."""
        return self._fire_due(time.time_ns(), lambda _ts: None)

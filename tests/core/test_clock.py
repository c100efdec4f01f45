from __future__ import annotations

import pytest

from colin.core.clock import LiveClock, SimClock, TimeEvent


def test_sim_clock_fires_timers_in_time_order_with_the_clock_at_the_due_time() -> None:
    clock = SimClock(start_ns=0)
    fired: list[tuple[str, int, int]] = []

    def record(event: TimeEvent) -> None:
        fired.append((event.name, event.ts_event, clock.timestamp_ns()))

    clock.set_timer("every-10", 10, record, stop_ns=30)
    clock.set_time_alert("at-15", 15, record)
    assert clock.advance_to(35) == 4
    assert fired == [
        ("every-10", 10, 10),
        ("at-15", 15, 15),
        ("every-10", 20, 20),
        ("every-10", 30, 30),
    ]
    assert clock.timestamp_ns() == 35
    assert clock.timer_names == []


def test_cancelled_timer_does_not_fire() -> None:
    clock = SimClock()
    fired: list[str] = []
    clock.set_timer("t", 5, lambda e: fired.append(e.name))
    clock.cancel_timer("t")
    clock.advance_to(100)
    assert fired == []
    assert clock.next_timer_ns is None


def test_sim_clock_never_runs_backwards_and_rejects_bad_timers() -> None:
    clock = SimClock(start_ns=100)
    with pytest.raises(ValueError, match="cannot move backwards"):
        clock.advance_to(99)
    with pytest.raises(ValueError, match="interval must be positive"):
        clock.set_timer("bad", 0, lambda e: None)
    clock.set_time_alert("dup", 200, lambda e: None)
    with pytest.raises(ValueError, match="already exists"):
        clock.set_time_alert("dup", 300, lambda e: None)


def test_live_clock_reads_system_time_in_nanoseconds() -> None:
    clock = LiveClock()
    first = clock.timestamp_ns()
    assert first > 1_600_000_000 * 10**9
    fired: list[str] = []
    clock.set_time_alert("past", first - 1, lambda e: fired.append(e.name))
    assert clock.fire_due() == 1
    assert fired == ["past"]

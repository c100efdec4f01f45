"""The node collects reference cycles on its own schedule, never on allocation."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from colin.node.gc_policy import FULL_INTERVAL_S, YOUNG_INTERVAL_S, IdleCollector


class _Node:
    """Something that can sit in a reference cycle and be weakly referenced."""

    other: object = None


def _pair() -> _Node:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return a


def _cycle() -> weakref.ref[_Node]:
    return weakref.ref(_pair())


@pytest.fixture
def collector() -> Iterator[IdleCollector]:
    collector = IdleCollector()
    collector.start(now=100.0)
    yield collector
    collector.stop()


def test_start_freezes_the_survivors_and_switches_automatic_collection_off(
    collector: IdleCollector,
) -> None:
    assert not gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_cycles_wait_for_the_tick_that_is_due(collector: IdleCollector) -> None:
    garbage = [_cycle() for _ in range(5_000)]  # far past gen 0's automatic threshold
    assert all(ref() is not None for ref in garbage)  # nothing collected on allocation
    collector.tick(100.0 + YOUNG_INTERVAL_S / 2)
    assert all(ref() is not None for ref in garbage)  # not due yet
    collector.tick(100.0 + YOUNG_INTERVAL_S)
    assert all(ref() is None for ref in garbage)
    assert collector.collections == 1


def test_a_full_collection_runs_every_full_interval(collector: IdleCollector) -> None:
    alive = _pair()
    survivor = weakref.ref(alive)
    gc.collect(1)  # it survives into the oldest generation, out of the young passes' reach
    del alive  # and only then becomes garbage
    collector.tick(100.0 + YOUNG_INTERVAL_S)
    assert survivor() is not None
    collector.tick(100.0 + FULL_INTERVAL_S)
    assert survivor() is None


def test_stop_gives_collection_back_to_the_interpreter() -> None:
    collector = IdleCollector()
    collector.start(now=0.0)
    collector.stop()
    assert gc.isenabled() and gc.get_freeze_count() == 0

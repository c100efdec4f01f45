"""Walk-forward windows, span parsing and the stitched out-of-sample curve."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from colin.backtest.optimize.walk_forward import (
    parse_span,
    stitch_equity,
    walk_forward_windows,
)
from colin.core.errors import ConfigError
from colin.core.time import NANOS_PER_DAY, parse_time

HOUR = 3_600 * 10**9


@given(
    length=st.integers(1, 2_000),
    train=st.integers(1, 300),
    test=st.integers(1, 300),
    step=st.none() | st.integers(1, 300),
)
def test_windows_never_let_training_reach_into_its_test_span(
    length: int, train: int, test: int, step: int | None
) -> None:
    start = parse_time("2024-01-01")
    end = start + length * HOUR
    try:
        windows = walk_forward_windows(
            start, end, train * HOUR, test * HOUR, None if step is None else step * HOUR
        )
    except ConfigError:
        assert train + test > length
        return
    for i, w in enumerate(windows):
        assert w.index == i
        assert start <= w.train_start < w.train_end == w.test_start < w.test_end <= end
        assert w.train_end - w.train_start == train * HOUR
        assert w.test_end - w.test_start == test * HOUR
    # rolling: each window moves on by the step; the next whole window would not fit
    moved = (step or test) * HOUR
    assert all(b.train_start - a.train_start == moved for a, b in itertools.pairwise(windows))
    assert windows[-1].train_start + moved + (train + test) * HOUR > end
    if step is None:  # test spans tile the range without overlap
        assert all(a.test_end == b.test_start for a, b in itertools.pairwise(windows))


def test_ninety_thirty_windows_on_a_quarter_year() -> None:
    start, end = parse_time("2024-01-01"), parse_time("2024-07-01")
    windows = walk_forward_windows(start, end, 90 * NANOS_PER_DAY, 30 * NANOS_PER_DAY)
    assert [w.describe() for w in windows[:2]] == [
        "train 2024-01-01T00:00:00Z..2024-03-31T00:00:00Z, "
        "test 2024-03-31T00:00:00Z..2024-04-30T00:00:00Z",
        "train 2024-01-31T00:00:00Z..2024-04-30T00:00:00Z, "
        "test 2024-04-30T00:00:00Z..2024-05-30T00:00:00Z",
    ]
    assert len(windows) == 3


def test_a_range_too_short_for_one_window_is_refused() -> None:
    with pytest.raises(ConfigError, match="shorter than one training span"):
        walk_forward_windows(0, 10 * HOUR, 8 * HOUR, 4 * HOUR)
    with pytest.raises(ConfigError, match="must be positive"):
        walk_forward_windows(0, 10 * HOUR, 0, 4 * HOUR)


def test_spans_are_durations_or_bar_counts() -> None:
    assert parse_span("90d", "1h", "--train") == 90 * NANOS_PER_DAY
    assert parse_span("500", "15m", "--train") == 500 * 15 * 60 * 10**9
    with pytest.raises(ConfigError, match="--test '3 months'"):
        parse_span("3 months", "1h", "--test")


def test_stitching_compounds_each_window_from_the_last_equity() -> None:
    ts, equity = stitch_equity(
        [
            (np.array([1, 2]), np.array([110.0, 121.0]), 100.0),
            (np.array([3, 4]), np.array([50.0, 45.0]), 50.0),
        ],
        100.0,
    )
    assert ts.tolist() == [1, 2, 3, 4]
    assert equity.tolist() == pytest.approx([110.0, 121.0, 121.0, 108.9])
    with pytest.raises(ConfigError, match="overlap"):
        stitch_equity(
            [(np.array([1, 2]), np.ones(2), 1.0), (np.array([2, 3]), np.ones(2), 1.0)], 1.0
        )

"""Chart downsampling keeps the shape: ends, extremes, bounded size."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from colin.backtest.downsample import downsample_indices


def test_short_series_are_kept_whole() -> None:
    np.testing.assert_array_equal(downsample_indices(np.arange(10.0), 40), np.arange(10))


def test_a_single_spike_survives() -> None:
    values = np.zeros(1_000_000)
    values[123_457] = 5.0
    values[987_001] = -3.0
    keep = downsample_indices(values, 1_000)
    assert len(keep) <= 1_000
    assert {123_457, 987_001} <= set(keep.tolist())


def test_nans_are_not_chosen_as_extremes() -> None:
    values = np.array([1.0, np.nan, 9.0, np.nan, 0.5, 2.0, 3.0, 4.0, 5.0, 6.0])
    keep = downsample_indices(values, 4)
    assert 2 in keep and 4 in keep


def test_too_few_points_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 4"):
        downsample_indices(np.arange(10.0), 3)


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 3_000), elements=st.floats(-1e9, 1e9)),
    st.integers(4, 500),
)
def test_bounded_sorted_and_keeps_ends_and_extremes(values: np.ndarray, limit: int) -> None:
    keep = downsample_indices(values, limit)
    assert len(keep) <= limit or len(values) <= limit
    assert np.all(np.diff(keep) > 0)
    assert keep[0] == 0 and keep[-1] == len(values) - 1
    assert values[keep].max() == values.max() and values[keep].min() == values.min()

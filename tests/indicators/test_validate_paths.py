"""The numpy (short series) and numba (long series) checks find the same first problem."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.indicators._validate import (
    _first_step_back,
    _first_step_back_numpy,
    _scan_bars,
    _scan_bars_numpy,
)

VALUES = st.sampled_from([1.0, 2.0, 3.0, 0.0, -1.0, float("nan"), float("inf"), -float("inf")])


@settings(deadline=None, max_examples=500)  # the first call compiles the numba scan
@given(
    st.integers(min_value=0, max_value=12).flatmap(
        lambda n: st.tuples(*(st.lists(VALUES, min_size=n, max_size=n) for _ in range(5)))
    ),
    st.lists(st.booleans(), min_size=5, max_size=5),
    st.booleans(),
)
def test_both_scans_report_the_same_problem(
    columns: tuple[list[float], ...], present: list[bool], positive: bool
) -> None:
    arrays = [
        np.asarray(col if keep else [], dtype=np.float64)
        for col, keep in zip(columns, present, strict=True)
    ]
    assert _scan_bars_numpy(*arrays, positive) == _scan_bars(*arrays, positive)


@settings(deadline=None)
@given(st.lists(st.integers(min_value=-3, max_value=3), max_size=12), st.booleans())
def test_both_time_checks_report_the_same_row(steps: list[int], strict: bool) -> None:
    ts = np.cumsum(np.asarray([0, *steps], dtype=np.int64))
    assert _first_step_back_numpy(ts, strict) == _first_step_back(ts, strict)

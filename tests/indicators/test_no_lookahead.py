"""No lookahead: a value at row t depends on rows <= t only (hypothesis property tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from colin.indicators.features.registry import lookup

from .helpers import HOUR_NS, batch
from .test_streaming_equals_batch import CASES

# one case per indicator (the first of each name) keeps the run short
UNIQUE = list({name: (name, params) for name, params in reversed(CASES)}.values())


def random_bars(seed: int, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, rows)))
    open_ = np.concatenate(([100.0], close[:-1])) * np.exp(rng.normal(0, 0.002, rows))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.004, rows)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.004, rows)))
    volume = rng.gamma(2.0, 50.0, rows) * (rng.random(rows) > 0.05)  # some zero-volume bars
    ts = 1_700_000_000_000_000_000 // HOUR_NS * HOUR_NS + np.arange(rows) * HOUR_NS
    return pd.DataFrame(
        {"ts_open": ts, "open": open_, "high": high, "low": low, "close": close, "volume": volume}
    )


def shuffled_future(frame: pd.DataFrame, cut: int, seed: int) -> pd.DataFrame:
    """Shuffle the bars after ``cut`` (timestamps stay in order)."""
    future = frame.iloc[cut:].sample(frac=1.0, random_state=seed)
    values = pd.concat([frame.iloc[:cut], future]).drop(columns="ts_open").to_numpy()
    result = frame.copy()
    result[["open", "high", "low", "close", "volume"]] = values
    return result


@pytest.mark.parametrize(("name", "params"), UNIQUE, ids=str)
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**31), rows=st.integers(20, 260), cut_fraction=st.floats(0.05, 0.95))
def test_future_rows_never_change_the_past(
    name: str, params: dict, seed: int, rows: int, cut_fraction: float
) -> None:
    entry = lookup(name)
    full = random_bars(seed, rows)
    cut = max(1, int(rows * cut_fraction))
    whole = batch(entry, full, params)
    prefix = batch(entry, full.iloc[:cut], params)
    shuffled = batch(entry, shuffled_future(full, cut, seed), params)
    for output in entry.outputs:
        # appending future rows never changes an earlier value ...
        np.testing.assert_array_equal(whole[output][:cut], prefix[output], err_msg=output)
        # ... and re-ordering the future never changes the present
        np.testing.assert_array_equal(whole[output][:cut], shuffled[output][:cut], err_msg=output)

"""Every bar indicator: streaming value == batch value on real BTC/USDT 1h bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from colin.indicators.features.registry import REGISTRY, lookup

from .helpers import assert_same, batch, stream, to_bars

CASES: list[tuple[str, dict]] = [
    ("sma", {"period": 20}),
    ("ema", {"period": 20}),
    ("wma", {"period": 20}),
    ("dema", {"period": 20}),
    ("tema", {"period": 20}),
    *[("rsi", {"period": p}) for p in (2, 3, 4, 5, 6, 7, 8, 9, 14)],
    ("macd", {"fast": 12, "slow": 26, "signal": 9}),
    ("stochf", {"k_period": 14, "d_period": 3}),
    ("stoch", {"k_period": 14, "slow_k_period": 3, "slow_d_period": 3}),
    ("willr", {"period": 14}),
    ("cci", {"period": 20}),
    ("roc", {"period": 10}),
    ("mom", {"period": 10}),
    ("adx", {"period": 14}),
    ("sar", {"acceleration": 0.02, "maximum": 0.2}),
    ("ichimoku", {}),
    ("supertrend", {"period": 10, "multiplier": 3.0}),
    ("atr", {"period": 14}),
    ("bb", {"period": 20, "width": 2.0}),
    ("kc", {"period": 20, "atr_period": 10, "multiplier": 2.0}),
    ("dc", {"period": 20}),
    ("obv", {}),
    ("mfi", {"period": 14}),
    ("vwap", {}),
    ("rvwap", {"period": 24}),
    ("volz", {"period": 20}),
    *[
        ("rv", {"period": 24, "estimator": e, "annualization": 8760.0})
        for e in ("close_to_close", "parkinson", "garman_klass", "rogers_satchell", "yang_zhang")
    ],
    ("zscore", {"period": 20}),
    ("skew", {"period": 30}),
    ("kurt", {"period": 30}),
    ("autocorr", {"period": 50, "lag": 1}),
    ("hurst", {"period": 100, "max_lag": 20}),
    ("sampen", {"period": 40, "order": 2, "tolerance": 0.2}),
    ("permen", {"period": 50, "order": 3}),
    ("structure", {"left": 2, "right": 2, "atr_period": 14, "displacement": 1.5}),
    ("session", {}),
]


def test_every_registered_indicator_is_covered() -> None:
    assert {name for name, _ in CASES} == set(REGISTRY)


@pytest.fixture(scope="module")
def window(bars: pd.DataFrame) -> pd.DataFrame:
    return bars.iloc[:1500].reset_index(drop=True)


@pytest.mark.parametrize(("name", "params"), CASES, ids=str)
def test_streaming_equals_batch(name: str, params: dict, window: pd.DataFrame) -> None:
    entry = lookup(name)
    streamed = stream(entry.streaming(**params), to_bars(window))
    expected = batch(entry, window, params)
    for output in entry.outputs:
        assert_same(streamed[output], expected[output], f"{name} {params} {output}")
        # after warm-up there must be real numbers to compare, not an all-NaN column
        assert np.isfinite(expected[output][-100:]).any(), f"{name} {output} never ready"


@pytest.mark.parametrize(("name", "params"), CASES[::3], ids=str)
def test_reset_forgets_history(name: str, params: dict, window: pd.DataFrame) -> None:
    entry = lookup(name)
    bars = to_bars(window.iloc[:300])
    indicator = entry.streaming(**params)
    first = stream(indicator, bars)
    indicator.reset()
    assert indicator.count == 0
    again = stream(indicator, bars)
    for output in entry.outputs:
        np.testing.assert_array_equal(first[output], again[output])

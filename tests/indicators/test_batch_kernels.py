"""The split batch kernels give the streaming classes' values bit for bit, at every edge.

The realised-volatility, permutation-entropy and SuperTrend kernels are written for speed (two
or three passes, rings instead of full histories, validation inside the loop). These properties
pin them to their streaming twins exactly, on short series around the warm-up boundary, with
ties and with violent moves, for every estimator and pattern order.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.indicators import complexity, supertrend, volatility
from colin.indicators.base import Indicator


def _bars(draw: st.DrawFn, rows: int) -> tuple[np.ndarray, ...]:
    """Draw positive OHLC bars: coarse steps (many ties) or large jumps."""
    steps = draw(st.lists(st.integers(-3, 3), min_size=rows, max_size=rows))
    scale = draw(st.sampled_from([0.001, 0.5]))
    close = 100.0 * np.exp(np.cumsum(np.asarray(steps, dtype=float)) * scale)
    open_ = np.concatenate(([close[0]], close[:-1])) if rows else close
    wick = np.asarray(draw(st.lists(st.integers(0, 2), min_size=rows, max_size=rows)), float)
    high = np.maximum(open_, close) * (1.0 + wick * scale / 10)
    low = np.minimum(open_, close) / (1.0 + wick * scale / 10)
    return open_, high, low, close


def _values(indicator: Indicator, rows: list[tuple[float, ...]], *outputs: str) -> np.ndarray:
    """Feed ``rows`` to ``indicator.update``; return its outputs (``value`` NaN until ready)."""
    table = []
    for row in rows:
        indicator.update(*row)
        value = indicator.value if indicator.ready else np.nan
        table.append([value, *(getattr(indicator, name) for name in outputs)])
    return np.asarray(table, dtype=float).reshape(len(rows), 1 + len(outputs))


@st.composite
def _series(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    return _bars(draw, draw(st.integers(0, 40)))


@given(bars=_series(), period=st.integers(2, 6), estimator=st.sampled_from(volatility.ESTIMATORS))
@settings(max_examples=100, deadline=None)
def test_realized_volatility_batch_is_streaming_bit_for_bit(
    bars: tuple[np.ndarray, ...], period: int, estimator: volatility.Estimator
) -> None:
    expected = _values(
        volatility.RealizedVolatility(period, estimator, 8760.0), list(zip(*bars, strict=True))
    )[:, 0]
    actual = volatility.realized_volatility(*bars, period, estimator, 8760.0)
    np.testing.assert_array_equal(actual, expected)


@given(bars=_series(), order=st.integers(2, 7), extra=st.integers(1, 8))
@settings(max_examples=100, deadline=None)
def test_permutation_entropy_batch_is_streaming_bit_for_bit(
    bars: tuple[np.ndarray, ...], order: int, extra: int
) -> None:
    close = bars[3]
    period = order + extra
    expected = _values(complexity.PermutationEntropy(period, order), [(c,) for c in close])[:, 0]
    actual = complexity.permutation_entropy(close, period, order)
    np.testing.assert_array_equal(actual, expected)


@given(bars=_series(), period=st.integers(1, 6), multiplier=st.sampled_from([0.5, 3.0]))
@settings(max_examples=100, deadline=None)
def test_supertrend_batch_is_streaming_bit_for_bit(
    bars: tuple[np.ndarray, ...], period: int, multiplier: float
) -> None:
    _, high, low, close = bars
    expected = _values(
        supertrend.SuperTrend(period, multiplier),
        list(zip(high, low, close, strict=True)),
        "direction",
    )
    result = supertrend.supertrend(high, low, close, period, multiplier)
    np.testing.assert_array_equal(result.supertrend, expected[:, 0])
    ready = ~np.isnan(expected[:, 0])
    np.testing.assert_array_equal(result.direction[ready], expected[ready, 1])

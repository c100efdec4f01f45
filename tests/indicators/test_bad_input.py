"""Bad input gives a clear error or a documented NaN / not-ready state."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.core.errors import ConfigError, DataError
from colin.indicators import (
    channels,
    complexity,
    momentum,
    moving_averages,
    range_oscillators,
    statistics,
    supertrend,
    trend,
    volatility,
)
from colin.indicators import volume as vol
from colin.indicators._validate import bar_columns
from colin.indicators.features.registry import REGISTRY


def test_nan_input_names_the_field_and_row() -> None:
    close = np.array([1.0, 2.0, np.nan, 4.0])
    with pytest.raises(DataError, match=r"close: non-finite value nan at row 2"):
        moving_averages.sma(close, 2)
    with pytest.raises(DataError, match=r"high: non-finite value inf at row 1"):
        channels.atr([1.0, np.inf], [0.5, 0.5], [0.8, 0.8], 1)


def test_inconsistent_bar_is_refused() -> None:
    with pytest.raises(DataError, match=r"row 1: inconsistent bar high=1.0 low=2.0"):
        channels.atr([3.0, 1.0, 3.0], [1.0, 2.0, 1.0], [2.0, 1.5, 2.0], 1)
    with pytest.raises(DataError, match=r"close=9.0"):
        range_oscillators.cci([3.0, 3.0], [1.0, 1.0], [2.0, 9.0], 2)


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(DataError, match="different lengths"):
        range_oscillators.williams_r([2.0, 3.0], [1.0], [1.5, 2.5], 2)


def test_negative_volume_and_non_positive_prices_are_refused() -> None:
    with pytest.raises(DataError, match=r"volume: must be >= 0, got -1.0 at row 1"):
        vol.obv([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(DataError, match=r"close: price must be positive, got 0.0 at row 1"):
        statistics.return_skewness([1.0, 0.0, 1.0], 3)
    with pytest.raises(DataError, match="low: price must be positive"):
        volatility.realized_volatility([1, 1], [1, 1], [0, 1], [1, 1], 2, "parkinson")


def test_time_going_backwards_is_refused() -> None:
    ts = np.array([0, 3_600, 1_800]) * 1_000_000_000
    with pytest.raises(DataError, match=r"ts_open: time is not increasing at row 2"):
        vol.session_vwap(ts, [2, 2, 2], [1, 1, 1], [1.5, 1.5, 1.5], [1, 1, 1])


def test_bad_parameters_are_refused_at_construction() -> None:
    with pytest.raises(ConfigError, match="period must be >= 2, got 1"):
        moving_averages.SMA(1)
    with pytest.raises(ConfigError, match="period must be an integer"):
        momentum.RSI(14.5)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"fast .* must be shorter than slow"):
        momentum.MACD(26, 12)
    with pytest.raises(ConfigError, match="estimator must be one of"):
        volatility.RealizedVolatility(20, "bogus")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="width must be a positive finite number"):
        channels.bollinger_bands([1.0, 2.0], 2, -1.0)
    with pytest.raises(ConfigError, match="max_lag"):
        complexity.HurstExponent(20, 15)


def test_too_short_history_is_all_nan_and_not_ready() -> None:
    short = np.array([1.0, 2.0, 3.0])
    for name, entry in REGISTRY.items():
        if name in ("obv", "vwap", "sar", "structure", "session"):  # defined from bar 1
            continue
        instance = entry.streaming()
        columns = {
            "ts_open": np.array([0, 1, 2]) * 3_600_000_000_000,
            "open": short,
            "high": short + 1,
            "low": short - 0.5,
            "close": short,
            "volume": short,
        }
        result = entry.batch(*(columns[c] for c in entry.inputs))
        arrays = [result] if isinstance(result, np.ndarray) else list(result)
        assert all(np.isnan(a).all() for a in arrays), name
        for i in range(3):
            instance.update(*(columns[c][i] for c in entry.inputs))
        assert not instance.ready and np.isnan(instance.value), name


def test_zero_volume_gives_documented_values() -> None:
    high, low, close = np.full(6, 2.0), np.full(6, 1.0), np.full(6, 1.5)
    volume = np.zeros(6)
    ts = np.arange(6) * 3_600_000_000_000
    assert np.isnan(vol.session_vwap(ts, high, low, close, volume)).all()
    assert np.isnan(vol.rolling_vwap(high, low, close, volume, 3)[2:]).all()
    assert np.isnan(vol.volume_zscore(volume, 3)[2:]).all()  # flat window
    assert (vol.mfi(high, low, close, volume, 3)[3:] == 0.0).all()  # TA-Lib: no money flow -> 0
    streaming = vol.SessionVWAP()
    streaming.update(0, 2.0, 1.0, 1.5, 0.0)
    assert not streaming.ready and np.isnan(streaming.value)
    streaming.update(1, 2.0, 1.0, 1.5, 2.0)
    assert streaming.ready and streaming.value == pytest.approx(1.5)


def test_volume_window_that_empties_after_trading_is_nan_again() -> None:
    high, low, close = np.full(8, 2.0), np.full(8, 1.0), np.full(8, 1.5)
    volume = np.array([5.0, 7.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0])
    expected = vol.rolling_vwap(high, low, close, volume, 3)
    assert np.isnan(expected[4:6]).all() and expected[6] == pytest.approx(1.5)
    streaming = vol.RollingVWAP(3)
    values = []
    for row in zip(high, low, close, volume, strict=True):
        streaming.update(*row)
        values.append(streaming.value)
    np.testing.assert_array_equal(np.isnan(values), np.isnan(expected))


def test_flat_prices_give_defined_or_nan_values_not_errors() -> None:
    flat = np.full(60, 100.0)
    assert (momentum.rsi(flat, 14)[14:] == 0.0).all()  # TA-Lib convention on no movement
    assert (range_oscillators.williams_r(flat, flat, flat, 14)[13:] == 0.0).all()
    assert np.isnan(statistics.zscore(flat, 20)[19:]).all()
    assert np.isnan(statistics.return_skewness(flat, 20)[20:]).all()
    assert np.isnan(complexity.hurst_exponent(flat, 40, 10)[39:]).all()
    assert (
        volatility.realized_volatility(flat, flat, flat, flat, 10, "yang_zhang")[10:] == 0
    ).all()
    assert np.isfinite(trend.parabolic_sar(flat + 1, flat - 1)[1:]).all()


def test_volatility_validates_the_columns_its_estimator_reads() -> None:
    close = np.linspace(100.0, 110.0, 30)
    bad_open = close.copy()
    bad_open[5] = np.nan
    ok = volatility.realized_volatility(bad_open, close + 1, close - 1, close, 10, "close_to_close")
    assert np.isfinite(ok[10:]).all()
    with pytest.raises(DataError, match="open: non-finite value nan at row 5"):
        volatility.realized_volatility(bad_open, close + 1, close - 1, close, 10, "yang_zhang")
    with pytest.raises(DataError, match="different lengths"):
        volatility.realized_volatility(close[:-1], close + 1, close - 1, close, 10, "parkinson")


_BAD_VALUES = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 50.0, 200.0])


@given(
    rows=st.integers(1, 40),
    data=st.data(),
)
@settings(max_examples=150, deadline=None)
def test_supertrend_refuses_bad_bars_as_bar_columns_does(rows: int, data: st.DataObject) -> None:
    """SuperTrend validates inside its kernel; the error must be bar_columns' own."""
    close = np.linspace(100.0, 101.0, rows)
    columns = {"high": close + 1.0, "low": close - 1.0, "close": close.copy()}
    for _ in range(data.draw(st.integers(1, 3))):
        field = data.draw(st.sampled_from(sorted(columns)))
        columns[field][data.draw(st.integers(0, rows - 1))] = data.draw(_BAD_VALUES)
    try:
        bar_columns(**columns)
    except DataError as expected:
        with pytest.raises(DataError) as raised:
            supertrend.supertrend(columns["high"], columns["low"], columns["close"], 3, 2.0)
        assert str(raised.value) == str(expected)
    else:  # the value fits inside its bar (a low of 0.0): valid input, a full result
        line = supertrend.supertrend(
            columns["high"], columns["low"], columns["close"], 3
        ).supertrend
        assert np.isfinite(line[3:]).all()

"""Batch forms against TA-Lib and against independent textbook implementations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import talib

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


@pytest.fixture(scope="module")
def hlcv(bars: pd.DataFrame) -> tuple[np.ndarray, ...]:
    frame = bars.iloc[:1000]
    return tuple(frame[c].to_numpy() for c in ("open", "high", "low", "close", "volume"))


def same(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)


def test_talib_backed_batch_forms_equal_talib(hlcv: tuple[np.ndarray, ...]) -> None:
    _, h, lo, c, v = hlcv
    same(moving_averages.sma(c, 20), talib.SMA(c, 20))
    same(moving_averages.ema(c, 20), talib.EMA(c, 20))
    same(moving_averages.wma(c, 20), talib.WMA(c, 20))
    same(moving_averages.dema(c, 20), talib.DEMA(c, 20))
    same(moving_averages.tema(c, 20), talib.TEMA(c, 20))
    for period in range(2, 10):
        same(momentum.rsi(c, period), talib.RSI(c, period))
    for ours, theirs in zip(momentum.macd(c), talib.MACD(c, 12, 26, 9), strict=True):
        same(ours, theirs)
    for ours, theirs in zip(
        range_oscillators.stochastic_fast(h, lo, c, 14, 3),
        talib.STOCHF(h, lo, c, 14, 3, 0),
        strict=True,
    ):
        same(ours, theirs)
    for ours, theirs in zip(
        range_oscillators.stochastic_slow(h, lo, c), talib.STOCH(h, lo, c), strict=True
    ):
        same(ours, theirs)
    same(range_oscillators.williams_r(h, lo, c), talib.WILLR(h, lo, c, 14))
    same(range_oscillators.cci(h, lo, c), talib.CCI(h, lo, c, 20))
    same(momentum.roc(c), talib.ROC(c, 10))
    same(momentum.momentum(c), talib.MOM(c, 10))
    directional = trend.adx(h, lo, c)
    same(directional.adx, talib.ADX(h, lo, c, 14))
    same(directional.plus_di, talib.PLUS_DI(h, lo, c, 14))
    same(directional.minus_di, talib.MINUS_DI(h, lo, c, 14))
    same(trend.parabolic_sar(h, lo), talib.SAR(h, lo, 0.02, 0.2))
    same(channels.atr(h, lo, c), talib.ATR(h, lo, c, 14))
    upper, middle, lower = talib.BBANDS(c, 20, 2.0, 2.0, 0)
    same(channels.bollinger_bands(c).upper, upper)
    same(channels.bollinger_bands(c).middle, middle)
    same(channels.bollinger_bands(c).lower, lower)
    same(channels.donchian_channels(h, lo).upper, talib.MAX(h, 20))
    same(vol.obv(c, v), talib.OBV(c, v))
    same(vol.mfi(h, lo, c, v), talib.MFI(h, lo, c, v, 14))


def test_hand_rolled_forms_equal_textbook_definitions(hlcv: tuple[np.ndarray, ...]) -> None:
    o, h, lo, c, v = hlcv
    s = pd.Series(c)
    log_return = np.log(s).diff()
    # close-to-close volatility = sample std of log returns
    same(
        volatility.realized_volatility(o, h, lo, c, 24, "close_to_close"),
        log_return.rolling(24).std().to_numpy(),
    )
    parkinson = np.sqrt((pd.Series(np.log(h / lo)) ** 2).rolling(24).sum() / (4 * 24 * np.log(2)))
    same(volatility.realized_volatility(o, h, lo, c, 24, "parkinson"), parkinson.to_numpy())
    np.testing.assert_allclose(
        statistics.zscore(c, 20),
        ((s - s.rolling(20).mean()) / s.rolling(20).std(ddof=0)).to_numpy(),
        rtol=1e-7,
        equal_nan=True,
    )
    window = log_return.to_numpy()[-30:]
    assert statistics.return_skewness(c, 30)[-1] == pytest.approx(
        scipy.stats.skew(window), rel=1e-9
    )
    assert statistics.return_kurtosis(c, 30)[-1] == pytest.approx(
        scipy.stats.kurtosis(window), rel=1e-8
    )
    pairs = log_return.to_numpy()[-51:]
    assert statistics.return_autocorrelation(c, 50, 1)[-1] == pytest.approx(
        np.corrcoef(pairs[1:], pairs[:-1])[0, 1], rel=1e-9
    )
    typical = (h + lo + c) / 3
    expected_vwap = pd.Series(typical * v).rolling(24).sum() / pd.Series(v).rolling(24).sum()
    np.testing.assert_allclose(
        vol.rolling_vwap(h, lo, c, v, 24), expected_vwap, rtol=1e-9, equal_nan=True
    )
    conversion = (pd.Series(h).rolling(9).max() + pd.Series(lo).rolling(9).min()) / 2
    same(trend.ichimoku(h, lo).conversion, conversion.to_numpy())
    keltner = channels.keltner_channels(h, lo, c)
    same(keltner.upper, talib.EMA(c, 20) + 2.0 * talib.ATR(h, lo, c, 10))


def test_hurst_separates_trending_from_mean_reverting() -> None:
    rng = np.random.default_rng(7)
    steps = rng.normal(0, 0.01, 2000)
    walk = np.exp(np.cumsum(steps))
    reverting = np.exp(0.05 * np.sin(np.arange(2000)) + steps * 0.1)
    assert 0.35 < np.nanmean(complexity.hurst_exponent(walk, 200, 20)) < 0.65
    assert np.nanmean(complexity.hurst_exponent(reverting, 200, 20)) < 0.2


def test_permutation_entropy_is_zero_for_a_monotone_pattern() -> None:
    accelerating = np.exp(np.cumsum(np.linspace(0.001, 0.01, 200)))
    assert np.nanmax(complexity.permutation_entropy(accelerating, 50, 3)) == 0.0
    rng = np.random.default_rng(1)
    noise = np.exp(np.cumsum(rng.normal(0, 0.01, 5000)))
    assert np.nanmean(complexity.permutation_entropy(noise, 500, 3)) > 0.98


def test_supertrend_direction_follows_a_clear_trend() -> None:
    up = np.linspace(100, 200, 200)
    result = supertrend.supertrend(up + 1, up - 1, up, 10, 3.0)
    assert result.direction[-1] == 1.0
    assert np.all(result.supertrend[-50:] < up[-50:])
    down = up[::-1]
    assert supertrend.supertrend(down + 1, down - 1, down, 10, 3.0).direction[-1] == -1.0

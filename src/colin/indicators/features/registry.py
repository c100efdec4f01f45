"""The catalogue of bar indicators a feature set can name.

Each entry ties a streaming class to its batch function: the batch function takes the bar columns
named by the class's ``inputs`` (in that order) and the same keyword parameters as the class, and
returns one array per name in the class's ``outputs`` (an array, or a named tuple in that order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from colin.core.errors import ConfigError
from colin.indicators import (
    channels,
    complexity,
    momentum,
    moving_averages,
    range_oscillators,
    sessions,
    statistics,
    structure,
    supertrend,
    trend,
    volatility,
)
from colin.indicators import volume as volume_indicators
from colin.indicators.base import Indicator


@dataclass(frozen=True)
class IndicatorEntry:
    """One indicator: its streaming class, batch function and a one-line description."""

    name: str
    streaming: type[Indicator]
    batch: Callable[..., Any]
    description: str

    @property
    def inputs(self) -> tuple[str, ...]:
        """Bar columns read, in the batch function's positional order."""
        return self.streaming.inputs

    @property
    def outputs(self) -> tuple[str, ...]:
        """Output attribute names of the streaming class (``value`` first)."""
        return self.streaming.outputs


_ENTRIES = (
    IndicatorEntry("sma", moving_averages.SMA, moving_averages.sma, "simple moving average"),
    IndicatorEntry("ema", moving_averages.EMA, moving_averages.ema, "exponential moving average"),
    IndicatorEntry("wma", moving_averages.WMA, moving_averages.wma, "weighted moving average"),
    IndicatorEntry("dema", moving_averages.DEMA, moving_averages.dema, "double EMA"),
    IndicatorEntry("tema", moving_averages.TEMA, moving_averages.tema, "triple EMA"),
    IndicatorEntry("rsi", momentum.RSI, momentum.rsi, "Wilder RSI"),
    IndicatorEntry("macd", momentum.MACD, momentum.macd, "MACD line, signal, histogram"),
    IndicatorEntry(
        "stochf",
        range_oscillators.StochasticFast,
        range_oscillators.stochastic_fast,
        "fast stochastic",
    ),
    IndicatorEntry(
        "stoch",
        range_oscillators.StochasticSlow,
        range_oscillators.stochastic_slow,
        "slow stochastic",
    ),
    IndicatorEntry(
        "willr", range_oscillators.WilliamsR, range_oscillators.williams_r, "Williams %R"
    ),
    IndicatorEntry("cci", range_oscillators.CCI, range_oscillators.cci, "commodity channel index"),
    IndicatorEntry("roc", momentum.ROC, momentum.roc, "rate of change (%)"),
    IndicatorEntry("mom", momentum.Momentum, momentum.momentum, "momentum (difference)"),
    IndicatorEntry("adx", trend.ADX, trend.adx, "ADX with +DI/-DI"),
    IndicatorEntry("sar", trend.ParabolicSAR, trend.parabolic_sar, "Parabolic SAR"),
    IndicatorEntry("ichimoku", trend.Ichimoku, trend.ichimoku, "Ichimoku lines (no chikou)"),
    IndicatorEntry(
        "supertrend", supertrend.SuperTrend, supertrend.supertrend, "SuperTrend and direction"
    ),
    IndicatorEntry("atr", channels.ATR, channels.atr, "average true range"),
    IndicatorEntry("bb", channels.BollingerBands, channels.bollinger_bands, "Bollinger Bands"),
    IndicatorEntry("kc", channels.KeltnerChannels, channels.keltner_channels, "Keltner Channels"),
    IndicatorEntry(
        "dc", channels.DonchianChannels, channels.donchian_channels, "Donchian Channels"
    ),
    IndicatorEntry("obv", volume_indicators.OBV, volume_indicators.obv, "on-balance volume"),
    IndicatorEntry("mfi", volume_indicators.MFI, volume_indicators.mfi, "money flow index"),
    IndicatorEntry(
        "vwap", volume_indicators.SessionVWAP, volume_indicators.session_vwap, "session VWAP"
    ),
    IndicatorEntry(
        "rvwap", volume_indicators.RollingVWAP, volume_indicators.rolling_vwap, "rolling VWAP"
    ),
    IndicatorEntry(
        "volz", volume_indicators.VolumeZScore, volume_indicators.volume_zscore, "volume z-score"
    ),
    IndicatorEntry(
        "rv",
        volatility.RealizedVolatility,
        volatility.realized_volatility,
        "realised volatility (5 estimators)",
    ),
    IndicatorEntry("zscore", statistics.ZScore, statistics.zscore, "rolling z-score"),
    IndicatorEntry(
        "skew", statistics.ReturnSkewness, statistics.return_skewness, "log-return skewness"
    ),
    IndicatorEntry(
        "kurt", statistics.ReturnKurtosis, statistics.return_kurtosis, "log-return excess kurtosis"
    ),
    IndicatorEntry(
        "autocorr",
        statistics.ReturnAutocorrelation,
        statistics.return_autocorrelation,
        "log-return autocorrelation",
    ),
    IndicatorEntry("hurst", complexity.HurstExponent, complexity.hurst_exponent, "Hurst exponent"),
    IndicatorEntry("sampen", complexity.SampleEntropy, complexity.sample_entropy, "sample entropy"),
    IndicatorEntry(
        "permen",
        complexity.PermutationEntropy,
        complexity.permutation_entropy,
        "permutation entropy",
    ),
    IndicatorEntry(
        "structure",
        structure.MarketStructure,
        structure.structure_features,
        "market-structure trend (+1/-1) and premium/discount position",
    ),
    IndicatorEntry(
        "session", sessions.SessionWeight, sessions.session_weight, "session/killzone weight"
    ),
)

REGISTRY: dict[str, IndicatorEntry] = {entry.name: entry for entry in _ENTRIES}


def lookup(name: str) -> IndicatorEntry:
    """Return the entry called ``name``, or raise :class:`ConfigError` listing the known names."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown indicator {name!r}; known: {', '.join(sorted(REGISTRY))}"
        ) from None

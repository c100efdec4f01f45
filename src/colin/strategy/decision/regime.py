"""Market regime detection (trending / ranging / volatile) from ADX, volatility and Hurst.

The detector also gives the volatility ratio (short-window over reference-window realised
volatility) that scales the engine's entry threshold.
"""

from __future__ import annotations

import math

from colin.indicators.complexity import HurstExponent
from colin.indicators.trend import ADX
from colin.indicators.volatility import RealizedVolatility
from colin.model.data import Bar
from colin.strategy.decision.config import Regime, RegimeConfig, ThresholdConfig


class RegimeDetector:
    """Classify each closed bar's regime; ``regime`` is ``None`` until every input is ready.

    Parameters
    ----------
    config
        ADX / Hurst periods and the trending and volatile cut-offs.
    threshold
        The volatility windows (``vol_period``, ``reference_period``).
    """

    def __init__(self, config: RegimeConfig, threshold: ThresholdConfig) -> None:
        self.config = config
        self._adx = ADX(config.adx_period)
        self._hurst = HurstExponent(config.hurst_period, config.hurst_max_lag)
        self._vol = RealizedVolatility(threshold.vol_period, "close_to_close")
        self._reference = RealizedVolatility(threshold.reference_period, "close_to_close")
        self.regime: Regime | None = None
        self.volatility_ratio = math.nan

    def update(self, bar: Bar) -> None:
        """Update the inputs with a closed bar and reclassify."""
        self._adx.update(bar.high, bar.low, bar.close)
        self._hurst.update(bar.close)
        self._vol.handle_bar(bar)
        self._reference.handle_bar(bar)
        if not (self._adx.ready and self._hurst.ready and self._reference.ready):
            return
        reference = self._reference.value
        self.volatility_ratio = self._vol.value / reference if reference > 0.0 else 1.0
        self.regime = classify(
            self.config, self._adx.value, self._hurst.value, self.volatility_ratio
        )

    @property
    def adx(self) -> float:
        """Return the current ADX (NaN before ready)."""
        return self._adx.value

    @property
    def hurst(self) -> float:
        """Return the current Hurst exponent (NaN before ready or on a flat window)."""
        return self._hurst.value


def classify(config: RegimeConfig, adx: float, hurst: float, volatility_ratio: float) -> Regime:
    """Return the regime for the given inputs (volatile beats trending beats ranging).

    A NaN Hurst exponent (flat window) counts as not trending.
    """
    if volatility_ratio >= config.volatile_ratio:
        return "volatile"
    if adx >= config.adx_trending or (math.isfinite(hurst) and hurst >= config.hurst_trending):
        return "trending"
    return "ranging"

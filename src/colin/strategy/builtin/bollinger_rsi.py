"""Bollinger Band / short-term RSI mean reversion, long only."""

from __future__ import annotations

from pydantic import Field, model_validator

from colin.indicators.channels import BollingerBands
from colin.indicators.momentum import RSI
from colin.model.data import Bar
from colin.strategy.builtin.bar_signal import BarSignalParams, BarSignalStrategy


class BollingerRsiReversionParams(BarSignalParams):
    """Parameters of :class:`BollingerRsiReversion`."""

    bb_period: int = Field(20, ge=2, description="Bars in the Bollinger middle band (SMA)")
    bb_width: float = Field(
        2.0, gt=0, description="Band distance from the middle, in population standard deviations"
    )
    rsi_period: int = Field(2, ge=2, description="Bars in Wilder's RSI (2 for Connors' RSI(2))")
    oversold: float = Field(10.0, gt=0, lt=100, description="Enter when the RSI closes below this")
    exit_level: float = Field(70.0, gt=0, lt=100, description="Exit when the RSI closes above this")

    @model_validator(mode="after")
    def _levels_ordered(self) -> BollingerRsiReversionParams:
        if self.oversold >= self.exit_level:
            raise ValueError(
                f"oversold ({self.oversold}) must be below exit_level ({self.exit_level})"
            )
        return self


class BollingerRsiReversion(BarSignalStrategy):
    """Buy a close stretched below the lower Bollinger band with a washed-out RSI; sell the bounce.

    Rules, on each closed bar (bands and RSI as TA-Lib's ``BBANDS`` and ``RSI``):

    - **entry** (flat): ``close < lower band`` and ``RSI(rsi_period) < oversold``;
    - **exit**: ``close >= middle band`` (back to the mean) or ``RSI > exit_level``.

    Long only: a mean-reversion short on spot is impossible and on perpetuals it fights the
    funding-rate carry of crypto up-trends. Market orders at the bar's close, filled at the next
    open.
    """

    name = "bollinger_rsi"
    Params = BollingerRsiReversionParams
    params: BollingerRsiReversionParams

    def build_indicators(self) -> None:
        """Create the bands and the RSI."""
        p = self.params
        self._bands = BollingerBands(p.bb_period, p.bb_width)
        self._rsi = RSI(p.rsi_period)

    def update(self, bar: Bar) -> bool:
        """Feed the close; ready once both are."""
        self._bands.update(bar.close)
        self._rsi.update(bar.close)
        return self._bands.ready and self._rsi.ready

    def long_entry(self, bar: Bar) -> bool:
        """Close below the lower band and RSI oversold."""
        return bar.close < self._bands.lower and self._rsi.value < self.params.oversold

    def long_exit(self, bar: Bar) -> bool:
        """Close back at the middle band, or RSI above the exit level."""
        return bar.close >= self._bands.value or self._rsi.value > self.params.exit_level

"""EMA crossover trend following, filtered by ADX trend strength."""

from __future__ import annotations

from pydantic import Field, model_validator

from colin.indicators.moving_averages import EMA
from colin.indicators.trend import ADX
from colin.model.data import Bar
from colin.strategy.builtin.bar_signal import BarSignalStrategy, ShortableParams


class EmaAdxTrendParams(ShortableParams):
    """Parameters of :class:`EmaAdxTrend`."""

    fast: int = Field(12, ge=2, description="Bars in the fast exponential moving average")
    slow: int = Field(26, ge=3, description="Bars in the slow exponential moving average")
    adx_period: int = Field(14, ge=2, description="Bars in Wilder's ADX and the DI lines")
    adx_threshold: float = Field(
        25.0, ge=0, lt=100, description="Enter only while the ADX is at or above this"
    )

    @model_validator(mode="after")
    def _fast_below_slow(self) -> EmaAdxTrendParams:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be smaller than slow ({self.slow})")
        return self


class EmaAdxTrend(BarSignalStrategy):
    """Follow the EMA trend only when ADX says there is one.

    Rules, evaluated on each closed bar (EMAs seeded as TA-Lib's, ADX/DI as TA-Lib's):

    - **long entry** (flat): ``EMA(fast) > EMA(slow)``, ``ADX >= adx_threshold`` and
      ``+DI > -DI``;
    - **long exit**: ``EMA(fast) < EMA(slow)`` (the fast average crossed below);
    - **short entry** (flat, ``allow_short``, perpetuals): ``EMA(fast) < EMA(slow)``,
      ``ADX >= adx_threshold`` and ``-DI > +DI``;
    - **short exit**: ``EMA(fast) > EMA(slow)``.

    The entry is a state, not a one-bar cross: a trend that only becomes strong enough some bars
    after the cross is still joined. Market orders at the bar's close, filled at the next open.
    """

    name = "ema_adx"
    Params = EmaAdxTrendParams
    params: EmaAdxTrendParams

    def build_indicators(self) -> None:
        """Create the two EMAs and the ADX."""
        p = self.params
        self._fast = EMA(p.fast)
        self._slow = EMA(p.slow)
        self._adx = ADX(p.adx_period)

    def update(self, bar: Bar) -> bool:
        """Feed the bar; ready once the slow EMA and the ADX are."""
        self._fast.update(bar.close)
        self._slow.update(bar.close)
        self._adx.update(bar.high, bar.low, bar.close)
        return self._slow.ready and self._adx.ready

    def _trending(self) -> bool:
        return self._adx.value >= self.params.adx_threshold

    def long_entry(self, bar: Bar) -> bool:
        """Fast EMA above slow, ADX strong and +DI above -DI."""
        adx = self._adx
        return (
            self._fast.value > self._slow.value and self._trending() and adx.plus_di > adx.minus_di
        )

    def long_exit(self, bar: Bar) -> bool:
        """Fast EMA below slow."""
        return self._fast.value < self._slow.value

    def short_entry(self, bar: Bar) -> bool:
        """Fast EMA below slow, ADX strong and -DI above +DI."""
        adx = self._adx
        return (
            self._fast.value < self._slow.value and self._trending() and adx.minus_di > adx.plus_di
        )

    def short_exit(self, bar: Bar) -> bool:
        """Fast EMA above slow."""
        return self._fast.value > self._slow.value

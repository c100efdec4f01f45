"""SuperTrend trend following."""

from __future__ import annotations

from pydantic import Field

from colin.indicators.supertrend import SuperTrend
from colin.model.data import Bar
from colin.strategy.builtin.bar_signal import BarSignalStrategy, ShortableParams


class SuperTrendFollowParams(ShortableParams):
    """Parameters of :class:`SuperTrendFollow`."""

    period: int = Field(10, ge=1, description="Bars in the ATR behind the SuperTrend bands")
    multiplier: float = Field(
        3.0, gt=0, description="Band distance from the bar's midpoint, in ATRs"
    )


class SuperTrendFollow(BarSignalStrategy):
    """Be long while the SuperTrend points up (and short while it points down, if allowed).

    Rules, on each closed bar (SuperTrend of ``period``/``multiplier``, ATR as TA-Lib's):

    - **long entry** (flat): the direction is up (+1);
    - **long exit**: the direction turned down (-1), i.e. the close fell below the lower band,
      which acts as a trailing stop checked on closes;
    - **short entry** (flat, ``allow_short``, perpetuals): the direction is down;
    - **short exit**: the direction turned up.

    A strategy started in the middle of an up-trend joins it at once. Market orders at the bar's
    close, filled at the next open.
    """

    name = "supertrend"
    Params = SuperTrendFollowParams
    params: SuperTrendFollowParams

    def build_indicators(self) -> None:
        """Create the SuperTrend."""
        self._trend = SuperTrend(self.params.period, self.params.multiplier)

    def update(self, bar: Bar) -> bool:
        """Feed the bar; ready once the ATR is."""
        self._trend.update(bar.high, bar.low, bar.close)
        return self._trend.ready

    def long_entry(self, bar: Bar) -> bool:
        """Direction up."""
        return self._trend.direction > 0.0

    def long_exit(self, bar: Bar) -> bool:
        """Direction down."""
        return self._trend.direction < 0.0

    def short_entry(self, bar: Bar) -> bool:
        """Direction down."""
        return self._trend.direction < 0.0

    def short_exit(self, bar: Bar) -> bool:
        """Direction up."""
        return self._trend.direction > 0.0

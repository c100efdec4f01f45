"""Scalping on 1-minute bars: short-period oscillators agree, tight take-profit and stop."""

from __future__ import annotations

from pydantic import Field

from colin.indicators.momentum import RSI
from colin.indicators.range_oscillators import StochasticFast, WilliamsR
from colin.model.data import Bar
from colin.strategy.builtin.bar_signal import BarSignalStrategy, ShortableParams


class OscillatorScalperParams(ShortableParams):
    """Parameters of :class:`OscillatorScalper`."""

    timeframe: str = Field("1m", description="Bar timeframe the oscillators are computed on")
    rsi_period: int = Field(6, ge=2, description="Bars in Wilder's RSI")
    rsi_oversold: float = Field(
        25.0, gt=0, lt=50, description="RSI below this is oversold (overbought: 100 minus it)"
    )
    stochastic_period: int = Field(5, ge=1, description="Bars in the fast stochastic %K range")
    stochastic_smoothing: int = Field(3, ge=2, description="Bars in the %D average of %K")
    stochastic_oversold: float = Field(
        20.0, gt=0, lt=50, description="%K below this is oversold (overbought: 100 minus it)"
    )
    williams_period: int = Field(10, ge=2, description="Bars in the Williams %R range")
    williams_oversold: float = Field(
        -80.0, gt=-100, lt=-50, description="%R below this is oversold (overbought: -100 minus it)"
    )
    take_profit_pct: float = Field(
        0.3, gt=0, lt=100, description="Take profit this percent beyond the entry price"
    )
    stop_loss_pct: float = Field(
        0.2, gt=0, lt=100, description="Stop out this percent against the entry price"
    )
    max_holding_bars: int = Field(
        30, ge=1, description="Leave after this many bars (timeframe durations) in the trade"
    )


class OscillatorScalper(BarSignalStrategy):
    """Buy a short-term washout that RSI, the fast stochastic and Williams %R all confirm.

    Rules, on each closed bar (oscillators as TA-Lib's ``RSI``, ``STOCHF`` %K, ``WILLR``):

    - **long entry** (flat): ``RSI < rsi_oversold``, ``%K < stochastic_oversold`` and
      ``%R < williams_oversold``;
    - **short entry** (flat, ``allow_short``, perpetuals): the mirror image, all three
      overbought (``RSI > 100 - rsi_oversold``, ``%K > 100 - stochastic_oversold``,
      ``%R > -100 - williams_oversold``);
    - **exit**, whichever comes first, measured from the position's average entry price: the bar
      traded at or through the stop (long: ``low <= entry * (1 - stop_loss_pct/100)``), the bar
      traded at or through the target (long: ``high >= entry * (1 + take_profit_pct/100)``), or
      the trade has lasted ``max_holding_bars`` bar durations. The exit is a market order at that
      bar's close, filled at the next open.

    Stops and targets are **checked on each bar**, not rested at the venue. On spot a
    stop-market and a take-profit limit would both have to hold the same base quantity, which
    neither the venue's cash account nor the risk engine's reservation of working orders allows
    (there is no OCO order), and replacing one by the other costs a round trip to the venue. One
    bar-checked rule behaves the same on spot and perpetuals, in backtest, paper and live. The
    cost, stated honestly: the exit fills at the next bar's open, one minute after the touch,
    so a stop can slip beyond its level and a target can give some of its gain back. The
    position is never held past the bar after the one that touched the stop or the target.
    """

    name = "oscillator_scalper"
    Params = OscillatorScalperParams
    params: OscillatorScalperParams

    def build_indicators(self) -> None:
        """Create the RSI, the fast stochastic and Williams %R."""
        p = self.params
        self._rsi = RSI(p.rsi_period)
        self._stochastic = StochasticFast(p.stochastic_period, p.stochastic_smoothing)
        self._williams = WilliamsR(p.williams_period)

    def update(self, bar: Bar) -> bool:
        """Feed the bar; ready once all three oscillators are."""
        self._rsi.update(bar.close)
        self._stochastic.update(bar.high, bar.low, bar.close)
        self._williams.update(bar.high, bar.low, bar.close)
        return self._rsi.ready and self._stochastic.ready and self._williams.ready

    def long_entry(self, bar: Bar) -> bool:
        """All three oscillators oversold."""
        p = self.params
        return (
            self._rsi.value < p.rsi_oversold
            and self._stochastic.value < p.stochastic_oversold
            and self._williams.value < p.williams_oversold
        )

    def short_entry(self, bar: Bar) -> bool:
        """All three oscillators overbought."""
        p = self.params
        return (
            self._rsi.value > 100.0 - p.rsi_oversold
            and self._stochastic.value > 100.0 - p.stochastic_oversold
            and self._williams.value > -100.0 - p.williams_oversold
        )

    def long_exit(self, bar: Bar) -> bool:
        """Stop or target touched by the bar, or the holding time is up."""
        p = self.params
        entry = self.entry_price()
        return (
            bar.low <= entry * (1.0 - p.stop_loss_pct / 100.0)
            or bar.high >= entry * (1.0 + p.take_profit_pct / 100.0)
            or self._expired(bar)
        )

    def short_exit(self, bar: Bar) -> bool:
        """Stop or target touched by the bar, or the holding time is up."""
        p = self.params
        entry = self.entry_price()
        return (
            bar.high >= entry * (1.0 + p.stop_loss_pct / 100.0)
            or bar.low <= entry * (1.0 - p.take_profit_pct / 100.0)
            or self._expired(bar)
        )

    def _expired(self, bar: Bar) -> bool:
        position = self.portfolio.position(self._iid)
        if position is None:
            return False
        duration = bar.ts_event - bar.ts_open
        return bar.ts_event - position.ts_opened >= self.params.max_holding_bars * duration

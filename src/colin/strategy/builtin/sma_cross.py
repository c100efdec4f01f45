"""Simple-moving-average crossover, long only."""

from __future__ import annotations

from pydantic import Field, model_validator

from colin.core.ids import InstrumentId
from colin.indicators.moving_averages import SMA
from colin.model.data import Bar
from colin.model.enums import OrderSide
from colin.strategy.builtin.sizing import all_in_quantity
from colin.strategy.params import StrategyParams
from colin.strategy.strategy import Strategy


class SmaCrossParams(StrategyParams):
    """Parameters of :class:`SmaCross`."""

    instrument_id: str = Field(description="Instrument to trade, SYMBOL.VENUE")
    timeframe: str = Field("1h", description="Bar timeframe the averages are computed on")
    fast: int = Field(10, ge=2, description="Bars in the fast moving average")
    slow: int = Field(50, ge=3, description="Bars in the slow moving average")
    allocation: float = Field(
        1.0, gt=0, le=1, description="Fraction of the free quote balance spent on an entry"
    )
    buffer_bps: float = Field(
        10.0, ge=0, description="Price headroom (bps) kept when sizing, for the next bar's open"
    )

    @model_validator(mode="after")
    def _fast_below_slow(self) -> SmaCrossParams:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be smaller than slow ({self.slow})")
        return self


class SmaCross(Strategy):
    """Buy when the fast SMA crosses above the slow SMA; sell everything when it crosses below.

    A cross is a change of sign of ``fast - slow`` between two consecutive closed bars (from
    ``<= 0`` to ``> 0`` for an entry, from ``>= 0`` to ``< 0`` for an exit). Orders are market
    orders sent at the bar's close, so they fill on the next bar. Entries spend ``allocation`` of
    the free quote balance; no new entry while an order is still working.
    """

    name = "sma_cross"
    Params = SmaCrossParams
    params: SmaCrossParams

    def on_start(self) -> None:
        """Subscribe to the bars and set up the averages."""
        p = self.params
        self._iid = InstrumentId(p.instrument_id)
        self._instrument = self.instrument(p.instrument_id)
        self._fast = SMA(p.fast)
        self._slow = SMA(p.slow)
        self._previous: float | None = None
        self.subscribe_bars(p.instrument_id, p.timeframe)

    def on_bar(self, bar: Bar) -> None:
        """Update the averages and act on a cross."""
        close = bar.close
        self._fast.update(close)
        slow = self._slow
        slow.update(close)
        if not slow.ready:
            return
        diff = self._fast.value - slow.value
        previous = self._previous
        self._previous = diff
        if previous is None:
            return
        if previous <= 0.0 < diff:
            self._enter(close)
        elif previous >= 0.0 > diff:
            self.close_position(self._iid, tags=("exit",))

    def _enter(self, price: float) -> None:
        if self.cache.orders_open_count(self._iid) or self.portfolio.net_quantity(self._iid) != 0:
            return
        p = self.params
        quantity = all_in_quantity(
            self.portfolio, self._instrument, price, p.allocation, p.buffer_bps
        )
        if quantity > 0:
            self.submit_market(self._iid, OrderSide.BUY, quantity, tags=("entry",))

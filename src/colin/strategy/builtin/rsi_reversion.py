"""RSI mean reversion, long only."""

from __future__ import annotations

from pydantic import Field, model_validator

from colin.core.ids import InstrumentId
from colin.indicators.momentum import RSI
from colin.model.data import Bar
from colin.model.enums import OrderSide
from colin.strategy.builtin.sizing import all_in_quantity
from colin.strategy.params import StrategyParams
from colin.strategy.strategy import Strategy


class RsiReversionParams(StrategyParams):
    """Parameters of :class:`RsiReversion`."""

    instrument_id: str = Field(description="Instrument to trade, SYMBOL.VENUE")
    timeframe: str = Field("1h", description="Bar timeframe the RSI is computed on")
    period: int = Field(14, ge=2, description="RSI period in bars (2-9 for short-term RSI)")
    oversold: float = Field(30.0, gt=0, lt=100, description="Buy when the RSI closes below this")
    exit_level: float = Field(
        55.0, gt=0, lt=100, description="Sell the position when the RSI closes above this"
    )
    allocation: float = Field(
        1.0, gt=0, le=1, description="Fraction of the free quote balance spent on an entry"
    )
    buffer_bps: float = Field(
        10.0, ge=0, description="Price headroom (bps) kept when sizing, for the next bar's open"
    )

    @model_validator(mode="after")
    def _levels_ordered(self) -> RsiReversionParams:
        if self.oversold >= self.exit_level:
            raise ValueError(
                f"oversold ({self.oversold}) must be below exit_level ({self.exit_level})"
            )
        return self


class RsiReversion(Strategy):
    """Buy when Wilder's RSI closes below ``oversold``; sell when it closes above ``exit_level``.

    Market orders at the bar's close (filled on the next bar); one position at a time.
    """

    name = "rsi_reversion"
    Params = RsiReversionParams
    params: RsiReversionParams

    def on_start(self) -> None:
        """Subscribe to the bars and set up the RSI."""
        p = self.params
        self._iid = InstrumentId(p.instrument_id)
        self._instrument = self.instrument(p.instrument_id)
        self._rsi = RSI(p.period)
        self.subscribe_bars(p.instrument_id, p.timeframe)

    def on_bar(self, bar: Bar) -> None:
        """Update the RSI and act on its levels."""
        rsi = self._rsi
        rsi.update(bar.close)
        if not rsi.ready or self.cache.orders_open_count(self._iid):
            return
        p = self.params
        holding = self.portfolio.net_quantity(self._iid) != 0
        if not holding and rsi.value < p.oversold:
            quantity = all_in_quantity(
                self.portfolio, self._instrument, bar.close, p.allocation, p.buffer_bps
            )
            if quantity > 0:
                self.submit_market(self._iid, OrderSide.BUY, quantity, tags=("entry",))
        elif holding and rsi.value > p.exit_level:
            self.close_position(self._iid, tags=("exit",))

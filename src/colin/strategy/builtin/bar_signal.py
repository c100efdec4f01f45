"""Shared skeleton of the bar-driven built-in strategies: one position, market orders, rules.

A :class:`BarSignalStrategy` updates its indicators on each closed bar of one instrument and
timeframe, then asks its rules what to do: close a long or a short (exit rules), or open one when
flat (entry rules). Orders are market orders sent at the bar's close, so they fill at the next
bar's open. No new order is sent while one is still working, so a decision is never doubled.
"""

from __future__ import annotations

from abc import abstractmethod

from pydantic import Field

from colin.core.errors import ConfigError
from colin.core.ids import InstrumentId
from colin.model.data import Bar
from colin.model.enums import OrderSide
from colin.strategy.builtin.sizing import all_in_quantity
from colin.strategy.params import StrategyParams
from colin.strategy.strategy import Strategy


class BarSignalParams(StrategyParams):
    """Parameters every bar-driven built-in strategy shares."""

    instrument_id: str = Field(description="Instrument to trade, SYMBOL.VENUE")
    timeframe: str = Field("1h", description="Bar timeframe the indicators are computed on")
    allocation: float = Field(
        1.0, gt=0, le=1, description="Fraction of the free quote balance spent on an entry"
    )
    buffer_bps: float = Field(
        10.0, ge=0, description="Price headroom (bps) kept when sizing, for the next bar's open"
    )


class ShortableParams(BarSignalParams):
    """Parameters of a strategy whose rules have a short side."""

    allow_short: bool = Field(
        False, description="Also sell short on the mirrored rules (perpetuals only)"
    )


class BarSignalStrategy(Strategy):
    """Base of the rule-based bar strategies: subclasses build indicators and state the rules.

    Subclasses implement :meth:`build_indicators`, :meth:`update` and the rule methods
    (:meth:`long_entry`, :meth:`long_exit`; strategies that can short also take
    :class:`ShortableParams` and implement :meth:`short_entry` and :meth:`short_exit`).
    ``allow_short`` on a spot instrument is a :class:`ConfigError` at start: spot cannot be sold
    short.
    """

    params: BarSignalParams

    def on_start(self) -> None:
        """Check the parameters against the instrument, build the indicators and subscribe."""
        p = self.params
        self._iid = InstrumentId(p.instrument_id)
        self._instrument = self.instrument(p.instrument_id)
        self._allow_short = isinstance(p, ShortableParams) and p.allow_short
        if self._allow_short and not self._instrument.is_derivative:
            raise ConfigError(
                f"{self.id}: allow_short needs a perpetual, {p.instrument_id} is spot"
            )
        self.build_indicators()
        self.subscribe_bars(p.instrument_id, p.timeframe)

    def on_bar(self, bar: Bar) -> None:
        """Update the indicators, then apply the exit rules when positioned, else the entries."""
        if not self.update(bar) or self.cache.orders_open_count(self._iid):
            return
        quantity = self.portfolio.net_quantity(self._iid)
        if quantity > 0:
            if self.long_exit(bar):
                self.close_position(self._iid, tags=("exit",))
        elif quantity < 0:
            if self.short_exit(bar):
                self.close_position(self._iid, tags=("exit",))
        elif self.long_entry(bar):
            self._enter(OrderSide.BUY, bar.close)
        elif self._allow_short and self.short_entry(bar):
            self._enter(OrderSide.SELL, bar.close)

    def _enter(self, side: OrderSide, price: float) -> None:
        p = self.params
        quantity = all_in_quantity(
            self.portfolio, self._instrument, price, p.allocation, p.buffer_bps
        )
        if quantity > 0:
            self.submit_market(self._iid, side, quantity, tags=("entry",))

    def entry_price(self) -> float:
        """Average entry price of the open position (0.0 when flat)."""
        position = self.portfolio.position(self._iid)
        return 0.0 if position is None else position.avg_entry_price_f

    # -- what subclasses define ------------------------------------------------------------------

    @abstractmethod
    def build_indicators(self) -> None:
        """Create the streaming indicators from the parameters."""

    @abstractmethod
    def update(self, bar: Bar) -> bool:
        """Feed ``bar`` to the indicators; return whether the rules can be evaluated."""

    @abstractmethod
    def long_entry(self, bar: Bar) -> bool:
        """Whether to open a long position at this bar's close (called only when flat)."""

    @abstractmethod
    def long_exit(self, bar: Bar) -> bool:
        """Whether to close the long position at this bar's close."""

    def short_entry(self, bar: Bar) -> bool:
        """Whether to open a short position (only asked when ``allow_short`` is set)."""
        return False

    def short_exit(self, bar: Bar) -> bool:
        """Whether to close the short position at this bar's close."""
        return False

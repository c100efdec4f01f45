"""Donchian channel breakout (turtle-style entry and exit channels)."""

from __future__ import annotations

import math

from pydantic import Field

from colin.indicators.channels import DonchianChannels
from colin.model.data import Bar
from colin.strategy.builtin.bar_signal import BarSignalStrategy, ShortableParams


class DonchianBreakoutParams(ShortableParams):
    """Parameters of :class:`DonchianBreakout`."""

    entry_period: int = Field(
        20, ge=2, description="Bars whose highest high / lowest low a close must break to enter"
    )
    exit_period: int = Field(
        10, ge=2, description="Bars whose lowest low (long) / highest high (short) ends a trade"
    )


class DonchianBreakout(BarSignalStrategy):
    """Enter on a close beyond the prior ``entry_period`` range; exit on the ``exit_period`` one.

    The channels are those of the bars *before* the current one (a close can never break a
    channel that contains its own bar's high):

    - **long entry** (flat): ``close > max(high of the previous entry_period bars)``;
    - **long exit**: ``close < min(low of the previous exit_period bars)`` (a trailing stop on
      closes);
    - **short entry** (flat, ``allow_short``, perpetuals): ``close < min(low of the previous
      entry_period bars)``;
    - **short exit**: ``close > max(high of the previous exit_period bars)``.

    Market orders at the bar's close, filled at the next open.
    """

    name = "donchian_breakout"
    Params = DonchianBreakoutParams
    params: DonchianBreakoutParams

    def build_indicators(self) -> None:
        """Create the entry and exit channels."""
        self._entry = DonchianChannels(self.params.entry_period)
        self._exit = DonchianChannels(self.params.exit_period)
        self._entry_upper = self._entry_lower = math.nan
        self._exit_upper = self._exit_lower = math.nan

    def update(self, bar: Bar) -> bool:
        """Keep the channels of the bars before this one, then add this bar."""
        entry, exit_ = self._entry, self._exit
        self._entry_upper, self._entry_lower = entry.upper, entry.lower
        self._exit_upper, self._exit_lower = exit_.upper, exit_.lower
        entry.update(bar.high, bar.low)
        exit_.update(bar.high, bar.low)
        return not (math.isnan(self._entry_upper) or math.isnan(self._exit_upper))

    def long_entry(self, bar: Bar) -> bool:
        """Close above the prior entry channel's high."""
        return bar.close > self._entry_upper

    def long_exit(self, bar: Bar) -> bool:
        """Close below the prior exit channel's low."""
        return bar.close < self._exit_lower

    def short_entry(self, bar: Bar) -> bool:
        """Close below the prior entry channel's low."""
        return bar.close < self._entry_lower

    def short_exit(self, bar: Bar) -> bool:
        """Close above the prior exit channel's high."""
        return bar.close > self._exit_upper

"""Streaming indicator base classes and O(1) rolling-window helpers.

A streaming indicator is a small slotted object: ``update(...)`` takes the newest observation in
O(1), ``value`` holds the newest output (NaN until ``ready``). Bar-based indicators also accept a
whole :class:`~colin.model.Bar` through ``handle_bar``. The per-update path does no validation and
allocates nothing; inputs are validated where data enters Colin (the data engine, the catalog)
and parameters are validated at construction.

``inputs`` names the bar fields an indicator reads and ``outputs`` the attributes it writes; the
feature-set engine uses both to wire indicators to bars and to name columns.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import deque
from typing import ClassVar

from colin.model.data import Bar

NAN = float("nan")


class Indicator(ABC):
    """Base of every streaming indicator."""

    __slots__ = ("count", "ready", "value")

    inputs: ClassVar[tuple[str, ...]] = ("close",)
    outputs: ClassVar[tuple[str, ...]] = ("value",)

    def __init__(self) -> None:
        self.value = NAN
        self.ready = False
        self.count = 0

    @abstractmethod
    def handle_bar(self, bar: Bar) -> None:
        """Update from a closed bar."""

    def reset(self) -> None:
        """Forget all history (as if newly constructed with the same parameters)."""
        type(self).__init__(self, *self.parameters())

    @abstractmethod
    def parameters(self) -> tuple[object, ...]:
        """Return the constructor arguments, in order (used by :meth:`reset` and naming)."""

    def __repr__(self) -> str:
        params = ", ".join(repr(p) for p in self.parameters())
        return f"{type(self).__name__}({params}) value={self.value} ready={self.ready}"


class CloseIndicator(Indicator):
    """An indicator of one price series (the close, unless fed something else)."""

    __slots__ = ()

    @abstractmethod
    def update(self, value: float) -> None:
        """Add the newest observation."""

    def handle_bar(self, bar: Bar) -> None:
        """Update from ``bar.close``."""
        self.update(bar.close)


class HighLowIndicator(Indicator):
    """An indicator of highs and lows."""

    __slots__ = ()
    inputs = ("high", "low")

    @abstractmethod
    def update(self, high: float, low: float) -> None:
        """Add the newest high and low."""

    def handle_bar(self, bar: Bar) -> None:
        """Update from ``bar.high`` and ``bar.low``."""
        self.update(bar.high, bar.low)


class HighLowCloseIndicator(Indicator):
    """An indicator of highs, lows and closes."""

    __slots__ = ()
    inputs = ("high", "low", "close")

    @abstractmethod
    def update(self, high: float, low: float, close: float) -> None:
        """Add the newest high, low and close."""

    def handle_bar(self, bar: Bar) -> None:
        """Update from ``bar.high``, ``bar.low`` and ``bar.close``."""
        self.update(bar.high, bar.low, bar.close)


class OhlcIndicator(Indicator):
    """An indicator of whole OHLC bars."""

    __slots__ = ()
    inputs = ("open", "high", "low", "close")

    @abstractmethod
    def update(self, open: float, high: float, low: float, close: float) -> None:
        """Add the newest bar's prices."""

    def handle_bar(self, bar: Bar) -> None:
        """Update from the bar's open, high, low and close."""
        self.update(bar.open, bar.high, bar.low, bar.close)


class CloseVolumeIndicator(Indicator):
    """An indicator of closes and volumes."""

    __slots__ = ()
    inputs = ("close", "volume")

    @abstractmethod
    def update(self, close: float, volume: float) -> None:
        """Add the newest close and volume."""

    def handle_bar(self, bar: Bar) -> None:
        """Update from ``bar.close`` and ``bar.volume``."""
        self.update(bar.close, bar.volume)


class HighLowCloseVolumeIndicator(Indicator):
    """An indicator of highs, lows, closes and volumes."""

    __slots__ = ()
    inputs = ("high", "low", "close", "volume")

    @abstractmethod
    def update(self, high: float, low: float, close: float, volume: float) -> None:
        """Add the newest high, low, close and volume."""

    def handle_bar(self, bar: Bar) -> None:
        """Update from the bar's high, low, close and volume."""
        self.update(bar.high, bar.low, bar.close, bar.volume)


class RollingRange:
    """Highest high (``highest``) and lowest low (``lowest``) of the last ``period`` bars.

    Each extreme is kept as a number and rescanned (``max``/``min`` over the window, in C) only
    when it leaves the window and the newcomer does not replace it: O(1) per update on average
    for market data, O(``period``) at worst. Both sides in one object: one call per bar.
    """

    __slots__ = ("_highs", "_lows", "highest", "lowest", "period")

    def __init__(self, period: int) -> None:
        self.period = period
        self._highs: deque[float] = deque(maxlen=period)
        self._lows: deque[float] = deque(maxlen=period)
        self.highest = -math.inf
        self.lowest = math.inf

    def push(self, high: float, low: float) -> None:
        """Add the newest bar's high and low."""
        highs, lows = self._highs, self._lows
        leaving_high: float | None = None
        leaving_low: float | None = None
        if len(highs) == self.period:
            leaving_high, leaving_low = highs[0], lows[0]
        highs.append(high)
        lows.append(low)
        highest = self.highest
        if high >= highest:
            self.highest = high
        elif leaving_high == highest:
            self.highest = max(highs)
        lowest = self.lowest
        if low <= lowest:
            self.lowest = low
        elif leaving_low == lowest:
            self.lowest = min(lows)

"""Market structure ("ICT" concepts) detected bar by bar, without lookahead.

:class:`MarketStructure` consumes closed bars and maintains:

- **swings**: a swing high at bar ``i`` has ``high[i]`` above the ``left`` bars before it and not
  below the ``right`` bars after it (lows mirrored); it is *confirmed* ``right`` bars later, and
  only then used;
- **structure breaks**: a close beyond the latest unbroken swing is a break of structure (BOS) in
  the current trend's direction or a change of character (CHoCH) against it;
- **fair value gaps**: a 3-candle imbalance, ``low[i] > high[i-2]`` (bullish) or
  ``high[i] < low[i-2]`` (bearish), tracked until price fills it (``filled_fraction``);
- **order blocks**: the last opposing candle before a displacement candle (body at least
  ``displacement`` x ATR), ``active`` until price trades back into it (``mitigated``) and
  ``broken`` when a close goes through it;
- **liquidity pools**: two swing highs (lows) within ``equal_tolerance`` x ATR of each other,
  ``intact`` until a later bar trades beyond them (``swept``);
- **premium/discount**: where the close sits in the dealing range between the latest confirmed
  swing low (0) and swing high (1); above 0.5 is premium, below is discount.

Every detection carries its price range, the index and open time of the bar that formed it, the
bar at which it became known, and its state. Detections are tested only against bars *after*
the one that revealed them.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from colin.indicators._validate import (
    FloatArray,
    as_timestamps,
    bar_columns,
    check_length,
    check_period,
    check_positive,
)
from colin.indicators.base import NAN, Indicator
from colin.indicators.channels import ATR
from colin.model.data import Bar

Direction = Literal["bullish", "bearish"]


@dataclass(slots=True)
class Swing:
    """A confirmed swing high or low."""

    kind: Literal["high", "low"]
    price: float
    index: int
    ts: int
    confirmed_index: int
    broken: bool = False


@dataclass(slots=True)
class StructureBreak:
    """A close beyond a swing: ``bos`` (with the trend) or ``choch`` (against it)."""

    kind: Literal["bos", "choch"]
    direction: Direction
    level: float
    swing_index: int
    index: int
    ts: int


@dataclass(slots=True)
class FairValueGap:
    """A 3-candle imbalance between ``bottom`` and ``top``, formed at bar ``index``."""

    direction: Direction
    bottom: float
    top: float
    index: int
    ts: int
    state: Literal["open", "partial", "filled"] = "open"
    filled_fraction: float = 0.0
    filled_index: int = -1


@dataclass(slots=True)
class OrderBlock:
    """The last opposing candle (``index``) before a displacement at ``displacement_index``."""

    direction: Direction
    bottom: float
    top: float
    index: int
    ts: int
    displacement_index: int
    state: Literal["active", "mitigated", "broken"] = "active"
    mitigated_index: int = -1
    broken_index: int = -1


@dataclass(slots=True)
class LiquidityPool:
    """Equal highs or lows: resting stops at ``level``, known from ``confirmed_index``."""

    kind: Literal["equal_highs", "equal_lows"]
    level: float
    first_index: int
    second_index: int
    confirmed_index: int
    state: Literal["intact", "swept"] = "intact"
    swept_index: int = -1


class MarketStructure(Indicator):
    """Streaming market-structure detector; ``value`` is the trend (+1, -1, 0 before a break).

    Parameters
    ----------
    left, right
        Bars on each side of a swing; a swing is known ``right`` bars after its pivot.
    atr_period
        ATR used to scale displacement, equal-level tolerance and the minimum gap size.
    displacement
        Minimum body of a displacement candle, in ATRs.
    equal_tolerance
        Maximum distance between equal highs (lows), in ATRs.
    min_gap
        Minimum fair-value-gap height, in ATRs (0 keeps every gap).
    history
        How many detections of each kind to keep.
    """

    __slots__ = (
        "_atr",
        "_bars",
        "_last_high",
        "_last_low",
        "_open_blocks",
        "_open_gaps",
        "_open_pools",
        "_recent_highs",
        "_recent_lows",
        "_settings",
        "breaks",
        "gaps",
        "order_blocks",
        "pools",
        "premium_discount",
        "swings",
    )
    inputs = ("ts_open", "open", "high", "low", "close")
    outputs = ("value", "premium_discount")

    def __init__(
        self,
        left: int = 2,
        right: int = 2,
        atr_period: int = 14,
        displacement: float = 1.5,
        equal_tolerance: float = 0.1,
        min_gap: float = 0.0,
        history: int = 500,
    ) -> None:
        super().__init__()
        self._settings = (
            check_period("left", left, 1),
            check_period("right", right, 1),
            check_period("atr_period", atr_period, 1),
            check_positive("displacement", displacement),
            check_positive("equal_tolerance", equal_tolerance),
            float(min_gap),
            check_period("history", history, 1),
        )
        self._atr = ATR(atr_period)
        self._bars: deque[tuple[int, float, float, float, float]] = deque(maxlen=left + right + 1)
        self._last_high: Swing | None = None
        self._last_low: Swing | None = None
        self._recent_highs: deque[Swing] = deque(maxlen=5)
        self._recent_lows: deque[Swing] = deque(maxlen=5)
        self._open_gaps: list[FairValueGap] = []
        self._open_blocks: list[OrderBlock] = []
        self._open_pools: list[LiquidityPool] = []
        self.swings: deque[Swing] = deque(maxlen=history)
        self.breaks: deque[StructureBreak] = deque(maxlen=history)
        self.gaps: deque[FairValueGap] = deque(maxlen=history)
        self.order_blocks: deque[OrderBlock] = deque(maxlen=history)
        self.pools: deque[LiquidityPool] = deque(maxlen=history)
        self.value = 0.0
        self.premium_discount = NAN

    def parameters(self) -> tuple[object, ...]:
        """Return the constructor arguments."""
        return self._settings

    def handle_bar(self, bar: Bar) -> None:
        """Update from a closed bar."""
        self.update(bar.ts_open, bar.open, bar.high, bar.low, bar.close)

    def update(self, ts_open: int, open: float, high: float, low: float, close: float) -> None:
        """Add the newest closed bar."""
        index = self.count
        self.count = index + 1
        atr = self._atr
        atr.update(high, low, close)
        self._track(index, high, low, close)
        self._break_structure(index, ts_open, close)
        bars = self._bars
        bars.append((ts_open, open, high, low, close))
        self._confirm_swing(index, atr.value if atr.ready else NAN)
        if len(bars) >= 3:
            self._find_gap(index, atr.value if atr.ready else NAN)
        if atr.ready:
            self._find_order_block(index, atr.value)
        high_swing, low_swing = self._recent_highs, self._recent_lows
        if high_swing and low_swing:
            top, bottom = high_swing[-1].price, low_swing[-1].price
            self.premium_discount = (close - bottom) / (top - bottom) if top > bottom else NAN
        self.ready = True

    # -- state of earlier detections -----------------------------------------------------------

    def _track(self, index: int, high: float, low: float, close: float) -> None:
        if self._open_gaps:
            still_open = []
            for gap in self._open_gaps:
                height = gap.top - gap.bottom
                if gap.direction == "bullish" and low < gap.top:
                    gap.filled_fraction = max(
                        gap.filled_fraction, min(1.0, (gap.top - low) / height)
                    )
                elif gap.direction == "bearish" and high > gap.bottom:
                    gap.filled_fraction = max(
                        gap.filled_fraction, min(1.0, (high - gap.bottom) / height)
                    )
                if gap.filled_fraction >= 1.0:
                    gap.state, gap.filled_index = "filled", index
                else:
                    if gap.filled_fraction > 0.0:
                        gap.state = "partial"
                    still_open.append(gap)
            self._open_gaps = still_open
        if self._open_blocks:
            active = []
            for block in self._open_blocks:
                bullish = block.direction == "bullish"
                if (bullish and close < block.bottom) or (not bullish and close > block.top):
                    block.state, block.broken_index = "broken", index
                    continue
                touched = low <= block.top if bullish else high >= block.bottom
                if touched and block.state == "active":
                    block.state, block.mitigated_index = "mitigated", index
                active.append(block)
            self._open_blocks = active
        if self._open_pools:
            intact = []
            for pool in self._open_pools:
                swept = high > pool.level if pool.kind == "equal_highs" else low < pool.level
                if swept:
                    pool.state, pool.swept_index = "swept", index
                else:
                    intact.append(pool)
            self._open_pools = intact

    def _break_structure(self, index: int, ts_open: int, close: float) -> None:
        swing_high, swing_low = self._last_high, self._last_low
        if swing_high is not None and close > swing_high.price:
            kind: Literal["bos", "choch"] = "choch" if self.value < 0 else "bos"
            self.breaks.append(
                StructureBreak(kind, "bullish", swing_high.price, swing_high.index, index, ts_open)
            )
            swing_high.broken = True
            self._last_high = None
            self.value = 1.0
        if swing_low is not None and close < swing_low.price:
            kind = "choch" if self.value > 0 else "bos"
            self.breaks.append(
                StructureBreak(kind, "bearish", swing_low.price, swing_low.index, index, ts_open)
            )
            swing_low.broken = True
            self._last_low = None
            self.value = -1.0

    # -- new detections --------------------------------------------------------------------------

    def _confirm_swing(self, index: int, atr: float) -> None:
        left, right = self._settings[0], self._settings[1]
        bars = self._bars
        if len(bars) < left + right + 1:
            return
        pivot = bars[left]
        pivot_index = index - right
        highs = [bar[2] for bar in bars]
        lows = [bar[3] for bar in bars]
        if pivot[2] > max(highs[:left]) and pivot[2] >= max(highs[left + 1 :]):
            self._add_swing(Swing("high", pivot[2], pivot_index, pivot[0], index), atr)
        if pivot[3] < min(lows[:left]) and pivot[3] <= min(lows[left + 1 :]):
            self._add_swing(Swing("low", pivot[3], pivot_index, pivot[0], index), atr)

    def _add_swing(self, swing: Swing, atr: float) -> None:
        self.swings.append(swing)
        highs = swing.kind == "high"
        recent = self._recent_highs if highs else self._recent_lows
        tolerance = self._settings[4] * atr
        if not math.isnan(atr):  # equal levels are measured in ATRs
            for earlier in reversed(recent):
                if abs(earlier.price - swing.price) <= tolerance:
                    pool = LiquidityPool(
                        "equal_highs" if highs else "equal_lows",
                        max(earlier.price, swing.price)
                        if highs
                        else min(earlier.price, swing.price),
                        earlier.index,
                        swing.index,
                        swing.confirmed_index,
                    )
                    self.pools.append(pool)
                    self._open_pools.append(pool)
                    break
        recent.append(swing)
        if highs:
            self._last_high = swing
        else:
            self._last_low = swing

    def _find_gap(self, index: int, atr: float) -> None:
        first, _, third = self._bars[-3], self._bars[-2], self._bars[-1]
        minimum = 0.0 if math.isnan(atr) else self._settings[5] * atr
        if third[3] > first[2] and third[3] - first[2] >= minimum:
            gap = FairValueGap("bullish", first[2], third[3], index, third[0])
        elif third[2] < first[3] and first[3] - third[2] >= minimum:
            gap = FairValueGap("bearish", third[2], first[3], index, third[0])
        else:
            return
        self.gaps.append(gap)
        self._open_gaps.append(gap)

    def _find_order_block(self, index: int, atr: float) -> None:
        bars = self._bars
        _, open_, _, _, close = bars[-1]
        body = close - open_
        if abs(body) < self._settings[3] * atr:
            return
        bullish = body > 0
        for offset in range(2, len(bars) + 1):
            ts, o, h, lo, c = bars[-offset]
            if (c < o) if bullish else (c > o):
                candle_index = index - offset + 1
                if any(b.index == candle_index for b in self._open_blocks):
                    return
                block = OrderBlock(
                    "bullish" if bullish else "bearish", lo, h, candle_index, ts, index
                )
                self.order_blocks.append(block)
                self._open_blocks.append(block)
                return


class StructureFeatures(NamedTuple):
    """Per-bar trend (+1/-1/0) and premium/discount position."""

    trend: FloatArray
    premium_discount: FloatArray


def detect_structure(
    ts_open: npt.ArrayLike,
    open: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    **params: float,
) -> tuple[MarketStructure, StructureFeatures]:
    """Run :class:`MarketStructure` over arrays; return it (with its detections) and features.

    The batch form *is* the streaming detector run over validated arrays (a Python loop of a few
    microseconds per bar), so both can never disagree.
    """
    o, h, lo, c = bar_columns(open=open, high=high, low=low, close=close)
    ts = as_timestamps("ts_open", ts_open)
    check_length("ts_open", len(ts), len(c))
    settings: dict[str, float] = {"history": max(len(c), 1), **params}
    detector = MarketStructure(**settings)  # type: ignore[arg-type]
    trend = np.empty(len(c))
    position = np.empty(len(c))
    for i, row in enumerate(
        zip(ts.tolist(), o.tolist(), h.tolist(), lo.tolist(), c.tolist(), strict=True)
    ):
        detector.update(*row)
        trend[i] = detector.value
        position[i] = detector.premium_discount
    return detector, StructureFeatures(trend, position)


def structure_features(
    ts_open: npt.ArrayLike,
    open: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    **params: float,
) -> StructureFeatures:
    """Return the per-bar trend and premium/discount position (batch :class:`MarketStructure`)."""
    return detect_structure(ts_open, open, high, low, close, **params)[1]

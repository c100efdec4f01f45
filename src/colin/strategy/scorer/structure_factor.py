"""Market-structure confluence: trend, order blocks, fair value gaps and premium/discount.

The factor is the mean of four components, each in [0, 1] for a long and for a short
(distances in ATRs, ``reach`` = ``ScorerConfig.proximity_atr``):

1. **trend** - the side of the last break of structure (BOS/CHoCH): 1 for that side, 0 for the
   other (both 0 before the first break);
2. **order block** - the nearest bullish block that is not broken, at or below the close, gives
   long ``1 - distance / reach`` (distance 0 while the close is inside it); bearish blocks at or
   above the close give the short score;
3. **fair value gap** - the same rule for unfilled (open or partially filled) gaps;
4. **premium/discount** - long ``2 x (0.5 - position)``, short ``2 x (position - 0.5)``, clipped
   to [0, 1], where position is the close between the last swing low (0) and high (1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from colin.indicators.structure import MarketStructure
from colin.strategy.scorer.config import ScorerConfig
from colin.strategy.scorer.factor import FactorScore, proximity

NAME = "structure"


def _zone_scores(
    zones: Sequence[tuple[str, float, float]], close: float, atr: float, reach: float
) -> tuple[float, float]:
    """Return (long, short) proximity to the nearest bullish zone below / bearish zone above."""
    long = short = 0.0
    for direction, bottom, top in zones:
        if direction == "bullish" and bottom <= close:
            long = max(long, proximity(max(0.0, close - top) / atr, reach))
        elif direction == "bearish" and top >= close:
            short = max(short, proximity(max(0.0, bottom - close) / atr, reach))
    return long, short


def score_structure(
    structure: MarketStructure, close: float, atr: float, config: ScorerConfig
) -> FactorScore:
    """Score structure confluence from a detector that has seen every bar up to ``close``."""
    reach = config.proximity_atr
    trend = structure.value
    trend_long, trend_short = float(trend > 0), float(trend < 0)
    blocks = [(b.direction, b.bottom, b.top) for b in structure.order_blocks if b.state != "broken"]
    block_long, block_short = _zone_scores(blocks, close, atr, reach)
    gaps = [(g.direction, g.bottom, g.top) for g in structure.gaps if g.state != "filled"]
    gap_long, gap_short = _zone_scores(gaps, close, atr, reach)
    position = structure.premium_discount
    if math.isnan(position):
        zone_long = zone_short = 0.0
    else:
        zone_long = min(1.0, max(0.0, 2.0 * (0.5 - position)))
        zone_short = min(1.0, max(0.0, 2.0 * (position - 0.5)))
    long = (trend_long + block_long + gap_long + zone_long) / 4.0
    short = (trend_short + block_short + gap_short + zone_short) / 4.0
    last_break = structure.breaks[-1] if structure.breaks else None
    trend_text = {1: "bullish", -1: "bearish"}.get(int(trend), "undefined")
    summary = f"trend {trend_text}"
    if last_break is not None:
        summary += (
            f" (last {last_break.kind.upper()} {last_break.direction} at {last_break.level:.2f})"
        )
    if not math.isnan(position):
        summary += f"; close at {position:.0%} of the dealing range"
    summary += (
        f"; {sum(1 for b in blocks if b[0] == 'bullish')} bullish / "
        f"{sum(1 for b in blocks if b[0] == 'bearish')} bearish order blocks, "
        f"{len(gaps)} unfilled FVGs"
    )
    return FactorScore(
        NAME,
        True,
        long,
        short,
        summary,
        {
            "trend": int(trend),
            "last_break": f"{last_break.kind}:{last_break.direction}" if last_break else None,
            "trend_long": trend_long,
            "trend_short": trend_short,
            "order_block_long": block_long,
            "order_block_short": block_short,
            "fvg_long": gap_long,
            "fvg_short": gap_short,
            "premium_discount": None if math.isnan(position) else position,
            "discount_long": zone_long,
            "premium_short": zone_short,
        },
    )

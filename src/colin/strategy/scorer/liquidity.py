"""Liquidity proximity: where resting orders sit relative to the close.

Rules (distances in ATRs, ``reach`` = ``ScorerConfig.proximity_atr``):

- **Fresh sweep.** An equal-lows pool swept within the last ``sweep_lookback`` bars means the
  sell-side stops were taken: long support 1. A swept equal-highs pool gives short support 1.
- **Draw on liquidity.** Otherwise price is drawn towards the nearest resting liquidity: the
  nearest intact equal-highs pool or high-volume node (volume-profile point of control) *above*
  the close supports a long with ``1 - distance / reach`` (0 beyond reach); the nearest intact
  equal-lows pool or point of control *below* supports a short the same way. Levels within
  ``min_draw_atr`` of the close are where price already trades and do not count.

Liquidation clusters (open interest by leverage tier) would join the levels when that data
exists; without it they are reported as absent.
"""

from __future__ import annotations

from colin.indicators.structure import MarketStructure
from colin.strategy.scorer.config import ScorerConfig
from colin.strategy.scorer.factor import FactorScore, proximity
from colin.strategy.scorer.volume_profile import VolumeProfile

NAME = "liquidity"


def score_liquidity(
    structure: MarketStructure,
    close: float,
    atr: float,
    profile: VolumeProfile | None,
    config: ScorerConfig,
) -> FactorScore:
    """Score liquidity proximity from the detector's pools and the volume profile.

    Without a profile (a window with no traded volume) only the pools count.
    """
    last = structure.count - 1
    swept = [
        p
        for p in structure.pools
        if p.state == "swept" and last - p.swept_index < config.sweep_lookback
    ]
    swept_lows = any(p.kind == "equal_lows" for p in swept)
    swept_highs = any(p.kind == "equal_highs" for p in swept)
    intact = [p for p in structure.pools if p.state == "intact"]
    levels: list[tuple[float, str]] = [(p.level, p.kind) for p in intact]
    poc = profile.point_of_control if profile is not None else None
    if poc is not None:
        levels.append((poc, "point_of_control"))
    # A level within min_draw_atr is where price already trades, not a draw.
    gap = config.min_draw_atr * atr
    above = [lv for lv, kind in levels if kind != "equal_lows" and lv > close + gap]
    below = [lv for lv, kind in levels if kind != "equal_highs" and lv < close - gap]
    target_up = min(above) if above else None
    target_down = max(below) if below else None
    up_atr = (target_up - close) / atr if target_up is not None else float("inf")
    down_atr = (close - target_down) / atr if target_down is not None else float("inf")
    long = 1.0 if swept_lows else proximity(up_atr, config.proximity_atr)
    short = 1.0 if swept_highs else proximity(down_atr, config.proximity_atr)
    parts = []
    if swept_lows:
        parts.append("equal lows swept recently (sell-side taken)")
    if swept_highs:
        parts.append("equal highs swept recently (buy-side taken)")
    if target_up is not None:
        parts.append(f"nearest liquidity above {target_up:.2f} ({up_atr:.2f} ATR)")
    if target_down is not None:
        parts.append(f"nearest liquidity below {target_down:.2f} ({down_atr:.2f} ATR)")
    return FactorScore(
        NAME,
        True,
        long,
        short,
        "; ".join(parts),
        {
            "target_above": target_up,
            "target_below": target_down,
            "distance_above_atr": up_atr if target_up is not None else None,
            "distance_below_atr": down_atr if target_down is not None else None,
            "point_of_control": poc,
            "swept_equal_lows": int(swept_lows),
            "swept_equal_highs": int(swept_highs),
            "intact_pools": len(intact),
            "liquidation_clusters": "absent: no open-interest data",
        },
    )

"""Volume / open-interest confirmation of the last bar's move.

The last bar's volume z-score over ``volume_period`` bars (``colin.indicators.volume``) gives a
strength ``z / volume_full_z`` clipped to [0, 1]; it supports a long when the bar closed above
its open and a short when it closed below (a doji supports neither). Open interest would confirm
the same way when the catalog has it; without it the factor rests on volume alone and says so.
"""

from __future__ import annotations

import math

from colin.indicators.volume import VolumeZScore
from colin.strategy.scorer.config import ScorerConfig
from colin.strategy.scorer.factor import BarWindow, FactorScore

NAME = "volume_oi"


def score_volume(bars: BarWindow, config: ScorerConfig) -> FactorScore:
    """Score how strongly the last bar's volume confirms its direction."""
    if len(bars.volume) < config.volume_period:
        return FactorScore.absent(
            NAME, f"fewer than {config.volume_period} bars for the volume z-score"
        )
    # the streaming form (equal to the batch one) over a short window needs no compiled kernel
    zscore = VolumeZScore(config.volume_period)
    for volume in bars.volume[-config.volume_period :].tolist():
        zscore.update(volume)
    z = zscore.value
    strength = 0.0 if math.isnan(z) else min(1.0, max(0.0, z / config.volume_full_z))
    move = float(bars.close[-1] - bars.open[-1])
    long = strength if move > 0 else 0.0
    short = strength if move < 0 else 0.0
    side = "up" if move > 0 else "down" if move < 0 else "flat"
    return FactorScore(
        NAME,
        True,
        long,
        short,
        f"last bar {side} on volume z-score {z:+.2f}; open interest: no data",
        {
            "volume_zscore": None if math.isnan(z) else z,
            "strength": strength,
            "open_interest": "absent",
        },
    )

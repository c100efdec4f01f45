"""Configuration of the decision engine: source weights, regimes, thresholds and labels.

:class:`DecisionConfig` is frozen and rejects unknown fields. Weights are relative: at every bar
they are renormalised over the sources that are present and ready, so they need not sum to 1
(the issue's defaults, 30/25/20/15/10/10, sum to 110).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SOURCE_NAMES = (
    "technical",
    "momentum",
    "correlation",
    "order_flow",
    "sentiment",
    "ml",
    "monte_carlo",
)
"""Every source the engine knows; ``sentiment`` and ``ml`` are not built yet (always absent)."""

Regime = Literal["trending", "ranging", "volatile"]
REGIMES: tuple[Regime, ...] = ("trending", "ranging", "volatile")


def _check_weight_map(weights: dict[str, float], where: str) -> None:
    for name, weight in weights.items():
        if name not in SOURCE_NAMES:
            raise ValueError(f"{where}: unknown source {name!r} (known: {', '.join(SOURCE_NAMES)})")
        if not math.isfinite(weight) or weight < 0.0:
            raise ValueError(f"{where}.{name}: weight must be finite and >= 0, got {weight}")


class SourceWeights(BaseModel):
    """Relative weight of each signal source (renormalised over the present ones)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    technical: float = 0.30
    momentum: float = 0.25
    correlation: float = 0.20
    order_flow: float = 0.15
    sentiment: float = 0.15
    ml: float = 0.10
    monte_carlo: float = 0.10

    @model_validator(mode="after")
    def _valid(self) -> SourceWeights:
        weights = self.as_dict()
        _check_weight_map(weights, "weights")
        if sum(weights.values()) <= 0.0:
            raise ValueError("weights: at least one source weight must be > 0")
        return self

    def as_dict(self) -> dict[str, float]:
        """Return the weights keyed by source name, in :data:`SOURCE_NAMES` order."""
        return {name: float(getattr(self, name)) for name in SOURCE_NAMES}


class RegimeConfig(BaseModel):
    """How the market regime is detected from ADX, realised volatility and the Hurst exponent.

    ``volatile`` when short-window volatility is at least ``volatile_ratio`` times the reference
    volatility; otherwise ``trending`` when ADX >= ``adx_trending`` or Hurst >= ``hurst_trending``;
    otherwise ``ranging``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    adx_period: int = Field(14, ge=2)
    adx_trending: float = Field(25.0, gt=0.0, lt=100.0)
    hurst_period: int = Field(100, ge=20)
    hurst_max_lag: int = Field(20, ge=2)
    hurst_trending: float = Field(0.55, gt=0.0, lt=1.0)
    volatile_ratio: float = Field(1.5, gt=1.0)

    @model_validator(mode="after")
    def _lags(self) -> RegimeConfig:
        if self.hurst_max_lag >= self.hurst_period // 2:
            raise ValueError(
                f"regime.hurst_max_lag ({self.hurst_max_lag}) must be < hurst_period / 2 "
                f"({self.hurst_period / 2:g})"
            )
        return self


class ThresholdConfig(BaseModel):
    """Entry threshold on the absolute fused score, scaled by the volatility ratio.

    ``threshold = base * clip(vol_short / vol_reference, min_scale, max_scale)`` where both
    volatilities are close-to-close realised volatilities over ``vol_period`` and
    ``reference_period`` bars.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base: float = Field(0.15, gt=0.0, lt=1.0)
    vol_period: int = Field(24, ge=2)
    reference_period: int = Field(240, ge=3)
    min_scale: float = Field(0.5, gt=0.0)
    max_scale: float = Field(2.0, gt=0.0)

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdConfig:
        if self.min_scale > self.max_scale:
            raise ValueError(
                f"threshold: min_scale ({self.min_scale}) must be <= max_scale ({self.max_scale})"
            )
        if self.reference_period <= self.vol_period:
            raise ValueError(
                f"threshold: reference_period ({self.reference_period}) must be > vol_period "
                f"({self.vol_period})"
            )
        return self


class LabelCutoffs(BaseModel):
    """Strength labels as multiples of the (volatility-scaled) threshold.

    ``|score| >= strong * threshold`` is STRONG, ``>= moderate * threshold`` MODERATE, ``>=
    threshold`` WEAK; below the threshold the decision is NEUTRAL (direction 0).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    moderate: float = Field(1.5, gt=1.0)
    strong: float = Field(2.5, gt=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> LabelCutoffs:
        if not self.moderate < self.strong:
            raise ValueError(f"labels: moderate ({self.moderate}) must be < strong ({self.strong})")
        return self


def _default_regime_weights() -> dict[Regime, dict[str, float]]:
    return {
        "trending": {"technical": 0.35, "momentum": 0.30, "monte_carlo": 0.05},
        "ranging": {"technical": 0.20, "momentum": 0.20, "monte_carlo": 0.15},
        "volatile": {"order_flow": 0.25, "technical": 0.20},
    }


class DecisionConfig(BaseModel):
    """Everything the decision engine uses; nothing is hard-coded elsewhere."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    weights: SourceWeights = SourceWeights()
    regime_weights: dict[Regime, dict[str, float]] = Field(default_factory=_default_regime_weights)
    regime: RegimeConfig = RegimeConfig()
    threshold: ThresholdConfig = ThresholdConfig()
    labels: LabelCutoffs = LabelCutoffs()

    @model_validator(mode="after")
    def _overrides(self) -> DecisionConfig:
        for regime, overrides in self.regime_weights.items():
            _check_weight_map(overrides, f"regime_weights.{regime}")
            if sum(self.weights_for(regime).values()) <= 0.0:
                raise ValueError(f"regime_weights.{regime}: every source weight is 0")
        return self

    def weights_for(self, regime: Regime | None) -> dict[str, float]:
        """Return the source weights in ``regime`` (base weights with its overrides applied)."""
        weights = self.weights.as_dict()
        if regime is not None:
            weights.update(self.regime_weights.get(regime, {}))
        return weights

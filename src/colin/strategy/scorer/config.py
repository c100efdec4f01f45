"""Configuration of the institutional scorer: factor weights, thresholds and trade geometry.

Every number the scorer uses comes from :class:`ScorerConfig`; nothing is hard-coded in the
factor modules. The model is frozen and rejects unknown fields, and the factor weights must sum
to 1 (weights of factors whose data is missing are renormalised at scoring time).
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from colin.core.errors import ConfigError

FACTOR_NAMES = ("liquidity", "structure", "killzone", "order_flow", "volume_oi")


class FactorWeights(BaseModel):
    """Weight of each factor in the combined confidence; the five weights sum to 1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    liquidity: float = Field(0.25, ge=0.0, le=1.0)
    structure: float = Field(0.25, ge=0.0, le=1.0)
    killzone: float = Field(0.15, ge=0.0, le=1.0)
    order_flow: float = Field(0.20, ge=0.0, le=1.0)
    volume_oi: float = Field(0.15, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _sum_to_one(self) -> FactorWeights:
        total = sum(self.as_dict().values())
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(f"factor weights must sum to 1, got {total:.6g}")
        return self

    def as_dict(self) -> dict[str, float]:
        """Return the weights keyed by factor name, in :data:`FACTOR_NAMES` order."""
        return {name: float(getattr(self, name)) for name in FACTOR_NAMES}


class ConfidenceThresholds(BaseModel):
    """Lower bounds (0-100) of the HIGH, MEDIUM and LOW confidence levels."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    high: float = Field(80.0, gt=0.0, le=100.0)
    medium: float = Field(60.0, gt=0.0, le=100.0)
    low: float = Field(40.0, gt=0.0, le=100.0)

    @model_validator(mode="after")
    def _ordered(self) -> ConfidenceThresholds:
        if not self.low < self.medium < self.high:
            raise ValueError(
                f"thresholds must satisfy low < medium < high, got "
                f"low={self.low}, medium={self.medium}, high={self.high}"
            )
        return self

    def level(self, confidence: float) -> str:
        """Return ``HIGH``, ``MEDIUM``, ``LOW`` or ``NEUTRAL`` for a confidence in 0-100."""
        if confidence >= self.high:
            return "HIGH"
        if confidence >= self.medium:
            return "MEDIUM"
        if confidence >= self.low:
            return "LOW"
        return "NEUTRAL"


class ScorerConfig(BaseModel):
    """Everything the institutional scorer reads.

    Parameters
    ----------
    weights
        Factor weights (defaults 0.25 liquidity, 0.25 structure, 0.15 killzone, 0.20 order
        flow, 0.15 volume/OI).
    thresholds
        Confidence levels (HIGH 80-100, MEDIUM 60-79, LOW 40-59, else NEUTRAL).
    min_edge
        Points (0-100) by which one side must beat the other to give a direction.
    lookback_bars
        Bars of history the structure detector and the volume profile see.
    atr_period
        ATR used to measure distances (and by the structure detector).
    proximity_atr
        A level counts as near while it is within this many ATRs of the close.
    min_draw_atr
        A liquidity level nearer than this many ATRs is where price already trades, not a draw.
    sweep_lookback
        A liquidity pool swept within this many bars counts as a fresh sweep.
    profile_bars, profile_bins
        Window and number of price bins of the volume profile.
    volume_period, volume_full_z
        Volume z-score window, and the z-score at which volume confirmation is full.
    order_flow_window_ns
        Trades and book updates within this long before the scoring time feed order flow.
    stop_buffer
        Fraction beyond the nearest structure where the stop goes (0.002 = 0.2%).
    fallback_stop_atr
        Stop distance in ATRs when no structure lies on the losing side.
    reward_risk
        Take-profit distance as a multiple of the stop distance.
    max_position_percent
        Largest position, in percent of equity.
    target_volatility
        Annualised volatility at which the size is not reduced; above it the size shrinks in
        proportion.
    volatility_period
        Bars of the realised-volatility (Yang-Zhang) estimate.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    weights: FactorWeights = FactorWeights()
    thresholds: ConfidenceThresholds = ConfidenceThresholds()
    min_edge: float = Field(5.0, ge=0.0, le=100.0)
    lookback_bars: int = Field(300, ge=30)
    atr_period: int = Field(14, ge=2)
    proximity_atr: float = Field(3.0, gt=0.0)
    min_draw_atr: float = Field(0.5, ge=0.0)
    sweep_lookback: int = Field(10, ge=1)
    profile_bars: int = Field(100, ge=10)
    profile_bins: int = Field(24, ge=4)
    volume_period: int = Field(20, ge=2)
    volume_full_z: float = Field(2.0, gt=0.0)
    order_flow_window_ns: int = Field(300 * 1_000_000_000, gt=0)
    stop_buffer: float = Field(0.002, ge=0.0, lt=0.5)
    fallback_stop_atr: float = Field(1.5, gt=0.0)
    reward_risk: float = Field(2.0, gt=0.0)
    max_position_percent: float = Field(2.0, gt=0.0, le=100.0)
    target_volatility: float = Field(0.6, gt=0.0)
    volatility_period: int = Field(24, ge=2)

    @classmethod
    def from_yaml(cls, path: str | Path) -> ScorerConfig:
        """Load a config from a YAML mapping (missing keys keep their defaults).

        Raises
        ------
        ConfigError
            If the file cannot be read or parsed, or a value is invalid (the message names the
            file and the field).
        """
        source = Path(path)
        try:
            data = yaml.safe_load(source.read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{source}: cannot read scorer config: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(
                f"{source}: scorer config must be a mapping, got {type(data).__name__}"
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}"
                for e in exc.errors()
            )
            raise ConfigError(f"{source}: invalid scorer config: {problems}") from exc

"""The institutional ("Colin") signal scorer: liquidity, structure, timing, flow and volume."""

from colin.strategy.scorer.config import ConfidenceThresholds, FactorWeights, ScorerConfig
from colin.strategy.scorer.factor import BarWindow, FactorScore
from colin.strategy.scorer.report import SignalReport, WeightedFactor, load_schema, render_text
from colin.strategy.scorer.scorer import InstitutionalScorer

__all__ = [
    "BarWindow",
    "ConfidenceThresholds",
    "FactorScore",
    "FactorWeights",
    "InstitutionalScorer",
    "ScorerConfig",
    "SignalReport",
    "WeightedFactor",
    "load_schema",
    "render_text",
]

"""Decision engine: fuse technical, momentum, correlation, order-flow and Monte Carlo sources."""

from colin.strategy.decision.config import DecisionConfig
from colin.strategy.decision.engine import DecisionEngine
from colin.strategy.decision.sources import (
    CorrelationSource,
    MomentumSource,
    MonteCarloSource,
    OrderFlowSource,
    SignalSource,
    TechnicalSource,
    default_sources,
)

__all__ = [
    "CorrelationSource",
    "DecisionConfig",
    "DecisionEngine",
    "MomentumSource",
    "MonteCarloSource",
    "OrderFlowSource",
    "SignalSource",
    "TechnicalSource",
    "default_sources",
]

"""The risk engine: pre-trade checks, trading state, real-time rules, sizing and analytics."""

from colin.risk.audit import AuditEntry, AuditSink, InMemoryAuditSink
from colin.risk.config import (
    BreakerConfig,
    DrawdownConfig,
    LossRulesConfig,
    RateLimit,
    RiskConfig,
    TradingWindow,
)
from colin.risk.controls import RISK_STRATEGY
from colin.risk.decision import Modification, RiskDecision, RiskLevel
from colin.risk.engine import RiskEngine
from colin.risk.events import (
    BreakerTripped,
    KillSwitchActivated,
    RiskEvent,
    RiskWarning,
    TradingStateChanged,
)
from colin.risk.sizing import PositionSizer

__all__ = [
    "RISK_STRATEGY",
    "AuditEntry",
    "AuditSink",
    "BreakerConfig",
    "BreakerTripped",
    "DrawdownConfig",
    "InMemoryAuditSink",
    "KillSwitchActivated",
    "LossRulesConfig",
    "Modification",
    "PositionSizer",
    "RateLimit",
    "RiskConfig",
    "RiskDecision",
    "RiskEngine",
    "RiskEvent",
    "RiskLevel",
    "RiskWarning",
    "TradingStateChanged",
    "TradingWindow",
]

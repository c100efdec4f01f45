"""Risk events published on ``events.risk``: trading-state changes, breaker trips and warnings."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from colin.model.enums import TradingState


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskEvent:
    """Base of every risk event."""

    ts_event: int
    reason: str

    @property
    def kind(self) -> str:
        """A short name of the event type, for reports."""
        return type(self).__name__

    def to_record(self) -> dict[str, Any]:
        """Return the event as a plain dict (``ts``, ``kind``, ``detail`` and the fields)."""
        record: dict[str, Any] = {"ts": self.ts_event, "kind": self.kind, "detail": self.reason}
        for item in fields(self):
            if item.name not in ("ts_event", "reason"):
                value = getattr(self, item.name)
                record[item.name] = value.value if isinstance(value, TradingState) else value
        return record


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingStateChanged(RiskEvent):
    """The node's trading state moved (operator command or a rule)."""

    previous: TradingState
    state: TradingState


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakerTripped(RiskEvent):
    """A real-time rule fired. ``instrument_id`` is empty for portfolio-wide rules."""

    rule: str
    instrument_id: str = ""
    value: float = 0.0
    limit: float = 0.0
    until_ns: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskWarning(RiskEvent):
    """A rule reached its warning level (no action taken)."""

    rule: str
    value: float
    limit: float


@dataclass(frozen=True, slots=True, kw_only=True)
class KillSwitchActivated(RiskEvent):
    """The kill switch ran: open orders were canceled and, if asked, positions flattened."""

    canceled_instruments: int
    flatten_orders: int

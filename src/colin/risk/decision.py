"""The decision record: what the risk engine decided about one command, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple


class RiskLevel(Enum):
    """How much risk a decision carries (from the risk score and the trading state)."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


def risk_level(score: float, approved: bool) -> RiskLevel:
    """Map a risk score in [0, 100] and the verdict to a :class:`RiskLevel`."""
    if not approved:
        return RiskLevel.CRITICAL
    if score < 50.0:
        return RiskLevel.LOW
    if score < 80.0:
        return RiskLevel.MEDIUM
    return RiskLevel.HIGH


@dataclass(frozen=True, slots=True)
class Modification:
    """A change the risk engine made to an order before passing it on (e.g. a smaller size)."""

    field: str
    original: str
    modified: str
    reason: str


class RiskDecision(NamedTuple):
    """The verdict on one trading command (a named tuple: cheap to build on every order).

    Attributes
    ----------
    command
        The command's kind: ``submit``, ``modify``, ``cancel`` or ``cancel_all``.
    client_order_id, instrument_id, strategy_id
        What the command was about (``client_order_id`` is empty for ``cancel_all``).
    approved
        Whether the command went on to the execution engine.
    risk_level
        The level derived from the score and the verdict.
    reasons
        Why it was denied, one ``code: detail`` string per failed check (empty when approved).
    warnings
        Limits that are close to being reached, and similar notes.
    modifications
        Changes made to the order before it was passed on.
    risk_score
        The highest limit utilisation the command reaches, in percent, capped at 100.
    ts
        Clock time of the decision (UTC ns).
    validation_ns
        How long the checks took (wall-clock ns, for monitoring).
    """

    command: str
    client_order_id: str
    instrument_id: str
    strategy_id: str
    approved: bool
    risk_level: RiskLevel
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]
    modifications: tuple[Modification, ...]
    risk_score: float
    ts: int
    validation_ns: int

    @property
    def reason(self) -> str:
        """All denial reasons joined into one line (empty when approved)."""
        return "; ".join(self.reasons)

    def to_record(self) -> dict[str, Any]:
        """Return the decision as a JSON-ready dict for the audit log."""
        return {
            "command": self.command,
            "client_order_id": self.client_order_id,
            "instrument_id": self.instrument_id,
            "strategy_id": self.strategy_id,
            "approved": self.approved,
            "risk_level": self.risk_level.value,
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
            "modifications": [
                {
                    "field": m.field,
                    "original": m.original,
                    "modified": m.modified,
                    "reason": m.reason,
                }
                for m in self.modifications
            ],
            "risk_score": self.risk_score,
            "ts": self.ts,
            "validation_ns": self.validation_ns,
        }

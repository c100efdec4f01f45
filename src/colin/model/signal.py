"""Trading signals published by indicators, models and the decision engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from colin.core.ids import InstrumentId


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    """A view on an instrument: ``direction`` +1 long, -1 short, 0 neutral.

    ``strength`` is in [0, 1] (how strong the view is) and ``confidence`` in [0, 1] (how much the
    source trusts it); ``details`` carries the source-specific breakdown.
    """

    source: str
    instrument_id: InstrumentId
    direction: int
    strength: float
    confidence: float
    ts_event: int
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.direction not in (-1, 0, 1):
            raise ValueError(f"signal direction must be -1, 0 or 1, got {self.direction}")
        for name in ("strength", "confidence"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"signal {name} must be in [0, 1], got {value}")

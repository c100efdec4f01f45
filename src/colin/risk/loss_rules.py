"""Trade-level loss rules: a per-trade loss cap and a cooldown after consecutive losing trades.

A *trade* is a position from opening to flat (or to a flip). Its result is the realised PnL
booked between those two moments, read from the portfolio's position events.
"""

from __future__ import annotations

from colin.core.ids import InstrumentId
from colin.model.events import PositionChanged, PositionClosed, PositionEvent, PositionOpened
from colin.risk.config import LossRulesConfig


class LossRules:
    """Count consecutive losing trades and flag open positions that lose too much."""

    def __init__(self, config: LossRulesConfig) -> None:
        self.config = config
        self._baseline: dict[InstrumentId, tuple[float, int]] = {}
        self.consecutive_losses = 0
        self.trade_results: list[float] = []

    def on_position_event(self, event: PositionEvent) -> float | None:
        """Book a position event; return the closed trade's PnL when a trade ended."""
        realized = float(event.realized_pnl)
        direction = (event.quantity > 0) - (event.quantity < 0)
        instrument_id = event.instrument_id
        if isinstance(event, PositionOpened):
            self._baseline[instrument_id] = (realized, direction)
            return None
        baseline = self._baseline.get(instrument_id)
        if baseline is None:
            self._baseline[instrument_id] = (realized, direction)
            return None
        start, previous_direction = baseline
        if isinstance(event, PositionClosed):
            del self._baseline[instrument_id]
        elif isinstance(event, PositionChanged) and direction != previous_direction:
            self._baseline[instrument_id] = (realized, direction)
        else:
            return None
        result = realized - start
        self.trade_results.append(result)
        if result < 0.0:
            self.consecutive_losses += 1
        elif result > 0.0:
            self.consecutive_losses = 0
        return result

    def cooldown_due(self) -> bool:
        """Return whether the losing streak has reached the configured length."""
        limit = self.config.max_consecutive_losses
        return limit is not None and self.consecutive_losses >= limit

    def reset_streak(self) -> None:
        """Start counting losses afresh (after a cooldown has been imposed)."""
        self.consecutive_losses = 0

"""The trading state: ACTIVE, REDUCING (only risk-reducing orders pass) or HALTED (only cancels).

The operator (kill switch, API, CLI) may set any state. Rules (drawdown, loss cooldown,
breakers) may only tighten it, and a rule's state may carry an expiry after which it lifts by
itself, unless someone else has changed the state in the meantime.
"""

from __future__ import annotations

from colin.model.enums import TradingState
from colin.risk.events import TradingStateChanged

OPERATOR = "operator"
_SEVERITY = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


class TradingStateMachine:
    """Hold the trading state, who set it, and until when."""

    __slots__ = ("owner", "reason", "state", "until_ns")

    def __init__(self) -> None:
        self.state = TradingState.ACTIVE
        self.reason = ""
        self.owner = OPERATOR
        self.until_ns = 0

    def set(
        self, state: TradingState, reason: str, ts: int, owner: str = OPERATOR, until_ns: int = 0
    ) -> TradingStateChanged | None:
        """Move to ``state``; return the change, or ``None`` if nothing changed.

        A rule (``owner`` other than the operator) cannot loosen the state.
        """
        if not isinstance(state, TradingState):
            raise ValueError(f"unknown trading state {state!r}")
        if owner != OPERATOR and _SEVERITY[state] < _SEVERITY[self.state]:
            return None
        if owner != OPERATOR and state is self.state:
            # a second rule re-asserting the same state keeps the longer expiry
            if self.until_ns and (until_ns == 0 or until_ns > self.until_ns):
                self.until_ns = until_ns
                self.owner = owner
            return None
        previous = self.state
        self.state = state
        self.reason = reason
        self.owner = owner
        self.until_ns = until_ns
        if previous is state:
            return None
        return TradingStateChanged(ts_event=ts, reason=reason, previous=previous, state=state)

    def expire(self, now: int) -> TradingStateChanged | None:
        """Lift a rule's state whose time is up; return the change if there was one."""
        if self.until_ns == 0 or now < self.until_ns:
            return None
        owner = self.owner
        self.until_ns = 0
        return self.release(owner, f"{owner} cooldown ended", now)

    def release(self, owner: str, reason: str, ts: int) -> TradingStateChanged | None:
        """Return to ACTIVE if ``owner`` is the one that set the current state."""
        if self.owner != owner or self.state is TradingState.ACTIVE:
            return None
        previous = self.state
        self.state = TradingState.ACTIVE
        self.reason = reason
        self.owner = OPERATOR
        self.until_ns = 0
        return TradingStateChanged(ts_event=ts, reason=reason, previous=previous, state=self.state)

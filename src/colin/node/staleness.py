"""The stale-feed monitor: silence on the market-data feed tightens the trading state.

The node counts market events as they arrive (one integer increment on the hot path) and calls
:meth:`StaleFeedMonitor.check` on a timer. When the count has not moved for
``reducing_after_s`` seconds the risk engine goes to REDUCING, after ``halted_after_s`` to
HALTED; when events flow again the monitor releases the state it set (a state set by the
operator or another rule stays). Silence is measured on the monotonic wall clock, whatever
clock the node trades on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from colin.model.enums import TradingState
from colin.node.live_config import StaleFeedConfig

log = logging.getLogger(__name__)
OWNER = "stale_feed"


class RuleStateControl(Protocol):
    """The part of the risk engine the monitor drives."""

    def set_rule_state(self, state: TradingState, reason: str, owner: str) -> None:
        """Tighten the trading state for a rule."""

    def release_rule_state(self, owner: str, reason: str) -> None:
        """Release the state a rule set."""


class StaleFeedMonitor:
    """Watch the event count of a feed and drive the trading state from its silence.

    Parameters
    ----------
    config
        Thresholds.
    risk
        The risk engine.
    now
        Monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        config: StaleFeedConfig,
        risk: RuleStateControl,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._risk = risk
        self._now = now
        self.events = 0
        self._seen = 0
        self._last_change = now()
        self.level = TradingState.ACTIVE

    def reset(self) -> None:
        """Start measuring silence from now (when the feed starts)."""
        self._seen = self.events
        self._last_change = self._now()

    def check(self) -> TradingState:
        """Compare the event count with the last check; tighten or release. Return the level."""
        now = self._now()
        if self.events != self._seen:
            self._seen = self.events
            self._last_change = now
            if self.level is not TradingState.ACTIVE:
                log.info("market data flows again", extra={"silence_level": self.level.value})
                self.level = TradingState.ACTIVE
                self._risk.release_rule_state(OWNER, "market data flows again")
            return self.level
        silence = now - self._last_change
        config = self._config
        if silence >= config.halted_after_s and self.level is not TradingState.HALTED:
            self._tighten(TradingState.HALTED, silence)
        elif silence >= config.reducing_after_s and self.level is TradingState.ACTIVE:
            self._tighten(TradingState.REDUCING, silence)
        return self.level

    def _tighten(self, level: TradingState, silence: float) -> None:
        self.level = level
        reason = f"no market data for {silence:.1f} s"
        log.warning("stale market data feed", extra={"state": level.value, "silence_s": silence})
        self._risk.set_rule_state(level, reason, OWNER)

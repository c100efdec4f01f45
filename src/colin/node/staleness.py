"""The stale-feed monitor: silence on the market-data feed tightens the trading state.

The node asks its feed how long the market has been silent (:meth:`MarketFeed.silence_s`: the
seconds since the most silent instrument last sent anything) on a timer and hands the answer to
:meth:`StaleFeedMonitor.check`. After ``reducing_after_s`` seconds of silence the risk engine goes
to REDUCING, after ``halted_after_s`` to HALTED; when data flows again the monitor releases the
state it set (a state set by the operator or another rule stays).

:func:`warn_if_replayed` is the other freshness check: on the system clock, a first bar stamped
long before now means the data is a replay.
"""

from __future__ import annotations

import logging
from typing import Protocol

from colin.core.time import timeframe_to_ns
from colin.model.data import Bar
from colin.model.enums import TradingState
from colin.node.live_config import StaleFeedConfig

log = logging.getLogger(__name__)
OWNER = "stale_feed"

REPLAY_LAG_S = 3600.0
"""A first bar this much older (after its close, and two bars) than the system clock is a replay."""


def warn_if_replayed(bar: Bar, now_ns: int) -> None:
    """Log a warning if ``bar`` (the first of its instrument) is far behind the system clock.

    Such a bar comes from a replay (the exchange simulator, a catalog): a paper venue on the
    system clock waits for market data after each order's arrival, so no order would ever fill.
    The warning names the fix (``clock: event``).
    """
    behind_s = (now_ns - bar.ts_event) / 1e9
    if behind_s > max(REPLAY_LAG_S, 2 * timeframe_to_ns(bar.timeframe) / 1e9):
        log.warning(
            "market data is %.0f s behind the system clock (a replay?): orders may never fill "
            "on the system clock; set trading.clock: event",
            behind_s,
            extra={"instrument_id": str(bar.instrument_id), "behind_s": round(behind_s)},
        )


class RuleStateControl(Protocol):
    """The part of the risk engine the monitor drives."""

    def set_rule_state(self, state: TradingState, reason: str, owner: str) -> None:
        """Tighten the trading state for a rule."""

    def release_rule_state(self, owner: str, reason: str) -> None:
        """Release the state a rule set."""


class StaleFeedMonitor:
    """Drive the trading state from the feed's silence.

    Parameters
    ----------
    config
        Thresholds.
    risk
        The risk engine.
    """

    def __init__(self, config: StaleFeedConfig, risk: RuleStateControl) -> None:
        self._config = config
        self._risk = risk
        self.level = TradingState.ACTIVE

    def check(self, silence_s: float) -> TradingState:
        """Tighten or release the trading state for ``silence_s``; return the monitor's level."""
        config = self._config
        if silence_s < config.reducing_after_s:
            if self.level is not TradingState.ACTIVE:
                log.info("market data flows again", extra={"after_level": self.level.value})
                self.level = TradingState.ACTIVE
                self._risk.release_rule_state(OWNER, "market data flows again")
        elif silence_s >= config.halted_after_s:
            if self.level is not TradingState.HALTED:
                self._tighten(TradingState.HALTED, silence_s)
        elif self.level is TradingState.ACTIVE:
            self._tighten(TradingState.REDUCING, silence_s)
        return self.level

    def _tighten(self, level: TradingState, silence_s: float) -> None:
        self.level = level
        reason = f"no market data for {silence_s:.1f} s"
        log.warning("stale market data feed", extra={"state": level.value, "silence_s": silence_s})
        self._risk.set_rule_state(level, reason, OWNER)

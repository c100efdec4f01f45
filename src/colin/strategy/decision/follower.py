"""A strategy that trades the decision engine's STRONG / MODERATE signals.

:class:`SignalFollower` hosts a :class:`~colin.strategy.decision.engine.DecisionEngine` on its own
bus and clock: on each closed bar the engine decides (and publishes the decision on
``signals.decision`` for the API and the audit log), then the follower applies its rules with the
one-position, market-order skeleton of the bar strategies.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from colin.core.errors import ConfigError
from colin.core.topics import signals_topic
from colin.model.data import Bar
from colin.model.signal import Signal
from colin.strategy.builtin.bar_signal import BarSignalStrategy, ShortableParams
from colin.strategy.decision.config import DecisionConfig
from colin.strategy.decision.engine import SIGNAL_SOURCE, DecisionEngine

Label = Literal["STRONG", "MODERATE", "WEAK"]
_RANK = {"NEUTRAL": 0, "WEAK": 1, "MODERATE": 2, "STRONG": 3}


class SignalFollowerParams(ShortableParams):
    """Parameters of :class:`SignalFollower`."""

    entry_label: Label = Field(
        "MODERATE", description="Weakest decision label that opens a position"
    )
    exit_label: Label = Field(
        "WEAK", description="Weakest opposite decision label that closes a position"
    )
    decision: DecisionConfig = Field(
        default_factory=DecisionConfig, description="Decision engine configuration"
    )


class SignalFollower(BarSignalStrategy):
    """Enter on decisions at or above ``entry_label``, exit on opposite ones at ``exit_label``.

    - **long entry** (flat): direction +1 and label >= ``entry_label``;
    - **long exit**: direction -1 and label >= ``exit_label``;
    - **short entry / exit** (``allow_short``, perpetuals): mirrored.

    The engine fuses its default sources (technical, momentum, Monte Carlo); sources that need
    other data (order flow, a correlation reference) are not wired here.
    """

    name = "signal_follower"
    Params = SignalFollowerParams
    params: SignalFollowerParams

    def build_indicators(self) -> None:
        """Create the decision engine on the strategy's bus and clock."""
        bus = self._bus
        if bus is None:
            raise ConfigError(f"{self.id}: the strategy must be registered before it starts")
        self._publish = bus.publish
        self.engine = DecisionEngine(
            bus,
            self.clock,
            self.params.instrument_id,
            self.params.timeframe,
            self.params.decision,
        )
        self._signal_topic = signals_topic(SIGNAL_SOURCE)
        self.signal: Signal | None = None

    def update(self, bar: Bar) -> bool:
        """Let the engine decide on the bar and publish the decision; ready once it decides."""
        signal = self.engine.decide(bar)
        if signal is None:
            return False
        self.signal = signal
        self._publish(self._signal_topic, signal)
        return True

    def _at_least(self, direction: int, level: Label) -> bool:
        signal = self.signal
        return (
            signal is not None
            and signal.direction == direction
            and _RANK[signal.details["label"]] >= _RANK[level]
        )

    def long_entry(self, bar: Bar) -> bool:
        """A long decision at or above the entry label."""
        return self._at_least(1, self.params.entry_label)

    def long_exit(self, bar: Bar) -> bool:
        """A short decision at or above the exit label."""
        return self._at_least(-1, self.params.exit_label)

    def short_entry(self, bar: Bar) -> bool:
        """A short decision at or above the entry label."""
        return self._at_least(-1, self.params.entry_label)

    def short_exit(self, bar: Bar) -> bool:
        """A long decision at or above the exit label."""
        return self._at_least(1, self.params.exit_label)

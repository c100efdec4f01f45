"""The decision engine: fuse signal sources into one ``Signal`` per closed bar.

On every closed bar of its instrument the engine updates each source, detects the regime, takes
that regime's weights, renormalises them over the sources that are present *and* ready, and
publishes a :class:`~colin.model.signal.Signal` with ``source="decision"`` on
``signals.decision``. Sources that are configured with a weight but not supplied (``ml`` and
``sentiment`` today) are reported in ``details["absent"]``, never faked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.errors import ConfigError
from colin.core.ids import InstrumentId
from colin.core.topics import bars_topic, book_topic, signals_topic, trades_topic
from colin.model.data import Bar
from colin.model.signal import Signal
from colin.strategy.decision.config import SOURCE_NAMES, DecisionConfig, LabelCutoffs, Regime
from colin.strategy.decision.regime import RegimeDetector
from colin.strategy.decision.sources import (
    BookSource,
    ReferenceSource,
    SignalSource,
    TradeSource,
    default_sources,
)

SIGNAL_SOURCE = "decision"


@dataclass(frozen=True, slots=True)
class Fusion:
    """The weighted score of the ready sources and how much they agree."""

    score: float
    agreement: float
    weights: dict[str, float]


def fuse(scores: dict[str, float], weights: dict[str, float]) -> Fusion | None:
    """Return the weighted average of ``scores`` with ``weights`` renormalised over them.

    ``agreement`` is the weight share of sources whose sign matches the fused score's (1 when the
    score is 0 and every source is 0). Returns ``None`` when the ready sources weigh nothing.
    """
    total = sum(weights[name] for name in scores)
    if total <= 0.0:
        return None
    used = {name: weights[name] / total for name in scores}
    score = sum(used[name] * value for name, value in scores.items())
    sign = math.copysign(1.0, score) if score != 0.0 else 0.0
    agreement = sum(
        used[name] for name, value in scores.items() if (value > 0.0) - (value < 0.0) == sign
    )
    return Fusion(score, min(agreement, 1.0), used)


def label(magnitude: float, threshold: float, cutoffs: LabelCutoffs) -> str:
    """Return STRONG / MODERATE / WEAK, or NEUTRAL below ``threshold``."""
    if magnitude >= cutoffs.strong * threshold:
        return "STRONG"
    if magnitude >= cutoffs.moderate * threshold:
        return "MODERATE"
    if magnitude >= threshold:
        return "WEAK"
    return "NEUTRAL"


class DecisionEngine:
    """Fuse the configured sources on every closed bar and publish the decision.

    Parameters
    ----------
    bus
        The message bus to subscribe and publish on.
    clock
        The clock; its time is recorded as ``details["ts_init"]``.
    instrument_id, timeframe
        The bars that drive the decisions.
    config
        Weights, regimes, threshold and labels (defaults if omitted).
    sources
        The sources to fuse (default: technical, momentum and Monte Carlo). A source with
        ``handle_book`` / ``handle_trade`` gets the instrument's books / trades; one with
        ``handle_reference_bar`` and ``reference_id`` gets that instrument's bars.
    """

    def __init__(
        self,
        bus: MessageBus,
        clock: Clock,
        instrument_id: InstrumentId | str,
        timeframe: str,
        config: DecisionConfig | None = None,
        sources: Sequence[SignalSource] | None = None,
    ) -> None:
        self.bus = bus
        self.clock = clock
        self.instrument_id = InstrumentId(instrument_id)
        self.timeframe = timeframe
        self.config = config or DecisionConfig()
        self.sources = list(default_sources() if sources is None else sources)
        names = [source.name for source in self.sources]
        for name in names:
            if name not in SOURCE_NAMES:
                raise ConfigError(f"decision: unknown source name {name!r}")
        if len(set(names)) != len(names):
            raise ConfigError(f"decision: duplicate source names in {names}")
        self.absent = tuple(name for name in SOURCE_NAMES if name not in names)
        self.regime = RegimeDetector(self.config.regime, self.config.threshold)
        self.last_signal: Signal | None = None
        self._topic = signals_topic(SIGNAL_SOURCE)
        self._subscriptions: list[tuple[str, Any]] = []

    def start(self) -> None:
        """Subscribe to the bars, and to books, trades and reference bars the sources need."""
        subscriptions: list[tuple[str, Any]] = [
            (bars_topic(self.instrument_id, self.timeframe), self.handle_bar)
        ]
        for source in self.sources:
            if isinstance(source, BookSource):
                subscriptions.append((book_topic(self.instrument_id), source.handle_book))
            if isinstance(source, TradeSource):
                subscriptions.append((trades_topic(self.instrument_id), source.handle_trade))
            if isinstance(source, ReferenceSource):
                topic = bars_topic(source.reference_id, self.timeframe)
                subscriptions.append((topic, source.handle_reference_bar))
        for topic, handler in subscriptions:
            self.bus.subscribe(topic, handler)
        self._subscriptions.extend(subscriptions)

    def stop(self) -> None:
        """Remove every subscription made by :meth:`start`."""
        for topic, handler in self._subscriptions:
            self.bus.unsubscribe(topic, handler)
        self._subscriptions.clear()

    def handle_bar(self, bar: Bar) -> None:
        """Update the sources and the regime with a closed bar and publish the decision."""
        signal = self.decide(bar)
        if signal is not None:
            self.last_signal = signal
            self.bus.publish(self._topic, signal)

    def decide(self, bar: Bar) -> Signal | None:
        """Update with ``bar`` and return the decision, or ``None`` while warming up."""
        for source in self.sources:
            source.update(bar)
        detector = self.regime
        detector.update(bar)
        regime = detector.regime
        if regime is None:
            return None
        scores: dict[str, float] = {}
        not_ready: list[str] = []
        for source in self.sources:
            value = source.score()
            if value is None:
                not_ready.append(source.name)
            else:
                scores[source.name] = float(value)
        fusion = fuse(scores, self.config.weights_for(regime))
        if fusion is None:
            return None
        return self._signal(bar, regime, scores, not_ready, fusion)

    def _signal(
        self,
        bar: Bar,
        regime: Regime,
        scores: dict[str, float],
        not_ready: list[str],
        fusion: Fusion,
    ) -> Signal:
        settings = self.config.threshold
        scale = min(max(self.regime.volatility_ratio, settings.min_scale), settings.max_scale)
        threshold = settings.base * scale
        magnitude = min(abs(fusion.score), 1.0)
        strength_label = label(magnitude, threshold, self.config.labels)
        direction = 0 if strength_label == "NEUTRAL" else (1 if fusion.score > 0.0 else -1)
        strong_level = min(self.config.labels.strong * threshold, 1.0)
        confidence = fusion.agreement * min(magnitude / strong_level, 1.0)
        details: dict[str, Any] = {
            "score": fusion.score,
            "label": strength_label,
            "regime": regime,
            "threshold": threshold,
            "volatility_ratio": self.regime.volatility_ratio,
            "adx": self.regime.adx,
            "hurst": self.regime.hurst,
            "scores": scores,
            "weights": fusion.weights,
            "agreement": fusion.agreement,
            "absent": list(self.absent),
            "not_ready": not_ready,
            "timeframe": self.timeframe,
            "ts_init": self.clock.timestamp_ns(),
        }
        return Signal(
            source=SIGNAL_SOURCE,
            instrument_id=self.instrument_id,
            direction=direction,
            strength=magnitude,
            confidence=confidence,
            ts_event=bar.ts_event,
            details=details,
        )

"""Publish the institutional signal on the bus as bars close.

:class:`ScorerActor` subscribes to one instrument's bars, keeps the last ``lookback_bars`` of
them, scores each closed bar with an :class:`InstitutionalScorer` and publishes the result as a
:class:`~colin.model.signal.Signal` on ``signals.colin`` (the full report is in
``Signal.details``). Order flow is absent here: the actor sees bars only.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from colin.core.bus import MessageBus
from colin.core.ids import InstrumentId
from colin.core.topics import bars_topic, signals_topic
from colin.model.data import Bar
from colin.strategy.scorer.factor import BarWindow
from colin.strategy.scorer.report import SIGNAL_SOURCE, SignalReport
from colin.strategy.scorer.scorer import InstitutionalScorer


class ScorerActor:
    """Score every closed bar of one instrument and publish a ``Signal`` on ``signals.colin``.

    Parameters
    ----------
    bus
        The message bus to subscribe and publish on.
    instrument_id, timeframe
        The bars to score.
    scorer
        The scorer (default configuration if omitted).
    """

    def __init__(
        self,
        bus: MessageBus,
        instrument_id: InstrumentId | str,
        timeframe: str,
        scorer: InstitutionalScorer | None = None,
    ) -> None:
        self.bus = bus
        self.instrument_id = InstrumentId(instrument_id)
        self.timeframe = timeframe
        self.scorer = scorer or InstitutionalScorer()
        config = self.scorer.config
        self._needed = max(config.atr_period + 2, config.volume_period)
        self._bars: deque[tuple[int, float, float, float, float, float]] = deque(
            maxlen=config.lookback_bars
        )
        self._topic = signals_topic(SIGNAL_SOURCE)
        self.last_report: SignalReport | None = None

    def start(self) -> None:
        """Subscribe to the instrument's bars."""
        self.bus.subscribe(bars_topic(self.instrument_id, self.timeframe), self.handle_bar)

    def stop(self) -> None:
        """Unsubscribe from the bars."""
        self.bus.unsubscribe(bars_topic(self.instrument_id, self.timeframe), self.handle_bar)

    def handle_bar(self, bar: Bar) -> None:
        """Add a closed bar; once enough history is held, score it and publish the signal."""
        self._bars.append((bar.ts_open, bar.open, bar.high, bar.low, bar.close, bar.volume))
        if len(self._bars) < self._needed:
            return
        columns = np.array(self._bars, dtype=np.float64).T
        window = BarWindow(
            np.fromiter((row[0] for row in self._bars), dtype=np.int64, count=len(self._bars)),
            *(np.ascontiguousarray(c) for c in columns[1:]),
        )
        report = self.scorer.score(
            window, symbol=str(self.instrument_id), timeframe=self.timeframe, ts_ns=bar.ts_event
        )
        self.last_report = report
        self.bus.publish(self._topic, report.to_signal(self.instrument_id, bar.ts_event))

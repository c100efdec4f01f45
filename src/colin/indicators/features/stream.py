"""Streaming feature rows: the same feature set, updated bar by bar.

``FeatureStream.update(bar)`` returns the row that :func:`compute_features` produces for that bar
(same columns, same values). Higher-timeframe indicators are fed bars aggregated on the fly; a
higher-timeframe bar is handed over when its last base bar arrives, or when a base bar of a later
period shows that it has ended (a gap).
"""

from __future__ import annotations

from colin.core.time import timeframe_to_ns
from colin.indicators.base import Indicator
from colin.indicators.features.spec import FeatureSetSpec
from colin.model.data import Bar

NAN = float("nan")


class _Aggregator:
    """Build higher-timeframe bars from base bars and feed them to indicators."""

    __slots__ = ("_bar", "_key", "base_ns", "indicators", "timeframe", "timeframe_ns")

    def __init__(self, timeframe: str, base_ns: int) -> None:
        self.timeframe = timeframe
        self.timeframe_ns = timeframe_to_ns(timeframe)
        self.base_ns = base_ns
        self.indicators: list[Indicator] = []
        self._bar: Bar | None = None
        self._key = -1

    def update(self, bar: Bar) -> None:
        key = bar.ts_open // self.timeframe_ns
        current = self._bar
        if current is not None and key != self._key:
            self._emit(current)
            current = None
        if current is None:
            start = key * self.timeframe_ns
            current = Bar(
                bar.instrument_id,
                self.timeframe,
                bar.open,
                bar.high,
                bar.low,
                bar.close,
                bar.volume,
                start,
                start + self.timeframe_ns,
            )
            self._key = key
        else:
            current.high = max(current.high, bar.high)
            current.low = min(current.low, bar.low)
            current.close = bar.close
            current.volume += bar.volume
        self._bar = current
        if bar.ts_open + self.base_ns >= (key + 1) * self.timeframe_ns:
            self._emit(current)

    def _emit(self, bar: Bar) -> None:
        for indicator in self.indicators:
            indicator.handle_bar(bar)
        self._bar = None


class FeatureStream:
    """Incremental feature rows for one instrument.

    Parameters
    ----------
    spec
        The feature set (the same object the batch frame uses).
    """

    __slots__ = ("_aggregators", "_handlers", "_readers", "columns", "spec", "values")

    def __init__(self, spec: FeatureSetSpec) -> None:
        self.spec = spec
        self.columns = spec.columns()
        base_ns = timeframe_to_ns(spec.timeframe)
        base: list[Indicator] = []
        aggregators: dict[str, _Aggregator] = {}
        self._readers: list[tuple[Indicator, str, bool]] = []
        for feature in spec.features:
            indicator = feature.build()
            if feature.timeframe is None or feature.timeframe == spec.timeframe:
                base.append(indicator)
            else:
                aggregator = aggregators.get(feature.timeframe)
                if aggregator is None:
                    aggregator = aggregators[feature.timeframe] = _Aggregator(
                        feature.timeframe, base_ns
                    )
                aggregator.indicators.append(indicator)
            self._readers.extend(
                (indicator, output, output == "value") for output in feature.selected_outputs()
            )
        self._handlers = [indicator.handle_bar for indicator in base]  # bound once, not per bar
        self._aggregators = list(aggregators.values())
        self.values = [NAN] * len(self.columns)

    def update(self, bar: Bar) -> list[float]:
        """Add a closed base bar; return the feature row.

        The returned list is ``values``, reused on every call: copy it to keep a row.
        """
        for handle in self._handlers:
            handle(bar)
        for aggregator in self._aggregators:
            aggregator.update(bar)
        values = self.values
        for i, (indicator, output, is_value) in enumerate(self._readers):
            if is_value:
                values[i] = indicator.value if indicator.ready else NAN
            else:
                values[i] = getattr(indicator, output)
        return values

    def row(self) -> dict[str, float]:
        """Return the latest row as ``{column: value}``."""
        return dict(zip(self.columns, self.values, strict=True))

"""The scorer's output: a :class:`SignalReport`, its JSON form and its text form."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from colin.core.ids import InstrumentId
from colin.core.time import ns_to_iso
from colin.model.signal import Signal
from colin.strategy.scorer.factor import FactorScore

SIGNAL_SOURCE = "colin"
_DIRECTION_SIGN = {"LONG": 1, "SHORT": -1, "NEUTRAL": 0}


def load_schema() -> dict[str, Any]:
    """Return the JSON schema that :meth:`SignalReport.to_json_dict` output satisfies."""
    text = resources.files("colin.strategy.scorer").joinpath("schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@dataclass(frozen=True, slots=True)
class WeightedFactor:
    """A factor's score with its configured weight and the weight it carried after absences."""

    score: FactorScore
    weight: float
    effective_weight: float

    def contribution(self, side: str) -> float:
        """Return the points (0-100) this factor adds to ``long`` or ``short`` confidence."""
        value = self.score.long if side == "long" else self.score.short
        return 100.0 * self.effective_weight * value


@dataclass(frozen=True, slots=True)
class SignalReport:
    """An institutional signal for one symbol at one time.

    Confidences are in points (0-100); ``position_size_percent`` is percent of equity; prices
    are ``None`` where they do not apply (a NEUTRAL signal has no stop or target).
    """

    symbol: str
    ts_ns: int
    timeframe: str
    direction: str
    confidence_level: str
    long_confidence: float
    short_confidence: float
    entry_price: float
    stop_loss_price: float | None
    take_profit_price: float | None
    position_size_percent: float
    factors: tuple[WeightedFactor, ...]
    rationale: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    stop_reference: str = field(default="")

    @property
    def timestamp(self) -> str:
        """The scoring time as ISO-8601 UTC."""
        return ns_to_iso(self.ts_ns)

    @property
    def confidence(self) -> float:
        """The confidence of the chosen side (the larger side when NEUTRAL)."""
        if self.direction == "SHORT":
            return self.short_confidence
        if self.direction == "LONG":
            return self.long_confidence
        return max(self.long_confidence, self.short_confidence)

    def to_json_dict(self) -> dict[str, Any]:
        """Return the JSON form (see ``schema.json`` in this package)."""
        return {
            "symbol": self.symbol,
            "timestamp": self.timestamp,
            "timeframe": self.timeframe,
            "direction": self.direction,
            "confidence_level": self.confidence_level,
            "long_confidence": round(self.long_confidence, 4),
            "short_confidence": round(self.short_confidence, 4),
            "entry_price": self.entry_price,
            "stop_loss_price": self.stop_loss_price,
            "take_profit_price": self.take_profit_price,
            "position_size_percent": round(self.position_size_percent, 6),
            "rationale": list(self.rationale),
            "institutional_factors": {
                f.score.name: {
                    "available": f.score.available,
                    "weight": f.weight,
                    "effective_weight": round(f.effective_weight, 6),
                    "long_score": round(f.score.long, 6),
                    "short_score": round(f.score.short, 6),
                    "summary": f.score.summary,
                    "details": dict(f.score.details),
                }
                for f in self.factors
            },
            "warnings": list(self.warnings),
        }

    def to_signal(self, instrument_id: InstrumentId | str, ts_event: int | None = None) -> Signal:
        """Return the report as a bus :class:`~colin.model.signal.Signal` (source ``colin``).

        ``strength`` is the edge of the chosen side over the other and ``confidence`` the chosen
        side's confidence, both scaled to [0, 1]; ``details`` is the JSON form.
        """
        edge = abs(self.long_confidence - self.short_confidence) / 100.0
        return Signal(
            source=SIGNAL_SOURCE,
            instrument_id=InstrumentId(instrument_id),
            direction=_DIRECTION_SIGN[self.direction],
            strength=min(1.0, edge) if self.direction != "NEUTRAL" else 0.0,
            confidence=min(1.0, self.confidence / 100.0),
            ts_event=self.ts_ns if ts_event is None else ts_event,
            details=self.to_json_dict(),
        )


def _price(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def render_text(report: SignalReport) -> str:
    """Return a readable multi-line report: call, levels, size, rationale, factors, warnings."""
    lines = [
        f"{report.symbol} {report.timeframe} at {report.timestamp}",
        f"  direction   {report.direction} ({report.confidence_level}, "
        f"{report.confidence:.1f}/100; long {report.long_confidence:.1f}, "
        f"short {report.short_confidence:.1f})",
        f"  entry       {_price(report.entry_price)}",
        f"  stop loss   {_price(report.stop_loss_price)}"
        + (f"  ({report.stop_reference})" if report.stop_reference else ""),
        f"  take profit {_price(report.take_profit_price)}",
        f"  size        {report.position_size_percent:.2f}% of equity",
        "  rationale",
        *(f"    - {line}" for line in report.rationale),
        "  factors (weight -> effective: long / short)",
    ]
    for factor in report.factors:
        score = factor.score
        if score.available:
            lines.append(
                f"    {score.name:<11} {factor.weight:.2f} -> {factor.effective_weight:.3f}: "
                f"{score.long:.2f} / {score.short:.2f}  {score.summary}"
            )
        else:
            lines.append(f"    {score.name:<11} {factor.weight:.2f} -> absent: {score.summary}")
    if report.warnings:
        lines.append("  warnings")
        lines.extend(f"    ! {warning}" for warning in report.warnings)
    return "\n".join(lines)

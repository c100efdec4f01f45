"""The institutional ("Colin") scorer: five factors fused into a directional signal with levels.

:meth:`InstitutionalScorer.score` runs the market-structure detector over the bar window, scores
liquidity proximity, structure confluence, killzone timing, order-flow delta and volume
confirmation (each a long and a short score in [0, 1]), and combines them with the configured
weights. Factors without data are absent: their weight is shared among the present factors in
proportion to their weights, and a warning says so.

Long (short) confidence is ``100 x sum(effective weight x long (short) score)``. The direction
is the side ahead by at least ``min_edge`` points whose confidence reaches the LOW threshold;
otherwise NEUTRAL. The stop goes beyond the nearest structure on the losing side (the nearest
confirmed swing or unbroken order block) by ``stop_buffer``; the target is ``reward_risk`` times
the stop distance away. The size is ``max_position_percent x confidence / 100``, shrunk by
``target_volatility / realised volatility`` when the market is more volatile than the target.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from colin.core.errors import DataError
from colin.core.time import timeframe_to_ns
from colin.indicators.channels import atr as atr_series
from colin.indicators.sessions import SessionCalendar
from colin.indicators.structure import MarketStructure, detect_structure
from colin.indicators.volatility import realized_volatility
from colin.strategy.scorer.config import ScorerConfig
from colin.strategy.scorer.factor import BarWindow, FactorScore
from colin.strategy.scorer.killzone import score_killzone
from colin.strategy.scorer.liquidity import score_liquidity
from colin.strategy.scorer.order_flow import score_order_flow
from colin.strategy.scorer.report import SignalReport, WeightedFactor
from colin.strategy.scorer.structure_factor import score_structure
from colin.strategy.scorer.volume_factor import score_volume
from colin.strategy.scorer.volume_profile import volume_profile

_YEAR_NS = 365 * 24 * 3600 * 1_000_000_000


class InstitutionalScorer:
    """Score bars (and, when present, trades and book) into a :class:`SignalReport`.

    Parameters
    ----------
    config
        Weights, thresholds and trade geometry (defaults: :class:`ScorerConfig`).
    calendar
        Sessions used for killzone timing (defaults: the standard calendar).
    """

    def __init__(
        self, config: ScorerConfig | None = None, calendar: SessionCalendar | None = None
    ) -> None:
        self.config = config or ScorerConfig()
        self.calendar = calendar or SessionCalendar()

    def score(
        self,
        bars: pd.DataFrame | BarWindow,
        *,
        symbol: str,
        timeframe: str = "1h",
        trades: pd.DataFrame | None = None,
        book: pd.DataFrame | None = None,
        ts_ns: int | None = None,
    ) -> SignalReport:
        """Score the closed bars up to ``ts_ns`` (default: the close of the last bar).

        Parameters
        ----------
        bars
            ``ts_open, open, high, low, close, volume`` (catalog layout), oldest first.
        symbol
            The instrument, as it should appear in the report.
        trades, book
            Optional catalog trade and book frames; order flow is absent without them.
        ts_ns
            Scoring time; bars that have not closed by then are ignored (no lookahead).

        Raises
        ------
        DataError
            If a bar column is missing, the bars are invalid (naming the row), or there are too
            few closed bars for the ATR and the volume z-score.
        """
        config = self.config
        step = timeframe_to_ns(timeframe)
        window = bars if isinstance(bars, BarWindow) else BarWindow.from_frame(bars)
        if ts_ns is not None:
            window = window.take(window.ts_open + step <= ts_ns)
        needed = max(config.atr_period + 2, config.volume_period)
        if len(window.close) < needed:
            raise DataError(
                f"{symbol}: need at least {needed} closed {timeframe} bars, got {len(window.close)}"
            )
        window = window.tail(config.lookback_bars)
        when = int(window.ts_open[-1]) + step if ts_ns is None else ts_ns
        detector, _ = detect_structure(
            window.ts_open,
            window.open,
            window.high,
            window.low,
            window.close,
            atr_period=config.atr_period,
        )
        close = float(window.close[-1])
        atr = float(atr_series(window.high, window.low, window.close, config.atr_period)[-1])
        if not atr > 0.0:
            raise DataError(f"{symbol}: ATR is {atr}; the window has no price range")
        recent = window.tail(config.profile_bars)
        profile = (
            volume_profile(
                recent.high, recent.low, recent.close, recent.volume, config.profile_bins
            )
            if recent.volume.sum() > 0.0
            else None
        )
        scores = (
            score_liquidity(detector, close, atr, profile, config),
            score_structure(detector, close, atr, config),
            score_killzone(self.calendar, when),
            score_order_flow(trades, book, when - config.order_flow_window_ns, when),
            score_volume(window, config),
        )
        factors = self._weigh(scores)
        long = sum(f.contribution("long") for f in factors)
        short = sum(f.contribution("short") for f in factors)
        direction = self._direction(long, short)
        warnings = [
            f"{f.score.name} absent ({f.score.summary}); its weight {f.weight:.2f} was shared "
            "among the present factors"
            for f in factors
            if not f.score.available
        ]
        stop = target = None
        reference = ""
        size = 0.0
        if direction != "NEUTRAL":
            stop, reference = self._stop(detector, close, atr, direction, warnings)
            target = close + config.reward_risk * (close - stop)
            confidence = long if direction == "LONG" else short
            size = self._size(window, step, confidence, warnings)
            warnings.extend(_structure_warnings(detector, direction))
            warnings.extend(_liquidity_warnings(detector, close, target, direction))
        level = config.thresholds.level(max(long, short)) if direction != "NEUTRAL" else "NEUTRAL"
        side = "short" if direction == "SHORT" else "long"
        ranked = sorted(factors, key=lambda f: f.contribution(side), reverse=True)
        rationale = tuple(
            f"{f.score.name} (+{f.contribution(side):.1f} {side}): {f.score.summary}"
            for f in ranked
            if f.score.available
        )
        return SignalReport(
            symbol=symbol,
            ts_ns=when,
            timeframe=timeframe,
            direction=direction,
            confidence_level=level,
            long_confidence=long,
            short_confidence=short,
            entry_price=close,
            stop_loss_price=stop,
            take_profit_price=target,
            position_size_percent=size,
            factors=factors,
            rationale=rationale,
            warnings=tuple(warnings),
            stop_reference=reference,
        )

    def _weigh(self, scores: tuple[FactorScore, ...]) -> tuple[WeightedFactor, ...]:
        weights = self.config.weights.as_dict()
        present = sum(weights[s.name] for s in scores if s.available)
        return tuple(
            WeightedFactor(
                s,
                weights[s.name],
                weights[s.name] / present if s.available and present > 0 else 0.0,
            )
            for s in scores
        )

    def _direction(self, long: float, short: float) -> str:
        config = self.config
        if long - short >= config.min_edge and long >= config.thresholds.low:
            return "LONG"
        if short - long >= config.min_edge and short >= config.thresholds.low:
            return "SHORT"
        return "NEUTRAL"

    def _stop(
        self,
        detector: MarketStructure,
        entry: float,
        atr: float,
        direction: str,
        warnings: list[str],
    ) -> tuple[float, str]:
        """Return the stop beyond the nearest structure on the losing side, and what it is."""
        buffer = self.config.stop_buffer
        if direction == "LONG":
            levels = [
                (s.price, f"swing low {s.price:.2f}")
                for s in detector.swings
                if s.kind == "low" and s.price < entry
            ]
            levels += [
                (b.bottom, f"bullish order block {b.bottom:.2f}-{b.top:.2f}")
                for b in detector.order_blocks
                if b.direction == "bullish" and b.state != "broken" and b.bottom < entry
            ]
            if levels:
                price, label = max(levels)
                return price * (1.0 - buffer), f"below {label} - {buffer:.1%}"
        else:
            levels = [
                (s.price, f"swing high {s.price:.2f}")
                for s in detector.swings
                if s.kind == "high" and s.price > entry
            ]
            levels += [
                (b.top, f"bearish order block {b.bottom:.2f}-{b.top:.2f}")
                for b in detector.order_blocks
                if b.direction == "bearish" and b.state != "broken" and b.top > entry
            ]
            if levels:
                price, label = min(levels)
                return price * (1.0 + buffer), f"above {label} + {buffer:.1%}"
        distance = self.config.fallback_stop_atr * atr
        warnings.append(
            f"structure: no swing or order block on the losing side; stop placed "
            f"{self.config.fallback_stop_atr:g} ATR away"
        )
        sign = -1.0 if direction == "LONG" else 1.0
        return entry + sign * distance, f"{self.config.fallback_stop_atr:g} ATR"

    def _size(self, window: BarWindow, step: int, confidence: float, warnings: list[str]) -> float:
        """Return the position size in percent of equity, scaled by confidence and volatility."""
        config = self.config
        size = config.max_position_percent * min(confidence, 100.0) / 100.0
        if len(window.close) <= config.volatility_period:
            warnings.append("volatility: too few bars to estimate; size not volatility-adjusted")
            return size
        volatility = float(
            realized_volatility(
                window.open,
                window.high,
                window.low,
                window.close,
                config.volatility_period,
                "yang_zhang",
                _YEAR_NS / step,
            )[-1]
        )
        if math.isfinite(volatility) and volatility > config.target_volatility:
            scale = config.target_volatility / volatility
            warnings.append(
                f"volatility: realised {volatility:.0%} annualised is above the "
                f"{config.target_volatility:.0%} target; size scaled by {scale:.2f}"
            )
            size *= scale
        return float(np.clip(size, 0.0, config.max_position_percent))


def _structure_warnings(detector: MarketStructure, direction: str) -> list[str]:
    trend = detector.value
    if (direction == "LONG" and trend < 0) or (direction == "SHORT" and trend > 0):
        side = "bearish" if trend < 0 else "bullish"
        return [f"structure: {direction.lower()} signal against the {side} market structure"]
    return []


def _liquidity_warnings(
    detector: MarketStructure, entry: float, target: float, direction: str
) -> list[str]:
    """Warn about intact liquidity pools between the entry and the target (price may stall)."""
    low, high = sorted((entry, target))
    kind = "equal_highs" if direction == "LONG" else "equal_lows"
    levels = [
        p.level
        for p in detector.pools
        if p.state == "intact" and p.kind == kind and low < p.level < high
    ]
    if not levels:
        return []
    nearest = min(levels) if direction == "LONG" else max(levels)
    return [f"liquidity: {kind.replace('_', ' ')} at {nearest:.2f} lie before the target"]

"""Market-data circuit breakers: abnormal price moves, spread blow-outs and volatility spikes.

The breakers subscribe to bars and quotes only when enabled. Each one keeps O(1) state per
instrument; a trip is reported to the engine, which blocks new risk in the instrument for the
cooldown (or, with ``scope="global"``, moves the whole node to REDUCING).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from colin.core.ids import InstrumentId
from colin.model.data import Bar, QuoteTick
from colin.risk.config import BreakerConfig

TripHandler = Callable[[str, InstrumentId, float, float, int], None]


class _Volatility:
    __slots__ = ("count", "fast", "slow")

    def __init__(self) -> None:
        self.count = 0
        self.fast = 0.0
        self.slow = 0.0


class MarketBreakers:
    """Watch bars and quotes and call ``on_trip(rule, instrument_id, value, limit, ts)``."""

    def __init__(self, config: BreakerConfig, on_trip: TripHandler) -> None:
        self.config = config
        self._on_trip = on_trip
        self._last_close: dict[tuple[InstrumentId, str], float] = {}
        self._volatility: dict[tuple[InstrumentId, str], _Volatility] = {}
        self._fast_alpha = 2.0 / (config.volatility_fast_span + 1)
        self._slow_alpha = 2.0 / (config.volatility_slow_span + 1)

    @property
    def wants_bars(self) -> bool:
        """Whether a bar-based breaker is enabled."""
        return (
            self.config.max_bar_move_pct is not None
            or self.config.volatility_spike_ratio is not None
        )

    @property
    def wants_quotes(self) -> bool:
        """Whether the spread breaker is enabled."""
        return self.config.max_spread_bps is not None

    def on_bar(self, bar: Bar) -> None:
        """Check one closed bar for an abnormal move and a volatility spike."""
        key = (bar.instrument_id, bar.timeframe)
        previous = self._last_close.get(key)
        self._last_close[key] = bar.close
        if previous is None or previous <= 0.0 or bar.close <= 0.0:
            return
        limit = self.config.max_bar_move_pct
        if limit is not None:
            move = max(
                abs(bar.close / previous - 1.0), bar.high / bar.low - 1.0 if bar.low > 0 else 0.0
            )
            if move > limit:
                self._on_trip("price_move", bar.instrument_id, move, limit, bar.ts_event)
        ratio_limit = self.config.volatility_spike_ratio
        if ratio_limit is not None:
            self._volatility_step(key, bar, math.log(bar.close / previous), ratio_limit)

    def _volatility_step(
        self, key: tuple[InstrumentId, str], bar: Bar, log_return: float, ratio_limit: float
    ) -> None:
        state = self._volatility.get(key)
        if state is None:
            state = self._volatility[key] = _Volatility()
        squared = log_return * log_return
        if state.count == 0:
            state.fast = state.slow = squared
        else:
            # compare the fast variance with the slow one *before* this bar enters the slow one
            state.fast += self._fast_alpha * (squared - state.fast)
        state.count += 1
        if state.count > self.config.volatility_warmup and state.slow > 0.0:
            ratio = math.sqrt(state.fast / state.slow)
            if ratio > ratio_limit:
                self._on_trip(
                    "volatility_spike", bar.instrument_id, ratio, ratio_limit, bar.ts_event
                )
        if state.count > 1:
            state.slow += self._slow_alpha * (squared - state.slow)

    def on_quote(self, quote: QuoteTick) -> None:
        """Check one quote for a crossed book or a spread blow-out."""
        limit = self.config.max_spread_bps
        if limit is None:
            return
        bid, ask = quote.bid_price, quote.ask_price
        mid = (bid + ask) * 0.5
        if mid <= 0.0:
            return
        spread_bps = (ask - bid) / mid * 10_000.0
        if spread_bps > limit or ask < bid:
            self._on_trip("spread", quote.instrument_id, spread_bps, limit, quote.ts_event)

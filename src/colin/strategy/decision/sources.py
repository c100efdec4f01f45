"""Signal sources fused by the decision engine.

A source has a ``name`` (one of :data:`~colin.strategy.decision.config.SOURCE_NAMES`),
``update(bar)`` called with every closed bar of the engine's instrument, and ``score()`` giving a
view in [-1, 1] (+1 fully long) or ``None`` while it is not ready. Sources that need other data
implement extra hooks the engine subscribes for: ``handle_book``/``handle_trade``
(:class:`OrderFlowSource`) and ``handle_reference_bar`` (:class:`CorrelationSource`). Every source
uses only data up to the bar it was last updated with.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Protocol, runtime_checkable

import numpy as np

from colin.core.errors import ConfigError
from colin.core.ids import InstrumentId
from colin.indicators.channels import ATR, BollingerBands
from colin.indicators.momentum import MACD, ROC, RSI
from colin.indicators.moving_averages import EMA
from colin.indicators.orderflow.book import BookFeatures
from colin.indicators.orderflow.trades import TradeImbalance
from colin.indicators.range_oscillators import StochasticSlow
from colin.model.book import OrderBook
from colin.model.data import Bar, TradeTick


@runtime_checkable
class SignalSource(Protocol):
    """What the engine needs from a source."""

    name: str

    def update(self, bar: Bar) -> None:
        """Consume one closed bar of the engine's instrument."""

    def score(self) -> float | None:
        """Return the current view in [-1, 1], or ``None`` while not ready."""


@runtime_checkable
class BookSource(Protocol):
    """A source that also consumes the instrument's order book."""

    def handle_book(self, book: OrderBook) -> None:
        """Consume the latest book."""


@runtime_checkable
class TradeSource(Protocol):
    """A source that also consumes the instrument's public trades."""

    def handle_trade(self, trade: TradeTick) -> None:
        """Consume one public trade."""


@runtime_checkable
class ReferenceSource(Protocol):
    """A source that also consumes the bars of a reference instrument."""

    reference_id: InstrumentId

    def handle_reference_bar(self, bar: Bar) -> None:
        """Consume one closed bar of the reference instrument."""


def _clip(value: float) -> float:
    return -1.0 if value < -1.0 else 1.0 if value > 1.0 else value


class TechnicalSource:
    """EMA trend, MACD histogram and Bollinger position, averaged.

    Trend is ``tanh((ema_fast - ema_slow) / ATR)``, MACD ``tanh(histogram / ATR)`` and the band
    position ``(close - middle) / (upper - middle)`` clipped to [-1, 1].
    """

    name = "technical"

    def __init__(
        self, fast: int = 20, slow: int = 50, atr_period: int = 14, band_period: int = 20
    ) -> None:
        if fast >= slow:
            raise ConfigError(f"technical: fast ({fast}) must be < slow ({slow})")
        self._fast = EMA(fast)
        self._slow = EMA(slow)
        self._macd = MACD()
        self._atr = ATR(atr_period)
        self._bands = BollingerBands(band_period)
        self._close = math.nan

    def update(self, bar: Bar) -> None:
        """Update the indicators with a closed bar."""
        close = bar.close
        self._fast.update(close)
        self._slow.update(close)
        self._macd.update(close)
        self._atr.update(bar.high, bar.low, close)
        self._bands.update(close)
        self._close = close

    def score(self) -> float | None:
        """Return the mean of the three components once all are ready."""
        atr = self._atr.value
        if not (self._slow.ready and self._macd.ready and self._bands.ready and atr > 0.0):
            return None
        trend = math.tanh((self._fast.value - self._slow.value) / atr)
        macd = math.tanh(self._macd.histogram / atr)
        half_width = self._bands.upper - self._bands.value
        band = _clip((self._close - self._bands.value) / half_width) if half_width > 0 else 0.0
        return (trend + macd + band) / 3.0


class MomentumSource:
    """RSI, rate of change and slow stochastic, averaged.

    RSI and %K map 0..100 to -1..1; ROC (percent) is ``tanh(roc / roc_scale)``.
    """

    name = "momentum"

    def __init__(self, rsi_period: int = 14, roc_period: int = 10, roc_scale: float = 2.0) -> None:
        if not roc_scale > 0.0:
            raise ConfigError(f"momentum: roc_scale must be > 0, got {roc_scale}")
        self._rsi = RSI(rsi_period)
        self._roc = ROC(roc_period)
        self._stochastic = StochasticSlow()
        self._roc_scale = roc_scale

    def update(self, bar: Bar) -> None:
        """Update the indicators with a closed bar."""
        self._rsi.update(bar.close)
        self._roc.update(bar.close)
        self._stochastic.update(bar.high, bar.low, bar.close)

    def score(self) -> float | None:
        """Return the mean of the three components once all are ready."""
        if not (self._rsi.ready and self._roc.ready and self._stochastic.ready):
            return None
        rsi = (self._rsi.value - 50.0) / 50.0
        roc = math.tanh(self._roc.value / self._roc_scale)
        stochastic = (self._stochastic.value - 50.0) / 50.0
        return (rsi + roc + stochastic) / 3.0


class CorrelationSource:
    """Lead of a reference instrument (e.g. BTC), weighted by its correlation with this one.

    Log returns of both are paired by bar open time over the last ``window`` bars; the score is
    ``corr * tanh(R / (s * sqrt(lookback)))`` with ``R`` the reference's log return over the
    last ``lookback`` bars and ``s`` its per-bar standard deviation over the window. A strongly
    correlated instrument inherits the reference's recent move, an uncorrelated one gets 0.
    Bars are paired by open time whichever arrives first; a pair counts from the first bar
    closed after both halves arrived (publish the reference first for same-bar use).
    """

    name = "correlation"

    def __init__(
        self, reference_id: InstrumentId | str, window: int = 72, lookback: int = 6
    ) -> None:
        if lookback < 1 or window < lookback + 2:
            raise ConfigError(
                f"correlation: need lookback >= 1 and window >= lookback + 2, got "
                f"window={window}, lookback={lookback}"
            )
        self.reference_id = InstrumentId(reference_id)
        self.window = window
        self.lookback = lookback
        self._own: dict[int, float] = {}
        self._reference: dict[int, float] = {}
        self._pairs: deque[tuple[float, float]] = deque(maxlen=window)
        self._sums = [0.0] * 5  # x, y, xx, yy, xy over the window (x own, y reference)
        self._added = 0
        self._last: tuple[float, float] | None = None
        self.correlation = math.nan

    def handle_reference_bar(self, bar: Bar) -> None:
        """Record a closed bar of the reference instrument."""
        self._reference[bar.ts_open] = bar.close
        self._pair(bar.ts_open)

    def update(self, bar: Bar) -> None:
        """Record a closed bar of the instrument."""
        self._own[bar.ts_open] = bar.close
        self._pair(bar.ts_open)

    def _pair(self, ts_open: int) -> None:
        """Add the returns of ``ts_open`` once both instruments' bars have closed."""
        own, reference = self._own.get(ts_open), self._reference.get(ts_open)
        if own is None or reference is None:
            return
        del self._own[ts_open], self._reference[ts_open]
        # Bars of one side that never get a partner are dropped once they are old.
        for closes in (self._own, self._reference):
            for ts in [ts for ts in closes if ts < ts_open]:
                del closes[ts]
        last = self._last
        self._last = (own, reference)
        if last is None:
            return
        x, y = math.log(own / last[0]), math.log(reference / last[1])
        pairs, sums = self._pairs, self._sums
        if len(pairs) == self.window:
            old_x, old_y = pairs[0]
            sums[0] -= old_x
            sums[1] -= old_y
            sums[2] -= old_x * old_x
            sums[3] -= old_y * old_y
            sums[4] -= old_x * old_y
        pairs.append((x, y))
        self._added += 1
        if self._added % self.window == 0:
            # Re-sum once per window so rounding in the running sums cannot accumulate.
            sums[:] = [
                math.fsum(p[0] for p in pairs),
                math.fsum(p[1] for p in pairs),
                math.fsum(p[0] * p[0] for p in pairs),
                math.fsum(p[1] * p[1] for p in pairs),
                math.fsum(p[0] * p[1] for p in pairs),
            ]
        else:
            sums[0] += x
            sums[1] += y
            sums[2] += x * x
            sums[3] += y * y
            sums[4] += x * y

    def score(self) -> float | None:
        """Return the correlation-weighted reference move, or ``None`` before ``window`` pairs."""
        pairs = self._pairs
        n = len(pairs)
        if n < self.window:
            return None
        sx, sy, sxx, syy, sxy = self._sums
        var_x = sxx - sx * sx / n
        var_y = syy - sy * sy / n
        if var_x <= 0.0 or var_y <= 0.0:
            self.correlation = math.nan
            return 0.0
        self.correlation = _clip((sxy - sx * sy / n) / math.sqrt(var_x * var_y))
        move = math.fsum(pairs[i][1] for i in range(n - self.lookback, n))
        std = math.sqrt(var_y / n)
        return self.correlation * math.tanh(move / (std * math.sqrt(self.lookback)))


class OrderFlowSource:
    """Order-book depth imbalance and trade volume imbalance, averaged over those available.

    Needs book and/or trade data on the bus; with neither it stays ``None`` (absent).
    """

    name = "order_flow"

    def __init__(self, depth: int = 10, trade_window: int = 200) -> None:
        self._book = BookFeatures(depth=depth)
        self._trades = TradeImbalance(trade_window)

    def handle_book(self, book: OrderBook) -> None:
        """Update the book imbalance from the latest book."""
        self._book.update(book)

    def handle_trade(self, trade: TradeTick) -> None:
        """Update the trade imbalance with a public trade."""
        self._trades.handle_trade(trade)

    def update(self, bar: Bar) -> None:
        """Do nothing: order flow comes from books and trades, not bars."""

    def score(self) -> float | None:
        """Return the mean of the ready components, or ``None`` if none is ready."""
        parts = [
            value
            for value in (self._book.imbalance_depth, self._trades.volume_imbalance)
            if math.isfinite(value)
        ]
        if not parts:
            return None
        return _clip(sum(parts) / len(parts))


class MonteCarloSource:
    """Bootstrap of recent log returns: probability of an up move over ``horizon`` bars.

    Every ``every`` bars, ``paths`` paths of ``horizon`` returns are resampled (with replacement)
    from the last ``window`` returns with a generator seeded by ``(seed, bar open time)``, so a
    bar's score depends only on its window. The score is ``2 * P(sum > 0) - 1``.
    """

    name = "monte_carlo"

    def __init__(
        self,
        window: int = 168,
        horizon: int = 24,
        paths: int = 200,
        every: int = 4,
        seed: int = 7,
    ) -> None:
        if window < 2 or horizon < 1 or paths < 1 or every < 1 or seed < 0:
            raise ConfigError(
                f"monte_carlo: need window >= 2, horizon, paths, every >= 1 and seed >= 0, got "
                f"window={window}, horizon={horizon}, paths={paths}, every={every}, seed={seed}"
            )
        self.window, self.horizon, self.paths, self.every, self.seed = (
            window,
            horizon,
            paths,
            every,
            seed,
        )
        self._returns: deque[float] = deque(maxlen=window)
        self._close = math.nan
        self._bars = 0
        self._score: float | None = None

    def update(self, bar: Bar) -> None:
        """Add the bar's log return and, every ``every`` bars, re-run the bootstrap."""
        if self._close == self._close:
            self._returns.append(math.log(bar.close / self._close))
        self._close = bar.close
        self._bars += 1
        if len(self._returns) == self.window and self._bars % self.every == 0:
            rng = np.random.default_rng([self.seed, bar.ts_open])
            returns = np.fromiter(self._returns, np.float64, self.window)
            draws = rng.integers(0, self.window, size=(self.paths, self.horizon))
            up = float(np.count_nonzero(returns[draws].sum(axis=1) > 0.0)) / self.paths
            self._score = 2.0 * up - 1.0

    def score(self) -> float | None:
        """Return the last bootstrap's score, or ``None`` before the window is full."""
        return self._score


def default_sources(reference_id: InstrumentId | str | None = None) -> list[SignalSource]:
    """Return the built-in bar sources; correlation only when a reference instrument is given."""
    sources: list[SignalSource] = [TechnicalSource(), MomentumSource(), MonteCarloSource()]
    if reference_id is not None:
        sources.append(CorrelationSource(reference_id))
    return sources

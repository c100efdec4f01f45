"""Statistical-arbitrage pairs trading gated by an Engle–Granger cointegration test."""

from __future__ import annotations

import math
from collections import deque
from decimal import Decimal
from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from colin.core.ids import InstrumentId
from colin.indicators.statistics import ZScore
from colin.model.data import Bar
from colin.model.enums import OrderSide
from colin.model.instrument import Instrument
from colin.strategy.builtin.hedge_ratio import KalmanHedge, RollingOlsHedge
from colin.strategy.params import StrategyParams
from colin.strategy.strategy import Strategy


class PairsTradingParams(StrategyParams):
    """Parameters of :class:`PairsTrading`."""

    instrument_ids: list[str] = Field(
        description="The pair, [Y, X]: the spread is Y - beta * X - alpha"
    )
    timeframe: str = Field("1h", description="Bar timeframe of both legs")
    formation_bars: int = Field(
        300, ge=30, description="Bars in the cointegration test's formation window"
    )
    retest_every: int = Field(24, ge=1, description="Bars between two cointegration tests")
    pvalue_threshold: float = Field(
        0.05, gt=0, lt=1, description="Enter only while the last test's p-value is below this"
    )
    adf_lags: int | None = Field(
        1,
        ge=0,
        description="Lags of the augmented Dickey-Fuller regression; null selects them by AIC "
        "(slower)",
    )
    hedge_method: Literal["rolling_ols", "kalman"] = Field(
        "rolling_ols", description="Hedge-ratio estimator: rolling OLS or a Kalman filter"
    )
    hedge_window: int = Field(
        100, ge=10, description="Bars of the rolling OLS (and warm-up of the Kalman filter)"
    )
    kalman_delta: float = Field(
        1e-4, gt=0, lt=1, description="Kalman state noise delta (per bar, prices scaled to 1)"
    )
    kalman_observation_variance: float = Field(
        1e-3, gt=0, description="Kalman observation noise variance (prices scaled to 1)"
    )
    zscore_window: int = Field(50, ge=5, description="Bars of spread the z-score is taken over")
    entry_z: float = Field(2.0, gt=0, description="Enter when |z| rises above this")
    exit_z: float = Field(0.5, ge=0, description="Exit when z reverts to within this of zero")
    notional: float = Field(
        1000.0, gt=0, description="Quote-currency value of the Y leg of a position"
    )

    @field_validator("instrument_ids")
    @classmethod
    def _two_instruments(cls, value: list[str]) -> list[str]:
        if len(value) != 2 or value[0] == value[1]:
            raise ValueError(f"needs exactly two different instruments [Y, X], got {value}")
        return value

    @model_validator(mode="after")
    def _exit_inside_entry(self) -> PairsTradingParams:
        if self.exit_z >= self.entry_z:
            raise ValueError(f"exit_z ({self.exit_z}) must be below entry_z ({self.entry_z})")
        return self


class PairsTrading(Strategy):
    """Trade the z-score of a pair's spread while the pair tests as cointegrated.

    Once both legs' bars of a timestamp have arrived, the strategy computes the spread
    ``Y - beta * X - alpha`` with the hedge estimated from the *previous* bars, its z-score over
    the last ``zscore_window`` spreads, then feeds the bar to the hedge estimator. Every
    ``retest_every`` bars it runs the Engle–Granger test (statsmodels ``coint``) on the last
    ``formation_bars`` closes; the gate is open while that p-value is below
    ``pvalue_threshold``.

    Entries (flat, gate open, ``beta > 0``, no working order): ``z > entry_z`` sells the spread
    (sell Y, buy X), ``z < -entry_z`` buys it (buy Y, sell X); Y's quantity is
    ``notional / price`` and X's is ``beta`` times that, both at market. The position is closed
    when z reverts to within ``exit_z`` of zero or beyond (``z < exit_z`` for a short spread,
    ``z > -exit_z`` for a long one), whether or not the gate is still open. On spot the leg
    that is sold needs the base asset in the account and the bought one the quote currency; an
    entry the account cannot fund in full is skipped, so a pair is never opened on one leg.
    """

    name = "pairs"
    Params = PairsTradingParams
    params: PairsTradingParams

    def on_start(self) -> None:
        """Subscribe to both legs' bars and set up the estimators."""
        # statsmodels takes seconds to import: only a running pairs strategy pays for it,
        # not every `colin` command that loads the strategy registry
        from statsmodels.tsa.stattools import coint  # noqa: PLC0415

        self._coint = coint
        p = self.params
        self._y_id, self._x_id = (InstrumentId(i) for i in p.instrument_ids)
        self._y_instrument = self.instrument(self._y_id)
        self._x_instrument = self.instrument(self._x_id)
        self._hedge: RollingOlsHedge | KalmanHedge = (
            RollingOlsHedge(p.hedge_window)
            if p.hedge_method == "rolling_ols"
            else KalmanHedge(p.kalman_delta, p.kalman_observation_variance, p.hedge_window)
        )
        self._ys: deque[float] = deque(maxlen=p.formation_bars)
        self._xs: deque[float] = deque(maxlen=p.formation_bars)
        self._spread_z = ZScore(p.zscore_window)
        self._pending: dict[InstrumentId, Bar] = {}
        self._bars_since_test = p.retest_every
        self.pvalue = math.nan
        self.beta = math.nan
        self.zscore = math.nan
        self.direction = 0
        for instrument_id in p.instrument_ids:
            self.subscribe_bars(instrument_id, p.timeframe)

    @property
    def cointegrated(self) -> bool:
        """Whether the last cointegration test passed (the entry gate)."""
        return self.pvalue < self.params.pvalue_threshold

    def on_bar(self, bar: Bar) -> None:
        """Pair the legs' bars by close time and act once both are in."""
        pending = self._pending
        pending[bar.instrument_id] = bar
        y_bar, x_bar = pending.get(self._y_id), pending.get(self._x_id)
        if y_bar is None or x_bar is None:
            return
        if y_bar.ts_event != x_bar.ts_event:  # a leg is missing a bar: keep the newer one
            del pending[self._y_id if y_bar.ts_event < x_bar.ts_event else self._x_id]
            return
        pending.clear()
        self._step(y_bar.close, x_bar.close)

    def _step(self, y: float, x: float) -> None:
        hedge = self._hedge
        self.beta = hedge.beta
        self.zscore = math.nan
        if hedge.ready:
            spread_z = self._spread_z
            spread_z.update(y - hedge.beta * x - hedge.alpha)
            self.zscore = spread_z.value
        hedge.update(x, y)
        self._ys.append(y)
        self._xs.append(x)
        self._retest()
        if math.isnan(self.zscore):
            return
        if self.cache.orders_open_count(self._y_id) or self.cache.orders_open_count(self._x_id):
            return
        if self.direction:
            self._maybe_exit()
        elif self.cointegrated and self.beta > 0.0:
            self._maybe_enter(y, x)

    def _retest(self) -> None:
        p = self.params
        if len(self._ys) < p.formation_bars:
            return
        self._bars_since_test += 1
        if self._bars_since_test < p.retest_every:
            return
        self._bars_since_test = 0
        ys = np.fromiter(self._ys, dtype=np.float64, count=p.formation_bars)
        xs = np.fromiter(self._xs, dtype=np.float64, count=p.formation_bars)
        if p.adf_lags is None:
            result = self._coint(ys, xs)
        else:
            result = self._coint(ys, xs, maxlag=p.adf_lags, autolag=None)
        self.pvalue = float(result[1])

    def _maybe_enter(self, y: float, x: float) -> None:
        p = self.params
        if abs(self.zscore) <= p.entry_z:
            return
        y_quantity = self._y_instrument.round_quantity(Decimal(repr(p.notional / y)))
        x_quantity = self._x_instrument.round_quantity(Decimal(repr(self.beta)) * y_quantity)
        if y_quantity <= 0 or x_quantity <= 0:
            return
        self.direction = -1 if self.zscore > 0 else 1
        y_side = OrderSide.BUY if self.direction > 0 else OrderSide.SELL
        x_side = OrderSide.SELL if self.direction > 0 else OrderSide.BUY
        if not (
            self._fundable(self._y_instrument, y_side, y_quantity, y)
            and self._fundable(self._x_instrument, x_side, x_quantity, x)
        ):
            self.direction = 0  # never open one leg of a pair the account cannot hold
            return
        self.submit_market(self._y_id, y_side, y_quantity, tags=("entry", "y"))
        self.submit_market(self._x_id, x_side, x_quantity, tags=("entry", "x"))

    def _fundable(
        self, instrument: Instrument, side: OrderSide, quantity: Decimal, price: float
    ) -> bool:
        """Whether a spot account holds what the leg needs (always true for derivatives)."""
        if instrument.is_derivative:
            return True
        if side is OrderSide.SELL:
            return self.portfolio.balance_free(instrument.base) >= quantity
        cost = quantity * Decimal(repr(price)) * (1 + instrument.taker_fee)
        return self.portfolio.balance_free(instrument.quote) >= cost

    def _maybe_exit(self) -> None:
        if self.direction * self.zscore < -self.params.exit_z:
            return
        self.direction = 0
        self.close_position(self._y_id, tags=("exit", "y"))
        self.close_position(self._x_id, tags=("exit", "x"))

"""The risk engine's configuration: one frozen pydantic model that rejects unknown fields.

Every limit is optional: ``None`` switches the check off. Fractions are plain floats
(``0.05`` = 5%); money limits are in the portfolio's base currency.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from colin.model.enums import TradingState

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RateLimit(_Frozen):
    """At most ``count`` commands per ``interval_s`` seconds (a sliding window)."""

    count: int = Field(gt=0)
    interval_s: float = Field(gt=0)


class TradingWindow(_Frozen):
    """A UTC window in which orders may be sent, on the listed weekdays (0 = Monday)."""

    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    start: str = "00:00"
    end: str = "24:00"

    @field_validator("days")
    @classmethod
    def _check_days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(d < 0 or d > 6 for d in value):
            raise ValueError(f"days must be weekday numbers 0 (Monday) to 6, got {value}")
        return value

    @field_validator("start", "end")
    @classmethod
    def _check_time(cls, value: str) -> str:
        if value != "24:00" and not _HHMM.match(value):
            raise ValueError(f"time must be HH:MM (00:00 to 24:00), got {value!r}")
        return value

    @model_validator(mode="after")
    def _check_order(self) -> TradingWindow:
        if minutes_of(self.start) >= minutes_of(self.end):
            raise ValueError(f"window start {self.start} must be before end {self.end}")
        return self


def minutes_of(hhmm: str) -> int:
    """Return the minutes since midnight of ``HH:MM``."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


class DrawdownConfig(_Frozen):
    """Drawdown controller levels (fractions of the reference equity) and what a stop does.

    The daily and weekly references are the highest equity of the current UTC day / ISO week;
    the peak reference is the all-time high. A stop moves the trading state to ``stop_state``
    and, with ``flatten_on_stop``, cancels every open order and closes every position. Daily and
    weekly stops lift at the start of the next day / week when ``resume_next_period`` is set;
    a peak-to-trough stop needs an operator.
    """

    enabled: bool = True
    daily_warning: float | None = Field(default=0.03, gt=0, lt=1)
    daily_stop: float | None = Field(default=0.05, gt=0, lt=1)
    weekly_warning: float | None = Field(default=0.03, gt=0, lt=1)
    weekly_stop: float | None = Field(default=0.05, gt=0, lt=1)
    peak_warning: float | None = Field(default=0.03, gt=0, lt=1)
    peak_stop: float | None = Field(default=0.05, gt=0, lt=1)
    stop_state: Literal[TradingState.REDUCING, TradingState.HALTED] = TradingState.HALTED
    flatten_on_stop: bool = True
    resume_next_period: bool = True


class LossRulesConfig(_Frozen):
    """Per-trade loss cap and the cooldown after a run of losing trades."""

    max_trade_loss_pct: float | None = Field(default=None, gt=0, lt=1)
    max_consecutive_losses: int | None = Field(default=None, gt=0)
    cooldown_s: float = Field(default=3600.0, gt=0)


class BreakerConfig(_Frozen):
    """Market-data circuit breakers; each trip blocks new risk on the instrument for a while.

    ``scope="global"`` escalates every trip to the whole node (trading state REDUCING).
    """

    max_bar_move_pct: float | None = Field(default=None, gt=0)
    max_spread_bps: float | None = Field(default=None, gt=0)
    volatility_spike_ratio: float | None = Field(default=None, gt=1)
    volatility_fast_span: int = Field(default=10, gt=1)
    volatility_slow_span: int = Field(default=200, gt=2)
    volatility_warmup: int = Field(default=50, gt=0)
    cooldown_s: float = Field(default=900.0, gt=0)
    scope: Literal["instrument", "global"] = "instrument"

    @model_validator(mode="after")
    def _check_spans(self) -> BreakerConfig:
        if self.volatility_fast_span >= self.volatility_slow_span:
            raise ValueError("volatility_fast_span must be shorter than volatility_slow_span")
        return self

    @property
    def any_enabled(self) -> bool:
        """Whether any market-data breaker is switched on."""
        return any(
            v is not None
            for v in (self.max_bar_move_pct, self.max_spread_bps, self.volatility_spike_ratio)
        )


class RiskConfig(_Frozen):
    """Every pre-trade limit, real-time rule and record-keeping option of the risk engine."""

    # order sanity
    max_order_quantity: float | None = Field(default=None, gt=0)
    min_order_notional: float | None = Field(default=None, ge=0)
    max_order_notional: float | None = Field(default=None, gt=0)
    price_band_pct: float | None = Field(default=0.10, gt=0)
    max_data_age_s: float | None = Field(default=None, gt=0)
    # positions and exposure
    max_position_notional: float | None = Field(default=None, gt=0)
    max_position_pct_equity: float | None = Field(default=None, gt=0)
    max_gross_exposure: float | None = Field(default=None, gt=0)
    max_net_exposure: float | None = Field(default=None, gt=0)
    max_leverage: float | None = Field(default=None, gt=0)
    max_var: float | None = Field(default=None, gt=0)
    var_level: float = Field(default=0.99, gt=0.5, lt=1)
    # order counts and rates
    max_open_orders_per_symbol: int | None = Field(default=None, gt=0)
    max_open_orders_total: int | None = Field(default=None, gt=0)
    submit_rate: RateLimit | None = None
    modify_rate: RateLimit | None = None
    cancel_rate: RateLimit | None = None
    # order behaviour
    self_trade_prevention: bool = True
    check_margin: bool = True
    perp_leverage: float = Field(default=1.0, gt=0)
    # compliance
    restricted: frozenset[str] = frozenset()
    trading_hours: tuple[TradingWindow, ...] | None = None
    # decisions
    resize_to_limits: bool = False
    warn_utilisation: float = Field(default=0.8, gt=0, le=1)
    decision_history: int = Field(default=10_000, gt=0)
    # real-time rules
    drawdown: DrawdownConfig = DrawdownConfig()
    loss_rules: LossRulesConfig = LossRulesConfig()
    breakers: BreakerConfig = BreakerConfig()

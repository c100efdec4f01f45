"""The configured limits as plain values, read once from the check objects for the fused path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from colin.risk.checks import (
    CashCheck,
    GrossExposureCheck,
    LeverageCheck,
    MarginCheck,
    NetExposureCheck,
    NotionalCheck,
    OpenOrdersCheck,
    PositionLimitCheck,
    PreTradeCheck,
    PriceBandCheck,
    ReduceOnlyCheck,
    RestrictedCheck,
    SelfTradeCheck,
    StaleDataCheck,
    TradableCheck,
    TradingHoursCheck,
    VarLimitCheck,
)

_Check = TypeVar("_Check")
_KNOWN = (
    CashCheck,
    GrossExposureCheck,
    LeverageCheck,
    MarginCheck,
    NetExposureCheck,
    NotionalCheck,
    OpenOrdersCheck,
    PositionLimitCheck,
    PriceBandCheck,
    ReduceOnlyCheck,
    RestrictedCheck,
    SelfTradeCheck,
    StaleDataCheck,
    TradableCheck,
    TradingHoursCheck,
    VarLimitCheck,
)


def _first(checks: Sequence[PreTradeCheck], kind: type[_Check]) -> _Check | None:
    return next((c for c in checks if isinstance(c, kind)), None)


class FusedLimits:
    """Every configured limit as an attribute, ``None`` (or ``False``) where it is not configured.

    The reduce-only and restricted checks need no numbers (the restricted list is planned per
    instrument, see :attr:`~colin.risk.spec.InstrumentSpec.restricted`); the trading-hours,
    tradable and VaR checks are kept as objects, since their state changes while trading.
    ``complete`` is false when a check of a kind the fused path does not know is configured.
    """

    __slots__ = (
        "band",
        "cash",
        "complete",
        "hours",
        "leverage",
        "margin_leverage",
        "max_age_ns",
        "max_gross",
        "max_net",
        "max_notional",
        "max_pct_equity",
        "max_position",
        "min_notional",
        "open_per_symbol",
        "open_total",
        "position_limit",
        "self_trade",
        "tradable",
        "var",
    )

    def __init__(self, checks: Sequence[PreTradeCheck]) -> None:
        self.complete = all(type(c) in _KNOWN for c in checks)
        self.tradable = _first(checks, TradableCheck)
        self.hours = _first(checks, TradingHoursCheck)
        stale = _first(checks, StaleDataCheck)
        self.max_age_ns = None if stale is None else stale.max_age_ns
        band = _first(checks, PriceBandCheck)
        self.band = None if band is None else band.band
        notional = _first(checks, NotionalCheck)
        self.min_notional = 0.0 if notional is None else notional.min_notional
        self.max_notional = None if notional is None else notional.max_notional
        counts = _first(checks, OpenOrdersCheck)
        self.open_per_symbol = None if counts is None else counts.per_instrument
        self.open_total = None if counts is None else counts.total
        self.self_trade = _first(checks, SelfTradeCheck) is not None
        position = _first(checks, PositionLimitCheck)
        self.position_limit = position is not None
        self.max_position = None if position is None else position.max_notional
        self.max_pct_equity = None if position is None else position.max_pct_equity
        gross = _first(checks, GrossExposureCheck)
        self.max_gross = None if gross is None else gross.limit
        net = _first(checks, NetExposureCheck)
        self.max_net = None if net is None else net.limit
        leverage = _first(checks, LeverageCheck)
        self.leverage = None if leverage is None else leverage.limit
        self.var = _first(checks, VarLimitCheck)
        self.cash = _first(checks, CashCheck) is not None
        margin = _first(checks, MarginCheck)
        self.margin_leverage = None if margin is None else margin.leverage

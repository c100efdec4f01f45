"""Position sizing: the formulas, and quantities capped by the risk engine's limits."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from colin.model.enums import OrderSide, TradingState
from colin.model.signal import Signal
from colin.risk import RiskConfig
from colin.risk.sizing import (
    PositionSizer,
    atr_stop,
    confidence_scaled,
    fixed_fractional,
    kelly_fraction,
    risk_to_stop,
    volatility_target,
)

from .harness import BTC, ETH, Node


def test_formulas_on_hand_computed_cases() -> None:
    assert fixed_fractional(100_000, 0.1, 50_000) == pytest.approx(0.2)
    assert risk_to_stop(100_000, 0.01, 50_000, 49_000) == pytest.approx(1.0)
    assert atr_stop(50_000, 500, 2.0, OrderSide.BUY) == 49_000
    assert atr_stop(50_000, 500, 2.0, OrderSide.SELL) == 51_000
    assert volatility_target(100_000, 0.10, 0.80, 50_000) == pytest.approx(0.25)
    # p = 0.55, b = 1: full Kelly 0.10, half Kelly 0.05
    assert kelly_fraction(0.55, 1.0, scale=0.5, cap=0.25) == pytest.approx(0.05)
    assert kelly_fraction(0.9, 3.0, scale=1.0, cap=0.25) == 0.25
    assert kelly_fraction(0.3, 1.0) == 0.0
    assert confidence_scaled(2.0, 0.5) == 1.0
    assert confidence_scaled(2.0, 0.4, min_confidence=0.5) == 0.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: risk_to_stop(1e5, 0.01, 100, 100), "risk per unit is zero"),
        (lambda: fixed_fractional(1e5, 1.5, 100), "fraction must be in [0, 1]"),
        (lambda: volatility_target(1e5, 0.1, 0.0, 100), "asset_volatility must be a positive"),
        (lambda: kelly_fraction(float("nan"), 1.0), "win_probability must be in [0, 1]"),
        (lambda: atr_stop(100, 60, 2, OrderSide.BUY), "not a positive price"),
    ],
)
def test_bad_inputs_raise_with_the_field_name(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call()


@given(
    p=st.floats(0, 1),
    b=st.floats(0.01, 100),
    scale=st.floats(0, 1),
    cap=st.floats(0, 1),
)
def test_kelly_is_always_within_zero_and_the_cap(
    p: float, b: float, scale: float, cap: float
) -> None:
    fraction = kelly_fraction(p, b, scale, cap)
    assert 0.0 <= fraction <= cap
    assert math.isfinite(fraction)


def test_sizer_caps_at_the_engine_limits_and_the_order_passes() -> None:
    node = Node(RiskConfig(max_position_notional=10_000.0, price_band_pct=None))
    sizer = PositionSizer(node.risk)
    assert sizer.max_quantity(BTC, OrderSide.BUY, Decimal("50000")) == Decimal("0.2")
    quantity = sizer.quantity(BTC, OrderSide.BUY, 1.0, Decimal("50000"))
    assert quantity == Decimal("0.2")
    node.buy(BTC, str(quantity), "50000")
    assert node.last_decision.approved
    # the working order uses the whole BTC limit now; ETH has its own
    assert sizer.quantity(BTC, OrderSide.BUY, 0.01234, Decimal("50000")) == Decimal("0")
    assert sizer.quantity(ETH, OrderSide.BUY, 0.5, Decimal("2000")) == Decimal("0.5")


def test_sizer_returns_zero_when_nothing_may_pass() -> None:
    node = Node(RiskConfig())
    node.risk.set_trading_state(TradingState.HALTED, "test")
    assert PositionSizer(node.risk).max_quantity(BTC, OrderSide.BUY) == 0


def test_signal_sizing_scales_with_confidence() -> None:
    node = Node(RiskConfig(price_band_pct=None))
    sizer = PositionSizer(node.risk)
    strong = Signal(
        source="t", instrument_id=BTC, direction=1, strength=1.0, confidence=1.0, ts_event=0
    )
    weak = Signal(
        source="t", instrument_id=BTC, direction=1, strength=1.0, confidence=0.5, ts_event=0
    )
    flat = Signal(
        source="t", instrument_id=BTC, direction=0, strength=1.0, confidence=1.0, ts_event=0
    )
    assert sizer.for_signal(strong, 50_000, 0.1) == (OrderSide.BUY, Decimal("0.2"))
    assert sizer.for_signal(weak, 50_000, 0.1) == (OrderSide.BUY, Decimal("0.1"))
    assert sizer.for_signal(weak, 50_000, 0.1, min_confidence=0.6) is None
    assert sizer.for_signal(flat, 50_000, 0.1) is None

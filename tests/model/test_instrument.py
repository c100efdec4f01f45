from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from colin.core.errors import InvalidOrderError
from colin.core.ids import InstrumentId
from colin.model import Instrument, InstrumentKind
from colin.testkit.factories import btcusdt_spot

STEPS = [Decimal(s) for s in ("0.00001", "0.01", "0.1", "1", "0.5", "0.25", "5", "10", "0.0025")]


def _instrument(step: Decimal) -> Instrument:
    return Instrument(InstrumentId("X/USDT.TEST"), "X", "USDT", tick_size=step, lot_size=step)


def _reference(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    return ((value / step).quantize(Decimal(1), rounding=rounding) * step).quantize(step)


@given(
    st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=8),
    st.sampled_from(STEPS),
)
def test_rounding_lands_on_the_step_and_matches_the_textbook_formula(
    value: Decimal, step: Decimal
) -> None:
    instrument = _instrument(step)
    down = instrument.round_quantity(value)
    assert down == _reference(value, step, ROUND_DOWN)
    assert down % step == 0
    assert abs(down) <= abs(value)
    nearest = instrument.round_price(value)
    assert nearest == _reference(value, step, ROUND_HALF_EVEN)
    assert abs(nearest - value) <= step / 2


def test_precisions_kind_and_non_finite_input() -> None:
    spot = btcusdt_spot()
    assert (spot.price_precision, spot.size_precision) == (2, 5)
    assert not spot.is_derivative
    assert spot.round_quantity(0.123456789) == Decimal("0.12345")
    perp = Instrument(
        InstrumentId("X/USDT:USDT.TEST"),
        "X",
        "USDT",
        Decimal("0.1"),
        Decimal("0.001"),
        kind=InstrumentKind.PERPETUAL,
    )
    assert perp.is_derivative
    with pytest.raises(InvalidOrderError, match="not a finite number"):
        spot.round_price(float("nan"))
    with pytest.raises(ValueError, match="must be positive"):
        _instrument(Decimal(0))

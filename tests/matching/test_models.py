"""Slippage, fee and latency models, the bar path, and the venue config."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from colin.matching import (
    FeeModel,
    FixedBpsSlippage,
    HalfSpreadSlippage,
    LatencyModel,
    SimulatedVenueConfig,
    SlippageModel,
    VolumeImpactSlippage,
)
from colin.matching.bar_path import bar_path_points, price_at, time_at
from colin.model import Bar, LiquiditySide, OrderSide, OrderType

from .harness import MINUTE, SPOT_ID, Harness, spot_instrument

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _harness(**config: object) -> Harness:
    return Harness(
        [spot_instrument()],
        {"USDT": Decimal(100_000), "BTC": Decimal(10)},
        SimulatedVenueConfig.model_validate(config),
        start_ns=MINUTE,
    )


# -- slippage --------------------------------------------------------------------------------


def test_fixed_bps_slippage_rounds_to_the_tick_against_the_trader() -> None:
    h = _harness(slippage={"kind": "fixed_bps", "bps": 1.5})
    buy = h.submit(h.order(BUY, "0.1"))
    sell = h.submit(h.order(SELL, "0.1"))
    h.bar(100, 101, 99, 100)
    assert h.fills(buy)[0].last_px == Decimal("100.02")  # 100.015 rounded up
    assert h.fills(sell)[0].last_px == Decimal("99.98")  # 99.985 rounded down


def test_volume_impact_grows_with_participation() -> None:
    model = VolumeImpactSlippage(coefficient=0.1, exponent=0.5)
    small = model.slipped_price(BUY, 100.0, 0.01, 1.0, None)
    large = model.slipped_price(BUY, 100.0, 0.25, 1.0, None)
    assert small == pytest.approx(101.0)  # 0.1 * sqrt(0.01) = 1%
    assert large == pytest.approx(105.0)  # 0.1 * sqrt(0.25) = 5%
    assert model.slipped_price(SELL, 100.0, 0.25, None, None) == pytest.approx(90.0)
    h = _harness(slippage=model)
    order = h.submit(h.order(BUY, "0.01"))
    h.bar(100, 101, 99, 100, volume=1.0)
    assert h.fills(order)[0].last_px == Decimal("101.00")


def test_half_spread_uses_the_default_without_quotes() -> None:
    h = _harness(slippage=HalfSpreadSlippage(default_spread_bps=20))
    order = h.submit(h.order(SELL, "0.1"))
    h.bar(100, 101, 99, 100)
    assert h.fills(order)[0].last_px == Decimal("99.90")


def test_slipped_taker_limit_never_pays_beyond_its_limit() -> None:
    h = _harness(slippage=FixedBpsSlippage(bps=10))
    order = h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="100.05"))
    h.bar(100, 101, 99, 100)
    (fill,) = h.fills(order)
    assert (fill.last_px, fill.liquidity_side) == (Decimal("100.05"), LiquiditySide.TAKER)


def test_maker_fills_do_not_slip() -> None:
    h = _harness(slippage=FixedBpsSlippage(bps=50))
    order = h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="95"))
    h.bar(100, 101, 90, 100)
    assert h.fills(order)[0].last_px == Decimal("95.00")


@given(
    price=st.floats(1.0, 1e6),
    quantity=st.floats(1e-6, 1e3),
    volume=st.one_of(st.none(), st.floats(0.0, 1e6)),
    spread=st.one_of(st.none(), st.floats(0.0, 100.0)),
)
def test_every_model_moves_buys_up_and_sells_down(
    price: float, quantity: float, volume: float | None, spread: float | None
) -> None:
    models: list[SlippageModel] = [
        SlippageModel(),
        FixedBpsSlippage(bps=3),
        HalfSpreadSlippage(default_spread_bps=5),
        VolumeImpactSlippage(coefficient=0.05),
    ]
    for model in models:
        assert model.slipped_price(BUY, price, quantity, volume, spread) >= price
        assert model.slipped_price(SELL, price, quantity, volume, spread) <= price


# -- fees ------------------------------------------------------------------------------------


def test_fee_model_overrides_the_instrument_rates() -> None:
    instrument = spot_instrument()
    default = FeeModel()
    assert default.rate(instrument, LiquiditySide.TAKER) == Decimal("0.002")
    rebate = FeeModel(maker_fee=Decimal("-0.0001"), taker_fee=Decimal(0))
    assert rebate.commission(instrument, Decimal(2), Decimal(100), LiquiditySide.MAKER) == Decimal(
        "-0.0200"
    )
    assert rebate.commission(instrument, Decimal(2), Decimal(100), LiquiditySide.TAKER) == 0
    h = _harness(fees={"taker_fee": "0.0004"})
    order = h.submit(h.order(BUY, "1"))
    h.bar(100, 101, 99, 100)
    assert h.fills(order)[0].commission == Decimal("0.04")


# -- latency ---------------------------------------------------------------------------------


def test_latency_sampler_is_fixed_or_seeded_uniform() -> None:
    assert [LatencyModel(fixed_ns=5).sampler()() for _ in range(3)] == [5, 5, 5]
    model = LatencyModel(fixed_ns=10, jitter_ns=100, seed=3)
    first, second = model.sampler(), model.sampler()
    draws = [first() for _ in range(50)]
    assert draws == [second() for _ in range(50)]
    assert all(10 <= d <= 110 for d in draws)
    assert len(set(draws)) > 10
    with pytest.raises(ValidationError):
        LatencyModel(fixed_ns=-1)


# -- bar path --------------------------------------------------------------------------------


def _bar(o: float, h: float, low: float, c: float) -> Bar:
    return Bar(SPOT_ID, "1m", o, h, low, c, 1.0, 0, 90)


def test_bar_path_points_and_orders() -> None:
    bar = _bar(100, 110, 95, 105)
    assert bar_path_points(bar, "OHLC") == ((0, 100), (30, 110), (60, 95), (90, 105))
    assert bar_path_points(bar, "OLHC") == ((0, 100), (30, 95), (60, 110), (90, 105))
    assert bar_path_points(bar, "nearest")[1] == (30, 95)  # low is 5 away, high 10
    assert bar_path_points(_bar(100, 105, 95, 100), "nearest")[1] == (30, 105)  # tie: high


def test_linear_interpolation_helpers() -> None:
    start, end = (0, 100.0), (100, 80.0)
    assert price_at(start, end, 25) == 95.0
    assert price_at(start, end, -5) == 100.0
    assert price_at(start, end, 500) == 80.0
    assert time_at(start, end, 90.0) == 50
    assert time_at((0, 5.0), (10, 5.0), 5.0) == 0


# -- config ----------------------------------------------------------------------------------


def test_config_rejects_unknown_fields_and_bad_values() -> None:
    with pytest.raises(ValidationError, match="latency_ms"):
        SimulatedVenueConfig.model_validate({"latency_ms": 5})
    with pytest.raises(ValidationError, match="max_volume_participation"):
        SimulatedVenueConfig(max_volume_participation=1.5)
    with pytest.raises(ValidationError, match="slippage kind 'spread' is unknown"):
        SimulatedVenueConfig.model_validate({"slippage": {"kind": "spread"}})
    with pytest.raises(ValidationError, match="bar_path"):
        SimulatedVenueConfig.model_validate({"bar_path": "HLOC"})


def test_config_round_trips_through_plain_data() -> None:
    config = SimulatedVenueConfig(
        bar_path="OLHC",
        leverage=Decimal(3),
        latency=LatencyModel(fixed_ns=1_000_000),
        slippage=VolumeImpactSlippage(coefficient=0.2, exponent=0.6),
        fees=FeeModel(taker_fee=Decimal("0.0004")),
    )
    data = config.model_dump(mode="json")
    assert data["slippage"] == {"kind": "volume_impact", "coefficient": 0.2, "exponent": 0.6}
    assert SimulatedVenueConfig.model_validate(data) == config

"""Order-request parsing and exchangeInfo filters (property-based), and the async ccxt client
against a simulator served from the test's own event loop."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pandas as pd
import pytest
from ccxt.async_support.binance import binance as async_binance
from hypothesis import given
from hypothesis import strategies as st

from colin.adapters.exchange_sim import BinanceError, ExchangeSimulator, SimMarketData
from colin.adapters.exchange_sim.exchange_info import check_filters, spot_symbol_info
from colin.adapters.exchange_sim.orders import parse_order_request
from colin.model.enums import OrderSide, OrderType, TimeInForce
from colin.model.instrument import Instrument
from colin.testkit.factories import btcusdt_spot

SPOT = btcusdt_spot()  # Binance's filters: tick 0.01, lot 0.00001, min notional 5
TICKS = st.integers(min_value=1, max_value=10**8)
LOTS = st.integers(min_value=1, max_value=10**7)


def _limit(quantity: str, price: str) -> dict[str, str]:
    return {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": quantity,
        "price": price,
    }


@given(ticks=TICKS, lots=LOTS)
def test_on_grid_orders_pass_the_filters_iff_their_notional_is_enough(
    ticks: int, lots: int
) -> None:
    price, quantity = Decimal(ticks) * SPOT.tick_size, Decimal(lots) * SPOT.lot_size
    request = parse_order_request(_limit(f"{quantity:f}", f"{price:f}"), "spot")
    assert (request.quantity, request.price) == (quantity, price)
    assert request.order_type is OrderType.LIMIT and request.side is OrderSide.BUY
    if price * quantity >= SPOT.min_notional:
        check_filters("spot", SPOT, request, None, 0, 0)
    else:
        with pytest.raises(BinanceError, match="Filter failure: NOTIONAL"):
            check_filters("spot", SPOT, request, None, 0, 0)


@given(ticks=TICKS, lots=LOTS, off=st.integers(min_value=1, max_value=9))
def test_off_grid_prices_and_quantities_fail_their_filter(ticks: int, lots: int, off: int) -> None:
    price = Decimal(ticks) * SPOT.tick_size + Decimal(off) / 1000
    quantity = Decimal(lots) * SPOT.lot_size
    request = parse_order_request(_limit(f"{quantity:f}", f"{price:f}"), "spot")
    with pytest.raises(BinanceError, match="PRICE_FILTER"):
        check_filters("spot", SPOT, request, None, 0, 0)
    odd = quantity + Decimal(off) / 10**6
    request = parse_order_request(_limit(f"{odd:f}", "60000"), "spot")
    with pytest.raises(BinanceError, match="LOT_SIZE"):
        check_filters("spot", SPOT, request, None, 0, 0)


@given(text=st.text(min_size=1, max_size=12))
def test_malformed_numbers_are_refused_with_1100(text: str) -> None:
    try:
        parsed = Decimal(text)
        well_formed = parsed.is_finite() and parsed >= 0 and text.strip() == text
        well_formed = well_formed and all(c in "0123456789." for c in text) and text[0] != "."
        well_formed = well_formed and text[-1] != "." and text.count(".") <= 1
    except ArithmeticError:
        well_formed = False
    if well_formed:
        assert parse_order_request(_limit(text, "1"), "spot").quantity == Decimal(text)
    else:
        with pytest.raises(BinanceError) as refused:
            parse_order_request(_limit(text, "1"), "spot")
        assert refused.value.code == -1100


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"type": "LIMIT", "quantity": "1", "price": "1"}, -1102),  # timeInForce
        ({"type": "TAKE_PROFIT", "quantity": "1"}, -1116),
        ({"type": "MARKET"}, -1102),
        ({"type": "LIMIT", "timeInForce": "GTX", "quantity": "1", "price": "1"}, -1115),
        ({"type": "MARKET", "quantity": "1", "reduceOnly": "true"}, -1106),
        ({"type": "MARKET", "quantity": "1", "newClientOrderId": "bad id!"}, -1100),
    ],
)
def test_spot_request_shape_errors(params: dict[str, str], code: int) -> None:
    with pytest.raises(BinanceError) as refused:
        parse_order_request({"symbol": "BTCUSDT", "side": "BUY", **params}, "spot")
    assert refused.value.code == code


def test_usdm_request_shapes() -> None:
    gtx = parse_order_request({**_limit("1", "1"), "timeInForce": "GTX"}, "usdm")
    assert gtx.post_only and gtx.time_in_force is TimeInForce.GTC and gtx.binance_tif == "GTX"
    market = parse_order_request(
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "MARKET",
            "quantity": "1",
            "reduceOnly": "true",
        },
        "usdm",
    )
    assert market.reduce_only and market.time_in_force is TimeInForce.IOC
    assert market.response_type == "ACK"
    assert [f["filterType"] for f in spot_symbol_info(SPOT)["filters"]][:2] == [
        "PRICE_FILTER",
        "LOT_SIZE",
    ]


def test_async_ccxt_against_a_simulator_on_the_same_loop(
    sim_instruments: list[Instrument], btc_bars: pd.DataFrame
) -> None:
    async def main() -> tuple[list[list[float]], str, float]:
        data = SimMarketData(bars=btc_bars)
        sim = ExchangeSimulator(
            sim_instruments,
            {str(i.id): data for i in sim_instruments},
            {"spot": {"USDT": Decimal(10000)}},
            start_ms=1712188800000,
        )
        await sim.start()
        client = async_binance(sim.ccxt_config("spot"))
        try:
            candles = await client.fetch_ohlcv("BTC/USDT", "1m", limit=3)
            order = await client.create_order("BTC/USDT", "market", "buy", 0.01)
            balance = await client.fetch_balance()
            sim.advance(60_000)  # on the simulator's own loop: runs directly
            return candles, order["status"], balance["BTC"]["free"]
        finally:
            await client.close()
            await sim.stop()

    candles, status, btc = asyncio.run(asyncio.wait_for(main(), 60))
    assert [c[0] for c in candles] == [1712188680000, 1712188740000, 1712188800000]
    assert (status, btc) == ("closed", 0.01)

"""Instrument ids and instruments from ccxt symbols and markets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from colin.adapters.ccxt.symbols import (
    DECIMAL_PLACES,
    instrument_from_market,
    to_ccxt_symbol,
    to_instrument_id,
)
from colin.core.errors import DataError
from colin.model.enums import InstrumentKind

SPOT = {
    "id": "BTCUSDT",
    "symbol": "BTC/USDT",
    "base": "BTC",
    "quote": "USDT",
    "type": "spot",
    "spot": True,
    "swap": False,
    "linear": None,
    "contractSize": None,
    "precision": {"amount": 1e-05, "price": 0.01},
    "limits": {
        "amount": {"min": 1e-05, "max": 9000.0},
        "cost": {"min": 5.0, "max": 9000000.0},
        "leverage": {"min": None, "max": None},
    },
    "maker": 0.001,
    "taker": 0.001,
}
PERP = {
    **SPOT,
    "symbol": "BTC/USDT:USDT",
    "type": "swap",
    "spot": False,
    "swap": True,
    "linear": True,
    "settle": "USDT",
    "contractSize": 1.0,
    "precision": {"amount": 0.001, "price": 0.1},
    "limits": {
        "amount": {"min": 0.001, "max": 1000.0},
        "cost": {"min": 100.0},
        "leverage": {"max": 125},
    },
    "maker": 0.0002,
    "taker": 0.0005,
}


def test_ids_round_trip() -> None:
    assert to_ccxt_symbol("BTC/USDT:USDT.BINANCE") == "BTC/USDT:USDT"
    assert to_instrument_id("BTC/USDT", "binance") == "BTC/USDT.BINANCE"
    assert to_ccxt_symbol(to_instrument_id("ETH/USDT:USDT", "BINANCE")) == "ETH/USDT:USDT"


def test_spot_market() -> None:
    instrument = instrument_from_market(SPOT, "BINANCE")
    assert instrument.id == "BTC/USDT.BINANCE" and instrument.kind is InstrumentKind.SPOT
    assert (instrument.tick_size, instrument.lot_size) == (Decimal("0.01"), Decimal("0.00001"))
    assert instrument.min_quantity == Decimal("0.00001") and instrument.max_quantity == Decimal(
        9000
    )
    assert instrument.min_notional == Decimal(5)
    assert instrument.maker_fee == instrument.taker_fee == Decimal("0.001")
    assert instrument.max_leverage == Decimal(1) and instrument.contract_size == Decimal(1)
    assert (instrument.price_precision, instrument.size_precision) == (2, 5)


def test_linear_perpetual_market() -> None:
    instrument = instrument_from_market(PERP, "BINANCE")
    assert instrument.id == "BTC/USDT:USDT.BINANCE"
    assert instrument.kind is InstrumentKind.PERPETUAL and instrument.is_derivative
    assert (instrument.tick_size, instrument.lot_size) == (Decimal("0.1"), Decimal("0.001"))
    assert instrument.min_notional == Decimal(100) and instrument.max_leverage == Decimal(125)
    assert (instrument.maker_fee, instrument.taker_fee) == (Decimal("0.0002"), Decimal("0.0005"))


def test_decimal_places_precision_mode() -> None:
    market = {**SPOT, "precision": {"amount": 5, "price": 2}}
    instrument = instrument_from_market(market, "KRAKEN", precision_mode=DECIMAL_PLACES)
    assert (instrument.tick_size, instrument.lot_size) == (Decimal("0.01"), Decimal("0.00001"))
    with pytest.raises(DataError, match="not a number of decimals"):
        instrument_from_market(
            {**SPOT, "precision": {"amount": 0.5, "price": 2}}, "K", DECIMAL_PLACES
        )


@pytest.mark.parametrize(
    ("market", "message"),
    [
        ({**PERP, "linear": False, "inverse": True}, "not supported"),
        ({**SPOT, "spot": False, "type": "option"}, "'option' is not supported"),
        ({**SPOT, "precision": {"amount": None, "price": 0.01}}, "precision.amount missing"),
        ({**SPOT, "precision": {"amount": 0.0, "price": 0.01}}, "must be positive"),
        ({**SPOT, "precision": {"amount": float("nan"), "price": 0.01}}, "not finite"),
        ({**SPOT, "maker": "cheap"}, "maker is not a number"),
        ({**SPOT, "base": None}, "'base' missing"),
        ({**SPOT, "limits": None}, "no 'limits' section"),
        ({**SPOT, "symbol": None}, "without a symbol"),
    ],
)
def test_bad_markets_are_data_errors(market, message) -> None:
    with pytest.raises(DataError, match=message):
        instrument_from_market(market, "BINANCE")

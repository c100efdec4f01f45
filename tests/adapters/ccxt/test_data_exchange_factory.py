"""create_exchange: options from capabilities, no ccxt limiter, keys, testnet, overrides."""

from __future__ import annotations

import asyncio

import ccxt
import ccxt.pro
import pytest

from colin.adapters.ccxt.capabilities import capabilities_for
from colin.adapters.ccxt.exchange_factory import PathMappedBinance, create_exchange
from colin.core.errors import ConfigError


def build(*args, **kwargs):
    exchange = create_exchange(*args, **kwargs)
    asyncio.run(exchange.close())
    return exchange


def test_binance_spot_and_usdm_options() -> None:
    spot = build("binance", "spot")
    assert isinstance(spot, ccxt.pro.binance) and not isinstance(spot, PathMappedBinance)
    assert spot.enableRateLimit is False
    assert spot.options["fetchMarkets"]["types"] == ["spot"]
    assert spot.options["fetchCurrencies"] is False and spot.options["fetchMargins"] is False
    usdm = build("BINANCE", "linear")
    assert usdm.options["defaultType"] == "swap" and usdm.options["fetchMarkets"]["types"] == [
        "linear"
    ]
    assert usdm.apiKey in (None, "") and usdm.secret in (None, "")


def test_keys_come_from_the_arguments_and_overrides_merge_last() -> None:
    exchange = build(
        "binance",
        "spot",
        api_key="key",
        secret="secret",
        overrides={
            "enableRateLimit": True,  # ignored: the token bucket paces requests
            "timeout": 1234,
            "options": {"fetchMarkets": {"types": ["spot", "linear"]}},
            "urls": {"api": {"public": "http://127.0.0.1:9/api/v3"}},
        },
    )
    assert (exchange.apiKey, exchange.secret, exchange.timeout) == ("key", "secret", 1234)
    assert exchange.enableRateLimit is False
    assert exchange.options["fetchMarkets"]["types"] == ["spot", "linear"]
    assert exchange.options["fetchCurrencies"] is False  # kept from the capabilities
    assert exchange.urls["api"]["public"] == "http://127.0.0.1:9/api/v3"
    assert exchange.urls["api"]["fapiPublic"].startswith("https://fapi.binance.com")  # untouched


def test_local_binance_urls_keep_futures_error_codes_specific() -> None:
    local = {"urls": {"api": {"fapiPrivate": "http://127.0.0.1:9/fapi/v1"}}}
    exchange = build("binance", "linear", overrides=local)
    assert isinstance(exchange, PathMappedBinance)
    futures = exchange.get_exceptions_by_url("http://127.0.0.1:9/fapi/v1/order", "exact")
    assert futures["-2019"] is ccxt.InsufficientFunds and futures["-4116"] is ccxt.InvalidOrder
    spot = exchange.get_exceptions_by_url("http://127.0.0.1:9/api/v3/order", "exact")
    assert spot is exchange.exceptions["spot"]["exact"]
    assert exchange.get_exceptions_by_url("http://127.0.0.1:9/other", "exact") == {}
    # against the real hosts the subclass picks the table ccxt picks
    real = "https://fapi.binance.com/fapi/v1/order"
    plain = ccxt.binance()
    assert exchange.get_exceptions_by_url(real, "exact") == plain.get_exceptions_by_url(
        real, "exact"
    )


def test_testnet_uses_the_sandbox_urls_and_is_refused_where_none_exists() -> None:
    testnet = build("binance", "linear", testnet=True)
    assert "testnet.binancefuture.com" in testnet.urls["api"]["fapiPublic"]
    with pytest.raises(ConfigError, match="KRAKEN spot has no testnet"):
        create_exchange("kraken", "spot", testnet=True)


def test_other_venues_are_their_ccxt_pro_classes() -> None:
    assert isinstance(build("hyperliquid", "linear"), ccxt.pro.hyperliquid)
    assert build("hyperliquid", "linear").options["builderFee"] is False
    assert isinstance(build("okx", "spot"), ccxt.pro.okx)
    with pytest.raises(ConfigError, match="no capabilities for ftx"):
        create_exchange("ftx")


def test_binance_book_snapshots_ask_for_the_deepest_depth_at_the_base_weight() -> None:
    for market_type in ("spot", "linear"):
        exchange = build("binance", market_type)
        limit = exchange.options["watchOrderBookLimit"]
        assert limit == 100
        capabilities = capabilities_for("binance", market_type)
        assert capabilities.weight("order_book", limit) == capabilities.weight("order_book")
        assert capabilities.weight("order_book", 1000) > capabilities.weight("order_book", limit)
    overridden = build("binance", "spot", overrides={"options": {"watchOrderBookLimit": 20}})
    assert overridden.options["watchOrderBookLimit"] == 20
    assert build("okx", "spot").options.get("watchOrderBookLimit") is None

"""Venue capabilities: declared data, cross-checked against what ccxt itself says."""

from __future__ import annotations

import ccxt
import ccxt.pro
import pytest

from colin.adapters.ccxt.capabilities import (
    WATCH_MARKET_DATA,
    WATCH_PRIVATE,
    RateBudget,
    Weight,
    capabilities_for,
    market_type_of,
    venues,
)
from colin.core.errors import ConfigError
from colin.model.enums import OrderType, TimeInForce

ALL = [capabilities_for(venue, market_type) for venue, market_type in venues()]
IDS = [f"{c.venue}-{c.market_type}" for c in ALL]
_WATCH_NAMES = {
    "ohlcv": "watchOHLCV",
    "trades": "watchTrades",
    "order_book": "watchOrderBook",
    "ticker": "watchTicker",
    "bids_asks": "watchBidsAsks",
    "orders": "watchOrders",
    "my_trades": "watchMyTrades",
    "balance": "watchBalance",
    "positions": "watchPositions",
}


def test_the_issue_venues_are_declared() -> None:
    declared = set(venues())
    for venue in ("BINANCE", "BYBIT", "OKX", "DERIBIT", "HYPERLIQUID"):
        assert (venue, "spot") in declared and (venue, "linear") in declared
    assert ("KRAKEN", "spot") in declared


@pytest.mark.parametrize("caps", ALL, ids=IDS)
def test_declared_capabilities_agree_with_ccxt(caps) -> None:
    exchange = getattr(ccxt.pro, caps.ccxt_id)()
    has = exchange.has
    assert caps.watch <= WATCH_MARKET_DATA | WATCH_PRIVATE
    for stream in caps.watch:
        assert has.get(_WATCH_NAMES[stream]), f"{caps.ccxt_id} has no {_WATCH_NAMES[stream]}"
    assert has.get("fetchOHLCV")
    assert set(caps.timeframes) <= set(exchange.timeframes)
    if caps.testnet:
        assert exchange.urls.get("test"), f"{caps.ccxt_id} declares a testnet ccxt does not know"
    if caps.amend:
        assert has.get("editOrder")
    if caps.reduce_only:
        assert has.get("createReduceOnlyOrder")
    if caps.history.funding is not None:
        assert has.get("fetchFundingRateHistory")
    if caps.history.open_interest is not None:
        assert has.get("fetchOpenInterestHistory")
    features = (exchange.features or {}).get(
        caps.market_type if caps.market_type == "spot" else "swap"
    )
    if caps.market_type == "linear" and features:
        features = features.get("linear")
    if features and features.get("createOrder"):
        tif = features["createOrder"]["timeInForce"]
        assert caps.post_only == bool(tif.get("PO"))
        assert {t.value for t in caps.time_in_force} == {
            k for k in ("GTC", "IOC", "FOK") if tif.get(k)
        }
    assert {OrderType.MARKET, OrderType.LIMIT} <= caps.order_types
    assert TimeInForce.GTC in caps.time_in_force


def test_binance_usdm_kline_weights_match_ccxts_table() -> None:
    ours = capabilities_for("binance", "linear")
    table = ccxt.binance().api["fapiPublic"]["get"]["klines"]["byLimit"]
    for limit in range(1, 1501):
        expected = next(cost for largest, cost in table if limit <= largest)
        assert ours.weight("ohlcv", limit) == expected, limit


def test_binance_budgets_are_the_documented_ones() -> None:
    spot = capabilities_for("BINANCE", "spot")
    usdm = capabilities_for("binance", "linear")
    assert (spot.rate_budget.capacity, spot.rate_budget.window_s) == (6000, 60.0)
    assert (usdm.rate_budget.capacity, usdm.rate_budget.window_s) == (2400, 60.0)
    assert spot.rate_budget.refill_per_s == 100.0
    assert spot.weight("ohlcv", 1000) == 2
    assert spot.weight("order_book", 100) == 5 and spot.weight("order_book", 5000) == 250
    assert usdm.weight("order_book", 1000) == 20
    assert spot.weight("something_new") == spot.rate_budget.default_weight == 1
    assert spot.history.candles == 1000 and spot.history.trades_window_ms == 3_600_000
    assert not spot.reduce_only and usdm.reduce_only
    assert spot.options["fetchMarkets"] == {"types": ["spot"]}
    assert usdm.options["defaultType"] == "swap"


def test_weight_steps_and_defaults() -> None:
    stepped = Weight(7, ((10, 1), (100, 3)))
    assert [stepped.for_limit(n) for n in (None, 1, 10, 11, 100, 5000)] == [7, 1, 1, 3, 3, 3]
    assert Weight(4).for_limit(999) == 4
    budget = RateBudget(capacity=10, window_s=2.0, default_weight=3)
    assert budget.refill_per_s == 5.0 and budget.weight("anything") == 3


def test_options_are_handed_out_as_copies() -> None:
    caps = capabilities_for("binance", "spot")
    options = caps.ccxt_options()
    options["fetchMarkets"]["types"].append("inverse")
    assert caps.ccxt_options()["fetchMarkets"] == {"types": ["spot"]}
    with pytest.raises(TypeError):
        caps.options["defaultType"] = "swap"  # type: ignore[index]


def test_hyperliquid_turns_off_the_builder_fee_and_referrer() -> None:
    options = capabilities_for("hyperliquid", "linear").ccxt_options()
    assert options["builderFee"] is False and options["refSet"] is True


def test_unknown_venue_or_market_type_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="declared: binance linear, binance spot"):
        capabilities_for("nasdaq")
    with pytest.raises(ConfigError, match="unknown market type"):
        capabilities_for("binance", "inverse")
    with pytest.raises(ConfigError, match="no capabilities for kraken linear"):
        capabilities_for("kraken", "linear")


def test_market_type_of_symbols() -> None:
    assert market_type_of("BTC/USDT") == "spot"
    assert market_type_of("BTC/USDT:USDT") == "linear"

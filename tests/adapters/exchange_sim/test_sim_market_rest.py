"""The simulator's public REST surface seen through the unmodified ccxt client (loopback)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from colin.adapters.exchange_sim import ExchangeSimulator

MINUTE_MS = 60_000


def test_load_markets_spot_and_linear_carry_the_instruments_filters(
    sim: ExchangeSimulator, ccxt_spot: Any, ccxt_usdm: Any
) -> None:
    markets = ccxt_spot.load_markets()
    assert set(markets) == {"BTC/USDT", "BTC/USDT:USDT"}
    spot = markets["BTC/USDT"]
    assert spot["spot"] and spot["active"]
    assert spot["precision"] == {"amount": 1e-05, "price": 0.01, "base": 1e-08, "quote": 1e-08}
    assert spot["limits"]["amount"]["min"] == 1e-05
    assert spot["limits"]["cost"]["min"] == 5.0
    filters = {f["filterType"] for f in spot["info"]["filters"]}
    assert {"PRICE_FILTER", "LOT_SIZE", "MARKET_LOT_SIZE", "NOTIONAL"} <= filters
    perp = ccxt_usdm.load_markets()["BTC/USDT:USDT"]
    assert perp["swap"] and perp["linear"] and perp["settle"] == "USDT"
    assert perp["precision"]["price"] == 0.1 and perp["precision"]["amount"] == 0.001
    assert perp["limits"]["cost"]["min"] == 100.0
    requested = [(r.method, r.path) for r in sim.requests]
    assert ("GET", "/api/v3/exchangeInfo") in requested
    assert ("GET", "/fapi/v1/exchangeInfo") in requested


def test_fetch_time_is_the_simulator_clock(sim: ExchangeSimulator, ccxt_spot: Any) -> None:
    assert ccxt_spot.fetch_time() == sim.now_ms()
    sim.advance(90_000)
    assert ccxt_spot.fetch_time() == sim.now_ms()


def test_fetch_ohlcv_serves_recorded_bars_up_to_now_and_the_forming_one(
    sim: ExchangeSimulator, ccxt_spot: Any, btc_bars: pd.DataFrame
) -> None:
    now = sim.now_ms()
    since = now - 10 * MINUTE_MS
    rows = ccxt_spot.fetch_ohlcv("BTC/USDT", "1m", since=since, limit=100)
    assert [r[0] for r in rows] == [since + i * MINUTE_MS for i in range(11)]
    recorded = btc_bars.set_index(btc_bars["ts_open"] // 1_000_000)
    for row in rows[:-1]:  # closed bars are the recorded ones
        bar = recorded.loc[row[0]]
        assert row[1:] == pytest.approx(
            [bar.open, bar.high, bar.low, bar.close, bar.volume], rel=1e-9
        )
    forming = rows[-1]  # at its open, the forming bar is its open price only
    bar = recorded.loc[forming[0]]
    assert forming[1] == forming[2] == forming[3] == forming[4] == pytest.approx(bar.open)
    sim.advance(MINUTE_MS)
    closed = ccxt_spot.fetch_ohlcv("BTC/USDT", "1m", since=now, limit=1)[0]
    assert closed[1:] == pytest.approx([bar.open, bar.high, bar.low, bar.close, bar.volume])


def test_fetch_ohlcv_aggregates_multiples_and_never_looks_ahead(
    sim: ExchangeSimulator, ccxt_spot: Any, btc_bars: pd.DataFrame
) -> None:
    rows = ccxt_spot.fetch_ohlcv("BTC/USDT", "1h", limit=3)
    now = sim.now_ms()
    assert rows[-1][0] <= now and all(r[0] % 3_600_000 == 0 for r in rows)
    hour = btc_bars[
        (btc_bars.ts_open // 1_000_000 >= rows[-2][0])
        & (btc_bars.ts_open // 1_000_000 < rows[-2][0] + 3_600_000)
    ]
    assert rows[-2][2] == pytest.approx(hour.high.max())
    assert rows[-2][5] == pytest.approx(hour.volume.sum())
    latest = ccxt_spot.fetch_ohlcv("BTC/USDT", "1m", limit=5)
    assert latest[-1][0] == now // MINUTE_MS * MINUTE_MS


def test_order_book_has_depth_and_update_ids_grow(sim: ExchangeSimulator, ccxt_spot: Any) -> None:
    book = ccxt_spot.fetch_order_book("BTC/USDT", 20)
    assert len(book["bids"]) == 20 and len(book["asks"]) == 20
    assert book["bids"][0][0] < book["asks"][0][0]
    assert [b[0] for b in book["bids"]] == sorted((b[0] for b in book["bids"]), reverse=True)
    first = book["nonce"]
    sim.advance(10_000)
    later = ccxt_spot.fetch_order_book("BTC/USDT", 5)
    assert later["nonce"] > first


def test_trades_and_agg_trades_follow_the_replay(sim: ExchangeSimulator, ccxt_spot: Any) -> None:
    sim.advance(30_000)
    trades = ccxt_spot.fetch_trades("BTC/USDT", limit=5)
    assert 1 <= len(trades) <= 5
    assert all(t["timestamp"] <= sim.now_ms() for t in trades)
    ids = [int(t["id"]) for t in trades]
    assert ids == sorted(ids)
    raw = ccxt_spot.publicGetTrades({"symbol": "BTCUSDT", "limit": 3})
    assert {"id", "price", "qty", "quoteQty", "time", "isBuyerMaker", "isBestMatch"} <= set(raw[0])


def test_ticker_and_usdm_depth(sim: ExchangeSimulator, ccxt_spot: Any, ccxt_usdm: Any) -> None:
    sim.advance(MINUTE_MS)
    ticker = ccxt_spot.fetch_ticker("BTC/USDT")
    book = ccxt_spot.fetch_order_book("BTC/USDT", 5)
    assert ticker["bid"] == book["bids"][0][0] and ticker["ask"] == book["asks"][0][0]
    assert ticker["high"] >= ticker["low"] > 0
    perp_book = ccxt_usdm.fetch_order_book("BTC/USDT:USDT", 5)
    tick = Decimal("0.1")
    assert all(Decimal(str(p)) % tick == 0 for p, _ in perp_book["bids"] + perp_book["asks"])

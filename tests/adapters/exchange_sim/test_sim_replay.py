"""Market replay: the recorded L2 book is served as recorded, depth ids chain, the same seed and
steps give the same fills, a realtime clock replays by itself, and the control plane works."""

from __future__ import annotations

import json
import time
import urllib.request
from itertools import pairwise
from typing import Any

import pandas as pd
from ccxt.binance import binance as sync_binance

from colin.adapters.exchange_sim import ExchangeSimulator, SimMarketData
from colin.adapters.exchange_sim.events import DepthUpdate, ExchangeEvent, TradePrint
from colin.model.book import BookDeltas, BookSnapshot, OrderBook
from colin.model.data import TradeTick
from colin.model.instrument import Instrument

SYMBOL = "BTC/USDT"


def test_recorded_book_is_served_as_recorded(
    sim_l2: ExchangeSimulator,
    btc_capture: tuple[list[BookSnapshot | BookDeltas], list[TradeTick]],
) -> None:
    book_events, trades = btc_capture
    target_ms = sim_l2.now_ms() + 90_000
    sim_l2.advance_to(target_ms)
    reference = OrderBook(book_events[0].instrument_id)
    for event in book_events:
        if event.ts_event // 1_000_000 > target_ms:
            break
        if isinstance(event, BookSnapshot):
            reference.apply_snapshot(event)
        else:
            reference.apply_deltas(event)
    client = sync_binance(sim_l2.ccxt_config("spot"))
    served = client.fetch_order_book(SYMBOL, 50)
    assert [tuple(level) for level in served["bids"]] == reference.bids(50)
    assert [tuple(level) for level in served["asks"]] == reference.asks(50)
    recorded = [t for t in trades if t.ts_event // 1_000_000 <= target_ms][-5:]
    tape = client.fetch_trades(SYMBOL, limit=5)
    assert [(t["price"], t["amount"]) for t in tape] == [(t.price, t.size) for t in recorded]


def test_depth_diffs_chain_from_the_rest_snapshot(sim: ExchangeSimulator, ccxt_spot: Any) -> None:
    snapshot = ccxt_spot.fetch_order_book(SYMBOL, 1000)
    diffs: list[DepthUpdate] = []

    def collect(event: ExchangeEvent) -> None:
        if isinstance(event, DepthUpdate) and event.market == "spot":
            diffs.append(event)

    unsubscribe = sim.exchange.subscribe(collect)
    sim.advance(30_000)
    unsubscribe()
    assert diffs[0].first_update_id == snapshot["nonce"] + 1
    for previous, diff in pairwise(diffs):
        assert diff.first_update_id == previous.final_update_id + 1
        assert diff.prev_final_update_id == previous.final_update_id
    book = {float(p): float(q) for p, q in (tuple(b) for b in snapshot["bids"])}
    for diff in diffs:
        for price, qty in diff.bids:
            if float(qty) == 0:
                book.pop(float(price), None)
            else:
                book[float(price)] = float(qty)
    now = ccxt_spot.fetch_order_book(SYMBOL, 1000)
    assert sorted(book.items(), reverse=True) == [tuple(level) for level in now["bids"]]


def _session(instruments: list[Instrument], bars: pd.DataFrame, seed: int) -> list[Any]:
    """Run one fixed trading session and return what the exchange did."""
    data = SimMarketData(bars=bars)
    sim = ExchangeSimulator(
        instruments,
        {str(i.id): data for i in instruments},
        {"spot": {"USDT": 10000}, "usdm": {"USDT": 10000}},
        seed=seed,
        start_ms=1712188800000,
    )
    sim.start_in_thread()
    trace: list[Any] = []
    sim.exchange.subscribe(
        lambda e: trace.append(e) if not isinstance(e, TradePrint | DepthUpdate) else None
    )
    try:
        spot = sync_binance(sim.ccxt_config("spot"))
        perp = sync_binance(sim.ccxt_config("usdm"))
        bid = spot.fetch_order_book(SYMBOL, 1)["bids"][0][0]
        spot.create_order(SYMBOL, "limit", "buy", 0.01, round(bid - 60, 2), {"clientOrderId": "a"})
        spot.create_order(SYMBOL, "market", "buy", 0.01, None, {"clientOrderId": "b"})
        perp.create_order("BTC/USDT:USDT", "market", "sell", 0.02, None, {"clientOrderId": "c"})
        for _ in range(12):
            sim.advance(10_000)
        trace.append(spot.fetch_order_book(SYMBOL, 10)["bids"])
        return trace
    finally:
        sim.stop_thread()


def test_same_seed_and_steps_give_the_same_session(
    sim_instruments: list[Instrument], btc_bars: pd.DataFrame
) -> None:
    first = _session(sim_instruments, btc_bars, seed=7)
    assert first == _session(sim_instruments, btc_bars, seed=7)
    assert any(getattr(e, "execution_type", "") == "TRADE" for e in first)
    assert first[-1] != _session(sim_instruments, btc_bars, seed=8)[-1]


def test_realtime_clock_replays_by_itself(
    sim_instruments: list[Instrument], btc_bars: pd.DataFrame
) -> None:
    data = SimMarketData(bars=btc_bars)
    sim = ExchangeSimulator(
        sim_instruments,
        {str(i.id): data for i in sim_instruments},
        {"spot": {"USDT": 10000}},
        clock="realtime",
        speed=60.0,
        start_ms=1712188800000,
    )
    sim.start_in_thread()
    try:
        client = sync_binance(sim.ccxt_config("spot"))
        first = client.fetch_order_book(SYMBOL, 5)["nonce"]
        time.sleep(0.5)
        assert sim.now_ms() - 1712188800000 >= 25_000
        assert client.fetch_order_book(SYMBOL, 5)["nonce"] > first
        assert client.fetch_time() >= 1712188800000 + 25_000
        for _ in range(20):  # commands are processed at once while the clock runs
            order = client.create_order(SYMBOL, "limit", "buy", 0.001, 60000)
            assert client.cancel_order(order["id"], SYMBOL)["status"] == "canceled"
        bought = client.create_order(SYMBOL, "market", "buy", 0.001)
        assert bought["status"] == "closed" and bought["timestamp"] >= 1712188800000 + 25_000
    finally:
        sim.stop_thread()


def test_http_control_plane(sim: ExchangeSimulator) -> None:
    start = sim.now_ms()
    request = urllib.request.Request(f"{sim.base_url}/__sim/advance?ms=60000", method="POST")
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert json.loads(reply.read()) == {"now": start + 60_000}
    with urllib.request.urlopen(f"{sim.base_url}/__sim/state", timeout=10) as reply:
        state = json.loads(reply.read())
    assert state["now"] == start + 60_000
    assert state["spot"]["balances"]["USDT"] == ["10000", "0"]
    assert state["usdm"]["open_orders"] == 0

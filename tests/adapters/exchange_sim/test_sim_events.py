"""The core's event stream (the WebSocket layer's input): what each action publishes, in order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from colin.adapters.exchange_sim import BinanceError, ExchangeSimulator
from colin.adapters.exchange_sim.events import (
    AccountUpdate,
    DepthUpdate,
    ExchangeEvent,
    KlineUpdate,
    OrderUpdate,
    TradePrint,
)

MINUTE_MS = 60_000


def _record(sim: ExchangeSimulator) -> list[ExchangeEvent]:
    events: list[ExchangeEvent] = []
    sim.exchange.subscribe(events.append)
    return events


def _orders(events: list[ExchangeEvent]) -> list[tuple[str, str, str]]:
    return [
        (e.execution_type, e.order.status, e.order.client_order_id)
        for e in events
        if isinstance(e, OrderUpdate)
    ]


def test_order_actions_publish_execution_reports_and_account_updates(
    sim: ExchangeSimulator,
) -> None:
    events = _record(sim)
    exchange = sim.exchange

    def place(market: str, **params: str) -> Any:
        return sim.call(lambda: exchange.place_order(market, {"symbol": "BTCUSDT", **params}))  # type: ignore[arg-type]

    place("spot", side="BUY", type="MARKET", quantity="0.01", newClientOrderId="m1")
    assert _orders(events) == [("NEW", "NEW", "m1"), ("TRADE", "FILLED", "m1")]
    trade = events[1]
    assert isinstance(trade, OrderUpdate) and trade.last_qty == "0.01000000"
    assert trade.commission_asset == "USDT" and not trade.is_maker and trade.trade_id > 0
    account = events[2]
    assert isinstance(account, AccountUpdate) and account.market == "spot"
    balances = {b.asset: (b.free, b.locked) for b in account.balances}
    assert balances["BTC"] == ("0.11000000", "0.00000000")

    events.clear()
    record = place(
        "usdm",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        quantity="0.01",
        price="60000.0",
        newClientOrderId="l1",
    )
    sim.call(
        lambda: exchange.amend_order(
            "usdm",
            {
                "symbol": "BTCUSDT",
                "orderId": str(record.order_id),
                "quantity": "0.02",
                "price": "60001.0",
            },
        )
    )
    sim.call(
        lambda: exchange.cancel_order("usdm", {"symbol": "BTCUSDT", "origClientOrderId": "l1"})
    )
    assert _orders(events) == [
        ("NEW", "NEW", "l1"),
        ("AMENDMENT", "NEW", "l1"),
        ("CANCELED", "CANCELED", "l1"),
    ]
    amended = events[1]
    assert isinstance(amended, OrderUpdate)
    assert (amended.order.orig_qty, amended.order.price) == ("0.02000000", "60001.00000000")

    events.clear()
    with pytest.raises(BinanceError, match="Margin is insufficient"):
        place("usdm", side="BUY", type="MARKET", quantity="10")
    assert [(e.execution_type, e.order.status) for e in events if isinstance(e, OrderUpdate)] == [
        ("REJECTED", "REJECTED")
    ]


def test_usdm_fills_publish_positions(sim: ExchangeSimulator) -> None:
    events = _record(sim)
    sim.call(
        lambda: sim.exchange.place_order(
            "usdm", {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.03"}
        )
    )
    (account,) = [e for e in events if isinstance(e, AccountUpdate)]
    (position,) = account.positions
    amount, entry = sim.positions()["BTCUSDT"]
    assert (position.symbol, Decimal(position.amount), Decimal(position.entry_price)) == (
        "BTCUSDT",
        amount,
        entry,
    )
    assert amount == Decimal("-0.03")


def test_the_replay_publishes_depth_trades_and_klines_in_time_order(
    sim: ExchangeSimulator, btc_bars: pd.DataFrame
) -> None:
    events = _record(sim)
    start = sim.now_ms()
    sim.advance(MINUTE_MS)
    spot = [e for e in events if getattr(e, "market", None) == "spot"]
    assert {type(e) for e in spot} == {DepthUpdate, TradePrint, KlineUpdate}
    times = [e.event_ms for e in spot]
    assert times == sorted(times) and start <= times[0] and times[-1] <= start + MINUTE_MS
    closed = [e for e in spot if isinstance(e, KlineUpdate) and e.closed]
    (bar,) = closed
    recorded = btc_bars[btc_bars.ts_open // 1_000_000 == start].iloc[0]
    assert (bar.open_ms, bar.close_ms) == (start, start + MINUTE_MS - 1)
    assert [float(v) for v in (bar.open, bar.high, bar.low, bar.close, bar.volume)] == (
        pytest.approx([recorded.open, recorded.high, recorded.low, recorded.close, recorded.volume])
    )
    forming = [e for e in spot if isinstance(e, KlineUpdate) and not e.closed]
    assert forming and all(e.open_ms == start for e in forming[:-1])
    trades = [e for e in spot if isinstance(e, TradePrint)]
    assert [t.trade_id for t in trades] == list(range(trades[0].trade_id, trades[-1].trade_id + 1))

"""Spot order lifecycle through the unmodified ccxt client against the simulator (loopback).

Balances are checked against an independent recomputation from the fills ccxt reports.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from ccxt.base.errors import InvalidOrder, OrderImmediatelyFillable, OrderNotFound
from ccxt.binance import binance as sync_binance

from colin.adapters.exchange_sim import ExchangeSimulator
from colin.adapters.exchange_sim.events import ExchangeEvent, OrderUpdate

SYMBOL = "BTC/USDT"
START = {"USDT": Decimal(10000), "BTC": Decimal("0.1")}


def _touch(client: Any) -> tuple[float, float]:
    book = client.fetch_order_book(SYMBOL, 5)
    return book["bids"][0][0], book["asks"][0][0]


def _expected_balances(trades: list[dict[str, Any]]) -> dict[str, Decimal]:
    """Spot balances implied by the fills: quote pays price*qty (+fee), base moves by qty."""
    usdt, btc = START["USDT"], START["BTC"]
    for trade in trades:
        cost = Decimal(trade["info"]["quoteQty"])
        fee = Decimal(trade["info"]["commission"])
        assert trade["info"]["commissionAsset"] == "USDT"
        qty = Decimal(trade["info"]["qty"])
        if trade["side"] == "buy":
            usdt -= cost + fee
            btc += qty
        else:
            usdt += cost - fee
            btc -= qty
    return {"USDT": usdt, "BTC": btc}


def test_limit_market_cancel_and_balances_match_the_fills(
    sim: ExchangeSimulator, ccxt_spot: Any
) -> None:
    bid, ask = _touch(ccxt_spot)
    resting = ccxt_spot.create_order(SYMBOL, "limit", "buy", 0.01, round(bid - 50, 2))
    assert resting["status"] == "open" and resting["filled"] == 0
    bought = ccxt_spot.create_order(SYMBOL, "market", "buy", 0.02)
    assert bought["status"] == "closed" and bought["filled"] == 0.02
    assert bought["average"] >= ask and bought["fee"]["currency"] == "USDT"
    sold = ccxt_spot.create_order(SYMBOL, "market", "sell", 0.05)
    assert sold["status"] == "closed" and sold["average"] <= bid
    open_orders = ccxt_spot.fetch_open_orders(SYMBOL)
    assert [o["id"] for o in open_orders] == [resting["id"]]
    canceled = ccxt_spot.cancel_order(resting["id"], SYMBOL)
    assert canceled["status"] == "canceled"
    assert ccxt_spot.fetch_order(resting["id"], SYMBOL)["status"] == "canceled"
    assert ccxt_spot.fetch_open_orders(SYMBOL) == []

    trades = ccxt_spot.fetch_my_trades(SYMBOL)
    assert {t["order"] for t in trades} == {bought["id"], sold["id"]}
    expected = _expected_balances(trades)
    balance = ccxt_spot.fetch_balance()
    truth = sim.balances("spot")
    for asset, amount in expected.items():
        assert truth[asset] == (amount, Decimal(0))
        assert Decimal(str(balance[asset]["free"])) == amount.quantize(Decimal("1e-8"))
        assert balance[asset]["used"] == 0


def test_resting_limit_locks_funds_and_fills_when_the_replay_trades_through(
    sim: ExchangeSimulator, ccxt_spot: Any
) -> None:
    bid, _ = _touch(ccxt_spot)
    price = round(bid - 100, 2)  # the 1m bars of 2024-04-04 00:01-00:03 trade below it
    order = ccxt_spot.create_order(SYMBOL, "limit", "buy", 0.01, price)
    locked = Decimal(str(price)) * Decimal("0.01") * Decimal("1.001")
    assert sim.balances("spot")["USDT"][1] == locked
    for _ in range(36):
        sim.advance(5_000)
        if ccxt_spot.fetch_order(order["id"], SYMBOL)["status"] == "closed":
            break
    filled = ccxt_spot.fetch_order(order["id"], SYMBOL)
    assert filled["status"] == "closed" and filled["average"] == price
    (trade,) = ccxt_spot.fetch_my_trades(SYMBOL)
    assert trade["takerOrMaker"] == "maker" and trade["price"] == price
    assert sim.balances("spot") == {
        k: (v, Decimal(0)) for k, v in _expected_balances([trade]).items()
    }


def test_post_only_ioc_fok(ccxt_spot: Any, sim: ExchangeSimulator) -> None:
    bid, ask = _touch(ccxt_spot)
    with pytest.raises(OrderImmediatelyFillable, match=r"Order would immediately match and take\."):
        ccxt_spot.create_order(SYMBOL, "limit", "buy", 0.01, ask, {"postOnly": True})
    maker = ccxt_spot.create_order(SYMBOL, "limit", "buy", 0.01, bid, {"postOnly": True})
    assert maker["status"] == "open" and maker["postOnly"]
    assert maker["info"]["type"] == "LIMIT_MAKER"
    ioc = ccxt_spot.create_order(SYMBOL, "limit", "buy", 0.01, bid - 10, {"timeInForce": "IOC"})
    assert ioc["status"] == "expired" and ioc["filled"] == 0
    taken = ccxt_spot.create_order(SYMBOL, "limit", "buy", 0.01, ask, {"timeInForce": "IOC"})
    assert taken["status"] == "closed" and taken["filled"] == 0.01
    fok_ok = ccxt_spot.create_order(SYMBOL, "limit", "buy", 0.001, ask + 5, {"timeInForce": "FOK"})
    assert fok_ok["status"] == "closed" and fok_ok["filled"] == 0.001
    statuses = {o.client_order_id: o.status for o in sim.orders("spot", "BTCUSDT")}
    assert statuses[ioc["clientOrderId"]] == "EXPIRED"
    assert statuses[fok_ok["clientOrderId"]] == "FILLED"


def test_partial_fills_by_the_replayed_l2_capture(sim_l2: ExchangeSimulator) -> None:
    client = sync_binance(sim_l2.ccxt_config("spot"))
    updates: list[OrderUpdate] = []

    def collect(event: ExchangeEvent) -> None:
        if isinstance(event, OrderUpdate):
            updates.append(event)

    unsubscribe = sim_l2.exchange.subscribe(collect)
    bid, _ = _touch(client)
    order = client.create_order(SYMBOL, "limit", "buy", 0.05, round(bid - 40, 2))
    for _ in range(400):
        sim_l2.advance(250)
        if client.fetch_order(order["id"], SYMBOL)["status"] == "closed":
            break
    unsubscribe()
    mine = [u for u in updates if u.order.client_order_id == order["clientOrderId"]]
    assert mine[0].execution_type == "NEW"
    trades = [u for u in mine if u.execution_type == "TRADE"]
    assert len(trades) >= 2 and trades[0].order.status == "PARTIALLY_FILLED"
    assert trades[-1].order.status == "FILLED"
    fills = client.fetch_my_trades(SYMBOL)
    assert sum(Decimal(t["info"]["qty"]) for t in fills) == Decimal("0.05")
    assert [t["id"] for t in fills] == [str(u.trade_id) for u in trades]


def test_amend_is_cancel_replace_and_lookup_by_client_id(
    sim: ExchangeSimulator, ccxt_spot: Any
) -> None:
    bid, _ = _touch(ccxt_spot)
    original = ccxt_spot.create_order(
        SYMBOL, "limit", "buy", 0.01, round(bid - 30, 2), {"clientOrderId": "colin-s1-1"}
    )
    found = ccxt_spot.fetch_order(None, SYMBOL, {"origClientOrderId": "colin-s1-1"})
    assert found["id"] == original["id"]
    with pytest.raises(InvalidOrder, match=r"Duplicate order sent\."):
        ccxt_spot.create_order(
            SYMBOL, "limit", "buy", 0.01, round(bid - 30, 2), {"clientOrderId": "colin-s1-1"}
        )
    edited = ccxt_spot.edit_order(original["id"], SYMBOL, "limit", "buy", 0.02, round(bid - 20, 2))
    assert edited["id"] != original["id"] and edited["amount"] == 0.02
    assert ccxt_spot.fetch_order(original["id"], SYMBOL)["status"] == "canceled"
    assert [o["id"] for o in ccxt_spot.fetch_open_orders(SYMBOL)] == [edited["id"]]
    assert [r.path for r in sim.requests if r.method == "POST"][-1] == (
        "/api/v3/order/cancelReplace"
    )
    ccxt_spot.cancel_all_orders(SYMBOL)
    assert ccxt_spot.fetch_open_orders(SYMBOL) == []
    with pytest.raises(OrderNotFound, match="-2011"):  # as Binance: nothing to cancel
        ccxt_spot.cancel_all_orders(SYMBOL)
    reused = ccxt_spot.create_order(
        SYMBOL, "limit", "buy", 0.01, round(bid - 30, 2), {"clientOrderId": "colin-s1-1"}
    )
    assert reused["id"] not in (original["id"], edited["id"])
    assert sim.balances("spot")["USDT"][1] > 0


def test_stop_loss_limit_triggers_when_the_replay_reaches_it(
    sim: ExchangeSimulator, ccxt_spot: Any
) -> None:
    bid, _ = _touch(ccxt_spot)
    trigger = round(bid - 20, 2)  # the bars of 00:01-00:03 trade down through it
    stop = ccxt_spot.create_order(
        SYMBOL, "limit", "sell", 0.01, round(trigger - 30, 2), {"triggerPrice": trigger}
    )
    assert stop["info"]["type"] == "STOP_LOSS_LIMIT" and stop["status"] == "open"
    assert sim.balances("spot")["BTC"] == (Decimal("0.09"), Decimal("0.01"))
    with pytest.raises(InvalidOrder, match=r"Order would trigger immediately\."):
        ccxt_spot.create_order(SYMBOL, "market", "sell", 0.01, None, {"triggerPrice": bid + 50})
    for _ in range(36):
        sim.advance(5_000)
        if ccxt_spot.fetch_order(stop["id"], SYMBOL)["status"] == "closed":
            break
    done = ccxt_spot.fetch_order(stop["id"], SYMBOL)
    assert done["status"] == "closed" and done["average"] >= trigger - 30
    (trade,) = ccxt_spot.fetch_my_trades(SYMBOL)
    assert sim.balances("spot") == {
        k: (v, Decimal(0)) for k, v in _expected_balances([trade]).items()
    }


def test_market_buy_sized_in_quote(sim: ExchangeSimulator, ccxt_spot: Any) -> None:
    order = ccxt_spot.create_order(SYMBOL, "market", "buy", None, None, {"quoteOrderQty": 1000})
    assert order["status"] == "closed"
    assert order["info"]["origQuoteOrderQty"] == "1000.00000000"
    cost = Decimal(order["info"]["cummulativeQuoteQty"])
    assert Decimal(1000) - Decimal("0.67") < cost <= Decimal(1000)  # within one lot of BTC

"""USD-M perpetual lifecycle through the unmodified ccxt client against the simulator.

The position and the wallet are checked against an independent netting of the fills ccxt reports.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from ccxt.base.errors import (
    InvalidOrder,
    OrderImmediatelyFillable,
    OrderNotFillable,
    OrderNotFound,
)

from colin.adapters.exchange_sim import ExchangeSimulator

SYMBOL = "BTC/USDT:USDT"
START_USDT = Decimal(10000)


def _touch(client: Any) -> tuple[float, float]:
    book = client.fetch_order_book(SYMBOL, 5)
    return book["bids"][0][0], book["asks"][0][0]


def _net(trades: list[dict[str, Any]]) -> tuple[Decimal, Decimal, Decimal]:
    """Return (signed position, entry price, wallet) implied by the fills, netted one by one."""
    position, entry, wallet = Decimal(0), Decimal(0), START_USDT
    for trade in trades:
        qty = Decimal(trade["info"]["qty"])
        price = Decimal(trade["info"]["price"])
        signed = qty if trade["side"] == "buy" else -qty
        wallet -= Decimal(trade["info"]["commission"])
        if position == 0 or (position > 0) == (signed > 0):
            entry = (entry * abs(position) + price * qty) / (abs(position) + qty)
            position += signed
            continue
        closed = min(qty, abs(position))
        pnl = closed * (price - entry) * (1 if position > 0 else -1)
        assert Decimal(trade["info"]["realizedPnl"]) == pnl
        wallet += pnl
        position += signed
        if position == 0:
            entry = Decimal(0)
        elif (position > 0) != (position - signed > 0):
            entry = price
    return position, entry, wallet


def test_leverage_orders_positions_and_wallet_match_the_fills(
    sim: ExchangeSimulator, ccxt_usdm: Any
) -> None:
    assert ccxt_usdm.set_leverage(10, SYMBOL)["leverage"] == 10
    long = ccxt_usdm.create_order(SYMBOL, "market", "buy", 0.05)
    assert long["status"] == "closed" and long["filled"] == 0.05
    sim.advance(60_000)
    more = ccxt_usdm.create_order(SYMBOL, "market", "buy", 0.03)
    assert more["status"] == "closed"
    bid, _ = _touch(ccxt_usdm)
    reduce = ccxt_usdm.create_order(SYMBOL, "limit", "sell", 0.06, bid, {"reduceOnly": True})
    assert reduce["status"] == "closed" and reduce["reduceOnly"]
    sim.advance(120_000)
    flip = ccxt_usdm.create_order(SYMBOL, "market", "sell", 0.05)
    assert flip["status"] == "closed"

    trades = ccxt_usdm.fetch_my_trades(SYMBOL)
    assert len(trades) >= 4
    position, entry, wallet = _net(trades)
    assert position == Decimal("-0.03")
    assert sim.positions() == {"BTCUSDT": (position, entry)}
    (reported,) = ccxt_usdm.fetch_positions([SYMBOL])
    assert reported["side"] == "short" and reported["contracts"] == 0.03
    assert Decimal(reported["info"]["entryPrice"]) == entry
    margin = abs(position) * entry / 10
    assert Decimal(reported["info"]["initialMargin"]) == margin
    free, locked = sim.balances("usdm")["USDT"]
    assert (free + locked, locked) == (wallet, margin)
    account = ccxt_usdm.fapiPrivateV3GetAccount()
    asset = next(a for a in account["assets"] if a["asset"] == "USDT")
    assert Decimal(asset["walletBalance"]) == wallet
    upnl = Decimal(asset["unrealizedProfit"])
    assert Decimal(asset["marginBalance"]) == wallet + upnl
    assert ccxt_usdm.fetch_balance()["USDT"]["total"] == pytest.approx(float(wallet + upnl))


def test_limit_amend_cancel_and_lookup(sim: ExchangeSimulator, ccxt_usdm: Any) -> None:
    bid, _ = _touch(ccxt_usdm)
    order = ccxt_usdm.create_order(
        SYMBOL, "limit", "buy", 0.01, round(bid - 100, 1), {"clientOrderId": "colin-p-1"}
    )
    assert order["status"] == "open"
    amended = ccxt_usdm.edit_order(order["id"], SYMBOL, "limit", "buy", 0.02, round(bid - 90, 1))
    assert amended["id"] == order["id"]
    assert (amended["amount"], amended["price"]) == (0.02, round(bid - 90, 1))
    assert ("PUT", "/fapi/v1/order") in [(r.method, r.path) for r in sim.requests]
    found = ccxt_usdm.fetch_order(None, SYMBOL, {"origClientOrderId": "colin-p-1"})
    assert found["id"] == order["id"] and found["amount"] == 0.02
    assert ccxt_usdm.cancel_order(order["id"], SYMBOL)["status"] == "canceled"
    with pytest.raises(OrderNotFound):
        ccxt_usdm.cancel_order(order["id"], SYMBOL)
    second = ccxt_usdm.create_order(SYMBOL, "limit", "sell", 0.01, round(bid + 200, 1))
    ccxt_usdm.cancel_all_orders(SYMBOL)
    assert ccxt_usdm.fetch_order(second["id"], SYMBOL)["status"] == "canceled"
    assert sim.balances("usdm")["USDT"] == (START_USDT, Decimal(0))


def test_ioc_fok_and_post_only(ccxt_usdm_mapped: Any, sim: ExchangeSimulator) -> None:
    client = ccxt_usdm_mapped
    book = client.fetch_order_book(SYMBOL, 5)
    (ask, ask_size), bid = book["asks"][0], book["bids"][0][0]
    with pytest.raises(OrderNotFillable):
        client.create_order(SYMBOL, "limit", "buy", 0.01, ask, {"postOnly": True})
    maker = client.create_order(SYMBOL, "limit", "buy", 0.01, bid, {"postOnly": True})
    assert maker["info"]["timeInForce"] == "GTX" and maker["status"] == "open"
    too_big = round(ask_size + 0.001, 3)
    fok = client.create_order(SYMBOL, "limit", "buy", too_big, ask, {"timeInForce": "FOK"})
    assert fok["status"] == "expired" and fok["filled"] == 0
    ioc = client.create_order(SYMBOL, "limit", "buy", too_big, ask, {"timeInForce": "IOC"})
    assert ioc["status"] == "expired" and ioc["filled"] == ask_size
    assert sim.positions()["BTCUSDT"][0] == Decimal(str(ask_size))


def test_reduce_only_cannot_open_or_grow(ccxt_usdm_mapped: Any) -> None:
    client = ccxt_usdm_mapped
    with pytest.raises(InvalidOrder, match="ReduceOnly Order is rejected"):
        client.create_order(SYMBOL, "market", "sell", 0.01, None, {"reduceOnly": True})
    client.create_order(SYMBOL, "market", "buy", 0.01)
    with pytest.raises(InvalidOrder):
        client.create_order(SYMBOL, "market", "buy", 0.01, None, {"reduceOnly": True})
    closed = client.create_order(SYMBOL, "market", "sell", 0.01, None, {"reduceOnly": True})
    assert closed["status"] == "closed"
    assert client.fetch_positions([SYMBOL]) == []


def test_conditional_orders_go_through_the_algo_service(
    sim: ExchangeSimulator, ccxt_usdm_mapped: Any
) -> None:
    client = ccxt_usdm_mapped
    client.create_order(SYMBOL, "market", "buy", 0.05)
    bid, _ = _touch(client)
    stop = client.create_order(
        SYMBOL,
        "market",
        "sell",
        0.05,
        None,
        {"triggerPrice": round(bid - 20, 1), "reduceOnly": True, "clientOrderId": "sl-1"},
    )  # the bars of 00:01-00:03 trade down through the trigger
    assert (stop["status"], stop["triggerPrice"], stop["info"]["algoType"]) == (
        "open",
        round(bid - 20, 1),
        "CONDITIONAL",
    )
    take = client.create_order(
        SYMBOL,
        "limit",
        "sell",
        0.05,
        round(bid + 900, 1),
        {"takeProfitPrice": round(bid + 900, 1), "reduceOnly": True},
    )
    with pytest.raises(OrderImmediatelyFillable, match="-2021"):
        client.create_order(SYMBOL, "market", "sell", 0.05, None, {"triggerPrice": bid + 20})
    waiting = client.fetch_open_orders(SYMBOL, params={"trigger": True})
    assert [o["id"] for o in waiting] == [stop["id"], take["id"]]
    assert client.fetch_open_orders(SYMBOL) == []  # nothing in the matching engine yet
    for _ in range(36):
        sim.advance(5_000)
        if not sim.positions():
            break
    assert sim.positions() == {}
    fired = client.fetch_order(None, SYMBOL, {"trigger": True, "clientOrderId": "sl-1"})
    assert fired["info"]["algoStatus"] == "FINISHED" and fired["status"] == "closed"
    placed = client.fetch_order(fired["info"]["actualOrderId"], SYMBOL)
    assert (placed["clientOrderId"], placed["status"], placed["filled"]) == ("sl-1", "closed", 0.05)
    assert placed["average"] <= round(bid - 20, 1)
    client.cancel_order(take["id"], SYMBOL, {"trigger": True})
    with pytest.raises(OrderNotFound):
        client.cancel_order(take["id"], SYMBOL, {"trigger": True})
    assert client.fetch_open_orders(SYMBOL, params={"trigger": True}) == []

"""ccxt's unified order, trade, balance and position dicts decode into exact venue reports."""

from __future__ import annotations

from decimal import Decimal

import pytest

from colin.adapters.ccxt.order_decode import (
    DecodeError,
    balances,
    fill_report,
    order_fills,
    order_report,
    position_reports,
    to_decimal,
)
from colin.model.account import Balance
from colin.model.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce


def _order(**changes: object) -> dict[str, object]:
    order: dict[str, object] = {
        "id": "1000001",
        "clientOrderId": "colin-s1-1",
        "symbol": "BTC/USDT",
        "type": "limit",
        "side": "buy",
        "amount": 0.01,
        "price": 50000.1,
        "filled": 0.0,
        "average": None,
        "status": "open",
        "timeInForce": "GTC",
        "postOnly": False,
        "reduceOnly": None,
        "triggerPrice": None,
        "timestamp": 1_700_000_000_000,
        "lastUpdateTimestamp": 1_700_000_000_500,
        "trades": [],
    }
    order.update(changes)
    return order


def test_open_limit_order_decodes_exactly() -> None:
    report = order_report(_order(), "BINANCE")
    assert report.client_order_id == "colin-s1-1"
    assert report.venue_order_id == "1000001"
    assert report.instrument_id == "BTC/USDT.BINANCE"
    assert report.side is OrderSide.BUY
    assert report.order_type is OrderType.LIMIT
    assert report.quantity == Decimal("0.01")
    assert report.price == Decimal("50000.1")
    assert report.status is OrderStatus.ACCEPTED
    assert report.ts_event == 1_700_000_000_500_000_000
    assert report.time_in_force is TimeInForce.GTC


@pytest.mark.parametrize(
    ("status", "filled", "expected"),
    [
        ("open", 0.004, OrderStatus.PARTIALLY_FILLED),
        ("closed", 0.01, OrderStatus.FILLED),
        ("canceled", 0.004, OrderStatus.CANCELED),
        ("expired", 0.0, OrderStatus.EXPIRED),
        ("rejected", 0.0, OrderStatus.REJECTED),
    ],
)
def test_statuses_map_to_venue_statuses(status: str, filled: float, expected: OrderStatus) -> None:
    report = order_report(_order(status=status, filled=filled, average=50000.0), "BINANCE")
    assert report.status is expected
    assert report.filled_qty == Decimal(repr(filled))


def test_market_post_only_ioc_reduce_only_and_stop_flags() -> None:
    market = order_report(_order(type="market", price=50010.0), "BINANCE")
    assert market.order_type is OrderType.MARKET and market.price is None
    maker = order_report(_order(type="limit_maker", timeInForce="PO", postOnly=True), "BINANCE")
    assert maker.post_only and maker.order_type is OrderType.LIMIT
    ioc = order_report(
        _order(timeInForce="IOC", reduceOnly=True, symbol="BTC/USDT:USDT"), "BINANCE"
    )
    assert ioc.time_in_force is TimeInForce.IOC and ioc.reduce_only
    assert ioc.instrument_id == "BTC/USDT:USDT.BINANCE"
    stop = order_report(_order(type="market", triggerPrice=48000.0), "BINANCE")
    assert stop.order_type is OrderType.STOP_MARKET and stop.trigger_price == Decimal(48000)


def test_malformed_orders_raise_decode_errors() -> None:
    with pytest.raises(DecodeError, match="status"):
        order_report(_order(status="canceling"), "BINANCE")
    with pytest.raises(DecodeError, match="'id'"):
        order_report(_order(id=None), "BINANCE")
    with pytest.raises(DecodeError, match="fill state"):
        order_report(_order(filled=0.02), "BINANCE")
    with pytest.raises(DecodeError, match="side"):
        order_report(_order(side="both"), "BINANCE")
    with pytest.raises(DecodeError, match="finite"):
        to_decimal("nan")


def test_user_stream_trade_carries_the_client_id_from_the_raw_message() -> None:
    trade = {
        "id": "77",
        "order": "1000001",
        "symbol": "BTC/USDT",
        "side": "buy",
        "amount": 0.004,
        "price": 50000.1,
        "fee": {"cost": 0.000004, "currency": "BTC"},
        "takerOrMaker": "maker",
        "timestamp": 1_700_000_001_000,
        "info": {"e": "executionReport", "c": "colin-s1-1", "t": 77},
    }
    fill = fill_report(trade, "BINANCE")
    assert fill.trade_id == "77" and fill.client_order_id == "colin-s1-1"
    assert fill.quantity == Decimal("0.004") and fill.price == Decimal("50000.1")
    assert fill.commission == Decimal("0.000004") and fill.commission_currency == "BTC"
    assert fill.liquidity_side is LiquiditySide.MAKER
    assert fill.ts_event == 1_700_000_001_000_000_000
    rest_trade = dict(trade, info={"id": 77}, takerOrMaker="taker")
    assert fill_report(rest_trade, "BINANCE").client_order_id is None
    assert fill_report(rest_trade, "BINANCE").liquidity_side is LiquiditySide.TAKER


def test_fills_inside_an_order_answer_take_the_order_id_side_and_symbol() -> None:
    answer = _order(
        status="closed",
        filled=0.01,
        trades=[
            {
                "id": "5",
                "amount": 0.006,
                "price": 50000.0,
                "fee": {"cost": 0.3, "currency": "USDT"},
            },
            {"id": "6", "amount": 0.004, "price": 50001.0, "fee": None},
            {"id": None, "amount": 0.001, "price": 1.0},
        ],
    )
    fills = order_fills(answer, "BINANCE")
    assert [(f.trade_id, f.venue_order_id, f.side, f.quantity) for f in fills] == [
        ("5", "1000001", OrderSide.BUY, Decimal("0.006")),
        ("6", "1000001", OrderSide.BUY, Decimal("0.004")),
    ]
    assert fills[1].commission == 0


def test_balances_and_positions() -> None:
    balance = {
        "total": {"USDT": 9950.5, "BTC": 0.01, "BNB": 0.0},
        "used": {"USDT": 500.0, "BTC": 0.0},
    }
    assert balances(balance) == (
        Balance("BTC", Decimal("0.01"), Decimal(0)),
        Balance("USDT", Decimal("9950.5"), Decimal(500)),
    )
    positions = position_reports(
        [
            {"symbol": "BTC/USDT:USDT", "contracts": 0.5, "side": "short", "entryPrice": 51000.0},
            {"symbol": "ETH/USDT:USDT", "contracts": 0.0, "side": None, "entryPrice": 0.0},
        ],
        "BINANCE",
    )
    assert [(p.instrument_id, p.quantity, p.entry_price) for p in positions] == [
        ("BTC/USDT:USDT.BINANCE", Decimal("-0.5"), Decimal(51000))
    ]


def test_derivative_balance_is_the_wallet_balance_without_unrealized_pnl() -> None:
    usdm = {
        "total": {"USDT": 9999.92},  # ccxt: marginBalance, moves with the open position's PnL
        "used": {"USDT": 19.8},
        "info": {"assets": [{"asset": "USDT", "walletBalance": "9999.96048202"}]},
    }
    assert balances(usdm) == (Balance("USDT", Decimal("9999.96048202"), Decimal("19.8")),)

from __future__ import annotations

from decimal import Decimal

from colin.model import OrderSide, OrderType, Position, PositionSide
from colin.testkit.factories import BTCUSDT_PERP, btcusdt_perp, btcusdt_spot, fill_for, make_order


def test_spot_round_trip_pnl_equals_hand_computation_with_fees() -> None:
    position = Position(btcusdt_spot())
    buy = make_order(OrderSide.BUY, "0.5", OrderType.MARKET, None)
    sell = make_order(OrderSide.SELL, "0.5", OrderType.MARKET, None, client_order_id="O-2")
    # buy 0.5 @ 40,000 (fee 0.1% = 20), sell 0.5 @ 42,000 (fee 21)
    assert position.apply(fill_for(buy, "0.5", "40000", commission="20")) == 0
    assert position.side is PositionSide.LONG
    realized = position.apply(fill_for(sell, "0.5", "42000", commission="21"))
    assert realized == Decimal("1000")  # 0.5 * (42,000 - 40,000)
    assert position.net_realized_pnl == Decimal("959")  # 1,000 - 20 - 21
    assert position.side is PositionSide.FLAT


def test_averaging_in_partial_close_and_flip_on_a_perpetual() -> None:
    position = Position(btcusdt_perp())
    buy = make_order(OrderSide.BUY, "3", OrderType.MARKET, None, instrument_id=BTCUSDT_PERP)
    sell = make_order(OrderSide.SELL, "5", OrderType.MARKET, None, instrument_id=BTCUSDT_PERP)
    position.apply(fill_for(buy, "1", "100"))
    position.apply(fill_for(buy, "2", "130"))
    assert position.avg_entry_price == Decimal(120)
    assert position.apply(fill_for(sell, "1", "110")) == Decimal(-10)
    # sell 4 more: closes the remaining 2 long at 150 (+60), opens 2 short at 150
    assert position.apply(fill_for(sell, "4", "150")) == Decimal(60)
    assert position.quantity == Decimal(-2)
    assert position.avg_entry_price == Decimal(150)
    assert position.side is PositionSide.SHORT
    assert position.unrealized_pnl(140.0) == 20.0  # short 2 from 150 to 140
    assert position.realized_pnl == Decimal(50)

from __future__ import annotations

from decimal import Decimal

import pytest

from colin.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import SimClock
from colin.core.topics import FILLS_TOPIC, position_events_topic
from colin.model import Bar, FundingRate, OrderSide, OrderType, PositionClosed, PositionOpened
from colin.portfolio import Portfolio
from colin.testkit.factories import (
    BTCUSDT,
    BTCUSDT_PERP,
    btcusdt_perp,
    btcusdt_spot,
    fill_for,
    make_order,
)


def _setup(balances: dict[str, Decimal]) -> tuple[MessageBus, Cache, Portfolio]:
    bus, cache = MessageBus(), Cache()
    cache.add_instrument(btcusdt_spot())
    cache.add_instrument(btcusdt_perp())
    return bus, cache, Portfolio(bus, SimClock(), cache, balances)


def _mark(cache: Cache, instrument_id: str, price: float) -> None:
    cache.add_bar(Bar(instrument_id, "1h", price, price, price, price, 1.0, 0, 3_600))


def test_spot_round_trip_books_cash_base_and_fees_exactly() -> None:
    bus, cache, portfolio = _setup({"USDT": Decimal(10_000)})
    events: list[object] = []
    bus.subscribe(position_events_topic("test"), events.append)
    buy = make_order(OrderSide.BUY, "0.1", OrderType.MARKET, None)
    bus.publish(FILLS_TOPIC, fill_for(buy, "0.1", "40000", commission="4", trade_id="1"))
    assert portfolio.balance_total("USDT") == Decimal("5996")  # 10,000 - 4,000 - 4
    assert portfolio.balance_total("BTC") == Decimal("0.1")
    _mark(cache, BTCUSDT, 41_000.0)
    assert portfolio.equity() == pytest.approx(5_996 + 4_100)
    assert portfolio.unrealized_pnl() == pytest.approx(100.0)
    assert portfolio.gross_exposure() == pytest.approx(4_100.0)
    sell = make_order(OrderSide.SELL, "0.1", OrderType.MARKET, None, client_order_id="O-2")
    bus.publish(FILLS_TOPIC, fill_for(sell, "0.1", "42000", commission="4.2", trade_id="2"))
    assert portfolio.balance_total("USDT") == Decimal("10191.8")  # +4,200 - 4.2
    assert portfolio.balance_total("BTC") == 0
    assert portfolio.realized_pnl() == Decimal("200")
    assert portfolio.total_fees() == Decimal("8.2")
    assert portfolio.positions_open() == []
    assert [type(e) for e in events] == [PositionOpened, PositionClosed]
    assert portfolio.peak_equity() == pytest.approx(10_191.8)


def test_perpetual_short_credits_realised_pnl_and_pays_funding() -> None:
    bus, cache, portfolio = _setup({"USDT": Decimal(1_000)})
    short = make_order(OrderSide.SELL, "0.5", OrderType.MARKET, None, instrument_id=BTCUSDT_PERP)
    bus.publish(FILLS_TOPIC, fill_for(short, "0.5", "30000", commission="7.5", trade_id="1"))
    assert portfolio.balance_total("USDT") == Decimal("992.5")  # no notional moves on a perp
    assert portfolio.net_quantity(BTCUSDT_PERP) == Decimal("-0.5")
    _mark(cache, BTCUSDT_PERP, 29_000.0)
    assert portfolio.equity() == pytest.approx(992.5 + 500.0)
    # funding +0.01% at mark 29,000: the short receives 0.5 * 29,000 * 0.0001 = 1.45
    bus.publish("data.funding.BINANCE.BTC/USDT:USDT", FundingRate(BTCUSDT_PERP, 0.0001, 10))
    assert portfolio.balance_total("USDT") == Decimal("993.95")
    assert portfolio.funding_paid == Decimal("-1.45")
    cover = make_order(
        OrderSide.BUY,
        "0.5",
        OrderType.MARKET,
        None,
        instrument_id=BTCUSDT_PERP,
        client_order_id="O-2",
    )
    bus.publish(FILLS_TOPIC, fill_for(cover, "0.5", "29000", commission="7.25", trade_id="2"))
    assert portfolio.balance_total("USDT") == Decimal("1486.70")  # +500 realised - 7.25
    assert portfolio.net_exposure() == 0.0


def test_free_balance_subtracts_what_open_orders_lock() -> None:
    _, cache, portfolio = _setup({"USDT": Decimal(1_000), "BTC": Decimal("0.05")})
    buy = make_order(OrderSide.BUY, "0.01", OrderType.LIMIT, "20000", client_order_id="B")
    sell = make_order(OrderSide.SELL, "0.02", OrderType.LIMIT, "50000", client_order_id="S")
    for order in (buy, sell):
        cache.add_order(order)
        order.status = order.status.SUBMITTED  # open as far as the cache is concerned
        cache.update_order(order)
    assert portfolio.balance_free("USDT") == Decimal(1_000) - Decimal("200") * Decimal("1.001")
    assert portfolio.balance_free("BTC") == Decimal("0.03")


def test_balances_in_other_currencies_count_at_their_pair_price() -> None:
    _, cache, portfolio = _setup({"USDT": Decimal(1_000), "BTC": Decimal("0.5"), "XYZ": Decimal(3)})
    assert portfolio.equity() == pytest.approx(1_000.0)  # no BTC price yet: counted as 0
    _mark(cache, BTCUSDT, 40_000.0)
    # 1,000 + 0.5 * 40,000; XYZ has no XYZ/USDT pair, so it is not counted
    assert portfolio.equity() == pytest.approx(21_000.0)

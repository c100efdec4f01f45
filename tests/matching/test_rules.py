"""Venue-side rules: Binance-like rejections with reasons, modify and cancel."""

from __future__ import annotations

from decimal import Decimal

import pytest

from colin.core.ids import ClientOrderId, InstrumentId
from colin.matching import SimulatedVenueConfig
from colin.model import (
    CancelAllOrders,
    CancelOrder,
    ModifyOrder,
    Order,
    OrderCanceled,
    OrderCancelRejected,
    OrderModifyRejected,
    OrderRejected,
    OrderSide,
    OrderType,
    OrderUpdated,
    SubmitOrder,
    TimeInForce,
)

from .harness import MINUTE, SPOT_ID, STRATEGY, Harness, perp_instrument, spot_instrument

BUY, SELL = OrderSide.BUY, OrderSide.SELL


@pytest.fixture
def venue() -> Harness:
    h = Harness(
        [spot_instrument(min_quantity=Decimal("0.01"), min_notional=Decimal(5))],
        {"USDT": Decimal(1_000), "BTC": Decimal("0.5")},
        start_ns=MINUTE,
    )
    h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="50"))  # rests; holds 5.01 USDT
    h.bar(100, 101, 99, 100)
    h.events.clear()
    return h


def _reason(h: Harness, order: Order) -> str:
    (rejected,) = h.of(OrderRejected, order)
    return str(rejected.reason)


@pytest.mark.parametrize(
    ("side", "quantity", "order_type", "price", "trigger", "flags", "expected"),
    [
        (BUY, "0.0105", OrderType.MARKET, None, None, {}, "not a multiple of the lot size"),
        (BUY, "0.005", OrderType.MARKET, None, None, {}, "below the minimum 0.01"),
        (BUY, "0", OrderType.MARKET, None, None, {}, "must be positive"),
        (BUY, "0.01", OrderType.LIMIT, "99.999", None, {}, "not a multiple of the tick size"),
        (BUY, "0.01", OrderType.LIMIT, None, None, {}, "price is required"),
        (BUY, "0.01", OrderType.STOP_MARKET, None, None, {}, "trigger_price is required"),
        (BUY, "0.02", OrderType.LIMIT, "100", None, {}, "notional 2.00 is below the minimum 5"),
        (
            BUY,
            "0.1",
            OrderType.LIMIT,
            "99",
            None,
            {"post_only": False, "reduce_only": True},
            "reduce-only is only supported for perpetual",
        ),
        (BUY, "0.1", OrderType.MARKET, None, None, {"post_only": True}, "post-only needs a LIMIT"),
        (
            BUY,
            "0.1",
            OrderType.LIMIT,
            "100",
            None,
            {"post_only": True},
            "post-only order would take liquidity",
        ),
        (
            SELL,
            "0.1",
            OrderType.LIMIT,
            "100",
            None,
            {"post_only": True},
            "post-only order would take liquidity",
        ),
        (BUY, "0.1", OrderType.STOP_MARKET, None, "99", {}, "stop order would trigger immediately"),
        (SELL, "0.1", OrderType.STOP_LIMIT, "101", "101", {}, "would trigger immediately"),
        (BUY, "20", OrderType.LIMIT, "99", None, {}, "insufficient balance"),
        (BUY, "10", OrderType.MARKET, None, None, {}, "insufficient balance"),
        (SELL, "0.6", OrderType.LIMIT, "101", None, {}, "insufficient balance"),
    ],
)
def test_invalid_orders_are_rejected_with_a_reason(
    venue: Harness,
    side: OrderSide,
    quantity: str,
    order_type: OrderType,
    price: str | None,
    trigger: str | None,
    flags: dict[str, bool],
    expected: str,
) -> None:
    before = venue.venue.balances()
    order = venue.submit(venue.order(side, quantity, order_type, price, trigger, **flags))
    assert expected in _reason(venue, order)
    assert venue.kinds(order) == ["OrderRejected"]
    assert venue.venue.balances() == before  # a rejected order holds nothing


def test_post_only_with_ioc_is_rejected(venue: Harness) -> None:
    order = venue.submit(
        venue.order(BUY, "0.1", OrderType.LIMIT, "90", tif=TimeInForce.IOC, post_only=True)
    )
    assert "post-only needs time in force GTC" in _reason(venue, order)


def test_insufficient_balance_reason_names_the_amounts(venue: Harness) -> None:
    order = venue.submit(venue.order(BUY, "20", OrderType.LIMIT, price="99"))
    # 20 * 99 = 1980 plus the highest fee rate (0.2%) = 1983.96; 1000 less the resting order's 5.01
    assert _reason(venue, order) == (
        "insufficient balance: the order needs 1983.96 USDT, 994.99 USDT is free"
    )


def test_open_limit_orders_hold_funds_for_later_orders(venue: Harness) -> None:
    venue.submit(venue.order(BUY, "6", OrderType.LIMIT, price="90"))  # holds 541.08 USDT
    second = venue.submit(venue.order(BUY, "6", OrderType.LIMIT, price="90"))
    assert "insufficient balance" in _reason(venue, second)


def test_duplicate_and_unknown_instrument_are_rejected(venue: Harness) -> None:
    order = venue.submit(venue.order(BUY, "0.1", OrderType.LIMIT, price="90"))
    venue.venue.submit_order(SubmitOrder(order=order, ts_init=venue.clock.timestamp_ns()))
    assert "duplicate client order id" in _reason(venue, order)
    other = venue.order(BUY, "0.1", instrument_id=InstrumentId("ETH/USDT.SIM"))
    venue.submit(other)
    assert _reason(venue, other) == "instrument ETH/USDT.SIM is not traded at SIM"


def test_reduce_only_rules_on_a_perpetual() -> None:
    perp = perp_instrument()
    h = Harness([perp], {"USDT": Decimal(10_000)}, start_ns=MINUTE)
    opening = h.order(BUY, "0.1", OrderType.LIMIT, "1", instrument_id=perp.id, reduce_only=True)
    h.submit(opening)
    h.bar(100, 101, 99, 100, instrument_id=perp.id)
    assert "would increase the position (position 0)" in _reason(h, opening)
    h.submit(h.order(BUY, "0.1", instrument_id=perp.id))
    h.bar(100, 101, 99, 100, instrument_id=perp.id)
    assert h.venue.position_quantity(perp.id) == Decimal("0.1")
    adding = h.submit(h.order(BUY, "0.1", instrument_id=perp.id, reduce_only=True))
    assert "would increase the position (position 0.1)" in _reason(h, adding)
    too_big = h.submit(h.order(SELL, "0.2", instrument_id=perp.id, reduce_only=True))
    assert "reduce-only quantity 0.2 exceeds the position 0.1" in _reason(h, too_big)
    closing = h.submit(h.order(SELL, "0.1", instrument_id=perp.id, reduce_only=True))
    h.bar(100, 101, 99, 100, instrument_id=perp.id)
    assert h.kinds(closing) == ["OrderAccepted", "OrderFilled"]
    assert h.venue.position_quantity(perp.id) == 0


# -- modify ----------------------------------------------------------------------------------


def _modify(h: Harness, order: Order, **changes: str) -> None:
    h.venue.modify_order(
        ModifyOrder(
            instrument_id=order.instrument_id,
            strategy_id=STRATEGY,
            client_order_id=order.client_order_id,
            ts_init=h.clock.timestamp_ns(),
            **{k: Decimal(v) for k, v in changes.items()},
        )
    )


def test_modify_changes_price_and_quantity(venue: Harness) -> None:
    order = venue.submit(venue.order(BUY, "0.1", OrderType.LIMIT, price="90"))
    _modify(venue, order, price="95", quantity="0.2")
    (updated,) = venue.of(OrderUpdated, order)
    assert (updated.quantity, updated.price, updated.trigger_price) == (
        Decimal("0.2"),
        Decimal("95.00"),
        None,
    )
    assert venue.venue.balances()["USDT"].locked > Decimal("0.2") * 95
    venue.bar(100, 100, 94, 96)
    (fill,) = venue.fills(order)
    assert (fill.last_qty, fill.last_px) == (Decimal("0.2"), Decimal("95.00"))


def test_modify_into_the_market_takes(venue: Harness) -> None:
    order = venue.submit(venue.order(BUY, "0.1", OrderType.LIMIT, price="90"))
    _modify(venue, order, price="105")
    venue.bar(101, 102, 100, 101)
    assert venue.fills(order)[0].last_px == Decimal("101.00")


def test_modify_rejections_keep_the_order(venue: Harness) -> None:
    order = venue.submit(venue.order(BUY, "0.1", OrderType.LIMIT, price="90"))
    _modify(venue, order, price="90.001")
    _modify(venue, order, quantity="50")
    _modify(venue, order, trigger_price="95")
    reasons = [e.reason for e in venue.of(OrderModifyRejected, order)]
    assert "not a multiple of the tick size" in reasons[0]
    assert "insufficient balance" in reasons[1]
    assert "only be modified on an untriggered stop" in reasons[2]
    venue.bar(100, 100, 89, 95)
    assert venue.fills(order)[0].last_px == Decimal("90.00")


def test_modify_of_a_post_only_order_into_the_market_is_rejected(venue: Harness) -> None:
    order = venue.submit(venue.order(SELL, "0.1", OrderType.LIMIT, price="110", post_only=True))
    _modify(venue, order, price="99")
    (rejected,) = venue.of(OrderModifyRejected, order)
    assert "post-only order would take liquidity" in rejected.reason


def test_modify_unknown_order_is_rejected(venue: Harness) -> None:
    ghost = venue.order(BUY, "0.1", OrderType.LIMIT, price="90")
    _modify(venue, ghost, price="91")
    (rejected,) = venue.of(OrderModifyRejected, ghost)
    assert rejected.reason == f"unknown order {ghost.client_order_id}"


def test_modified_order_loses_its_priority(venue: Harness) -> None:
    first = venue.submit(venue.order(BUY, "0.1", OrderType.LIMIT, price="95"))
    second = venue.submit(venue.order(BUY, "0.1", OrderType.LIMIT, price="95"))
    _modify(venue, first, quantity="0.15")
    venue.bar(100, 100, 94, 96, volume=0.1)  # room for one order only
    assert venue.fills(first) == []
    assert len(venue.fills(second)) == 1


# -- cancel ----------------------------------------------------------------------------------


def test_cancel_releases_the_held_funds(venue: Harness) -> None:
    before = venue.venue.balances()["USDT"]
    order = venue.submit(venue.order(BUY, "5", OrderType.LIMIT, price="90"))
    assert venue.venue.balances()["USDT"].free < before.free - 450
    venue.venue.cancel_order(
        CancelOrder(
            instrument_id=SPOT_ID,
            strategy_id=STRATEGY,
            client_order_id=order.client_order_id,
            ts_init=venue.clock.timestamp_ns(),
        )
    )
    assert venue.kinds(order) == ["OrderAccepted", "OrderCanceled"]
    assert venue.venue.balances()["USDT"] == before


def test_cancel_unknown_or_closed_order_is_rejected(venue: Harness) -> None:
    cancel = CancelOrder(
        instrument_id=SPOT_ID,
        strategy_id=STRATEGY,
        client_order_id=ClientOrderId("nope"),
        ts_init=venue.clock.timestamp_ns(),
    )
    venue.venue.cancel_order(cancel)
    (rejected,) = venue.of(OrderCancelRejected)
    assert rejected.reason == "unknown order nope"


def test_cancel_all_filters_by_side(venue: Harness) -> None:
    buy = venue.submit(venue.order(BUY, "0.1", OrderType.LIMIT, price="90"))
    sell = venue.submit(venue.order(SELL, "0.1", OrderType.LIMIT, price="110"))
    venue.venue.cancel_all_orders(
        CancelAllOrders(instrument_id=SPOT_ID, side=SELL, ts_init=venue.clock.timestamp_ns())
    )
    assert [e.client_order_id for e in venue.of(OrderCanceled)] == [sell.client_order_id]
    venue.venue.cancel_all_orders(
        CancelAllOrders(instrument_id=SPOT_ID, ts_init=venue.clock.timestamp_ns())
    )
    canceled = {e.client_order_id for e in venue.of(OrderCanceled)}
    assert buy.client_order_id in canceled
    assert venue.venue.open_order_ids(SPOT_ID) == []


def test_a_venue_refusal_never_raises() -> None:
    h = Harness([spot_instrument()], {"USDT": Decimal(0)}, SimulatedVenueConfig(), MINUTE)
    order = h.submit(h.order(BUY, "1", OrderType.LIMIT, price="100"))
    h.bar(100, 101, 99, 100)  # the order is checked when it meets a market price
    assert "insufficient balance" in _reason(h, order)


def test_modify_may_reuse_the_funds_the_order_already_holds(venue: Harness) -> None:
    order = venue.submit(venue.order(BUY, "9", OrderType.LIMIT, price="90"))  # holds 811.62
    _modify(venue, order, quantity="10")  # needs 901.80 of the 994.99 free before the order
    assert venue.of(OrderUpdated, order)
    assert venue.venue.balances()["USDT"].locked == Decimal("5.01") + 10 * 90 * Decimal("1.002")

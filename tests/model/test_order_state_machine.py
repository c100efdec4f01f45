from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from colin.core.errors import InvalidStateTransition
from colin.core.ids import VenueOrderId
from colin.model import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderExpired,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderStatus,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
    can_transition,
)
from colin.model.orders import Order
from colin.testkit.factories import event_for, fill_for, make_order

S = OrderStatus
EVENTS = {
    "denied": lambda o: event_for(o, OrderDenied, reason="x"),
    "submitted": lambda o: event_for(o, OrderSubmitted),
    "accepted": lambda o: event_for(o, OrderAccepted, venue_order_id=VenueOrderId("V-1")),
    "rejected": lambda o: event_for(o, OrderRejected, reason="x"),
    "triggered": lambda o: event_for(o, OrderTriggered),
    "pending_update": lambda o: event_for(o, OrderPendingUpdate),
    "pending_cancel": lambda o: event_for(o, OrderPendingCancel),
    "canceled": lambda o: event_for(o, OrderCanceled),
    "expired": lambda o: event_for(o, OrderExpired),
    "fill": lambda o: fill_for(o, "0.25", "100", trade_id=f"T-{len(o.events)}"),
}


def test_happy_path_with_partial_fills_and_average_price() -> None:
    order = make_order(quantity="1")
    for name in ("submitted", "accepted"):
        order.apply(EVENTS[name](order))
    order.apply(fill_for(order, "0.4", "100", commission="0.04", trade_id="T-1"))
    assert order.status is S.PARTIALLY_FILLED
    order.apply(fill_for(order, "0.6", "101", commission="0.0606", trade_id="T-2"))
    assert order.status is S.FILLED
    assert order.avg_px == Decimal("100.6")
    assert order.commissions == {"USDT": Decimal("0.1006")}
    assert order.leaves_qty == 0
    assert order.venue_order_id == "V-1"


def test_pending_states_return_to_the_previous_state() -> None:
    order = make_order()
    order.apply(EVENTS["submitted"](order))
    order.apply(EVENTS["accepted"](order))
    order.apply(fill_for(order, "0.5", "100"))
    order.apply(EVENTS["pending_cancel"](order))
    order.apply(event_for(order, OrderCancelRejected, reason="too late"))
    assert order.status is S.PARTIALLY_FILLED
    order.apply(EVENTS["pending_update"](order))
    order.apply(event_for(order, OrderModifyRejected, reason="no"))
    assert order.status is S.PARTIALLY_FILLED
    order.apply(EVENTS["pending_update"](order))
    order.apply(
        event_for(
            order, OrderUpdated, quantity=Decimal("2"), price=Decimal("99"), trigger_price=None
        )
    )
    assert (order.status, order.quantity, order.price) == (S.PARTIALLY_FILLED, 2, Decimal("99"))


def test_modify_down_to_the_filled_quantity_completes_the_order() -> None:
    order = make_order(quantity="1")
    order.apply(EVENTS["submitted"](order))
    order.apply(fill_for(order, "0.5", "100"))
    order.apply(EVENTS["pending_update"](order))
    order.apply(
        event_for(
            order, OrderUpdated, quantity=Decimal("0.5"), price=order.price, trigger_price=None
        )
    )
    assert order.status is S.FILLED


def test_fill_before_ack_and_overfill_refused() -> None:
    order = make_order(quantity="1")
    order.apply(EVENTS["submitted"](order))
    order.apply(fill_for(order, "1", "100"))
    assert order.status is S.FILLED
    other = make_order(quantity="1", client_order_id="O-2")
    other.apply(EVENTS["submitted"](other))
    with pytest.raises(InvalidStateTransition, match="would take the filled quantity"):
        other.apply(fill_for(other, "1.5", "100"))
    assert other.filled_qty == 0


def test_event_for_another_order_is_refused() -> None:
    order = make_order(client_order_id="A")
    stranger = make_order(client_order_id="B")
    with pytest.raises(InvalidStateTransition, match="applied to order A"):
        order.apply(EVENTS["submitted"](stranger))


def _walk(order: Order, names: list[str]) -> None:
    for name in names:
        event = EVENTS[name](order)
        target = {
            "fill": S.PARTIALLY_FILLED,
            "denied": S.DENIED,
            "submitted": S.SUBMITTED,
            "accepted": S.ACCEPTED,
            "rejected": S.REJECTED,
            "triggered": S.TRIGGERED,
            "pending_update": S.PENDING_UPDATE,
            "pending_cancel": S.PENDING_CANCEL,
            "canceled": S.CANCELED,
            "expired": S.EXPIRED,
        }[name]
        before = order.status
        allowed = can_transition(before, target)
        if allowed:
            order.apply(event)
        else:
            with pytest.raises(InvalidStateTransition):
                order.apply(event)
            assert order.status is before, "a refused event must not change the order"


@given(st.lists(st.sampled_from(sorted(EVENTS)), min_size=1, max_size=12))
def test_every_transition_follows_the_table(names: list[str]) -> None:
    _walk(make_order(quantity="1"), names)


def test_closed_states_accept_nothing() -> None:
    for closing in ("denied", "rejected", "canceled", "expired"):
        order = make_order()
        if closing != "denied":
            order.apply(EVENTS["submitted"](order))
        order.apply(EVENTS[closing](order))
        assert order.is_closed
        for name, make in EVENTS.items():
            with pytest.raises(InvalidStateTransition):
                order.apply(make(order))
            assert order.status.is_closed, name

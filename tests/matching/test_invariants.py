"""Random command and data sequences: the venue's events always follow the order state machine,
balances never go negative and always reconcile with the fills."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from colin.core.ids import InstrumentId
from colin.matching import LatencyModel, SimulatedVenueConfig
from colin.model import (
    CancelOrder,
    ModifyOrder,
    Order,
    OrderCancelRejected,
    OrderFilled,
    OrderModifyRejected,
    OrderSide,
    OrderSubmitted,
    OrderType,
    TimeInForce,
)

from .harness import MINUTE, STRATEGY, Harness, perp_instrument, spot_instrument

START = {"USDT": Decimal(2_000), "BTC": Decimal(5)}

submits = st.tuples(
    st.just("submit"),
    st.sampled_from(list(OrderType)),
    st.sampled_from(list(OrderSide)),
    st.integers(1, 30),  # quantity in lots of 0.1
    st.integers(-20, 20),  # price offset
    st.integers(-20, 20),  # trigger offset
    st.sampled_from(list(TimeInForce)),
    st.booleans(),  # post-only
    st.booleans(),  # reduce-only
)
bars = st.tuples(
    st.just("bar"),
    st.integers(-15, 15),
    st.integers(0, 15),
    st.integers(0, 15),
    st.integers(-15, 15),
    st.sampled_from([0.0, 0.5, 5.0]),
)
cancels = st.tuples(st.just("cancel"), st.integers(0, 50))
modifies = st.tuples(
    st.just("modify"), st.integers(0, 50), st.integers(1, 30), st.integers(-20, 20)
)
steps = st.lists(st.one_of(submits, bars, bars, cancels, modifies), min_size=1, max_size=30)


def _run(h: Harness, instrument_id: InstrumentId, plan: list[tuple[Any, ...]]) -> list[Order]:
    orders: list[Order] = []
    price = 100
    for step in plan:
        now = h.clock.timestamp_ns()
        if step[0] == "submit":
            _, kind, side, lots, offset, trigger, tif, post_only, reduce_only = step
            order = h.order(
                side,
                str(Decimal(lots) / 10),
                kind,
                price=str(price + offset)
                if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT)
                else None,
                trigger=str(price + trigger)
                if kind in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)
                else None,
                tif=tif,
                instrument_id=instrument_id,
                post_only=post_only,
                reduce_only=reduce_only,
            )
            order.apply(_submitted(order, now))
            orders.append(h.submit(order))
        elif step[0] == "bar":
            _, move, up, down, close, volume = step
            open_ = max(price + move, 30)
            close_ = max(open_ + close, 30)
            high = max(open_, close_) + up
            low = max(min(open_, close_) - down, 1)
            h.bar(open_, high, low, close_, volume=volume, instrument_id=instrument_id)
            price = close_
        elif orders and step[0] == "cancel":
            target = orders[step[1] % len(orders)]
            h.venue.cancel_order(
                CancelOrder(
                    instrument_id=instrument_id,
                    strategy_id=STRATEGY,
                    client_order_id=target.client_order_id,
                    ts_init=now,
                )
            )
        elif orders and step[0] == "modify":
            target = orders[step[1] % len(orders)]
            h.venue.modify_order(
                ModifyOrder(
                    instrument_id=instrument_id,
                    strategy_id=STRATEGY,
                    client_order_id=target.client_order_id,
                    quantity=Decimal(step[2]) / 10,
                    price=Decimal(price + step[3])
                    if target.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
                    else None,
                    ts_init=now,
                )
            )
    return orders


def _submitted(order: Order, ts: int) -> OrderSubmitted:
    return OrderSubmitted(
        client_order_id=order.client_order_id,
        instrument_id=order.instrument_id,
        strategy_id=order.strategy_id,
        ts_event=ts,
        ts_init=ts,
    )


def _apply_all(h: Harness, orders: list[Order]) -> None:
    """Drive the model's own state machine with the venue's events: an illegal one raises.

    A cancel or modify that reaches the venue after the order closed is answered with a
    rejection the execution engine records without applying; so do we (a rejected order was never
    known to the venue, as on Binance).
    """
    by_id = {o.client_order_id: o for o in orders}
    for event in h.events:
        order = by_id[event.client_order_id]
        if order.is_closed and isinstance(event, OrderCancelRejected | OrderModifyRejected):
            assert "already closed" in event.reason or "unknown order" in event.reason
            continue
        order.apply(event)


@settings(max_examples=120, deadline=None)
@given(plan=steps, latency_s=st.sampled_from([0, 7, 90]))
def test_spot_sequences_keep_the_state_machine_and_the_books_straight(
    plan: list[tuple[Any, ...]], latency_s: int
) -> None:
    instrument = spot_instrument(tick_size=Decimal(1), lot_size=Decimal("0.1"))
    h = Harness(
        [instrument],
        dict(START),
        SimulatedVenueConfig(latency=LatencyModel(fixed_ns=latency_s * 1_000_000_000)),
        MINUTE,
    )
    orders = _run(h, instrument.id, plan)
    _apply_all(h, orders)
    fills = [e for e in h.events if isinstance(e, OrderFilled)]
    balances = h.venue.balances()
    paid = sum((f.signed_qty * f.last_px + f.commission for f in fills), Decimal(0))
    bought = sum((f.signed_qty for f in fills), Decimal(0))
    assert balances["USDT"].total == START["USDT"] - paid
    assert balances["BTC"].total == START["BTC"] + bought
    for balance in balances.values():
        assert balance.locked >= 0
        assert balance.free >= 0, balances
    open_ids = set(h.venue.open_order_ids())
    for order in orders:
        assert order.filled_qty <= order.quantity
        assert (order.client_order_id in open_ids) == (
            order.status.is_open and bool(order.events[1:])
        )


@settings(max_examples=80, deadline=None)
@given(plan=steps)
def test_perp_sequences_reconcile_the_wallet_with_fills(plan: list[tuple[Any, ...]]) -> None:
    instrument = perp_instrument(tick_size=Decimal(1), lot_size=Decimal("0.1"))
    h = Harness(
        [instrument], {"USDT": Decimal(2_000)}, SimulatedVenueConfig(leverage=Decimal(3)), MINUTE
    )
    orders = _run(h, instrument.id, plan)
    _apply_all(h, orders)
    fills = [e for e in h.events if isinstance(e, OrderFilled)]
    position = sum((f.signed_qty for f in fills), Decimal(0))
    assert h.venue.position_quantity(instrument.id) == position
    balance = h.venue.balances()["USDT"]
    assert balance.locked >= 0
    if position == 0:
        realized = -sum((f.signed_qty * f.last_px for f in fills), Decimal(0))
        fees = sum((f.commission for f in fills), Decimal(0))
        assert balance.total == Decimal(2_000) + realized - fees

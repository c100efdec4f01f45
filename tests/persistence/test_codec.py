"""The model codec: every command and event round-trips exactly through JSON."""

from __future__ import annotations

import json
import types
import typing
from dataclasses import fields
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from colin.model import (
    OrderAccepted,
    OrderFilled,
    OrderPendingUpdate,
    OrderSide,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    OrderUpdated,
    SubmitOrder,
)
from colin.model import commands as model_commands
from colin.model import events as model_events
from colin.model.orders import Order
from colin.persistence.codec import (
    CodecError,
    decode,
    decode_order_initial,
    decode_order_state,
    encodable_types,
    encode,
    encode_order_initial,
    encode_order_state,
)
from colin.testkit.factories import event_for, fill_for, make_order

_ORDER_SLOTS = [name for name in Order.__slots__ if name != "_status_before_pending"]

_decimals = st.decimals(allow_nan=False, allow_infinity=False)
_ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_instrument_ids = st.builds(
    lambda symbol, venue: InstrumentId(f"{symbol}.{venue}"),
    st.text(min_size=1, max_size=12),
    st.text(min_size=1, max_size=8).filter(lambda venue: "." not in venue),
)


def _strategy_for(hint: Any) -> st.SearchStrategy[Any]:
    if isinstance(hint, types.UnionType):
        (inner,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return st.none() | _strategy_for(inner)
    if hint is Decimal:
        return _decimals
    if hint is int:
        return _ints
    if hint is bool:
        return st.booleans()
    if hint is InstrumentId:
        return _instrument_ids
    if hint in (ClientOrderId, StrategyId, TradeId, VenueOrderId, str):
        return st.text(max_size=20).map(hint)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return st.sampled_from(hint)
    if hint is Order:
        return _orders
    if hint == tuple[str, ...]:
        return st.lists(st.text(max_size=8), max_size=3).map(tuple)
    raise AssertionError(f"no strategy for {hint}")


_orders = st.builds(
    Order,
    **{
        name: _strategy_for(hint)
        for name, hint in typing.get_type_hints(Order.__init__).items()
        if name != "return"
    },
)


def _objects_of(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    return st.builds(cls, **{f.name: _strategy_for(hints[f.name]) for f in fields(cls)})


_any_object = st.one_of([_objects_of(cls) for cls in encodable_types()])


def _order_view(order: Order) -> dict[str, Any]:
    return {name: getattr(order, name) for name in _ORDER_SLOTS} | {
        "types": [type(getattr(order, n)) for n in ("client_order_id", "instrument_id")]
    }


@settings(max_examples=300)
@given(_any_object)
def test_every_command_and_event_round_trips_through_json_exactly(obj: Any) -> None:
    encoded = encode(obj)
    wire = json.loads(json.dumps(encoded))
    assert wire == encoded
    decoded = decode(wire)
    assert type(decoded) is type(obj)
    assert encode(decoded) == encoded  # exact: "1.10" stays "1.10", -0 stays -0
    for field in fields(obj):
        original, restored = getattr(obj, field.name), getattr(decoded, field.name)
        if isinstance(original, Order):
            assert _order_view(restored) == _order_view(original)
            assert restored.status is OrderStatus.INITIALIZED
        else:
            assert restored == original
            assert type(restored) is type(original)


def test_every_model_command_and_event_is_encodable() -> None:
    bases = (model_events.OrderEvent, model_events.PositionEvent)
    events = {
        cls
        for cls in vars(model_events).values()
        if isinstance(cls, type) and issubclass(cls, bases) and cls not in bases
    }
    commands = set(typing.get_args(model_commands.TradingCommand))
    assert len(events) == 16
    assert set(encodable_types()) == events | commands


def test_submit_order_carries_the_orders_initial_fields() -> None:
    order = make_order(OrderSide.SELL, "0.50", OrderType.STOP_LIMIT, "101.10")
    order.trigger_price = Decimal("102.0")
    encoded = encode(SubmitOrder(order=order, ts_init=7))
    assert encoded["order"]["quantity"] == "0.50"
    assert encoded["order"]["trigger_price"] == "102.0"
    assert encoded["order"]["order_type"] == "STOP_LIMIT"
    rebuilt = decode(encoded).order
    assert rebuilt is not order
    assert _order_view(rebuilt) == _order_view(order)


def test_order_state_round_trip_keeps_fills_events_and_status() -> None:
    order = make_order(OrderSide.BUY, "3", price="100.0")
    order.apply(event_for(order, OrderSubmitted, 1))
    order.apply(event_for(order, OrderAccepted, 2, venue_order_id=VenueOrderId("V-9")))
    order.apply(fill_for(order, "1.25", "99.5", commission="0.01", trade_id="T-1", ts=3))
    order.apply(event_for(order, OrderPendingUpdate, 4))
    order.apply(
        event_for(
            order, OrderUpdated, 5, quantity=Decimal("2"), price=Decimal("99"), trigger_price=None
        )
    )
    state = json.loads(json.dumps(encode_order_state(order)))
    rebuilt = decode_order_state(state)
    assert _order_view(rebuilt) == _order_view(order)
    assert rebuilt.status is OrderStatus.PARTIALLY_FILLED
    assert rebuilt.commissions == {"USDT": Decimal("0.01")}
    rebuilt.apply(fill_for(rebuilt, "0.75", "99", trade_id="T-2", ts=6))
    assert rebuilt.status is OrderStatus.FILLED


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("last_qty"), "missing field 'last_qty'"),
        (lambda d: d.update(last_qty=1.5), "field 'last_qty': expected a decimal string"),
        (lambda d: d.update(last_qty="1.5x"), "field 'last_qty': not a decimal number"),
        (lambda d: d.update(last_px="NaN"), "field 'last_px': money values must be finite"),
        (lambda d: d.update(side="HOLD"), "field 'side': 'HOLD' is not a OrderSide"),
        (lambda d: d.update(ts_event=True), "field 'ts_event': expected int"),
        (lambda d: d.update(ts_event="5"), "field 'ts_event': expected int"),
        (lambda d: d.update(instrument_id="BTCUSDT"), "field 'instrument_id': invalid instrument"),
        (lambda d: d.update(colour="red"), "unknown field(s) ['colour']"),
        (lambda d: d.update(type="OrderExploded"), "unknown type 'OrderExploded'"),
    ],
)
def test_bad_payloads_are_refused_naming_the_field(mutate: Any, message: str) -> None:
    order = make_order()
    data = encode(fill_for(order, "1", "100"))
    mutate(data)
    with pytest.raises(CodecError) as error:
        decode(data)
    assert message in str(error.value)


def test_objects_that_are_not_commands_or_events_are_refused() -> None:
    with pytest.raises(CodecError, match="not a model command or event"):
        encode({"type": "OrderFilled"})
    with pytest.raises(CodecError, match="expected an object"):
        decode(["OrderFilled"])
    with pytest.raises(CodecError, match="field 'quantity'"):
        decode_order_initial(encode_order_initial(make_order()) | {"quantity": None})


def test_non_finite_money_cannot_be_encoded() -> None:
    fill = fill_for(make_order(), "1", "100")
    broken = OrderFilled(
        **{f.name: getattr(fill, f.name) for f in fields(fill)} | {"last_px": Decimal("Infinity")}
    )
    with pytest.raises(CodecError, match="field 'last_px': money values must be finite"):
        encode(broken)

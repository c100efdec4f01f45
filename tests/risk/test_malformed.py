"""Malformed orders are denied with a reason and never raise past the engine."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.core.ids import ClientOrderId, InstrumentId, StrategyId
from colin.core.topics import RISK_EXECUTE
from colin.model.commands import ModifyOrder, SubmitOrder
from colin.model.enums import OrderSide, OrderStatus, OrderType
from colin.model.orders import Order
from colin.risk import RiskConfig

from .harness import BTC, Node

ODD_DECIMALS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            Decimal("NaN"),
            Decimal("sNaN"),
            Decimal("-Infinity"),
            Decimal(0),
            Decimal("-1"),
            Decimal("1E+999999"),
            Decimal("1E-999999"),
            Decimal("-0"),
        ]
    ),
)


@pytest.fixture(scope="module")
def node() -> Node:
    return Node(RiskConfig())


@pytest.mark.parametrize(
    ("quantity", "price", "order_type", "reason"),
    [
        (Decimal("NaN"), Decimal(50_000), OrderType.LIMIT, "quantity must be finite"),
        (Decimal("-1"), Decimal(50_000), OrderType.LIMIT, "quantity must be positive"),
        (Decimal(0), Decimal(50_000), OrderType.LIMIT, "quantity must be positive"),
        (Decimal("0.1"), Decimal("NaN"), OrderType.LIMIT, "price must be finite"),
        (Decimal("0.1"), Decimal("-5"), OrderType.LIMIT, "price must be positive"),
        (Decimal("0.1"), None, OrderType.LIMIT, "price is required"),
        (Decimal("0.1"), Decimal("5000000"), OrderType.LIMIT, "from the last price"),
        (Decimal("0.1"), Decimal("50000"), OrderType.MARKET, "takes no limit price"),
        (Decimal("0.1"), None, OrderType.STOP_MARKET, "trigger_price is required"),
        (0.1, Decimal("50000"), OrderType.LIMIT, "quantity must be a Decimal"),
    ],
)
def test_malformed_orders_are_denied_with_the_reason(
    node: Node, quantity: Decimal, price: Decimal | None, order_type: OrderType, reason: str
) -> None:
    order = node.order(BTC, OrderSide.BUY, Decimal(1), price=None, order_type=order_type)
    order.quantity = quantity  # type: ignore[assignment]
    order.price = price
    node.submit(order)
    assert not node.last_decision.approved
    assert reason in node.last_decision.reason
    assert order.status is OrderStatus.DENIED


def test_unknown_instrument_and_wrong_types(node: Node) -> None:
    order = node.order(InstrumentId("NOPE/USDT.SIM"), OrderSide.BUY, "1", "1")
    node.submit(order)
    assert "unknown instrument" in node.last_decision.reason
    order = node.order(BTC, OrderSide.BUY, "1", "50000")
    order.side = "BUY"  # type: ignore[assignment]
    node.submit(order)
    assert "side must be BUY or SELL" in node.last_decision.reason
    node.bus.send(RISK_EXECUTE, SubmitOrder(order="not an order", ts_init=0))  # type: ignore[arg-type]
    assert node.last_decision.reason.startswith("invalid_order")
    node.bus.send(RISK_EXECUTE, "garbage")
    assert node.last_decision.reason.startswith("unknown_command")


@settings(max_examples=150, deadline=None)
@given(
    quantity=ODD_DECIMALS,
    price=st.one_of(st.none(), ODD_DECIMALS),
    trigger=st.one_of(st.none(), ODD_DECIMALS),
    order_type=st.sampled_from(list(OrderType)),
    side=st.sampled_from(list(OrderSide)),
    reduce_only=st.booleans(),
)
def test_no_order_makes_the_engine_raise(
    node: Node,
    quantity: Decimal,
    price: Decimal | None,
    trigger: Decimal | None,
    order_type: OrderType,
    side: OrderSide,
    reduce_only: bool,
) -> None:
    before = len(node.risk.decisions)
    order = Order(
        client_order_id=ClientOrderId(f"h-{before}-{id(quantity)}"),
        strategy_id=StrategyId("fuzz"),
        instrument_id=BTC,
        side=side,
        order_type=order_type,
        quantity=quantity,
        price=price,
        trigger_price=trigger,
        reduce_only=reduce_only,
    )
    node.cache.add_order(order)
    node.submit(order)
    decision = node.risk.decisions[-1]
    assert len(node.risk.decisions) == before + 1
    if decision.approved:
        assert quantity.is_finite() and quantity > 0
        assert order.status is not OrderStatus.DENIED
    else:
        assert decision.reasons and all(": " in r for r in decision.reasons)
        assert order.status is OrderStatus.DENIED


@settings(max_examples=60, deadline=None)
@given(quantity=st.one_of(st.none(), ODD_DECIMALS), price=st.one_of(st.none(), ODD_DECIMALS))
def test_no_modify_makes_the_engine_raise(
    node: Node, quantity: Decimal | None, price: Decimal | None
) -> None:
    order = node.buy(BTC, "0.001", "50000")
    node.bus.send(
        RISK_EXECUTE,
        ModifyOrder(
            instrument_id=BTC,
            strategy_id=order.strategy_id,
            client_order_id=order.client_order_id,
            quantity=quantity,
            price=price,
            ts_init=0,
        ),
    )
    decision = node.risk.decisions[-1]
    assert decision.command == "modify"
    if not decision.approved:
        assert decision.reasons
        assert order.is_open  # a refused modify leaves the order working

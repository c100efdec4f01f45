"""The fused fast path decides exactly as the general path, on random configs, states and orders.

Two nodes are built alike and play the same random actions: one with the fused path (the
default), one with it switched off. Every decision must be the same (all fields but the timing),
and so must the open-order ledger and the counts. Hand-built cases then show that the fast path
really carries the ordinary order, hands the order to the general checks near each limit and
leaves duplicates to the whole general path.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings, target
from hypothesis import strategies as st

from colin.core.ids import ClientOrderId, StrategyId
from colin.core.topics import RISK_EXECUTE
from colin.model.commands import CancelOrder
from colin.model.enums import OrderSide, OrderType, TradingState
from colin.model.orders import Order
from colin.risk import RiskConfig, TradingWindow
from colin.risk.checks import OrderContext, validate_order
from colin.risk.decision import RiskDecision
from colin.risk.fused import FastApproval

from .harness import BTC, BTC_PERP, ETH, Node

PRICES = {BTC: 50_000.0, ETH: 2_000.0, BTC_PERP: 50_000.0}
INSTRUMENTS = list(PRICES)


# each limit is off, loose (an ordinary order uses a small share of it) or tight (ordinary
# orders come near it or break it); a few limits at a time are tight, so that most orders in
# most examples are quiet enough for the fused path and every limit is sometimes in the way
LIMITS: dict[str, tuple[object, object]] = {
    "max_order_quantity": (100.0, 0.5),
    "min_order_notional": (1.0, 500.0),
    "max_order_notional": (1e7, 2_000.0),
    "price_band_pct": (0.5, 0.003),
    "max_data_age_s": (1e7, 90.0),
    "max_position_notional": (1e7, 5_000.0),
    "max_position_pct_equity": (100.0, 0.2),
    "max_gross_exposure": (1e8, 10_000.0),
    "max_net_exposure": (1e8, 8_000.0),
    "max_leverage": (100.0, 0.3),
    "max_var": (1e8, 300.0),
    "max_open_orders_per_symbol": (1_000, 2),
    "max_open_orders_total": (1_000, 3),
    "submit_rate": ({"count": 1_000, "interval_s": 60.0}, {"count": 4, "interval_s": 60.0}),
    "trading_hours": ((TradingWindow(),), (TradingWindow(days=(0, 1, 2, 3, 4), start="08:00"),)),
    "restricted": (frozenset({"XRP"}), frozenset({"ETH"})),
}


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    """A risk config with every limit off, loose or tight (at most three tight)."""
    tight = draw(st.sets(st.sampled_from(sorted(LIMITS)), max_size=3))
    config: dict[str, Any] = {
        name: values[1] if name in tight else draw(st.sampled_from([None, values[0]]))
        for name, values in LIMITS.items()
    }
    if config["restricted"] is None:
        config["restricted"] = frozenset()
    config["self_trade_prevention"] = draw(st.booleans())
    config["check_margin"] = draw(st.booleans())
    config["perp_leverage"] = draw(st.sampled_from([1.0, 10.0]))
    config["resize_to_limits"] = draw(st.booleans())
    config["warn_utilisation"] = draw(st.sampled_from([0.3, 0.8, 1.0]))
    return config


LOTS = (1, 20, 400)
OFFSETS = (-20, 20, 80)
# few distinct sizes and prices, so that the validation memo sees them again
submit = st.tuples(
    st.just("submit"),
    st.sampled_from(INSTRUMENTS),
    st.sampled_from(list(OrderSide)),
    st.sampled_from(LOTS),  # lots (0.001 BTC, 0.01 ETH)
    st.one_of(st.none(), st.sampled_from(OFFSETS)),  # price offset in bps
    st.sampled_from(["plain"] * 5 + ["reduce_only", "stop", "post_only"]),
)
others = st.one_of(
    st.tuples(st.just("fill"), st.integers(0, 10), st.sampled_from([0.5, 1.0])),
    st.tuples(st.just("cancel"), st.integers(0, 10)),
    st.tuples(st.just("bar"), st.sampled_from(INSTRUMENTS), st.floats(-0.01, 0.01)),
    st.tuples(st.just("advance"), st.sampled_from([1.0, 120.0, 7_200.0, 86_400.0])),
    st.tuples(st.just("state"), st.sampled_from(list(TradingState))),
    st.tuples(st.just("halt"), st.sampled_from(INSTRUMENTS), st.booleans()),
    st.tuples(st.just("again"), st.integers(0, 10)),
)
# two actions in three are submits
actions = st.lists(
    st.integers(0, 2).flatmap(lambda n: others if n == 0 else submit), min_size=5, max_size=60
)


def _node(config: dict[str, Any], fused: bool) -> Node:
    node = Node(RiskConfig(**config), prices=PRICES)
    node.risk.fused.enabled = fused
    _warm_memo(node)
    if config["max_var"] is not None:  # no covariance for ETH: its orders breach the VaR limit
        vol = np.array([0.02, 0.021])
        node.risk.set_covariance(
            [BTC, BTC_PERP], np.outer(vol, vol) * np.array([[1, 0.9], [0.9, 1]])
        )
    return node


def _warm_memo(node: Node) -> None:
    """Validate every size and price the actions use once, as earlier orders would have."""
    assessor = node.risk.assessor
    for instrument in node.cache.instruments():
        spec = assessor.specs.get(instrument)
        step = instrument.lot_size * (10 if instrument.id == ETH else 1)
        for lots, offset in itertools.product(LOTS, OFFSETS):
            price = instrument.round_price(PRICES[instrument.id] * (1 + offset / 10_000))
            order = Order(
                client_order_id=ClientOrderId("warm"),
                strategy_id=StrategyId("warm"),
                instrument_id=instrument.id,
                side=OrderSide.BUY,
                order_type=OrderType.LIMIT,
                quantity=lots * step,
                price=price,
            )
            validate_order(order, spec, assessor.max_quantity)


def _order(node: Node, action: tuple[Any, ...]) -> Order:
    _, instrument_id, side, lots, offset, kind = action
    step = Decimal("0.01") if instrument_id == ETH else Decimal("0.001")
    instrument = node.cache.instrument(instrument_id)
    assert instrument is not None
    last = PRICES[instrument_id]  # not the moving last price: the same values come again
    price = None if offset is None else instrument.round_price(last * (1 + offset / 10_000))
    if kind == "stop":
        trigger = instrument.round_price(last * 1.01)
        return node.order(
            instrument_id, side, lots * step, None, OrderType.STOP_MARKET, trigger_price=trigger
        )
    order = node.order(instrument_id, side, lots * step, price, reduce_only=kind == "reduce_only")
    order.post_only = kind == "post_only"
    return order


def _play(node: Node, action: tuple[Any, ...]) -> bool:
    """Play one action; return whether it was a submit the fused path approved."""
    kind = action[0]
    working = sorted(
        (o for o in node.cache.orders_open() if o.is_open), key=lambda o: o.client_order_id
    )
    if kind == "submit":
        order = _order(node, action)
        risk = node.risk
        verdict = risk.fused.approve(order, node.clock.timestamp_ns(), risk.trading_state)
        fused = isinstance(verdict, FastApproval)  # approve() has no side effects
        node.submit(order)
        return fused
    if kind == "fill" and working:
        order = working[action[1] % len(working)]
        instrument = node.cache.instrument(order.instrument_id)
        assert instrument is not None
        quantity = instrument.round_quantity(order.leaves_qty * Decimal(str(action[2])))
        node.venue.fill(order, max(quantity, instrument.lot_size))
    elif kind == "cancel" and working:
        order = working[action[1] % len(working)]
        node.bus.send(
            RISK_EXECUTE,
            CancelOrder(
                instrument_id=order.instrument_id,
                strategy_id=order.strategy_id,
                client_order_id=order.client_order_id,
                ts_init=0,
            ),
        )
    elif kind == "bar":
        last = node.cache.last_price(action[1])
        assert last is not None
        node.bar(action[1], last * (1.0 + action[2]))
    elif kind == "advance":
        node.advance(action[1])
    elif kind == "state":
        node.risk.set_trading_state(action[1], "test")
    elif kind == "halt":
        node.risk.set_instrument_tradable(action[1], action[2])
    elif kind == "again" and working:
        node.submit(working[action[1] % len(working)])  # a duplicate client order id
    return False


def _decision(node: Node) -> RiskDecision | None:
    if not node.risk.decisions:
        return None
    return node.risk.decisions[-1]._replace(validation_ns=0)


def _ledger(node: Node) -> tuple[Any, ...]:
    ledger = node.risk.ledger
    totals = {
        k: (v.count, v.buy_qty, v.sell_qty, v.highest_buy, v.lowest_sell)
        for k, v in ledger.by_instrument.items()
    }
    return (
        ledger.count,
        ledger.notional,
        ledger.buy_notional,
        ledger.sell_notional,
        ledger.costs,
        ledger.reserved,
        totals,
    )


@settings(max_examples=250, deadline=None)
@given(config=configs(), steps=actions)
def test_the_fused_path_decides_as_the_general_path(
    config: dict[str, Any], steps: list[tuple[Any, ...]]
) -> None:
    fused, general = _node(config, True), _node(config, False)
    fast = 0
    for action in steps:
        fast += _play(fused, action)
        _play(general, action)
        decision = _decision(fused)
        assert decision == _decision(general), action
        assert _ledger(fused) == _ledger(general), action
        if decision is not None and decision.reasons:
            event(f"denied: {decision.reasons[0].split(':')[0]}")
    assert fused.risk.approved_count == general.risk.approved_count
    assert fused.risk.denied_count == general.risk.denied_count
    assert fused.audit.verify() is None
    target(float(fast), label="fused approvals")
    event(f"fused approvals: {'none' if fast == 0 else 'one to four' if fast < 5 else 'five+'}")


LOOSE = {name: values[0] for name, values in LIMITS.items()}


def _quiet_node(**overrides: Any) -> Node:
    config = {**LOOSE, "self_trade_prevention": True, "check_margin": True, **overrides}
    config["perp_leverage"] = 10.0
    return _node(config, True)


@pytest.mark.parametrize("instrument_id", INSTRUMENTS)
def test_an_ordinary_order_takes_the_fused_path_with_the_general_score(
    instrument_id: Any,
) -> None:
    node = _quiet_node(max_var=None)
    order = _order(node, ("submit", instrument_id, OrderSide.BUY, 20, 20, "plain"))
    passed = node.risk.fused.approve(order, node.clock.timestamp_ns(), node.risk.trading_state)
    assert isinstance(passed, FastApproval)
    general = node.risk.evaluate(order)
    assert general.approved and general.warnings == ()
    assert passed.utilisation * 100.0 == general.risk_score > 0.0
    node.submit(order)
    assert node.last_decision._replace(validation_ns=0, command="evaluate") == general._replace(
        validation_ns=0
    )


# (limit, value) pairs an order of 20 lots at +20 bps uses between 80% and 100% of
NEAR = [
    ("max_order_notional", 1_200.0),
    ("max_position_notional", 1_200.0),
    ("max_gross_exposure", 1_200.0),
    ("max_net_exposure", 1_200.0),
    ("max_open_orders_per_symbol", 1),
    ("max_open_orders_total", 1),
    ("max_position_pct_equity", 0.0115),
    ("max_leverage", 0.0115),
]


@pytest.mark.parametrize(("limit", "value"), NEAR)
def test_near_a_limit_the_general_checks_decide_and_warn(limit: str, value: float) -> None:
    node = _quiet_node(max_var=None, **{limit: value})
    order = _order(node, ("submit", BTC_PERP, OrderSide.BUY, 20, 20, "plain"))
    verdict = node.risk.fused.approve(order, node.clock.timestamp_ns(), node.risk.trading_state)
    assert isinstance(verdict, OrderContext) and verdict.order is order
    node.submit(order)
    decision = node.last_decision
    assert decision.approved and decision.warnings, decision


def test_a_duplicate_takes_the_whole_general_path() -> None:
    node = _quiet_node(max_var=None)
    order = node.submit(_order(node, ("submit", BTC, OrderSide.BUY, 20, 20, "plain")))
    assert node.last_decision.approved
    now, state = node.clock.timestamp_ns(), node.risk.trading_state
    assert node.risk.fused.approve(order, now, state) is None
    node.submit(order)
    assert node.last_decision.reasons[0].startswith("duplicate_client_order_id")


def test_a_limit_price_not_seen_before_is_validated_on_the_fused_path() -> None:
    node = _quiet_node(max_var=None)
    order = _order(node, ("submit", BTC, OrderSide.BUY, 20, 20, "plain"))
    instrument = node.cache.instrument(BTC)
    assert instrument is not None and order.price is not None
    order.price = order.price + 7 * instrument.tick_size
    spec = node.risk.assessor.specs.get(instrument)
    assert order.price not in spec.prices
    now, state = node.clock.timestamp_ns(), node.risk.trading_state
    assert isinstance(node.risk.fused.approve(order, now, state), FastApproval)
    assert spec.prices[order.price] == float(order.price)  # remembered, as the validator does


def test_an_off_tick_limit_price_is_left_to_the_general_path() -> None:
    node = _quiet_node(max_var=None)
    order = _order(node, ("submit", BTC, OrderSide.BUY, 20, 20, "plain"))
    instrument = node.cache.instrument(BTC)
    assert instrument is not None and order.price is not None
    order.price = order.price + instrument.tick_size / 3
    now, state = node.clock.timestamp_ns(), node.risk.trading_state
    assert node.risk.fused.approve(order, now, state) is None
    node.submit(order)
    assert not node.last_decision.approved
    assert node.last_decision.reasons[0].startswith("price_precision")

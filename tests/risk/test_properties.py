"""Property tests: no sequence of approved orders and fills takes the portfolio past a limit.

Prices stay fixed while hypothesis submits, fills (at the order's own price, fees included),
partly fills and cancels orders in any order, so every breach would be the risk engine's fault.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings, target
from hypothesis import strategies as st

from colin.core.topics import RISK_EXECUTE
from colin.model.commands import CancelOrder, ModifyOrder
from colin.model.enums import OrderSide, OrderStatus, TradingState
from colin.risk import RiskConfig

from .harness import BTC, BTC_PERP, ETH, Node

PRICES = {BTC: 50_000.0, ETH: 2_000.0, BTC_PERP: 50_000.0}
LIMITS = RiskConfig(
    max_position_notional=10_000.0,
    max_position_pct_equity=0.45,
    max_gross_exposure=16_000.0,
    max_net_exposure=15_000.0,
    max_leverage=1.2,
    max_open_orders_per_symbol=3,
    max_open_orders_total=6,
    price_band_pct=0.02,
    perp_leverage=3.0,
    drawdown={"enabled": False},
)
TOLERANCE = 1e-6

submit = st.tuples(
    st.just("submit"),
    st.sampled_from([BTC, ETH, BTC_PERP]),
    st.sampled_from(list(OrderSide)),
    st.integers(min_value=1, max_value=300),  # thousandths of a BTC, hundredths of an ETH
    st.one_of(st.none(), st.integers(min_value=-200, max_value=200)),  # price offset in bps
    st.sampled_from([False, False, False, True]),  # reduce only
)
fill = st.tuples(st.just("fill"), st.integers(0, 10), st.floats(0.1, 1.0))
cancel = st.tuples(st.just("cancel"), st.integers(0, 10))
modify = st.tuples(st.just("modify"), st.integers(0, 10), st.integers(1, 800))
actions = st.lists(st.one_of(submit, submit, submit, fill, fill, cancel, modify), max_size=60)


def play(node: Node, action: tuple) -> None:  # type: ignore[type-arg]
    kind = action[0]
    working = [o for o in node.cache.orders_open() if o.is_open]
    if kind == "submit":
        _, instrument_id, side, units, offset, reduce_only = action
        step = Decimal("0.01") if instrument_id == ETH else Decimal("0.001")
        quantity = units * step
        price = None
        if offset is not None:
            instrument = node.cache.instrument(instrument_id)
            assert instrument is not None
            price = instrument.round_price(PRICES[instrument_id] * (1 + offset / 10_000))
        order = node.order(instrument_id, side, quantity, price, reduce_only=reduce_only)
        node.submit(order)
    elif kind == "fill" and working:
        _, index, share = action
        order = working[index % len(working)]
        instrument = node.cache.instrument(order.instrument_id)
        assert instrument is not None
        quantity = instrument.round_quantity(order.leaves_qty * Decimal(str(share)))
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
    elif kind == "modify" and working:
        order = working[action[1] % len(working)]
        step = Decimal("0.01") if order.instrument_id == ETH else Decimal("0.001")
        node.bus.send(
            RISK_EXECUTE,
            ModifyOrder(
                instrument_id=order.instrument_id,
                strategy_id=order.strategy_id,
                client_order_id=order.client_order_id,
                quantity=max(order.filled_qty + step, action[2] * step),
                ts_init=0,
            ),
        )


def assert_within_limits(node: Node) -> None:
    portfolio = node.portfolio
    equity = portfolio.equity()
    gross = portfolio.gross_exposure()
    net = portfolio.net_exposure()
    slack = 1.0 + TOLERANCE
    for position in portfolio.positions_open():
        notional = position.notional(PRICES[position.instrument_id])
        assert notional <= LIMITS.max_position_notional * slack, position  # type: ignore[operator]
        assert notional <= LIMITS.max_position_pct_equity * equity * slack, position  # type: ignore[operator]
    assert gross <= LIMITS.max_gross_exposure * slack  # type: ignore[operator]
    assert abs(net) <= LIMITS.max_net_exposure * slack  # type: ignore[operator]
    assert gross <= LIMITS.max_leverage * equity * slack  # type: ignore[operator]
    assert node.cache.orders_open_count() <= LIMITS.max_open_orders_total  # type: ignore[operator]
    for instrument_id in PRICES:
        assert node.cache.orders_open_count(instrument_id) <= LIMITS.max_open_orders_per_symbol  # type: ignore[operator]
    for currency in ("USDT", "BTC", "ETH"):
        assert portfolio.balance_total(currency) >= 0, currency


@settings(max_examples=200, deadline=None)
@given(actions)
def test_approved_orders_and_fills_never_break_a_limit(steps: list[tuple]) -> None:  # type: ignore[type-arg]
    node = Node(LIMITS, balances={"USDT": Decimal(20_000)}, prices=PRICES)
    for action in steps:
        play(node, action)
        assert_within_limits(node)
    node.venue.fill_all()
    assert_within_limits(node)
    # steer the search towards portfolios that use their limits
    target(node.portfolio.gross_exposure() / LIMITS.max_gross_exposure, label="gross")  # type: ignore[operator]
    target(abs(node.portfolio.net_exposure()) / LIMITS.max_net_exposure, label="net")  # type: ignore[operator]


@settings(max_examples=80, deadline=None)
@given(before=actions, after=actions)
def test_in_reducing_only_risk_reducing_orders_pass(
    before: list[tuple], after: list[tuple]
) -> None:  # type: ignore[type-arg]
    node = Node(LIMITS, balances={"USDT": Decimal(20_000)}, prices=PRICES)
    for action in before:
        play(node, action)
    node.venue.fill_all()
    node.risk.set_trading_state(TradingState.REDUCING, "test")
    sizes = {i: abs(node.portfolio.net_quantity(i)) for i in PRICES}
    for action in after:
        play(node, action)
        node.venue.fill_all()
        for instrument_id in PRICES:
            size = abs(node.portfolio.net_quantity(instrument_id))
            assert size <= sizes[instrument_id]
            sizes[instrument_id] = size


@settings(max_examples=80, deadline=None)
@given(before=actions, after=actions)
def test_in_halted_nothing_but_cancels_passes(before: list[tuple], after: list[tuple]) -> None:  # type: ignore[type-arg]
    node = Node(LIMITS, balances={"USDT": Decimal(20_000)}, prices=PRICES)
    for action in before:
        play(node, action)
    node.risk.set_trading_state(TradingState.HALTED, "test")
    seen = len(node.risk.decisions)
    for action in after:
        play(node, action)
    for decision in list(node.risk.decisions)[seen:]:
        if decision.command in ("cancel", "cancel_all"):
            assert decision.approved
        else:
            assert not decision.approved
            assert "HALTED" in decision.reason
    submitted = {c.order.client_order_id for c in node.venue.submitted}
    for decision in list(node.risk.decisions)[seen:]:
        if decision.command == "submit":
            assert decision.client_order_id not in submitted
            order = node.cache.order(decision.client_order_id)  # type: ignore[arg-type]
            assert order is not None and order.status is OrderStatus.DENIED

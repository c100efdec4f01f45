"""Trading state, kill switch, modify/cancel handling, real-time rules and the decision record."""

from __future__ import annotations

from decimal import Decimal

from colin.core.time import NANOS_PER_DAY, NANOS_PER_HOUR
from colin.core.topics import RISK_EVENTS_TOPIC, RISK_EXECUTE
from colin.model.commands import CancelAllOrders, CancelOrder, ModifyOrder
from colin.model.enums import OrderSide, OrderStatus, TradingState
from colin.risk import (
    BreakerConfig,
    BreakerTripped,
    KillSwitchActivated,
    LossRulesConfig,
    RiskConfig,
    RiskLevel,
    TradingStateChanged,
)
from colin.risk.audit import InMemoryAuditSink

from .harness import BTC, BTC_PERP, ETH, Node

QUIET = {"drawdown": {"enabled": False}}


def modify(node: Node, order, **values) -> None:  # type: ignore[no-untyped-def]
    node.bus.send(
        RISK_EXECUTE,
        ModifyOrder(
            instrument_id=order.instrument_id,
            strategy_id=order.strategy_id,
            client_order_id=order.client_order_id,
            ts_init=0,
            **values,
        ),
    )


def test_kill_switch_cancels_everything_and_flattens() -> None:
    node = Node(RiskConfig(**QUIET))
    node.venue.fill(node.buy(BTC, "0.1", "50000"))
    node.venue.fill(node.sell(BTC_PERP, "0.2", "50000"))
    resting = node.buy(ETH, "1", "1990")
    received = []
    node.bus.subscribe(RISK_EVENTS_TOPIC, received.append)

    orders = node.risk.kill(flatten=True, reason="operator panic")

    assert node.risk.trading_state is TradingState.HALTED
    assert resting.status is OrderStatus.CANCELED
    assert {o.instrument_id: o.side for o in orders} == {
        BTC: OrderSide.SELL,
        BTC_PERP: OrderSide.BUY,
    }
    assert all(o.strategy_id == "risk" for o in orders)
    assert {o.instrument_id: o.reduce_only for o in orders} == {BTC: False, BTC_PERP: True}
    node.venue.fill_all()
    assert node.portfolio.positions_open() == []
    kinds = [type(e) for e in received]
    assert kinds == [TradingStateChanged, KillSwitchActivated]
    node.buy(BTC, "0.01", "50000")
    assert not node.last_decision.approved


def test_reducing_lets_exits_through_and_operator_can_resume() -> None:
    node = Node(RiskConfig(**QUIET))
    node.venue.fill(node.buy(BTC, "0.1", "50000"))
    node.risk.set_trading_state(TradingState.REDUCING, "risk review")
    node.buy(BTC, "0.01", "50000")
    assert "REDUCING" in node.last_decision.reason
    node.sell(BTC, "0.2")  # would flip: not reducing
    assert not node.last_decision.approved
    node.sell(BTC, "0.05")
    assert node.last_decision.approved
    node.risk.set_trading_state(TradingState.ACTIVE, "review done")
    node.buy(BTC, "0.01", "50000")
    assert node.last_decision.approved


def test_cancels_pass_when_halted_and_modifies_do_not() -> None:
    node = Node(RiskConfig(**QUIET))
    order = node.buy(BTC, "0.1", "49000")
    node.risk.set_trading_state(TradingState.HALTED, "halt")
    modify(node, order, price=Decimal("49500"))
    assert not node.last_decision.approved
    assert order.status is OrderStatus.ACCEPTED  # modify rejected, order untouched
    assert order.price == Decimal("49000")
    node.bus.send(
        RISK_EXECUTE,
        CancelOrder(
            instrument_id=BTC,
            strategy_id=order.strategy_id,
            client_order_id=order.client_order_id,
            ts_init=0,
        ),
    )
    assert node.last_decision.approved
    assert order.status is OrderStatus.CANCELED


def test_modify_that_adds_quantity_is_checked_against_limits() -> None:
    node = Node(RiskConfig(max_position_notional=10_000.0, **QUIET))
    order = node.buy(BTC, "0.1", "49000")
    modify(node, order, quantity=Decimal("0.3"))  # 14700 > 10000
    assert "max_position_notional" in node.last_decision.reason
    assert order.quantity == Decimal("0.1")
    modify(node, order, quantity=Decimal("0.15"))
    assert node.last_decision.approved
    assert order.quantity == Decimal("0.15")
    modify(node, order, price=Decimal("60000"))  # fat finger on amend
    assert "price_band" in node.last_decision.reason
    modify(node, order, quantity=Decimal("NaN"))
    assert "quantity must be finite" in node.last_decision.reason
    modify(node, order, quantity=Decimal("0.1"))
    assert node.last_decision.approved


def test_cancel_throttle_only_warns() -> None:
    node = Node(RiskConfig(cancel_rate={"count": 1, "interval_s": 60}, **QUIET))
    for _ in range(2):
        node.bus.send(RISK_EXECUTE, CancelAllOrders(instrument_id=BTC, ts_init=0))
    decision = node.last_decision
    assert decision.approved
    assert "never denied" in decision.warnings[0]


def test_decisions_are_recorded_and_audited_in_a_hash_chain() -> None:
    node = Node(RiskConfig(**QUIET))
    node.buy(BTC, "0.1", "50000")
    node.buy(BTC, "NaN", "50000")
    decisions = list(node.risk.decisions)
    assert [d.approved for d in decisions] == [True, False]
    assert decisions[1].risk_level is RiskLevel.CRITICAL
    assert decisions[0].risk_level is RiskLevel.LOW
    assert all(d.validation_ns > 0 for d in decisions)
    audit: InMemoryAuditSink = node.audit
    assert [e.record["approved"] for e in audit.entries] == [True, False]
    assert audit.verify() is None
    audit.entries[0].record["approved"] = False  # tamper
    assert audit.verify() == 0


def test_drawdown_stop_halts_and_flattens_then_daily_stop_lifts_next_day() -> None:
    config = RiskConfig(
        drawdown={
            "daily_warning": 0.03,
            "daily_stop": 0.05,
            "weekly_stop": None,
            "weekly_warning": None,
            "peak_stop": None,
            "peak_warning": None,
        },
    )
    node = Node(config)
    node.venue.fill(node.buy(BTC_PERP, "1", "50000"))
    start = node.clock.timestamp_ns()
    node.risk.handle_equity(start, node.portfolio.equity())
    for step, price in enumerate([48_500.0, 47_000.0, 44_500.0], start=1):
        node.clock.set_time(start + step * NANOS_PER_HOUR)
        node.bar(BTC_PERP, price)
        node.risk.handle_equity(node.clock.timestamp_ns(), node.portfolio.equity())
    rules = [e.rule for e in node.risk.events if isinstance(e, BreakerTripped)]
    assert rules == ["drawdown.daily"]
    assert node.risk.trading_state is TradingState.HALTED
    node.venue.fill_all()
    assert node.portfolio.positions_open() == []
    next_day = (start // NANOS_PER_DAY + 1) * NANOS_PER_DAY
    node.clock.set_time(next_day)
    node.risk.handle_equity(next_day, node.portfolio.equity())
    assert node.risk.trading_state is TradingState.ACTIVE


def test_operator_halt_is_not_lifted_by_a_rule() -> None:
    node = Node(RiskConfig(drawdown={"daily_stop": 0.05}))
    node.risk.set_trading_state(TradingState.HALTED, "operator")
    start = node.clock.timestamp_ns()
    node.risk.handle_equity(start, 100.0)
    node.risk.handle_equity(start + NANOS_PER_HOUR, 90.0)
    node.risk.handle_equity(start + 2 * NANOS_PER_DAY, 90.0)
    assert node.risk.trading_state is TradingState.HALTED


def test_consecutive_losses_start_a_cooldown_that_expires() -> None:
    node = Node(RiskConfig(loss_rules={"max_consecutive_losses": 2, "cooldown_s": 600}, **QUIET))
    for _ in range(2):
        node.venue.fill(node.buy(BTC_PERP, "0.1", "50000"))
        node.bar(BTC_PERP, 49_000.0)
        node.venue.fill(node.sell(BTC_PERP, "0.1"))
        node.bar(BTC_PERP, 50_000.0)
    assert node.risk.trading_state is TradingState.REDUCING
    trip = next(e for e in node.risk.events if isinstance(e, BreakerTripped))
    assert trip.rule == "consecutive_losses"
    node.buy(BTC_PERP, "0.1", "50000")
    assert not node.last_decision.approved
    node.advance(601)
    node.buy(BTC_PERP, "0.1", "50000")
    assert node.last_decision.approved
    assert node.risk.trading_state is TradingState.ACTIVE


def test_per_trade_loss_cap_closes_the_losing_position() -> None:
    node = Node(RiskConfig(loss_rules=LossRulesConfig(max_trade_loss_pct=0.02), **QUIET))
    node.venue.fill(node.buy(BTC_PERP, "1", "50000"))
    node.bar(BTC_PERP, 48_500.0)  # -1500 < 2% of ~100k
    assert node.cache.orders_open() == []
    node.bar(BTC_PERP, 47_900.0)  # -2100
    flatten = node.cache.orders_open()
    assert len(flatten) == 1 and flatten[0].reduce_only
    node.bar(BTC_PERP, 47_800.0)  # no second flatten order while the first is working
    assert len(node.cache.orders_open()) == 1
    node.venue.fill_all()
    assert node.portfolio.positions_open() == []


def test_price_move_breaker_blocks_new_risk_in_the_instrument() -> None:
    node = Node(RiskConfig(breakers=BreakerConfig(max_bar_move_pct=0.05, cooldown_s=300), **QUIET))
    node.venue.fill(node.buy(BTC, "0.1", "50000"))
    node.bar(BTC, 50_000.0)
    node.advance(60)
    node.bar(BTC, 46_000.0)  # -8%
    assert [e.rule for e in node.risk.events if isinstance(e, BreakerTripped)] == ["price_move"]
    node.buy(BTC, "0.01", "46000")
    assert "breaker_block" in node.last_decision.reason
    node.sell(BTC, "0.05")  # exits pass
    assert node.last_decision.approved
    node.buy(ETH, "0.1", "2000")
    assert node.last_decision.approved
    node.advance(301)
    node.bar(BTC, 46_000.0)
    node.buy(BTC, "0.01", "46000")
    assert node.last_decision.approved


def test_spread_and_volatility_breakers() -> None:
    config = RiskConfig(
        breakers=BreakerConfig(
            max_spread_bps=50, volatility_spike_ratio=3.0, volatility_warmup=20, scope="global"
        ),
        **QUIET,
    )
    node = Node(config)
    node.quote(BTC, 49_990.0, 50_010.0)  # 4 bps
    assert node.risk.events == []
    node.quote(BTC, 49_800.0, 50_200.0)  # 80 bps
    assert node.risk.trading_state is TradingState.REDUCING
    assert isinstance(node.risk.events[0], BreakerTripped) and node.risk.events[0].rule == "spread"

    calm = Node(
        RiskConfig(
            breakers=BreakerConfig(volatility_spike_ratio=3.0, volatility_warmup=20), **QUIET
        )
    )
    price = 2_000.0
    for i in range(60):
        calm.advance(60)
        price *= 1.001 if i % 2 else 0.999
        calm.bar(ETH, price)
    assert calm.risk.events == []
    for _ in range(3):
        calm.advance(60)
        price *= 0.97
        calm.bar(ETH, price)
    assert any(
        isinstance(e, BreakerTripped) and e.rule == "volatility_spike" for e in calm.risk.events
    )


def test_evaluate_is_a_dry_run() -> None:
    node = Node(RiskConfig(max_position_notional=1_000.0, resize_to_limits=True, **QUIET))
    order = node.order(BTC, OrderSide.BUY, "1", "50000")
    decision = node.risk.evaluate(order)
    assert decision.approved and decision.modifications
    assert order.quantity == Decimal("1")
    assert order.status is OrderStatus.INITIALIZED
    assert node.risk.ledger.count == 0 and node.venue.submitted == []


def test_flatten_orders_carry_the_trader_id_and_continue_after_used_ids() -> None:
    node = Node(RiskConfig(**QUIET))
    node.venue.fill(node.buy(BTC, "0.1", "50000"))
    assert [o.client_order_id for o in node.risk.kill(flatten=True, reason="x")] == ["risk-risk-1"]
    restarted = Node(RiskConfig(**QUIET))
    restarted.risk.name_orders("NODE-7", ["NODE-7-risk-4", "NODE-7-sma-9", "risk-risk-8"])
    restarted.venue.fill(restarted.buy(BTC, "0.1", "50000"))
    (order,) = restarted.risk.kill(flatten=True, reason="x")
    assert order.client_order_id == "NODE-7-risk-5"

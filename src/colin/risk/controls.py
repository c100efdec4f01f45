"""Trading-state control, the kill switch and the real-time rules of the risk engine.

:class:`RiskControls` is the half of :class:`~colin.risk.engine.RiskEngine` that acts without
being asked: the operator's kill switch, the drawdown controller fed by ``handle_equity``, the
per-trade loss cap and losing-streak cooldown fed by fills and position events, and the
market-data breakers. Flatten orders are market orders of strategy ``risk`` (reduce-only on
derivatives).
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from colin.cache.cache import CacheFacade
from colin.cache.portfolio_facade import PortfolioFacade
from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.ids import ClientOrderIdGenerator, InstrumentId, StrategyId
from colin.core.time import NANOS_PER_SECOND
from colin.core.topics import EXEC_EXECUTE, RISK_EVENTS_TOPIC
from colin.model.commands import CancelAllOrders, SubmitOrder
from colin.model.enums import OrderSide, OrderType, TradingState
from colin.model.events import PositionEvent
from colin.model.orders import Order
from colin.risk.breakers import MarketBreakers
from colin.risk.drawdown import DrawdownController, DrawdownSignal
from colin.risk.events import BreakerTripped, KillSwitchActivated, RiskEvent, RiskWarning
from colin.risk.loss_rules import LossRules
from colin.risk.state import OPERATOR, TradingStateMachine

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from colin.risk.assessor import OrderAssessor
    from colin.risk.audit import AuditSink
    from colin.risk.checks import TradableCheck
    from colin.risk.config import RiskConfig
    from colin.risk.decision import RiskDecision
    from colin.risk.exposure import ExposureBook
    from colin.risk.ledger import OpenOrderLedger

RISK_STRATEGY = StrategyId("risk")


class RiskControls:
    """Trading state, kill switch, flattening and the real-time rules."""

    config: RiskConfig
    audit: AuditSink | None
    assessor: OrderAssessor
    exposure: ExposureBook
    ledger: OpenOrderLedger
    tradable: TradableCheck
    _record: Callable[..., RiskDecision]  # the engine's decision recorder

    def __init__(
        self, bus: MessageBus, clock: Clock, cache: CacheFacade, portfolio: PortfolioFacade
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._cache = cache
        self._portfolio = portfolio
        self.states = TradingStateMachine()
        self.events: list[RiskEvent] = []
        self._ids = ClientOrderIdGenerator("risk", RISK_STRATEGY)
        self._closing: set[InstrumentId] = set()
        self.drawdown = (
            DrawdownController(self.config.drawdown) if self.config.drawdown.enabled else None
        )
        self.loss_rules = LossRules(self.config.loss_rules)
        self.breakers = MarketBreakers(self.config.breakers, self._on_breaker)
        self._max_trade_loss = self.config.loss_rules.max_trade_loss_pct
        self.exposure.resync()
        # per bar and trade: mark positions only when a configured limit reads the marks, and
        # go through the loss check only when the per-trade loss cap is on
        on_price = (
            self._on_price
            if self._max_trade_loss is not None
            else self.exposure.on_price
            if self.assessor.reads_marks
            else None
        )
        if on_price is not None:
            bus.subscribe("data.bars.*", on_price)
            bus.subscribe("data.trades.*", on_price)
        if self.breakers.wants_bars:
            bus.subscribe("data.bars.*", self.breakers.on_bar)
        if self.breakers.wants_quotes:
            bus.subscribe("data.quotes.*", self.breakers.on_quote)
        if self.config.loss_rules.max_consecutive_losses is not None:
            bus.subscribe("events.position.*", self._on_position_event)

    # -- operator --------------------------------------------------------------------------------

    def set_trading_state(self, state: TradingState, reason: str) -> None:
        """Set the trading state by operator command (rules can tighten it, never loosen it)."""
        self._emit_change(self.states.set(state, reason, self._clock.timestamp_ns(), OPERATOR))

    def name_orders(self, trader_id: str, used_order_ids: Iterable[str] = ()) -> None:
        """Name the engine's own orders (kill switch, flatten) ``<trader_id>-risk-<n>``, after
        ``used_order_ids`` (a restarted node's), so that they are told apart from another
        node's on a shared account and no id is reused; unnamed, they are ``risk-risk-<n>``."""
        self._ids = ClientOrderIdGenerator(trader_id, RISK_STRATEGY)
        self._ids.skip_past(used_order_ids)

    def set_rule_state(self, state: TradingState, reason: str, owner: str) -> None:
        """Tighten the trading state on behalf of a rule named ``owner`` (never loosens it)."""
        if owner == OPERATOR:
            raise ValueError("a rule needs its own owner name, not the operator's")
        self._emit_change(self.states.set(state, reason, self._clock.timestamp_ns(), owner))

    def release_rule_state(self, owner: str, reason: str) -> None:
        """Return to ACTIVE if the rule ``owner`` set the current state (else do nothing)."""
        self._emit_change(self.states.release(owner, reason, self._clock.timestamp_ns()))

    def kill(
        self,
        flatten: bool = True,
        reason: str = "kill switch",
        state: TradingState = TradingState.HALTED,
    ) -> list[Order]:
        """Halt trading, cancel every open order and, with ``flatten``, close every position.

        Returns the flatten orders that were sent.
        """
        self.set_trading_state(state, reason)
        return self._cancel_and_flatten(reason, flatten)

    def set_instrument_tradable(
        self, instrument_id: InstrumentId, tradable: bool, reason: str = ""
    ) -> None:
        """Stop (or allow again) all new orders in one instrument, e.g. during a venue halt."""
        if tradable:
            self.tradable.halted.pop(instrument_id, None)
        else:
            self.tradable.halted[instrument_id] = reason or "halted by operator"

    # -- equity and drawdown ---------------------------------------------------------------------

    def handle_equity(self, ts_ns: int, equity: float) -> None:
        """Feed the equity of one time step (called by the backtest engine / live node)."""
        self.exposure.equity = equity
        if self.states.until_ns and ts_ns >= self.states.until_ns:
            self._expire(ts_ns)
        if self.drawdown is None:
            return
        signals = self.drawdown.update(ts_ns, equity)
        if signals is not None:
            for signal in signals:
                self._on_drawdown(ts_ns, signal)

    def _on_drawdown(self, ts: int, signal: DrawdownSignal) -> None:
        owner = f"drawdown.{signal.window}"
        if signal.kind == "resume":
            self._emit_change(
                self.states.release(owner, f"{signal.window} drawdown period ended", ts)
            )
            return
        detail = (
            f"{signal.window} drawdown {signal.drawdown:.2%} reached the {signal.kind} "
            f"level {signal.limit:.2%}"
        )
        if signal.kind == "warning":
            self._emit(
                RiskWarning(
                    ts_event=ts,
                    reason=detail,
                    rule=owner,
                    value=signal.drawdown,
                    limit=signal.limit,
                )
            )
            return
        self._emit(
            BreakerTripped(
                ts_event=ts, reason=detail, rule=owner, value=signal.drawdown, limit=signal.limit
            )
        )
        config = self.config.drawdown
        self._emit_change(self.states.set(config.stop_state, detail, ts, owner))
        if config.flatten_on_stop:
            self._cancel_and_flatten(detail, flatten=True)

    # -- fills, positions and prices -------------------------------------------------------------

    def _after_fill(self, fill: Any) -> None:
        if (
            fill.instrument_id in self._closing
            and self.exposure.position(fill.instrument_id) == 0.0
        ):
            self._closing.discard(fill.instrument_id)

    def _on_position_event(self, event: PositionEvent) -> None:
        result = self.loss_rules.on_position_event(event)
        if result is None or not self.loss_rules.cooldown_due():
            return
        now = self._clock.timestamp_ns()
        rules = self.config.loss_rules
        until = now + int(rules.cooldown_s * NANOS_PER_SECOND)
        streak = self.loss_rules.consecutive_losses
        reason = f"{streak} consecutive losing trades: cooling down for {rules.cooldown_s:g}s"
        self.loss_rules.reset_streak()
        self._emit(
            BreakerTripped(
                ts_event=now,
                reason=reason,
                rule="consecutive_losses",
                value=float(streak),
                limit=float(rules.max_consecutive_losses or 0),
                until_ns=until,
            )
        )
        self._emit_change(
            self.states.set(TradingState.REDUCING, reason, now, "consecutive_losses", until)
        )

    def _on_price(self, event: Any) -> None:
        self.exposure.on_price(event)
        if event.instrument_id in self.exposure.quantity:
            self._check_trade_loss(event.instrument_id)

    def _check_trade_loss(self, instrument_id: InstrumentId) -> None:
        if instrument_id in self._closing:
            return
        position = self._portfolio.position(instrument_id)
        price = self._cache.last_price(instrument_id)
        if position is None or price is None or self._max_trade_loss is None:
            return
        loss = -position.unrealized_pnl(price)
        limit = self._max_trade_loss * self.exposure.equity
        if loss <= limit:
            return
        now = self._clock.timestamp_ns()
        reason = f"open loss {loss:,.2f} on {instrument_id} exceeds the per-trade cap {limit:,.2f}"
        self._emit(
            BreakerTripped(
                ts_event=now,
                reason=reason,
                rule="max_trade_loss",
                instrument_id=instrument_id,
                value=loss,
                limit=limit,
            )
        )
        self._flatten_positions([instrument_id], reason)

    def _on_breaker(
        self, rule: str, instrument_id: InstrumentId, value: float, limit: float, ts: int
    ) -> None:
        config = self.config.breakers
        until = ts + int(config.cooldown_s * NANOS_PER_SECOND)
        reason = f"{rule} breaker on {instrument_id}: {value:.4g} beyond {limit:.4g}"
        self._emit(
            BreakerTripped(
                ts_event=ts,
                reason=reason,
                rule=rule,
                instrument_id=instrument_id,
                value=value,
                limit=limit,
                until_ns=until,
            )
        )
        if config.scope == "global":
            self._emit_change(self.states.set(TradingState.REDUCING, reason, ts, rule, until))
        else:
            self.tradable.blocked[instrument_id] = (until, reason)

    # -- acting ----------------------------------------------------------------------------------

    def _cancel_and_flatten(self, reason: str, flatten: bool) -> list[Order]:
        now = self._clock.timestamp_ns()
        # cancel per strategy so that the risk engine's own flatten orders stay working
        targets = {
            (order.instrument_id, order.strategy_id)
            for order in self._cache.orders_open()
            if order.strategy_id != RISK_STRATEGY
        }
        for instrument_id, strategy_id in sorted(targets):
            self._bus.send(
                EXEC_EXECUTE,
                CancelAllOrders(instrument_id=instrument_id, strategy_id=strategy_id, ts_init=now),
            )
        orders: list[Order] = []
        if flatten:
            orders = self._flatten_positions(
                [p.instrument_id for p in self._portfolio.positions_open()], reason
            )
        self._emit(
            KillSwitchActivated(
                ts_event=now,
                reason=reason,
                canceled_instruments=len({instrument_id for instrument_id, _ in targets}),
                flatten_orders=len(orders),
            )
        )
        return orders

    def _flatten_positions(self, instrument_ids: list[InstrumentId], reason: str) -> list[Order]:
        now = self._clock.timestamp_ns()
        orders = []
        for instrument_id in instrument_ids:
            quantity: Decimal = self._portfolio.net_quantity(instrument_id)
            instrument = self._cache.instrument(instrument_id)
            if quantity == 0 or instrument_id in self._closing or instrument is None:
                continue
            order = Order(
                client_order_id=self._ids.generate(),
                strategy_id=RISK_STRATEGY,
                instrument_id=instrument_id,
                side=OrderSide.SELL if quantity > 0 else OrderSide.BUY,
                order_type=OrderType.MARKET,
                quantity=abs(quantity),
                # venues only take reduce-only on derivatives; a spot sell of the holding
                # cannot open a short anyway
                reduce_only=instrument.is_derivative,
                ts_init=now,
                tags=("risk-flatten",),
            )
            self._closing.add(instrument_id)
            self._record_flatten(order, reason)
            self._bus.send(EXEC_EXECUTE, SubmitOrder(order=order, ts_init=now))
            orders.append(order)
        return orders

    def _record_flatten(self, order: Order, reason: str) -> None:
        started = time.perf_counter_ns()
        self._record(
            "submit",
            order.client_order_id,
            order.instrument_id,
            RISK_STRATEGY,
            [],
            started,
            (f"risk flatten: {reason}",),
        )
        instrument = self._cache.instrument(order.instrument_id)
        if instrument is not None:
            last = self._cache.last_price(order.instrument_id) or 0.0
            spec = self.assessor.specs.get(instrument)
            unit_cost = last * spec.multiplier * spec.taker_fee
            self.ledger.add(order, spec, float(order.quantity), last, unit_cost, None)

    def _expire(self, now: int) -> None:
        self._emit_change(self.states.expire(now))

    def _emit_change(self, event: RiskEvent | None) -> None:
        if event is not None:
            self._emit(event)

    def _emit(self, event: RiskEvent) -> None:
        self.events.append(event)
        self._bus.publish(RISK_EVENTS_TOPIC, event)
        if self.audit is not None:
            self.audit.append("risk.event", event.ts_event, event.to_record())

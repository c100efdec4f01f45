"""The risk engine: every trading command passes through it, and it has the last word.

It owns the ``RiskEngine.execute`` endpoint. Approved commands go on to the execution engine
(possibly resized); denied orders come back as ``OrderDenied`` (new orders) or
``OrderModifyRejected`` (modifies) through ``ExecEngine.process``. Cancels always pass. Every
decision is kept in :attr:`RiskEngine.decisions` and appended to the audit sink; trading-state
changes and breaker trips are published on ``events.risk`` and kept in :attr:`RiskEngine.events`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from colin.cache.cache import CacheFacade
from colin.cache.portfolio_facade import PortfolioFacade
from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.errors import ConfigError
from colin.core.ids import ClientOrderId, InstrumentId
from colin.core.topics import (
    EXEC_EXECUTE,
    EXEC_PROCESS,
    FILLS_TOPIC,
    RISK_EXECUTE,
)
from colin.model.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from colin.model.enums import OrderStatus, TradingState
from colin.model.events import OrderDenied, OrderModifyRejected
from colin.model.instrument import Instrument
from colin.model.orders import Order
from colin.risk.assessor import Assessment, OrderAssessor
from colin.risk.audit import AuditSink
from colin.risk.checks import Breach, OrderContext, RateThrottle, TradableCheck
from colin.risk.config import RiskConfig
from colin.risk.controls import RiskControls
from colin.risk.decision import Modification, RiskDecision
from colin.risk.exposure import ExposureBook
from colin.risk.fused import FusedChecks
from colin.risk.ledger import OpenOrderLedger
from colin.risk.modify import assess_modify
from colin.risk.records import DecisionLog

log = logging.getLogger(__name__)
_INITIALIZED = OrderStatus.INITIALIZED


class RiskEngine(RiskControls):
    """Pre-trade checks, trading state, real-time rules and the decision record.

    Parameters
    ----------
    bus, clock, cache, portfolio
        The node's message bus, clock and read-only views of the cache and portfolio.
    config
        Limits and rules; every limit is optional.
    audit
        Where decisions and risk events are appended (the SQL audit log in a node).
    """

    def __init__(
        self,
        bus: MessageBus,
        clock: Clock,
        cache: CacheFacade,
        portfolio: PortfolioFacade,
        config: RiskConfig | None = None,
        audit: AuditSink | None = None,
    ) -> None:
        self.config = config if config is not None else RiskConfig()
        self.ledger = OpenOrderLedger(cache)
        self.exposure = ExposureBook(cache, portfolio)
        self.tradable = TradableCheck()
        self.assessor = OrderAssessor(
            self.config, cache, portfolio, self.ledger, self.exposure, self.tradable
        )
        self.log = DecisionLog(self.config.decision_history, audit)
        self.decisions = self.log.history
        self._throttles = {
            name: RateThrottle(name, limit)
            for name, limit in (
                ("submit", self.config.submit_rate),
                ("modify", self.config.modify_rate),
                ("cancel", self.config.cancel_rate),
            )
            if limit is not None
        }
        self._submit_throttle = self._throttles.get("submit")
        self._submitted: set[ClientOrderId] = set()
        self._var_limit = self.assessor.var_limit
        self.fused = FusedChecks(
            self.assessor.checks,
            self.assessor.specs,
            cache,
            portfolio,
            self.ledger,
            self.exposure,
            self._submitted,
            self.config.warn_utilisation,
        )
        super().__init__(bus, clock, cache, portfolio)
        bus.register(RISK_EXECUTE, self.execute)
        bus.subscribe("events.order.*", self.ledger.on_order_event)
        bus.subscribe(FILLS_TOPIC, self._on_fill, priority=-100)
        for order in cache.orders_open():
            self._ledger_add(order)

    # -- commands --------------------------------------------------------------------------------

    def execute(self, command: Any) -> None:
        """Check one trading command and pass it on or deny it; never raises for bad input."""
        if isinstance(command, SubmitOrder):
            self._submit(command)
        elif isinstance(command, ModifyOrder):
            self._modify(command)
        elif isinstance(command, CancelOrder | CancelAllOrders):
            self._cancel(command)
        else:
            log.error("risk engine refused an unknown command %r", command)
            self._record(
                "unknown",
                "",
                "",
                "",
                [Breach("unknown_command", type(command).__name__)],
                time.perf_counter_ns(),
            )

    def evaluate(self, order: Order) -> RiskDecision:
        """Assess an order without sending it or changing any state (for what-if checks)."""
        started = time.perf_counter_ns()
        now = self._clock.timestamp_ns()
        original = order.quantity
        assessment = self._assess(order, now)
        order.quantity = original
        return self.log.assessed("evaluate", order, assessment, now, started)

    def _submit(self, command: SubmitOrder) -> None:
        started = time.perf_counter_ns()
        now = self._clock.timestamp_ns()
        if self.states.until_ns:
            self._expire(now)
        order = command.order
        state = self.states.state
        passed = self.fused.approve(order, now, state)
        duplicate: Breach | None = None
        if isinstance(passed, OrderContext):  # a check is in the way: the general checks decide
            original = order.quantity
            try:
                assessment = self.assessor.finish(passed, state)
            except Exception as exc:  # fail closed: a check that crashes denies the order
                assessment = self._crashed(order, exc)
        else:
            if passed is not None:
                throttle = self._submit_throttle
                if throttle is None or throttle.acquire(now):
                    self.log.fused(order, passed, now, started)
                    self._submitted.add(order.client_order_id)
                    self.ledger.add(
                        order,
                        passed.spec,
                        passed.quantity,
                        passed.price,
                        passed.unit_cost,
                        passed.own_price,
                    )
                    self._bus.send(EXEC_EXECUTE, command)
                    return
            duplicate = self._duplicate(order)
            if duplicate is not None:
                assessment = Assessment([duplicate])
            else:
                original = order.quantity
                try:
                    assessment = self.assessor.assess(order, now, state)
                except Exception as exc:  # fail closed: a check that crashes denies the order
                    assessment = self._crashed(order, exc)
        throttle = self._submit_throttle
        if throttle is not None and not assessment.breaches and not throttle.acquire(now):
            assessment.breaches.append(Breach("submit_rate", throttle.describe()))
        decision = self.log.assessed("submit", order, assessment, now, started)
        self.log.store(decision)
        if decision.approved:
            self._submitted.add(order.client_order_id)
            ctx = assessment.context
            assert ctx is not None  # an approved order always has a context
            self.ledger.add(order, ctx.spec, ctx.quantity, ctx.price, ctx.unit_cost, ctx.own_price)
            self._bus.send(EXEC_EXECUTE, command)
            return
        if duplicate is None and isinstance(order, Order):
            order.quantity = original  # undo a resize that was not enough
            self._submitted.add(order.client_order_id)
            self._bus.send(
                EXEC_PROCESS,
                OrderDenied(
                    client_order_id=order.client_order_id,
                    instrument_id=order.instrument_id,
                    strategy_id=order.strategy_id,
                    reason=decision.reason,
                    ts_event=now,
                    ts_init=now,
                ),
            )

    def _assess(self, order: Order, now: int) -> Assessment:
        try:
            return self.assessor.assess(order, now, self.states.state)
        except Exception as exc:  # fail closed: a check that crashes denies the order
            return self._crashed(order, exc)

    @staticmethod
    def _crashed(order: Any, exc: Exception) -> Assessment:
        log.exception("risk check failed on %r", order)
        return Assessment([Breach("internal_error", f"{type(exc).__name__}: {exc}")])

    def _duplicate(self, order: Any) -> Breach | None:
        if not isinstance(order, Order):
            return Breach("invalid_order", f"expected an Order, got {type(order).__name__}")
        client_order_id = order.client_order_id
        if client_order_id in self._submitted:
            return Breach("duplicate_client_order_id", f"{client_order_id} was already submitted")
        if order.status is not _INITIALIZED:
            return Breach(
                "duplicate_client_order_id",
                f"{client_order_id} is {order.status.value}, not a new order",
            )
        cached = self._cache.order(client_order_id)
        if cached is not None and cached is not order:
            return Breach(
                "duplicate_client_order_id", f"{client_order_id} belongs to another order"
            )
        return None

    def _modify(self, command: ModifyOrder) -> None:
        started = time.perf_counter_ns()
        now = self._clock.timestamp_ns()
        if self.states.until_ns:
            self._expire(now)
        order = self._cache.order(command.client_order_id)
        try:
            breaches = assess_modify(self, command, order, now)
        except Exception as exc:  # fail closed
            log.exception("modify check failed on %r", command)
            breaches = [Breach("internal_error", f"{type(exc).__name__}: {exc}")]
        throttle = self._throttles.get("modify")
        if not breaches and throttle is not None and not throttle.acquire(now):
            breaches.append(Breach("modify_rate", throttle.describe()))
        decision = self._record(
            "modify",
            command.client_order_id,
            command.instrument_id,
            command.strategy_id,
            breaches,
            started,
        )
        if decision.approved:
            self._bus.send(EXEC_EXECUTE, command)
        elif order is not None and order.is_open:
            self._bus.send(
                EXEC_PROCESS,
                OrderModifyRejected(
                    client_order_id=order.client_order_id,
                    instrument_id=order.instrument_id,
                    strategy_id=order.strategy_id,
                    reason=decision.reason,
                    ts_event=now,
                    ts_init=now,
                ),
            )

    def _cancel(self, command: CancelOrder | CancelAllOrders) -> None:
        started = time.perf_counter_ns()
        warnings: tuple[str, ...] = ()
        throttle = self._throttles.get("cancel")
        if throttle is not None:
            now = self._clock.timestamp_ns()
            if not throttle.allows(now):
                warnings = (f"{throttle.describe()}: passed anyway, cancels are never denied",)
            throttle.record(now)
        if isinstance(command, CancelOrder):
            kind, client_order_id = "cancel", str(command.client_order_id)
        else:
            kind, client_order_id = "cancel_all", ""
        self._record(
            kind,
            client_order_id,
            command.instrument_id,
            command.strategy_id or "",
            [],
            started,
            warnings,
        )
        self._bus.send(EXEC_EXECUTE, command)

    # -- decisions -------------------------------------------------------------------------------

    def _record(
        self,
        kind: str,
        client_order_id: str,
        instrument_id: str,
        strategy_id: str,
        breaches: list[Breach],
        started: int,
        warnings: tuple[str, ...] = (),
        modifications: tuple[Modification, ...] = (),
    ) -> RiskDecision:
        return self.log.command(
            kind,
            client_order_id,
            instrument_id,
            strategy_id,
            breaches,
            started,
            self._clock.timestamp_ns(),
            warnings,
            modifications,
        )

    def _ledger_add(self, order: Order) -> None:
        instrument = self._cache.instrument(order.instrument_id)
        if instrument is None:
            return
        price = order.price if order.price is not None else order.trigger_price
        own = float(price) if price is not None and price.is_finite() else None
        last = self._cache.last_price(order.instrument_id)
        value = own if own is not None else (last or 0.0)
        spec = self.assessor.specs.get(instrument)
        unit_cost = value * spec.multiplier * spec.taker_fee
        self.ledger.add(order, spec, float(order.leaves_qty), value, unit_cost, own)

    def _on_fill(self, fill: Any) -> None:
        self.exposure.resync()
        if self._var_limit is not None:
            self._var_limit.refresh()
        self._after_fill(fill)

    def set_covariance(self, instrument_ids: Sequence[InstrumentId], covariance: Any) -> None:
        """Give the VaR limit the covariance of per-period returns of these instruments.

        Raises
        ------
        ConfigError
            If ``max_var`` is not configured.
        ValueError
            If the matrix does not match the ids or is not a covariance matrix.
        """
        if self._var_limit is None:
            raise ConfigError("set max_var in the risk config to use a VaR limit")
        self._var_limit.set_covariance(instrument_ids, covariance)

    @property
    def audit(self) -> AuditSink | None:
        """Where decisions and risk events are appended (may be replaced at any time)."""
        return self.log.audit

    @audit.setter
    def audit(self, audit: AuditSink | None) -> None:
        self.log.audit = audit

    @property
    def approved_count(self) -> int:
        """How many commands were approved."""
        return self.log.approved

    @property
    def denied_count(self) -> int:
        """How many commands were denied."""
        return self.log.denied

    @property
    def trading_state(self) -> TradingState:
        """The current trading state."""
        return self.states.state

    def assessor_instrument(self, order: Order) -> Instrument | None:
        """Return the instrument of ``order`` from the cache."""
        return self._cache.instrument(order.instrument_id)

    def assessor_instrument_by_id(self, instrument_id: InstrumentId) -> Instrument | None:
        """Return an instrument from the cache."""
        return self._cache.instrument(instrument_id)

    def assess_probe(self, order: Order) -> Assessment:
        """Assess an order with no side effects and no resizing (for sizing)."""
        return self.assessor.assess(
            order, self._clock.timestamp_ns(), self.states.state, allow_resize=False
        )

    def reference_price(self, instrument_id: InstrumentId) -> float | None:
        """Return the last price used to value orders (``None`` if unknown or not positive)."""
        price = self._cache.last_price(instrument_id)
        return price if price is not None and price > 0.0 else None

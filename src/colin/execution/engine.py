"""The execution engine: the order management system every order command goes through.

It owns the order lifecycle. For each approved command it (1) writes the intent and the order's
move (SUBMITTED / PENDING_*) to the journal in one write, (2) applies and publishes that move, and
(3) hands the command to the venue's :class:`~colin.execution.client.ExecutionClient`. Venue
events come back on the ``ExecEngine.process`` endpoint; each is journaled, applied to its order
through the order state machine, and published: fills first on ``events.fills`` (the portfolio
books them), then on ``events.order.{strategy}`` (the strategy reacts to a position that is
already updated).

Duplicate venue events (the same trade id twice, a late ack) are dropped and counted, never
applied twice; events for unknown orders are counted for reconciliation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.errors import InvalidStateTransition
from colin.core.ids import ClientOrderId
from colin.core.topics import EXEC_EXECUTE, EXEC_PROCESS, FILLS_TOPIC, order_events_topic
from colin.execution.client import ExecutionClient
from colin.execution.journal import InMemoryJournal, Journal
from colin.execution.order_events import order_event
from colin.model.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from colin.model.events import (
    OrderEvent,
    OrderFilled,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
)
from colin.model.orders import Order

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ExecutionCounters:
    """What the engine has seen, for metrics and tests."""

    commands: int = 0
    events: int = 0
    duplicate_fills: int = 0
    unknown_order_events: int = 0
    invalid_transitions: int = 0
    no_client_rejects: int = 0


class ExecutionEngine:
    """Route trading commands to venues and venue events to orders."""

    def __init__(
        self,
        bus: MessageBus,
        clock: Clock,
        cache: Cache,
        journal: Journal | None = None,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._cache = cache
        self.journal: Journal = journal if journal is not None else InMemoryJournal()
        self._clients: dict[str, ExecutionClient] = {}
        self._seen_trades: set[tuple[ClientOrderId, str]] = set()
        self._topics: dict[str, str] = {}
        self.counters = ExecutionCounters()
        bus.register(EXEC_EXECUTE, self.execute)
        bus.register(EXEC_PROCESS, self.process)

    def register_client(self, client: ExecutionClient) -> None:
        """Route commands for ``client.venue`` to ``client``."""
        if client.venue in self._clients:
            raise ValueError(f"an execution client for venue {client.venue} is already registered")
        self._clients[client.venue] = client

    # -- commands --------------------------------------------------------------------------------

    def execute(self, command: SubmitOrder | ModifyOrder | CancelOrder | CancelAllOrders) -> None:
        """Journal an approved command, update its order(s) and send it to the venue."""
        self.counters.commands += 1
        if isinstance(command, SubmitOrder):
            self._submit(command)
        elif isinstance(command, ModifyOrder):
            self._before_send(command.client_order_id, OrderPendingUpdate, command, "modify")
        elif isinstance(command, CancelOrder):
            self._before_send(command.client_order_id, OrderPendingCancel, command, "cancel")
        elif isinstance(command, CancelAllOrders):
            self._cancel_all(command)
        else:
            raise TypeError(f"unknown trading command {type(command).__name__}")

    def _submit(self, command: SubmitOrder) -> None:
        order = command.order
        if self._cache.order(order.client_order_id) is None:
            self._cache.add_order(order)
        client = self._clients.get(order.instrument_id.venue)
        now = self._clock.timestamp_ns()
        self._apply_intent(command, order, order_event(OrderSubmitted, order, now, now))
        if client is None:
            self.counters.no_client_rejects += 1
            reason = f"no execution client for venue {order.instrument_id.venue}"
            self.process(order_event(OrderRejected, order, now, now, reason=reason))
            return
        client.submit_order(command)

    def _before_send(
        self,
        client_order_id: ClientOrderId,
        pending: type[OrderPendingUpdate] | type[OrderPendingCancel],
        command: ModifyOrder | CancelOrder,
        verb: str,
    ) -> None:
        order = self._cache.order(client_order_id)
        if order is None or not order.is_open:
            log.warning("%s of %s ignored: order unknown or closed", verb, client_order_id)
            return
        now = self._clock.timestamp_ns()
        self._apply_intent(command, order, order_event(pending, order, now, now))
        client = self._clients[order.instrument_id.venue]
        if isinstance(command, ModifyOrder):
            client.modify_order(command)
        else:
            client.cancel_order(command)

    def _cancel_all(self, command: CancelAllOrders) -> None:
        now = self._clock.timestamp_ns()
        self.journal.append("command", now, command)
        for order in self._cache.orders_open(command.instrument_id, command.strategy_id):
            if command.side is None or order.side is command.side:
                self._apply(order, order_event(OrderPendingCancel, order, now, now))
        client = self._clients.get(command.instrument_id.venue)
        if client is not None:
            client.cancel_all_orders(command)

    def adopt_order(self, order: Order) -> None:
        """Take over an order found working at a venue that Colin did not send (reconciliation).

        The order is journaled as if it had been submitted (so a replay rebuilds it) and moved to
        SUBMITTED; nothing is sent to the venue. Its venue events then arrive through
        :meth:`process` like any other order's.
        """
        now = self._clock.timestamp_ns()
        self._cache.add_order(order)
        submit = SubmitOrder(order=order, ts_init=now)
        self._apply_intent(submit, order, order_event(OrderSubmitted, order, now, now))

    # -- events ----------------------------------------------------------------------------------

    def process(self, event: OrderEvent) -> None:
        """Journal a venue (or risk) event, apply it to its order and publish it."""
        self.counters.events += 1
        order = self._cache.order(event.client_order_id)
        if order is None:
            self.counters.unknown_order_events += 1
            log.warning(
                "event %s for unknown order %s", type(event).__name__, event.client_order_id
            )
            return
        if isinstance(event, OrderFilled):
            key = (event.client_order_id, event.trade_id)
            if key in self._seen_trades:
                self.counters.duplicate_fills += 1
                return
            self._seen_trades.add(key)
        self._apply(order, event)

    def _apply_intent(
        self, command: SubmitOrder | ModifyOrder | CancelOrder, order: Order, event: OrderEvent
    ) -> None:
        # one journal write before the send: the intent and the order's move, all or nothing
        now = event.ts_event
        self.journal.append_many([("command", now, command), ("event", now, event)])
        self._update(order, event)

    def _apply(self, order: Order, event: OrderEvent) -> None:
        self.journal.append("event", event.ts_event, event)
        self._update(order, event)

    def _update(self, order: Order, event: OrderEvent) -> None:
        try:
            order.apply(event)
        except InvalidStateTransition as exc:
            self.counters.invalid_transitions += 1
            log.warning("dropped %s: %s", type(event).__name__, exc)
            return
        self._cache.update_order(order)
        if isinstance(event, OrderFilled):
            self._bus.publish(FILLS_TOPIC, event)
        topic = self._topics.get(order.strategy_id)
        if topic is None:
            topic = self._topics[order.strategy_id] = order_events_topic(order.strategy_id)
        self._bus.publish(topic, event)

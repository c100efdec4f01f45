"""Reconciliation: make Colin's orders, fills and account agree with what the venue reports.

:class:`Reconciler` is the one place that turns venue reports into order events. Venue clients
call it for every report they receive (a REST answer, a user-stream message, a lookup after an
unanswered submit) and, on start and periodically, with a whole :class:`VenueState`:

- an order open in Colin but closed at the venue gets the fills it missed, then its final event;
- a venue fill Colin never saw becomes an :class:`OrderFilled` (sent to ``EXEC_PROCESS``, where the
  execution engine's duplicate-fill guard makes a second delivery harmless);
- an order the venue works but Colin does not know is adopted (strategy ``EXTERNAL``, journaled
  like any order) and, with the ``cancel`` policy, then canceled through the execution engine;
- an order whose submit was never answered (``SUBMITTED`` without a venue id) is accepted or
  filled when the venue knows its client id, and rejected once it is still unknown after the
  grace period. It is never sent again;
- balances and derivative positions are compared, and corrected from the venue if the policy
  says so.

Every pass returns a :class:`ReconcileReport` and publishes it on :data:`RECONCILE_TOPIC`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from decimal import Decimal

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.ids import ClientOrderId, VenueOrderId
from colin.core.topics import EXEC_EXECUTE, EXEC_PROCESS, RECONCILE_TOPIC
from colin.execution.engine import ExecutionEngine
from colin.execution.order_events import order_event, updated_event
from colin.execution.reconcile_account import (
    AccountCorrector,
    AccountView,
    BalanceMismatch,
    PositionMismatch,
    compare_balances,
    compare_positions,
    correct_account,
)
from colin.execution.reconcile_fills import FillBook
from colin.execution.reconcile_policy import (
    EXTERNAL_STRATEGY,
    ROUNDING_NOISE,
    ReconcileCounters,
    ReconcilePolicy,
    ReconcileReport,
    UnknownOrderPolicy,
)
from colin.execution.reports import FillReport, OrderStatusReport, VenueState
from colin.model.commands import CancelOrder
from colin.model.enums import OrderStatus
from colin.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderRejected,
    OrderSubmitted,
)
from colin.model.orders import Order

__all__ = [
    "EXTERNAL_STRATEGY",
    "ReconcileCounters",
    "ReconcilePolicy",
    "ReconcileReport",
    "Reconciler",
    "UnknownOrderPolicy",
]

log = logging.getLogger(__name__)

_ACCEPTABLE = (OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.PENDING_UPDATE)


class Reconciler:
    """Apply venue reports to Colin's orders, and reconcile whole venue snapshots.

    Parameters
    ----------
    bus
        Events go to :data:`EXEC_PROCESS`, cancels of unknown orders to :data:`EXEC_EXECUTE`,
        reports to :data:`RECONCILE_TOPIC`.
    clock
        Stamps ``ts_init`` and measures the ack grace period.
    cache
        Where Colin's orders are read.
    engine
        Adopts unknown venue orders (journal + cache).
    policy
        How differences are resolved (default: :class:`ReconcilePolicy`'s defaults).
    account
        The portfolio to compare balances and positions with (none: not compared). It must be an
        :class:`AccountCorrector` when the policy corrects the account.
    """

    def __init__(
        self,
        bus: MessageBus,
        clock: Clock,
        cache: Cache,
        engine: ExecutionEngine,
        policy: ReconcilePolicy | None = None,
        account: AccountView | None = None,
    ) -> None:
        policy = policy if policy is not None else ReconcilePolicy()
        if policy.correct_account and not isinstance(account, AccountCorrector):
            raise ValueError("correcting the account needs a portfolio with correct_* methods")
        self._bus = bus
        self._clock = clock
        self._cache = cache
        self._engine = engine
        self.policy = policy
        self._account = account
        self._venue_ids: dict[VenueOrderId, ClientOrderId] = {}
        self._superseded: set[VenueOrderId] = set()
        self.counters = ReconcileCounters()
        self._fills = FillBook(bus, clock, cache, self.counters)

    # -- single reports (REST answers, user stream) ----------------------------------------------

    def apply_fill(self, fill: FillReport) -> bool:
        """Book a venue fill once; return whether it changed the order.

        A fill whose order is not known yet (a user-stream trade ahead of the submit's answer)
        is kept and applied when a report links its venue order id to an order.
        """
        order = self.order_for(fill.client_order_id, fill.venue_order_id)
        if order is None:
            self._fills.hold(fill)
            return False
        return self._fills.book(order, fill)

    def apply_report(
        self,
        report: OrderStatusReport,
        fills: tuple[FillReport, ...] | list[FillReport] = (),
        *,
        authoritative: bool = False,
    ) -> bool:
        """Bring an order to the state the venue reports; return whether they now agree.

        The fills given (and any kept for this venue order) are booked first. A final status is
        applied only once the venue's filled quantity is booked; until then the order waits
        (return ``False``) for the caller to fetch the fills and call again. ``False`` also
        means the order is unknown.

        A stream message may be older than what Colin already applied, so only an
        ``authoritative`` report (a fresh lookup, a snapshot, the answer to Colin's own modify)
        changes an order's quantity or price, and only such a report has the missing filled
        quantity inferred (if the policy allows).
        """
        order = self.order_for(report.client_order_id, report.venue_order_id)
        if order is None:
            return False
        self._venue_ids[report.venue_order_id] = order.client_order_id
        if report.venue_order_id in self._superseded:
            return True  # the order lives on under a new venue id; its fills still count
        if order.is_closed:
            return order.filled_qty == report.filled_qty
        if report.status is OrderStatus.REJECTED:
            self._send_status(order, OrderRejected, report.ts_event, reason="rejected by venue")
            return True
        now = self._clock.timestamp_ns()
        if order.venue_order_id != report.venue_order_id and order.status in _ACCEPTABLE:
            accepted = order_event(
                OrderAccepted, order, report.ts_event, now, venue_order_id=report.venue_order_id
            )
            self._send(accepted)
            self.counters.orders_accepted += 1
        self._fills.book_with_held(order, report.venue_order_id, fills)
        if authoritative and report.is_open and order.is_open and _amended(order, report):
            self._send(updated_event(order, report, report.ts_event, now))
            self.counters.orders_updated += 1
        if order.filled_qty < report.filled_qty:
            if not (authoritative and self.policy.infer_missing_fills):
                return False
            self._fills.infer(order, report)
        if order.is_open and report.status is OrderStatus.CANCELED:
            self._send_status(order, OrderCanceled, report.ts_event)
        elif order.is_open and report.status is OrderStatus.EXPIRED:
            self._send_status(order, OrderExpired, report.ts_event)
        return order.filled_qty == report.filled_qty

    def supersede(self, venue_order_id: VenueOrderId, superseded: bool = True) -> None:
        """Mark a venue order id as replaced by an amend (a venue whose amend is cancel-replace).

        Reports about that id (its cancel) no longer move the order; fills under it still do.
        ``superseded=False`` undoes the mark when the amend failed.
        """
        if superseded:
            self._superseded.add(venue_order_id)
        else:
            self._superseded.discard(venue_order_id)

    def resolve_unknown(self, order: Order) -> bool:
        """Handle an open order the venue does not know; return whether it was closed.

        An order never acknowledged is rejected once the grace period since its submit has
        passed (before that it may still be on its way). An acknowledged order the venue has
        forgotten is left alone and reported: Colin does not guess what happened to it.
        """
        if order.venue_order_id is not None or order.is_closed:
            return False
        now = self._clock.timestamp_ns()
        if now - _submitted_at(order) < self.policy.ack_grace_ns:
            return False
        self._send_status(
            order,
            OrderRejected,
            now,
            reason="the venue does not know the order after its unanswered submit",
        )
        return True

    def order_for(
        self, client_order_id: ClientOrderId | None, venue_order_id: VenueOrderId
    ) -> Order | None:
        """Colin's order for a venue report, by client id, else by venue id."""
        if client_order_id is not None:
            order = self._cache.order(client_order_id)
            if order is not None:
                return order
        known = self._venue_ids.get(venue_order_id)
        if known is not None:
            return self._cache.order(known)
        for order in self._cache.orders_open():
            if order.venue_order_id == venue_order_id:
                self._venue_ids[venue_order_id] = order.client_order_id
                return order
        return None

    # -- whole snapshots -------------------------------------------------------------------------

    def reconcile(self, state: VenueState) -> ReconcileReport:
        """Reconcile Colin with a venue snapshot, publish the report and return it."""
        before = self.counters.copy()
        details: list[str] = []
        pending: list[ClientOrderId] = []
        by_client = {r.client_order_id: r for r in state.orders if r.client_order_id}
        fills_by_order: dict[VenueOrderId, list[FillReport]] = defaultdict(list)
        for fill in state.fills:
            fills_by_order[fill.venue_order_id].append(fill)
        for order in self._cache.orders_open():
            if order.instrument_id.venue != state.venue:
                continue
            report = by_client.get(order.client_order_id)
            if report is None and order.venue_order_id is not None:
                report = next(
                    (r for r in state.orders if r.venue_order_id == order.venue_order_id), None
                )
            if report is not None:
                if not self.apply_report(
                    report, fills_by_order[report.venue_order_id], authoritative=True
                ):
                    details.append(f"{order.client_order_id}: fills still missing")
            elif order.client_order_id in state.missing:
                if not self.resolve_unknown(order):
                    pending.append(order.client_order_id)
            else:
                details.append(f"{order.client_order_id}: not in the venue snapshot")
        for report in state.orders:
            if (
                report.is_open
                and self.order_for(report.client_order_id, report.venue_order_id) is None
            ):
                self._adopt(report, fills_by_order[report.venue_order_id], details)
        for fill in state.fills:  # fills of orders Colin never had stay out: the account shows them
            owner = self.order_for(fill.client_order_id, fill.venue_order_id)
            if owner is not None:
                self._fills.book(owner, fill)
        balances, positions, corrected = self._compare_account(state)
        result = ReconcileReport(
            venue=state.venue,
            ts=self._clock.timestamp_ns(),
            counts=self.counters.minus(before),
            pending=tuple(pending),
            balance_mismatches=balances,
            position_mismatches=positions,
            corrected=corrected,
            details=tuple(details),
        )
        self._bus.publish(RECONCILE_TOPIC, result)
        return result

    def _adopt(
        self, report: OrderStatusReport, fills: list[FillReport], details: list[str]
    ) -> None:
        client_order_id = report.client_order_id or ClientOrderId(f"EXT-{report.venue_order_id}")
        if self._cache.order(client_order_id) is not None:
            details.append(
                f"{client_order_id}: venue order {report.venue_order_id} not adopted, id taken"
            )
            return
        order = Order(
            client_order_id=client_order_id,
            strategy_id=EXTERNAL_STRATEGY,
            instrument_id=report.instrument_id,
            side=report.side,
            order_type=report.order_type,
            quantity=report.quantity,
            price=report.price,
            trigger_price=report.trigger_price,
            time_in_force=report.time_in_force,
            post_only=report.post_only,
            reduce_only=report.reduce_only,
            ts_init=self._clock.timestamp_ns(),
            tags=("adopted",),
        )
        self._engine.adopt_order(order)
        self.counters.orders_adopted += 1
        self.apply_report(report, fills, authoritative=True)
        if self.policy.unknown_orders is UnknownOrderPolicy.CANCEL and order.is_open:
            self._bus.send(
                EXEC_EXECUTE,
                CancelOrder(
                    instrument_id=order.instrument_id,
                    strategy_id=order.strategy_id,
                    client_order_id=order.client_order_id,
                    ts_init=self._clock.timestamp_ns(),
                ),
            )
            self.counters.cancels_requested += 1

    def _compare_account(
        self, state: VenueState
    ) -> tuple[tuple[BalanceMismatch, ...], tuple[PositionMismatch, ...], bool]:
        if self._account is None:
            return (), (), False
        tolerance = max(self.policy.tolerance, ROUNDING_NOISE)
        balances = compare_balances(state, self._account, tolerance)
        positions = compare_positions(state, self._account, tolerance)
        if not self.policy.correct_account:
            return balances, positions, False
        # the venue's numbers are taken exactly, rounding noise included; only what exceeds the
        # tolerance is reported as a mismatch
        exact_balances = compare_balances(state, self._account, Decimal(0))
        exact_positions = compare_positions(state, self._account, Decimal(0))
        if exact_balances or exact_positions:
            assert isinstance(self._account, AccountCorrector)  # checked in __init__
            correct_account(self._account, exact_balances, exact_positions)
        return balances, positions, bool(balances or positions)

    # -- events ----------------------------------------------------------------------------------

    def _send_status(
        self,
        order: Order,
        kind: type[OrderCanceled] | type[OrderExpired] | type[OrderRejected],
        ts_event: int,
        **extra: str,
    ) -> None:
        self._send(order_event(kind, order, ts_event, self._clock.timestamp_ns(), **extra))
        if kind is OrderRejected:
            self.counters.orders_rejected += 1
        else:
            self.counters.orders_closed += 1

    def _send(self, event: object) -> None:
        self._bus.send(EXEC_PROCESS, event)


def _amended(order: Order, report: OrderStatusReport) -> bool:
    if report.quantity != order.quantity:
        return True
    return report.price is not None and report.price != order.price


def _submitted_at(order: Order) -> int:
    for event in order.events:
        if isinstance(event, OrderSubmitted):
            return event.ts_event
    return order.ts_init

"""Venue answers about orders on their way to the reconciler, and the client's own order events.

:class:`OrderReports` is where the ccxt execution client hands every venue answer to the
:class:`~colin.execution.reconcile.Reconciler`: REST answers, user-stream orders and trades, and
lookups by client order id (applied as authoritative, with their fills fetched when the venue
shows more filled than Colin booked). A report whose fills have not arrived yet waits
``settle_s`` for the user stream; if they still miss, the order is looked up. It also sends the
events only the client can decide: rejections of submits, cancels and amends, and the update of
an amend the venue answered with unchanged values.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

import ccxt.pro

from colin.adapters.ccxt.order_decode import fill_report, order_fills, order_report
from colin.adapters.ccxt.venue_state import VenueRequests
from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.errors import RateLimitError
from colin.core.topics import EXEC_PROCESS
from colin.execution.order_events import order_event, updated_event
from colin.execution.reconcile import Reconciler
from colin.execution.reports import FillReport, OrderStatusReport
from colin.model.events import OrderCancelRejected, OrderModifyRejected, OrderRejected
from colin.model.orders import Order

log = logging.getLogger(__name__)

UNKNOWN_OUTCOME = (ccxt.OperationFailed, RateLimitError)
"""Errors after which what the venue did with a request is unknown (5xx, timeouts, rate limits)."""

Spawn = Callable[[Coroutine[Any, Any, None]], None]


@dataclass(slots=True)
class ClientCounters:
    """What the client has done, for metrics and tests."""

    submitted: int = 0
    rejected: int = 0
    unknown_outcomes: int = 0
    lookups: int = 0
    resent_after_nonce: int = 0
    fill_fetches: int = 0


class OrderReports:
    """Apply venue answers about orders through the reconciler; send the client's own events.

    Parameters
    ----------
    requests
        The account's rate-limited requests (lookups and fill fetches go through it).
    reconciler
        Turns venue reports into order events.
    bus, clock
        Rejections and updates go to ``EXEC_PROCESS``, stamped by ``clock``.
    counters
        The client's counters (``lookups``, ``fill_fetches``).
    spawn
        Runs a coroutine as one of the client's tasks (waiting for missing fills).
    settle_s
        How long a report whose fills have not arrived yet waits for the user stream.
    """

    def __init__(
        self,
        requests: VenueRequests,
        reconciler: Reconciler,
        bus: MessageBus,
        clock: Clock,
        counters: ClientCounters,
        spawn: Spawn,
        settle_s: float,
    ) -> None:
        self.venue = requests.venue
        self._requests = requests
        self._reconciler = reconciler
        self._bus = bus
        self._clock = clock
        self._counters = counters
        self._spawn = spawn
        self._settle_s = settle_s
        self._settling: set[str] = set()

    # -- venue answers ---------------------------------------------------------------------------

    async def lookup(self, order: Order) -> OrderStatusReport | None:
        """Fetch an order by client id and apply it (with its fills) as authoritative."""
        self._counters.lookups += 1
        report = await self._requests.order_by_client_id(
            order.instrument_id.symbol, order.client_order_id
        )
        if report is not None:
            fills: list[FillReport] = []
            if report.filled_qty > order.filled_qty:
                self._counters.fill_fetches += 1
                fills = await self._requests.order_fills(order.instrument_id.symbol, report)
            self._reconciler.apply_report(report, fills, authoritative=True)
        return report

    async def lookup_quietly(self, order: Order) -> None:
        """:meth:`lookup`, logging instead of raising when the venue does not answer."""
        try:
            await self.lookup(order)
        except (*UNKNOWN_OUTCOME, ccxt.BaseError) as exc:
            log.warning("lookup of %s failed: %r", order.client_order_id, exc)

    def on_answer(self, answer: dict[str, Any]) -> None:
        """Apply a REST answer (a ccxt order, with the fills it carries)."""
        report = order_report(answer, self.venue)
        self._apply(report, order_fills(answer, self.venue))

    def on_order(self, raw: dict[str, Any]) -> None:
        """Apply a user-stream order message."""
        self._apply(order_report(raw, self.venue), ())

    def on_trade(self, raw: dict[str, Any]) -> None:
        """Book a user-stream trade."""
        self._reconciler.apply_fill(fill_report(raw, self.venue))

    def _apply(self, report: OrderStatusReport, fills: Iterable[FillReport]) -> None:
        if self._reconciler.apply_report(report, list(fills)):
            return
        order = self._reconciler.order_for(report.client_order_id, report.venue_order_id)
        if order is not None and order.is_open and order.client_order_id not in self._settling:
            self._settling.add(order.client_order_id)
            self._spawn(self._settle(order, report))

    async def _settle(self, order: Order, report: OrderStatusReport) -> None:
        """Give the user stream time to bring missing fills; fetch them if it does not."""
        try:
            await asyncio.sleep(self._settle_s)
            if order.is_open and not self._reconciler.apply_report(report):
                await self.lookup(order)
        finally:
            self._settling.discard(order.client_order_id)

    # -- the client's own events -----------------------------------------------------------------

    def send(
        self,
        kind: type[OrderRejected] | type[OrderCancelRejected] | type[OrderModifyRejected],
        order: Order,
        reason: str,
    ) -> None:
        """Send a rejection of ``order``'s submit, cancel or amend."""
        now = self._clock.timestamp_ns()
        self._bus.send(EXEC_PROCESS, order_event(kind, order, now, now, reason=reason))

    def send_updated(self, order: Order, report: OrderStatusReport) -> None:
        """Send the update of an amend the venue answered with ``order``'s current values."""
        now = self._clock.timestamp_ns()
        self._bus.send(EXEC_PROCESS, updated_event(order, report, report.ts_event or now, now))

"""Fill reconciliation: book each venue fill once, whatever order it arrives in.

:class:`FillBook` is the part of the :class:`~colin.execution.reconcile.Reconciler` that turns
venue fills into :class:`OrderFilled` events on ``EXEC_PROCESS``:

- a fill is booked at most once per trade id (a stream message, a REST answer and a snapshot may
  all carry it);
- a fill whose order is not known yet (a user-stream trade ahead of the submit's answer) is held
  until a report links its venue order id to an order;
- a filled quantity the venue reports without the fills behind it can be booked as one inferred
  fill at the price that makes the venue's average.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.ids import TradeId, VenueOrderId
from colin.core.topics import EXEC_PROCESS
from colin.execution.order_events import order_event
from colin.execution.reconcile_policy import ReconcileCounters
from colin.execution.reports import FillReport, OrderStatusReport
from colin.model.enums import LiquiditySide
from colin.model.events import OrderFilled
from colin.model.orders import Order

log = logging.getLogger(__name__)

_MAX_HELD_ORDERS = 10_000


class FillBook:
    """Book venue fills on Colin's orders exactly once.

    Parameters
    ----------
    bus
        Fills go to :data:`EXEC_PROCESS`.
    clock
        Stamps ``ts_init``.
    cache
        Where instruments are read (the commission currency of an inferred fill).
    counters
        The reconciler's counters (``fills_applied``, ``fills_inferred``, ``orphan_fills``).
    """

    def __init__(
        self, bus: MessageBus, clock: Clock, cache: Cache, counters: ReconcileCounters
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._cache = cache
        self._counters = counters
        self._held: dict[VenueOrderId, list[FillReport]] = {}

    def hold(self, fill: FillReport) -> None:
        """Keep a fill whose order is not known yet (once per trade id, for a bounded set)."""
        waiting = self._held.get(fill.venue_order_id)
        if waiting is None and len(self._held) < _MAX_HELD_ORDERS:
            waiting = self._held[fill.venue_order_id] = []
        if waiting is not None and all(f.trade_id != fill.trade_id for f in waiting):
            waiting.append(fill)
            self._counters.orphan_fills += 1

    def book_with_held(
        self, order: Order, venue_order_id: VenueOrderId, fills: Iterable[FillReport]
    ) -> None:
        """Book ``fills`` and those held for ``venue_order_id`` on ``order``, oldest first."""
        held = self._held.pop(venue_order_id, ())
        for fill in sorted((*fills, *held), key=_fill_ts):
            self.book(order, fill)

    def book(self, order: Order, fill: FillReport) -> bool:
        """Book ``fill`` on ``order`` unless it is booked already; return whether it applied."""
        if self._send(order, fill):
            self._counters.fills_applied += 1
            return True
        return False

    def infer(self, order: Order, report: OrderStatusReport) -> None:
        """Book the filled quantity ``report`` shows beyond ``order``'s fills as one fill."""
        missing = report.filled_qty - order.filled_qty
        venue_cost = (report.avg_px or report.price or Decimal(0)) * report.filled_qty
        booked_cost = (order.avg_px or Decimal(0)) * order.filled_qty
        price = (venue_cost - booked_cost) / missing
        if price <= 0:
            log.warning("cannot infer a fill for %s: no usable price", order.client_order_id)
            return
        instrument = self._cache.instrument(order.instrument_id)
        currency = instrument.quote if instrument is not None else ""
        inferred = FillReport(
            trade_id=TradeId(f"{report.venue_order_id}-inferred-{report.filled_qty}"),
            client_order_id=order.client_order_id,
            venue_order_id=report.venue_order_id,
            instrument_id=order.instrument_id,
            side=order.side,
            quantity=missing,
            price=price,
            commission=Decimal(0),
            commission_currency=currency,
            liquidity_side=LiquiditySide.TAKER,
            ts_event=report.ts_event,
        )
        if self._send(order, inferred):
            self._counters.fills_inferred += 1

    def _send(self, order: Order, fill: FillReport) -> bool:
        """Send ``fill`` for ``order`` unless it is booked already; return whether it applied."""
        if any(isinstance(e, OrderFilled) and e.trade_id == fill.trade_id for e in order.events):
            return False
        before = order.filled_qty
        self._bus.send(
            EXEC_PROCESS,
            order_event(
                OrderFilled,
                order,
                fill.ts_event,
                self._clock.timestamp_ns(),
                venue_order_id=fill.venue_order_id,
                trade_id=fill.trade_id,
                side=fill.side,
                last_qty=fill.quantity,
                last_px=fill.price,
                commission=fill.commission,
                commission_currency=fill.commission_currency,
                liquidity_side=fill.liquidity_side,
            ),
        )
        if order.filled_qty == before:
            log.warning("fill %s refused by order %s", fill.trade_id, order.client_order_id)
            return False
        return True


def _fill_ts(fill: FillReport) -> int:
    return fill.ts_event

"""Restart recovery: rebuild a live node's orders and fills from its write-ahead journal.

Before the engines that read it are built, :func:`restore_from_journal` replays the node's
journal (:func:`colin.persistence.replay.rebuild_from_journal`): every order comes back into the
cache in the state the crashed process last journaled, and every fill it had booked is booked
again by the portfolio (so spot positions are what this node bought and sold). The first
reconciliation with the venue then brings orders up to date — fills missed while the node was
down, orders canceled or filled meanwhile, submits that never reached the venue — and overwrites
balances and derivative positions with the venue's numbers.

The execution engine writes an order's ``SubmitOrder`` and its ``OrderSubmitted`` in one journal
transaction and sends only after it, so a replayed order is never left INITIALIZED by this
version. A journal written by an older version (two separate writes) may hold an intent without
its ``OrderSubmitted``, an order never sent: :func:`deny_unsent` closes such orders with an
``OrderDenied`` once the engines run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.ids import ClientOrderId
from colin.core.topics import EXEC_PROCESS
from colin.execution.journal import Journal
from colin.model.enums import OrderStatus
from colin.model.events import OrderDenied, OrderFilled
from colin.model.orders import Order
from colin.persistence.replay import rebuild_from_journal
from colin.portfolio.portfolio import Portfolio

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RestoredState:
    """What a restart took back from the journal."""

    orders: list[Order] = field(default_factory=list)
    fills: int = 0
    entries: int = 0

    @property
    def order_ids(self) -> list[ClientOrderId]:
        """Client ids of every restored order (no new order may reuse one)."""
        return [o.client_order_id for o in self.orders]


def restore_from_journal(journal: Journal, cache: Cache, portfolio: Portfolio) -> RestoredState:
    """Put the journaled orders into ``cache`` and book their fills in ``portfolio``.

    Raises
    ------
    colin.persistence.replay.JournalReplayError
        If the journal is inconsistent, or names an instrument the node does not trade.
    """
    instruments = {i.id: i for i in cache.instruments()}
    orders, _ = rebuild_from_journal(journal.entries(), instruments)
    restored = RestoredState(orders=list(orders.values()), entries=journal.last_sequence())
    for order in restored.orders:
        cache.add_order(order)
        cache.update_order(order)
    booked = {
        (event.client_order_id, event.trade_id)
        for order in restored.orders
        for event in order.events
        if isinstance(event, OrderFilled)
    }
    for entry in journal.entries():
        payload = entry.payload
        if (
            isinstance(payload, OrderFilled)
            and (payload.client_order_id, payload.trade_id) in booked
        ):
            booked.discard((payload.client_order_id, payload.trade_id))
            portfolio.handle_fill(payload)
            restored.fills += 1
    if restored.entries:
        log.info(
            "journal replayed",
            extra={
                "entries": restored.entries,
                "orders": len(restored.orders),
                "open_orders": sum(1 for o in restored.orders if o.is_open),
                "fills": restored.fills,
            },
        )
    return restored


def deny_unsent(restored: RestoredState, bus: MessageBus, ts: int) -> int:
    """Close every restored order that was never sent with ``OrderDenied``; return how many."""
    unsent = [o for o in restored.orders if o.status is OrderStatus.INITIALIZED]
    for order in unsent:
        bus.send(
            EXEC_PROCESS,
            OrderDenied(
                client_order_id=order.client_order_id,
                instrument_id=order.instrument_id,
                strategy_id=order.strategy_id,
                reason="not sent: the node stopped before sending it",
                ts_event=ts,
                ts_init=ts,
            ),
        )
    if unsent:
        log.info("unsent orders closed", extra={"orders": [o.client_order_id for o in unsent]})
    return len(unsent)

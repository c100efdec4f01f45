"""Restart recovery from the SQL journal: orders back into the cache, fills into the portfolio,
never-sent intents closed, order ids continued."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import LiveClock
from colin.core.ids import ClientOrderIdGenerator, VenueOrderId
from colin.execution.engine import ExecutionEngine
from colin.model.commands import SubmitOrder
from colin.model.enums import OrderSide, OrderStatus
from colin.model.events import OrderAccepted, OrderDenied, OrderSubmitted
from colin.node.recovery import deny_unsent, restore_from_journal
from colin.persistence.sql import SqlJournal, create_store
from colin.portfolio.portfolio import Portfolio
from colin.testkit.factories import BTCUSDT, btcusdt_spot, event_for, fill_for, make_order


def test_journal_replay_restores_orders_fills_and_closes_unsent_intents(tmp_path: Path) -> None:
    store = create_store(f"sqlite:///{tmp_path / 'node.db'}")
    journal = SqlJournal(store, "node.T.live")
    working = make_order(OrderSide.BUY, "2", client_order_id="T-s-1")
    unsent = make_order(OrderSide.SELL, "1", client_order_id="T-s-2")
    journal.append("command", 1, SubmitOrder(order=working, ts_init=1))
    journal.append("event", 1, event_for(working, OrderSubmitted, 1))
    journal.append(
        "event", 2, event_for(working, OrderAccepted, 2, venue_order_id=VenueOrderId("V-1"))
    )
    journal.append("event", 3, fill_for(working, "0.5", "100", trade_id="T-1", ts=3))
    journal.append("event", 4, fill_for(working, "0.5", "100", trade_id="T-2", ts=4))
    # the process died after journaling the second intent, before its OrderSubmitted
    journal.append("command", 5, SubmitOrder(order=unsent, ts_init=5))

    bus, clock, cache = MessageBus(), LiveClock(), Cache()
    cache.add_instrument(btcusdt_spot())
    portfolio = Portfolio(bus, clock, cache, {})
    restored = restore_from_journal(SqlJournal(store, "node.T.live"), cache, portfolio)

    assert restored.order_ids == ["T-s-1", "T-s-2"]
    assert restored.fills == 2 and restored.entries == 6
    order = cache.order(working.client_order_id)
    assert order is not None and order.status is OrderStatus.PARTIALLY_FILLED
    assert order.filled_qty == Decimal(1) and order.venue_order_id == "V-1"
    assert [o.client_order_id for o in cache.orders_open()] == ["T-s-1"]
    assert portfolio.net_quantity(BTCUSDT) == Decimal(1)
    assert portfolio.balances()["BTC"] == Decimal(1)

    engine = ExecutionEngine(bus, clock, cache, journal)
    assert deny_unsent(restored, bus, clock.timestamp_ns()) == 1
    closed = cache.order(unsent.client_order_id)
    assert closed is not None and closed.status is OrderStatus.DENIED
    last = list(journal.entries(after_sequence=6))
    assert len(last) == 1 and isinstance(last[0].payload, OrderDenied)
    assert engine.counters.events == 1

    ids = ClientOrderIdGenerator("T", "s")
    ids.skip_past(restored.order_ids)
    assert ids.generate() == "T-s-3"
    store.close()

"""Replaying the SQL journal rebuilds exactly the orders and positions a live session produced.

The live side is the real :class:`ExecutionEngine` writing to a :class:`SqlJournal`; venue events
are fed to it as a venue would send them, and positions are booked from the fills it publishes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import SimClock
from colin.core.ids import ClientOrderId, InstrumentId, VenueOrderId
from colin.core.topics import EXEC_PROCESS, FILLS_TOPIC
from colin.execution.engine import ExecutionEngine
from colin.execution.journal import InMemoryJournal, Journal, JournalEntry
from colin.model import (
    CancelAllOrders,
    CancelOrder,
    ModifyOrder,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderModifyRejected,
    OrderSide,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    OrderUpdated,
    Position,
    SubmitOrder,
)
from colin.model.orders import Order
from colin.persistence.replay import JournalReplayError, rebuild_from_journal
from colin.persistence.sql import SqlJournal, create_store
from colin.testkit.factories import (
    BTCUSDT,
    BTCUSDT_PERP,
    btcusdt_perp,
    btcusdt_spot,
    event_for,
    fill_for,
    make_order,
)

T0 = 1_704_067_200_000_000_000
INSTRUMENTS = {BTCUSDT: btcusdt_spot(), BTCUSDT_PERP: btcusdt_perp()}


class RecordingVenue:
    """An execution client that only records what it was asked to do."""

    venue = "BINANCE"

    def __init__(self) -> None:
        self.commands: list[Any] = []

    def submit_order(self, command: SubmitOrder) -> None:
        self.commands.append(command)

    def modify_order(self, command: ModifyOrder) -> None:
        self.commands.append(command)

    def cancel_order(self, command: CancelOrder) -> None:
        self.commands.append(command)

    def cancel_all_orders(self, command: CancelAllOrders) -> None:
        self.commands.append(command)


class LiveSession:
    """The execution engine, its cache, and positions booked from published fills."""

    def __init__(self, journal: Journal) -> None:
        self.bus, self.clock, self.cache = MessageBus(), SimClock(T0), Cache()
        self.engine = ExecutionEngine(self.bus, self.clock, self.cache, journal)
        self.engine.register_client(RecordingVenue())
        self.positions: dict[InstrumentId, Position] = {}
        self.bus.subscribe(FILLS_TOPIC, self._book)

    def _book(self, fill: OrderFilled) -> None:
        if fill.instrument_id not in self.positions:
            self.positions[fill.instrument_id] = Position(
                INSTRUMENTS[fill.instrument_id], fill.strategy_id
            )
        self.positions[fill.instrument_id].apply(fill)

    def submit(self, order: Order) -> Order:
        self.tick()
        self.bus.send("ExecEngine.execute", SubmitOrder(order=order, ts_init=self.now))
        return order

    def command(self, command: Any) -> None:
        self.tick()
        self.bus.send("ExecEngine.execute", command)

    def venue(self, order: Order, kind: type, **fields: Any) -> None:
        self.tick()
        self.bus.send(EXEC_PROCESS, event_for(order, kind, self.now, **fields))

    def fill(self, order: Order, qty: str, px: str, fee: str, trade: str) -> None:
        self.tick()
        self.bus.send(EXEC_PROCESS, fill_for(order, qty, px, fee, trade, self.now))

    def tick(self) -> None:
        self.clock.set_time(self.clock.timestamp_ns() + 1_000_000)

    @property
    def now(self) -> int:
        return self.clock.timestamp_ns()


def _modify(order: Order, **fields: Any) -> ModifyOrder:
    return ModifyOrder(
        instrument_id=order.instrument_id,
        strategy_id=order.strategy_id,
        client_order_id=order.client_order_id,
        ts_init=0,
        **fields,
    )


def _run_session(live: LiveSession) -> None:
    """A realistic session: partial fills, cancel, modify, a rejected modify, a perp flip."""
    spot_buy = live.submit(
        make_order(OrderSide.BUY, "1.00000", price="42000.00", client_order_id="B-1")
    )
    live.venue(spot_buy, OrderAccepted, venue_order_id=VenueOrderId("V-B1"))
    live.fill(spot_buy, "0.40000", "42000.00", "0.00040", "t1")
    live.fill(spot_buy, "0.40000", "42000.00", "0.00040", "t1")  # duplicate: dropped live
    live.fill(spot_buy, "0.30000", "41999.99", "0.00030", "t2")
    live.command(
        CancelOrder(
            instrument_id=BTCUSDT,
            strategy_id=spot_buy.strategy_id,
            client_order_id=spot_buy.client_order_id,
            ts_init=live.now,
        )
    )
    live.venue(spot_buy, OrderCanceled)

    spot_sell = live.submit(
        make_order(OrderSide.SELL, "0.50000", price="42500.00", client_order_id="S-1")
    )
    live.venue(spot_sell, OrderAccepted, venue_order_id=VenueOrderId("V-S1"))
    live.command(_modify(spot_sell, quantity=Decimal("0.30000"), price=Decimal("42100.00")))
    live.venue(
        spot_sell,
        OrderUpdated,
        quantity=Decimal("0.30000"),
        price=Decimal("42100.00"),
        trigger_price=None,
    )
    live.fill(spot_sell, "0.30000", "42100.00", "12.63", "t3")

    perp = {"instrument_id": BTCUSDT_PERP, "order_type": OrderType.MARKET, "price": None}
    long = live.submit(make_order(OrderSide.BUY, "0.010", client_order_id="P-1", **perp))
    live.fill(long, "0.010", "42010.5", "0.21", "t4")  # fill before the ack, as venues do
    live.venue(long, OrderAccepted, venue_order_id=VenueOrderId("V-P1"))  # late ack: dropped
    flip = live.submit(make_order(OrderSide.SELL, "0.025", client_order_id="P-2", **perp))
    live.venue(flip, OrderAccepted, venue_order_id=VenueOrderId("V-P2"))
    live.fill(flip, "0.015", "42100.0", "0.32", "t5")
    live.fill(flip, "0.010", "42090.0", "0.21", "t6")

    resting = live.submit(
        make_order(
            OrderSide.BUY,
            "0.005",
            price="41000.0",
            instrument_id=BTCUSDT_PERP,
            client_order_id="L-1",
        )
    )
    live.venue(resting, OrderAccepted, venue_order_id=VenueOrderId("V-L1"))
    live.command(_modify(resting, price=Decimal("41500.0")))
    live.venue(resting, OrderModifyRejected, reason="would cross")
    live.command(CancelAllOrders(instrument_id=BTCUSDT_PERP, ts_init=live.now))
    live.venue(resting, OrderCanceled)

    denied = make_order(client_order_id="D-1")  # the risk engine's path: cache, then OrderDenied
    live.cache.add_order(denied)
    live.bus.send(EXEC_PROCESS, event_for(denied, OrderDenied, live.now, reason="max notional"))


def _order_state(order: Order) -> dict[str, Any]:
    return {name: getattr(order, name) for name in Order.__slots__}


def _position_state(position: Position) -> dict[str, Any]:
    return {name: getattr(position, name) for name in Position.__slots__}


def test_replaying_the_sql_journal_rebuilds_the_live_orders_and_positions(
    database_url: str,
) -> None:
    with create_store(database_url) as store:
        live = LiveSession(SqlJournal(store, "node-1"))
        _run_session(live)
    assert live.engine.counters.duplicate_fills == 1
    assert live.engine.counters.invalid_transitions == 1
    with create_store(database_url) as reopened:  # as after a restart
        orders, positions = rebuild_from_journal(
            SqlJournal(reopened, "node-1").entries(), INSTRUMENTS
        )

    live_orders = {o.client_order_id: o for o in live.cache.orders() if o.client_order_id != "D-1"}
    assert list(orders) == list(live_orders)
    for order_id, order in live_orders.items():
        assert _order_state(orders[order_id]) == _order_state(order), order_id
    assert {o: orders[ClientOrderId(o)].status for o in orders} == {
        "B-1": OrderStatus.CANCELED,
        "S-1": OrderStatus.FILLED,
        "P-1": OrderStatus.FILLED,
        "P-2": OrderStatus.FILLED,
        "L-1": OrderStatus.CANCELED,
    }
    assert orders[ClientOrderId("S-1")].quantity == Decimal("0.30000")

    assert positions.keys() == live.positions.keys()
    for instrument_id, position in live.positions.items():
        assert _position_state(positions[instrument_id]) == _position_state(position)
    perp = positions[BTCUSDT_PERP]
    assert perp.quantity == Decimal("-0.015")  # flipped: long 0.010, sold 0.025
    # 0.005 of the first flip fill opens the short at 42100.0, the second adds 0.010 at 42090.0
    short_entry = (Decimal("0.005") * 42100 + Decimal("0.010") * 42090) / Decimal("0.015")
    assert perp.avg_entry_price == short_entry
    assert perp.realized_pnl == Decimal("0.010") * (Decimal("42100.0") - Decimal("42010.5"))
    assert positions[BTCUSDT].quantity == Decimal("0.40000")


def test_replaying_an_in_memory_journal_builds_fresh_orders() -> None:
    journal = InMemoryJournal()
    live = LiveSession(journal)
    _run_session(live)
    orders, _ = rebuild_from_journal(journal.entries(), INSTRUMENTS)
    for order_id, order in orders.items():
        assert order is not live.cache.order(order_id)
        assert _order_state(order) == _order_state(live.cache.order(order_id))  # type: ignore[arg-type]


class WriteLog(InMemoryJournal):
    """An in-memory journal that records each write: its payload types and the venue's backlog."""

    def __init__(self, venue: RecordingVenue) -> None:
        super().__init__()
        self.venue = venue
        self.writes: list[tuple[list[str], int]] = []

    def append(self, kind: Any, ts: int, payload: Any) -> JournalEntry:
        self.writes.append(([type(payload).__name__], len(self.venue.commands)))
        return super().append(kind, ts, payload)

    def append_many(self, items: Any) -> list[JournalEntry]:
        self.writes.append(([type(p).__name__ for _, _, p in items], len(self.venue.commands)))
        return [InMemoryJournal.append(self, kind, ts, p) for kind, ts, p in items]


def test_a_submit_is_one_journal_write_holding_intent_and_submitted_before_the_send() -> None:
    venue = RecordingVenue()
    journal = WriteLog(venue)
    bus, clock, cache = MessageBus(), SimClock(T0), Cache()
    engine = ExecutionEngine(bus, clock, cache, journal)
    engine.register_client(venue)
    order = make_order(client_order_id="W-1", quantity="0.1", price="42000")
    bus.send("ExecEngine.execute", SubmitOrder(order=order, ts_init=T0))
    bus.send(
        EXEC_PROCESS, event_for(order, OrderAccepted, T0 + 1, venue_order_id=VenueOrderId("1"))
    )
    cancel = CancelOrder(
        instrument_id=order.instrument_id,
        strategy_id=order.strategy_id,
        client_order_id=order.client_order_id,
        ts_init=T0 + 2,
    )
    bus.send("ExecEngine.execute", cancel)
    assert journal.writes == [
        (["SubmitOrder", "OrderSubmitted"], 0),  # written before the venue got anything
        (["OrderAccepted"], 1),
        (["CancelOrder", "OrderPendingCancel"], 1),  # and before the cancel went out
    ]
    assert len(venue.commands) == 2
    orders, _ = rebuild_from_journal(journal.entries(), INSTRUMENTS, strict=True)
    assert orders[ClientOrderId("W-1")].status is OrderStatus.PENDING_CANCEL


def test_strict_replay_refuses_what_the_live_engine_dropped() -> None:
    journal = InMemoryJournal()
    _run_session(LiveSession(journal))
    with pytest.raises(JournalReplayError, match=r"OrderAccepted is not allowed in state FILLED"):
        rebuild_from_journal(journal.entries(), INSTRUMENTS, strict=True)


def _entries(*payloads: Any) -> list[JournalEntry]:
    return [JournalEntry(i + 1, i, "event", p) for i, p in enumerate(payloads)]


def test_broken_journals_are_refused_naming_the_entry() -> None:
    order = make_order(client_order_id="X-1")
    submit = SubmitOrder(order=order, ts_init=0)
    submitted = event_for(order, OrderSubmitted, 1)
    with pytest.raises(JournalReplayError, match="journal entry 2: order X-1 is submitted twice"):
        rebuild_from_journal(_entries(submit, submit), INSTRUMENTS)
    out_of_order = [JournalEntry(2, 0, "command", submit), JournalEntry(2, 0, "event", submitted)]
    with pytest.raises(JournalReplayError, match="entry 2 follows 2: sequences must increase"):
        rebuild_from_journal(out_of_order, INSTRUMENTS)
    with pytest.raises(JournalReplayError, match="journal entry 1: dict is not an order command"):
        rebuild_from_journal(_entries({"type": "SubmitOrder"}), INSTRUMENTS)
    flow = _entries(submit, submitted, fill_for(order, "1", "100"))
    with pytest.raises(JournalReplayError, match=r"journal entry 3: fill for BTC/USDT\.BINANCE"):
        rebuild_from_journal(flow, {})


def test_events_of_orders_never_submitted_are_skipped_unless_strict() -> None:
    orphan = _entries(event_for(make_order(client_order_id="Y-9"), OrderCanceled, 1))
    assert rebuild_from_journal(orphan, INSTRUMENTS) == ({}, {})
    with pytest.raises(JournalReplayError, match="OrderCanceled for order Y-9, which has no Sub"):
        rebuild_from_journal(orphan, INSTRUMENTS, strict=True)

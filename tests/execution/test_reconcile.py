"""The reconciler against a real bus, cache, execution engine and portfolio (no network).

The venue is a recording client: it accepts commands and answers nothing, so each test states
exactly what the venue reports and checks what Colin's orders, journal and portfolio become.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import SimClock
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from colin.core.topics import EXEC_EXECUTE, RECONCILE_TOPIC
from colin.execution.engine import ExecutionEngine
from colin.execution.reconcile import (
    EXTERNAL_STRATEGY,
    ReconcilePolicy,
    Reconciler,
    ReconcileReport,
    UnknownOrderPolicy,
)
from colin.execution.reports import FillReport, OrderStatusReport, PositionReport, VenueState
from colin.model.account import Balance
from colin.model.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from colin.model.enums import (
    InstrumentKind,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
)
from colin.model.instrument import Instrument
from colin.model.orders import Order
from colin.persistence.replay import rebuild_from_journal
from colin.portfolio.portfolio import Portfolio

VENUE = "BINANCE"
BTC = InstrumentId("BTC/USDT.BINANCE")
PERP = InstrumentId("BTC/USDT:USDT.BINANCE")
STRATEGY = StrategyId("s1")
SECOND = 1_000_000_000
START = 1_700_000_000 * SECOND


class RecordingClient:
    """A venue client that records the commands it is given and answers nothing."""

    venue = VENUE

    def __init__(self) -> None:
        self.submitted: list[SubmitOrder] = []
        self.canceled: list[CancelOrder] = []

    def submit_order(self, command: SubmitOrder) -> None:
        self.submitted.append(command)

    def modify_order(self, command: ModifyOrder) -> None:
        raise AssertionError("not used")

    def cancel_order(self, command: CancelOrder) -> None:
        self.canceled.append(command)

    def cancel_all_orders(self, command: CancelAllOrders) -> None:
        raise AssertionError("not used")


class Node:
    """Bus, clock, cache, engine, portfolio and reconciler of one test."""

    def __init__(self, policy: ReconcilePolicy = ReconcilePolicy()) -> None:  # noqa: B008
        self.bus = MessageBus()
        self.clock = SimClock(START)
        self.cache = Cache()
        self.cache.add_instrument(
            Instrument(
                id=BTC,
                base="BTC",
                quote="USDT",
                tick_size=Decimal("0.01"),
                lot_size=Decimal("0.00001"),
            )
        )
        self.cache.add_instrument(
            Instrument(
                id=PERP,
                base="BTC",
                quote="USDT",
                tick_size=Decimal("0.1"),
                lot_size=Decimal("0.001"),
                kind=InstrumentKind.PERPETUAL,
                max_leverage=Decimal(20),
            )
        )
        self.engine = ExecutionEngine(self.bus, self.clock, self.cache)
        self.client = RecordingClient()
        self.engine.register_client(self.client)
        self.portfolio = Portfolio(self.bus, self.clock, self.cache, {"USDT": Decimal(10_000)})
        self.reconciler = Reconciler(
            self.bus, self.clock, self.cache, self.engine, policy, self.portfolio
        )
        self.reports: list[ReconcileReport] = []
        self.bus.subscribe(RECONCILE_TOPIC, self.reports.append)
        self._next = 0

    def submit(
        self,
        quantity: str = "0.1",
        price: str | None = "50000",
        side: OrderSide = OrderSide.BUY,
        instrument_id: InstrumentId = BTC,
    ) -> Order:
        self._next += 1
        order = Order(
            client_order_id=ClientOrderId(f"c-{self._next}"),
            strategy_id=STRATEGY,
            instrument_id=instrument_id,
            side=side,
            order_type=OrderType.LIMIT if price else OrderType.MARKET,
            quantity=Decimal(quantity),
            price=Decimal(price) if price else None,
            ts_init=self.clock.timestamp_ns(),
        )
        self.bus.send(EXEC_EXECUTE, SubmitOrder(order=order, ts_init=order.ts_init))
        return order

    def accepted(self, quantity: str) -> Order:
        """Submit a limit buy of ``quantity`` and accept it as the venue's order ``v1``."""
        order = self.submit(quantity)
        self.reconciler.apply_report(report(order, OrderStatus.ACCEPTED))
        return order


def report(
    order: Order,
    status: OrderStatus,
    filled: str = "0",
    avg: str | None = None,
    venue_id: str = "v1",
    quantity: str | None = None,
    price: str | None = None,
) -> OrderStatusReport:
    return OrderStatusReport(
        client_order_id=order.client_order_id,
        venue_order_id=VenueOrderId(venue_id),
        instrument_id=order.instrument_id,
        side=order.side,
        order_type=order.order_type,
        quantity=Decimal(quantity) if quantity else order.quantity,
        price=Decimal(price) if price else order.price,
        filled_qty=Decimal(filled),
        avg_px=Decimal(avg) if avg else None,
        status=status,
        ts_event=START,
    )


def fill(
    trade_id: str,
    quantity: str,
    price: str = "50000",
    venue_id: str = "v1",
    client_id: str | None = None,
    side: OrderSide = OrderSide.BUY,
    instrument_id: InstrumentId = BTC,
) -> FillReport:
    return FillReport(
        trade_id=TradeId(trade_id),
        client_order_id=ClientOrderId(client_id) if client_id else None,
        venue_order_id=VenueOrderId(venue_id),
        instrument_id=instrument_id,
        side=side,
        quantity=Decimal(quantity),
        price=Decimal(price),
        commission=Decimal("0.5"),
        commission_currency="USDT",
        liquidity_side=LiquiditySide.MAKER,
        ts_event=START + 1,
    )


def test_order_closed_at_the_venue_gets_its_fills_then_its_final_state() -> None:
    node = Node()
    order = node.accepted("0.1")
    state = VenueState(
        venue=VENUE,
        orders=(report(order, OrderStatus.CANCELED, filled="0.04", avg="50000"),),
        fills=(fill("t1", "0.04"),),
    )
    result = node.reconciler.reconcile(state)
    assert order.status is OrderStatus.CANCELED
    assert order.filled_qty == Decimal("0.04")
    assert result.counts.fills_applied == 1
    assert result.counts.orders_closed == 1
    assert node.portfolio.balance_total("BTC") == Decimal("0.04")
    assert node.portfolio.balance_total("USDT") == Decimal(10_000) - Decimal(2000) - Decimal("0.5")
    assert node.reports == [result]
    # the same snapshot again changes nothing
    again = node.reconciler.reconcile(state)
    assert again.is_clean
    assert node.portfolio.balance_total("BTC") == Decimal("0.04")
    assert node.engine.counters.duplicate_fills == 0


def test_fill_the_oms_never_saw_is_booked_once_even_when_delivered_again() -> None:
    node = Node()
    order = node.accepted("0.1")
    state = VenueState(
        venue=VENUE,
        orders=(report(order, OrderStatus.PARTIALLY_FILLED, filled="0.03", avg="50000"),),
        fills=(fill("t1", "0.03"),),
    )
    assert node.reconciler.reconcile(state).counts.fills_applied == 1
    # the user stream delivers the same trade late
    assert not node.reconciler.apply_fill(fill("t1", "0.03"))
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert order.filled_qty == Decimal("0.03")
    assert node.portfolio.balance_total("BTC") == Decimal("0.03")


def test_missing_fills_are_inferred_at_the_price_that_makes_the_venue_average() -> None:
    node = Node()
    order = node.accepted("0.1")
    node.reconciler.apply_fill(fill("t1", "0.05", price="50000"))
    state = VenueState(
        venue=VENUE, orders=(report(order, OrderStatus.FILLED, filled="0.1", avg="50100"),)
    )
    result = node.reconciler.reconcile(state)
    assert result.counts.fills_inferred == 1
    assert order.status is OrderStatus.FILLED
    assert order.avg_px == Decimal("50100")
    last = order.events[-1]
    assert last.trade_id == "v1-inferred-0.1"  # type: ignore[attr-defined]
    assert last.last_px == Decimal("50200")  # type: ignore[attr-defined]


def test_without_inference_a_closed_order_waits_for_its_fills() -> None:
    node = Node(ReconcilePolicy(infer_missing_fills=False))
    order = node.submit("0.1")
    state = VenueState(
        venue=VENUE, orders=(report(order, OrderStatus.CANCELED, filled="0.02", avg="50000"),)
    )
    result = node.reconciler.reconcile(state)
    assert order.status is OrderStatus.ACCEPTED
    assert order.venue_order_id == "v1"
    assert result.details == ("c-1: fills still missing",)
    # the user stream brings the fill, then the final report is applied
    node.reconciler.apply_fill(fill("t9", "0.02"))
    assert node.reconciler.apply_report(state.orders[0])
    assert order.status is OrderStatus.CANCELED


def test_unanswered_submit_found_by_client_id_is_accepted_and_filled() -> None:
    node = Node()
    order = node.submit("0.1")
    assert order.status is OrderStatus.SUBMITTED and order.venue_order_id is None
    found = report(order, OrderStatus.FILLED, filled="0.1", avg="49990", venue_id="v7")
    assert node.reconciler.apply_report(
        found, [fill("t1", "0.1", price="49990", venue_id="v7")], authoritative=True
    )
    assert order.status is OrderStatus.FILLED
    assert order.venue_order_id == "v7"
    assert len(node.client.submitted) == 1


def test_unanswered_submit_unknown_at_the_venue_is_rejected_after_the_grace_period() -> None:
    node = Node(ReconcilePolicy(ack_grace_ns=30 * SECOND))
    order = node.submit("0.1")
    state = VenueState(venue=VENUE, missing=frozenset({order.client_order_id}))
    early = node.reconciler.reconcile(state)
    assert early.pending == ("c-1",)
    assert order.status is OrderStatus.SUBMITTED
    node.clock.set_time(START + 31 * SECOND)
    late = node.reconciler.reconcile(state)
    assert late.counts.orders_rejected == 1
    assert order.status is OrderStatus.REJECTED
    assert len(node.client.submitted) == 1  # never sent again


def test_an_acknowledged_order_the_venue_forgot_is_left_alone() -> None:
    node = Node(ReconcilePolicy(ack_grace_ns=0))
    order = node.accepted("0.1")
    result = node.reconciler.reconcile(
        VenueState(venue=VENUE, missing=frozenset({order.client_order_id}))
    )
    assert order.status is OrderStatus.ACCEPTED
    assert result.pending == ("c-1",)


def _foreign_report(status: OrderStatus = OrderStatus.PARTIALLY_FILLED) -> OrderStatusReport:
    return OrderStatusReport(
        client_order_id=ClientOrderId("web_abc"),
        venue_order_id=VenueOrderId("v99"),
        instrument_id=BTC,
        side=OrderSide.SELL,
        order_type=OrderType.LIMIT,
        quantity=Decimal("0.2"),
        price=Decimal("60000"),
        filled_qty=Decimal("0.05"),
        avg_px=Decimal("60000"),
        status=status,
        ts_event=START,
    )


def test_unknown_venue_order_is_adopted_with_its_fills_and_journaled() -> None:
    node = Node()
    node.portfolio.correct_balance("BTC", Decimal("1"))
    state = VenueState(
        venue=VENUE,
        orders=(_foreign_report(),),
        fills=(fill("t5", "0.05", price="60000", venue_id="v99", side=OrderSide.SELL),),
    )
    result = node.reconciler.reconcile(state)
    adopted = node.cache.order(ClientOrderId("web_abc"))
    assert adopted is not None
    assert result.counts.orders_adopted == 1
    assert adopted.strategy_id == EXTERNAL_STRATEGY
    assert adopted.status is OrderStatus.PARTIALLY_FILLED
    assert adopted.filled_qty == Decimal("0.05")
    assert node.portfolio.balance_total("BTC") == Decimal("0.95")
    assert node.client.canceled == []
    orders, _ = rebuild_from_journal(
        node.engine.journal.entries(), {i.id: i for i in node.cache.instruments()}, strict=True
    )
    assert orders[ClientOrderId("web_abc")].filled_qty == Decimal("0.05")
    assert node.reconciler.reconcile(state).is_clean


def test_unknown_venue_order_is_canceled_under_the_cancel_policy() -> None:
    node = Node(ReconcilePolicy(unknown_orders=UnknownOrderPolicy.CANCEL))
    node.portfolio.correct_balance("BTC", Decimal("1"))
    result = node.reconciler.reconcile(VenueState(venue=VENUE, orders=(_foreign_report(),)))
    adopted = node.cache.order(ClientOrderId("web_abc"))
    assert adopted is not None
    assert result.counts.cancels_requested == 1
    assert [c.client_order_id for c in node.client.canceled] == ["web_abc"]
    assert adopted.status is OrderStatus.PENDING_CANCEL
    # inferred: no fill reports for the 0.05 the venue says was filled
    assert result.counts.fills_inferred == 1


def test_fill_ahead_of_the_ack_waits_for_the_report_that_names_its_order() -> None:
    node = Node()
    order = node.submit("0.1")
    assert not node.reconciler.apply_fill(fill("t1", "0.1", venue_id="v5"))
    assert order.filled_qty == 0
    node.reconciler.apply_report(report(order, OrderStatus.FILLED, "0.1", "50000", venue_id="v5"))
    assert order.status is OrderStatus.FILLED


def test_fill_names_its_order_by_client_id_before_any_report() -> None:
    node = Node()
    order = node.submit("0.1")
    assert node.reconciler.apply_fill(fill("t1", "0.04", venue_id="v5", client_id="c-1"))
    assert order.status is OrderStatus.PARTIALLY_FILLED


def test_only_authoritative_reports_amend_an_order() -> None:
    node = Node()
    order = node.accepted("0.1")
    stale = report(order, OrderStatus.ACCEPTED, quantity="0.2", price="49000")
    node.reconciler.apply_report(stale)
    assert (order.quantity, order.price) == (Decimal("0.1"), Decimal("50000"))
    node.reconciler.apply_report(stale, authoritative=True)
    assert (order.quantity, order.price) == (Decimal("0.2"), Decimal("49000"))
    assert order.status is OrderStatus.ACCEPTED


def test_rejected_report_rejects_a_submitted_order() -> None:
    node = Node()
    order = node.submit("0.1")
    node.reconciler.apply_report(report(order, OrderStatus.REJECTED))
    assert order.status is OrderStatus.REJECTED


def test_balance_and_position_mismatches_are_reported_and_corrected_on_request() -> None:
    state = VenueState(
        venue=VENUE,
        balances=(Balance("USDT", Decimal("9990")), Balance("BNB", Decimal("1"))),
        positions=(
            PositionReport(
                instrument_id=PERP, quantity=Decimal("-0.5"), entry_price=Decimal("51000")
            ),
        ),
        position_instruments=frozenset({PERP}),
    )
    reported = Node()
    result = reported.reconciler.reconcile(state)
    assert [(m.currency, m.difference) for m in result.balance_mismatches] == [
        ("BNB", Decimal(1)),
        ("USDT", Decimal(-10)),
    ]
    assert [(m.instrument_id, m.venue) for m in result.position_mismatches] == [
        (PERP, Decimal("-0.5"))
    ]
    assert not result.corrected
    assert reported.portfolio.balance_total("USDT") == Decimal(10_000)

    corrected = Node(ReconcilePolicy(correct_account=True))
    assert corrected.reconciler.reconcile(state).corrected
    assert corrected.portfolio.balance_total("USDT") == Decimal("9990")
    assert corrected.portfolio.balance_total("BNB") == Decimal("1")
    position = corrected.portfolio.position(PERP)
    assert position is not None and position.quantity == Decimal("-0.5")
    assert position.avg_entry_price == Decimal("51000")
    assert corrected.reconciler.reconcile(state).is_clean


def test_rounding_noise_is_no_mismatch_but_the_venues_number_is_still_taken() -> None:
    # the venue's average entry price differed from Colin's in the 28th significant digit
    venue_total = Decimal("10000.00000000000000000000001")
    state = VenueState(venue=VENUE, balances=(Balance("USDT", venue_total),))
    reported = Node()
    assert reported.reconciler.reconcile(state).is_clean
    assert reported.portfolio.balance_total("USDT") == Decimal(10_000)  # no correction asked

    corrected = Node(ReconcilePolicy(correct_account=True))
    result = corrected.reconciler.reconcile(state)
    assert result.is_clean and not result.corrected
    assert corrected.portfolio.balance_total("USDT") == venue_total


def test_correction_needs_a_correctable_account() -> None:
    node = Node()

    class ReadOnly:
        def balances(self) -> dict[str, Decimal]:
            return {}

        def net_quantity(self, instrument_id: InstrumentId) -> Decimal:
            return Decimal(0)

    with pytest.raises(ValueError, match="correct_"):
        Reconciler(
            node.bus,
            node.clock,
            node.cache,
            node.engine,
            ReconcilePolicy(correct_account=True),
            ReadOnly(),
        )


def test_orders_of_other_venues_are_not_touched() -> None:
    node = Node(ReconcilePolicy(ack_grace_ns=0))
    order = node.submit("0.1")
    result = node.reconciler.reconcile(
        VenueState(venue="OKX", missing=frozenset({order.client_order_id}))
    )
    assert order.status is OrderStatus.SUBMITTED
    assert result.is_clean


def test_report_values_are_validated() -> None:
    node = Node()
    order = node.submit("0.1")
    with pytest.raises(ValueError, match="venue status"):
        report(order, OrderStatus.SUBMITTED)
    with pytest.raises(ValueError, match="fill state"):
        report(order, OrderStatus.FILLED, filled="0.2")


def test_fills_of_orders_colin_never_had_are_not_booked_nor_kept() -> None:
    node = Node()
    foreign = fill("t77", "0.01", venue_id="v500")
    state = VenueState(venue=VENUE, fills=(foreign,))
    for _ in range(2):
        result = node.reconciler.reconcile(state)
        assert result.counts.fills_applied == 0 and result.counts.orphan_fills == 0
    assert node.portfolio.balance_total("BTC") == 0
    # a stream fill ahead of its order's ack is kept once, however often it is delivered
    node.reconciler.apply_fill(foreign)
    node.reconciler.apply_fill(foreign)
    assert node.reconciler.counters.orphan_fills == 1


def test_superseded_venue_id_no_longer_moves_the_order_but_its_fills_count() -> None:
    node = Node()
    order = node.submit("0.1")
    node.reconciler.apply_report(report(order, OrderStatus.ACCEPTED, venue_id="old"))
    node.reconciler.supersede(VenueOrderId("old"))
    node.reconciler.apply_report(report(order, OrderStatus.ACCEPTED, venue_id="new"))
    assert order.venue_order_id == "new"
    # the replaced order's cancel arrives late: ignored
    assert node.reconciler.apply_report(report(order, OrderStatus.CANCELED, venue_id="old"))
    assert order.status is OrderStatus.ACCEPTED
    assert node.reconciler.apply_fill(fill("t1", "0.01", venue_id="old"))
    assert order.filled_qty == Decimal("0.01")

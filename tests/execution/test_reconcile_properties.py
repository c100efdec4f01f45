"""Property: whatever order, duplication or loss the venue's messages suffer, one reconciliation
with a snapshot brings the order and the portfolio to the venue's truth, with each fill booked once.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.execution.test_reconcile import Node, fill, report

from colin.execution.reports import VenueState
from colin.model.enums import OrderStatus

VENUE = "BINANCE"
LOT = Decimal("0.01")


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[int], OrderStatus, list[tuple[str, int]], list[bool]]:
    lots = draw(st.lists(st.integers(1, 4), min_size=0, max_size=5))
    final = draw(st.sampled_from([OrderStatus.CANCELED, OrderStatus.FILLED, OrderStatus.ACCEPTED]))
    messages = [("fill", i) for i in range(len(lots))] + [("report", i) for i in range(len(lots))]
    messages.append(("final", 0))
    messages = messages + draw(st.lists(st.sampled_from(messages), max_size=6))  # duplicates
    order = draw(st.permutations(messages))
    lost = draw(st.lists(st.booleans(), min_size=len(order), max_size=len(order)))
    return lots, final, list(order), lost


@settings(max_examples=150, deadline=None)
@given(histories())
def test_any_message_history_reconciles_to_the_venue_truth(
    history: tuple[list[int], OrderStatus, list[tuple[str, int]], list[bool]],
) -> None:
    lots, final, messages, lost = history
    total_lots = sum(lots)
    if final is OrderStatus.FILLED and not total_lots:
        final = OrderStatus.CANCELED  # nothing traded: the venue cannot call it filled
    quantity = LOT * (total_lots if final is OrderStatus.FILLED else total_lots + 2)
    node = Node()
    order = node.submit(str(quantity), price="50000")
    fills = [fill(f"t{i}", str(LOT * n)) for i, n in enumerate(lots)]
    filled_after = [LOT * sum(lots[: i + 1]) for i in range(len(lots))]
    filled = LOT * total_lots

    def status_at(qty: Decimal) -> OrderStatus:
        return OrderStatus.PARTIALLY_FILLED if qty else OrderStatus.ACCEPTED

    final_report = report(
        order,
        final if final is not OrderStatus.ACCEPTED else status_at(filled),
        filled=str(filled),
        avg="50000",
    )
    for (kind, index), dropped in zip(messages, lost, strict=True):
        if dropped:
            continue
        if kind == "fill":
            node.reconciler.apply_fill(fills[index])
        elif kind == "report":
            qty = filled_after[index]
            node.reconciler.apply_report(
                report(order, status_at(qty), filled=str(qty), avg="50000")
            )
        else:
            node.reconciler.apply_report(final_report)
    node.reconciler.reconcile(VenueState(venue=VENUE, orders=(final_report,), fills=tuple(fills)))

    expected = OrderStatus.FILLED if filled == quantity else final_report.status
    assert order.status is expected
    assert order.filled_qty == filled
    assert order.venue_order_id == "v1"
    assert node.portfolio.balance_total("BTC") == filled
    assert node.engine.counters.invalid_transitions == 0
    booked = [e.trade_id for e in order.events if type(e).__name__ == "OrderFilled"]
    assert sorted(booked) == sorted(f.trade_id for f in fills)

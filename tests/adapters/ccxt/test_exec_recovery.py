"""Reconciliation against the simulator: unknown venue orders, user-stream outages, cancel-all."""

from __future__ import annotations

from typing import Any

import pytest
from tests.adapters.ccxt.exec_node import STRATEGY, exec_node, run, until
from tests.adapters.conftest import SPOT_ID

from colin.adapters.exchange_sim import ExchangeSimulator
from colin.adapters.exchange_sim.ws_faults import WsFaultRule
from colin.core.ids import ClientOrderId
from colin.core.topics import EXEC_EXECUTE
from colin.execution.reconcile import EXTERNAL_STRATEGY, ReconcilePolicy, UnknownOrderPolicy
from colin.model.commands import CancelAllOrders
from colin.model.enums import OrderSide, OrderStatus
from colin.model.instrument import Instrument

BUY, SELL = OrderSide.BUY, OrderSide.SELL


@pytest.mark.parametrize("policy", [UnknownOrderPolicy.ADOPT, UnknownOrderPolicy.CANCEL])
def test_order_the_journal_does_not_know_is_adopted_or_canceled(
    sim: ExchangeSimulator,
    sim_instruments: list[Instrument],
    ccxt_spot: Any,
    policy: UnknownOrderPolicy,
) -> None:
    book = ccxt_spot.fetch_order_book("BTC/USDT", 5)
    foreign = ccxt_spot.create_order(
        "BTC/USDT", "limit", "buy", 0.001, book["bids"][0][0] - 100, {"clientOrderId": "manual-1"}
    )

    async def scenario() -> None:
        async with exec_node(
            sim, sim_instruments, "spot", policy=ReconcilePolicy(unknown_orders=policy)
        ) as node:
            report = await node.client.reconcile()
            adopted = node.cache.order(ClientOrderId("manual-1"))
            assert adopted is not None and adopted.strategy_id == EXTERNAL_STRATEGY
            assert adopted.venue_order_id == foreign["id"]
            assert report.counts.orders_adopted == 1
            if policy is UnknownOrderPolicy.CANCEL:
                assert report.counts.cancels_requested == 1
                await node.settled(adopted, OrderStatus.CANCELED)
                assert node.venue_orders()["manual-1"].status == "CANCELED"
            else:
                assert adopted.status is OrderStatus.ACCEPTED
                assert node.venue_orders()["manual-1"].status == "NEW"
            assert (await node.client.reconcile()).is_clean
            node.assert_no_lost_duplicated_or_orphaned()

    run(scenario())


def test_fill_during_a_user_stream_outage_is_recovered_after_the_reconnect(
    sim: ExchangeSimulator, sim_instruments: list[Instrument]
) -> None:
    async def scenario() -> None:
        async with exec_node(sim, sim_instruments, "spot") as node:
            order = await node.resting_buy("0.002")
            # the fill's execution report is the next frame: the socket is reset instead
            sim.ws_faults.add(WsFaultRule("close", path="/ws-api", close_code=None))
            await node.resting_fills(order)
            await node.settled(order, OrderStatus.FILLED)  # no reconcile called by the test
            assert node.client.stream_errors >= 1
            assert [r.kind for r in sim.ws_faults.log] == ["close"]
            node.assert_no_lost_duplicated_or_orphaned()
            assert node.local_totals() == node.venue_totals()
            later = await node.resting_buy("0.002")  # the stream works again
            node.cancel(later)
            await node.settled(later, OrderStatus.CANCELED)

    run(scenario())


def test_cancel_all_cancels_only_the_matching_side(
    sim: ExchangeSimulator, sim_instruments: list[Instrument]
) -> None:
    async def scenario() -> None:
        async with exec_node(sim, sim_instruments, "spot") as node:
            bid, ask = await node.touch()
            buys = [node.submit(BUY, "0.001", bid - 100 - i) for i in range(2)]
            sell = node.submit(SELL, "0.001", ask + 100)
            for order in (*buys, sell):
                await node.settled(order, OrderStatus.ACCEPTED)
            node.bus.send(
                EXEC_EXECUTE,
                CancelAllOrders(
                    instrument_id=SPOT_ID,
                    strategy_id=STRATEGY,
                    side=BUY,
                    ts_init=node.clock.timestamp_ns(),
                ),
            )
            for order in buys:
                await node.settled(order, OrderStatus.CANCELED)
            assert sell.status is OrderStatus.ACCEPTED
            assert node.venue_orders()[sell.client_order_id].status == "NEW"
            node.assert_no_lost_duplicated_or_orphaned()
            await until(lambda: node.local_totals() == node.venue_totals())

    run(scenario())

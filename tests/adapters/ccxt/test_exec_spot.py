"""Spot order lifecycle through ExecutionEngine → CcxtExecutionClient → ccxt.pro → simulator."""

from __future__ import annotations

from decimal import Decimal

from tests.adapters.ccxt.exec_node import exec_node, run

from colin.adapters.exchange_sim import ExchangeSimulator, FaultRule
from colin.model.enums import OrderSide, OrderStatus, TimeInForce
from colin.model.instrument import Instrument

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_spot_lifecycle_matches_the_venue(
    sim: ExchangeSimulator, sim_instruments: list[Instrument]
) -> None:
    async def scenario() -> None:
        async with exec_node(sim, sim_instruments, "spot") as node:
            bid, ask = await node.touch()
            resting = node.submit(BUY, "0.001", bid - 100)
            await node.settled(resting, OrderStatus.ACCEPTED)
            assert resting.venue_order_id is not None

            bought = node.submit(BUY, "0.002")
            await node.settled(bought, OrderStatus.FILLED)
            assert bought.avg_px is not None and bought.avg_px >= ask

            maker = node.submit(BUY, "0.001", bid - 50, post_only=True)
            await node.settled(maker, OrderStatus.ACCEPTED)
            crossing = node.submit(BUY, "0.001", ask + 10, post_only=True)
            await node.settled(crossing, OrderStatus.REJECTED)

            ioc = node.submit(SELL, "0.001", ask + 100, time_in_force=TimeInForce.IOC)
            await node.settled(ioc, OrderStatus.EXPIRED)
            fok = node.submit(SELL, "0.001", bid - 10, time_in_force=TimeInForce.FOK)
            await node.settled(fok, OrderStatus.FILLED)

            sim.faults.add(FaultRule.partial_fill(Decimal("0.5"), path="/api/v3/order"))
            partial = node.submit(BUY, "0.002", ask + 10)
            await node.settled(partial, OrderStatus.PARTIALLY_FILLED)
            assert partial.filled_qty == Decimal("0.001")
            node.cancel(partial)
            await node.settled(partial, OrderStatus.CANCELED)

            node.modify(resting, quantity="0.002", price=str(bid - 120))
            await node.settled(resting, OrderStatus.ACCEPTED)
            assert (resting.quantity, resting.price) == (Decimal("0.002"), bid - 120)
            node.cancel(maker)
            await node.settled(maker, OrderStatus.CANCELED)

            report = await node.client.reconcile()
            assert report.is_clean, report
            node.assert_no_lost_duplicated_or_orphaned()
            assert node.local_totals() == node.venue_totals()
            assert node.engine.counters.invalid_transitions == 0

    run(scenario())

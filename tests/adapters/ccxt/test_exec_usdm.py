"""USD-M perpetual lifecycle: ExecutionEngine → CcxtExecutionClient → ccxt.pro → simulator."""

from __future__ import annotations

from decimal import Decimal

from tests.adapters.ccxt.exec_node import exec_node, run
from tests.adapters.conftest import PERP_ID

from colin.adapters.exchange_sim import ExchangeSimulator, FaultRule
from colin.model.enums import OrderSide, OrderStatus, TimeInForce
from colin.model.instrument import Instrument

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_usdm_lifecycle_positions_and_balance_match_the_venue(
    sim: ExchangeSimulator, sim_instruments: list[Instrument]
) -> None:
    async def scenario() -> None:
        async with exec_node(sim, sim_instruments, "usdm") as node:
            await node.client.set_leverage(PERP_ID, Decimal(10))
            bid, ask = await node.touch()

            bought = node.submit(BUY, "0.003")
            await node.settled(bought, OrderStatus.FILLED)
            assert node.portfolio.net_quantity(PERP_ID) == Decimal("0.003")

            resting = node.submit(SELL, "0.002", ask + 200, reduce_only=True)
            await node.settled(resting, OrderStatus.ACCEPTED)
            venue_id = resting.venue_order_id
            node.modify(resting, quantity="0.003", price=str(ask + 300))
            await node.settled(resting, OrderStatus.ACCEPTED)
            assert (resting.quantity, resting.price) == (Decimal("0.003"), ask + 300)
            assert resting.venue_order_id == venue_id  # USD-M amends in place
            node.cancel(resting)
            await node.settled(resting, OrderStatus.CANCELED)

            maker = node.submit(BUY, "0.002", ask + 10, post_only=True)
            await node.settled(maker, OrderStatus.REJECTED)  # -5022, never recorded
            assert "-5022" in maker.events[-1].reason  # type: ignore[attr-defined]
            ioc = node.submit(BUY, "0.002", bid - 300, time_in_force=TimeInForce.IOC)
            await node.settled(ioc, OrderStatus.EXPIRED)
            fok = node.submit(BUY, "0.002", ask + 10, time_in_force=TimeInForce.FOK)
            await node.settled(fok, OrderStatus.FILLED)

            sim.faults.add(FaultRule.partial_fill(Decimal("0.5"), path="/fapi/v1/order"))
            partial = node.submit(BUY, "0.004", ask + 10)
            await node.settled(partial, OrderStatus.PARTIALLY_FILLED)
            assert partial.filled_qty == Decimal("0.002")
            node.cancel(partial)
            await node.settled(partial, OrderStatus.CANCELED)

            closing = node.submit(SELL, "0.007", reduce_only=True)
            await node.settled(closing, OrderStatus.FILLED)
            too_far = node.submit(SELL, "0.002", reduce_only=True)
            await node.settled(too_far, OrderStatus.REJECTED)

            assert node.portfolio.net_quantity(PERP_ID) == 0
            assert sim.positions() == {}
            report = await node.client.reconcile()
            assert report.is_clean, report
            node.assert_no_lost_duplicated_or_orphaned()
            assert node.local_totals() == node.venue_totals()

    run(scenario())

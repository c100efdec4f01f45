"""Venue faults survived by the OMS: no lost, duplicated or orphaned order, the right end state.

Every test runs the real stack (ExecutionEngine → CcxtExecutionClient → ccxt.pro) against the
simulator with REST faults (:class:`FaultRule`) or user-stream faults (:class:`WsFaultRule`).
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from tests.adapters.ccxt.exec_node import ExecNode, exec_node, run, until
from tests.adapters.conftest import PERP_ID, SIM_BALANCES, SIM_START_MS, SPOT_ID

from colin.adapters.ccxt.rate_limit import TokenBucket
from colin.adapters.exchange_sim import ExchangeSimulator, FaultRule, SimMarketData
from colin.adapters.exchange_sim.events import Market
from colin.adapters.exchange_sim.ws_faults import WsFaultRule
from colin.execution.reconcile import ReconcilePolicy
from colin.model.enums import OrderSide, OrderStatus
from colin.model.instrument import Instrument

BUY, SELL = OrderSide.BUY, OrderSide.SELL
SPOT_ORDER = "/api/v3/order"
SHORT_GRACE = ReconcilePolicy(ack_grace_ns=1_000_000_000)


def _end_state_matches(node: ExecNode) -> None:
    node.assert_no_lost_duplicated_or_orphaned()
    assert node.local_totals() == node.venue_totals()


@pytest.mark.parametrize(
    ("market", "path", "stream", "quantity"),
    [
        ("spot", SPOT_ORDER, "/ws-api", "0.002"),
        ("usdm", "/fapi/v1/order", "/fstream/private", "0.003"),
    ],
)
def test_slow_ack_is_resolved_by_lookup_with_exactly_one_order_at_the_venue(
    sim: ExchangeSimulator,
    sim_instruments: list[Instrument],
    market: Market,
    path: str,
    stream: str,
    quantity: str,
) -> None:
    async def scenario() -> None:
        async with exec_node(sim, sim_instruments, market, timeout_ms=500) as node:
            sim.faults.add(FaultRule.slow_ack(1_500, path=path, method="POST"))
            # the user stream is silent too: only the lookup can tell what happened
            sim.ws_faults.add(WsFaultRule("drop", path=stream, sticky=True))
            order = node.submit(BUY, quantity)
            await node.settled(order, OrderStatus.FILLED)
            assert node.client.counters.unknown_outcomes == 1
            assert node.client.counters.lookups >= 1
            assert node.client.counters.fill_fetches >= 1
            assert [r.kind for r in sim.fault_log] == ["slow_ack"]
            await until(lambda: node.submit_requests(order) > 0)  # logged once answered
            assert node.submit_requests(order) == 1  # never sent again
            _end_state_matches(node)

    run(scenario())


def test_ack_replaced_by_a_5xx_after_the_order_was_created(
    sim: ExchangeSimulator, sim_instruments: list[Instrument]
) -> None:
    async def scenario() -> None:
        async with exec_node(sim, sim_instruments, "spot") as node:
            bid, _ = await node.touch()
            sim.faults.add(FaultRule.slow_ack(0, path=SPOT_ORDER, method="POST", replace_ack=True))
            order = node.submit(BUY, "0.001", bid - 100)
            await node.settled(order, OrderStatus.ACCEPTED)
            assert node.client.counters.unknown_outcomes == 1
            assert node.submit_requests(order) == 1
            _end_state_matches(node)

    run(scenario())


def test_5xx_before_processing_rejects_after_the_grace_period_without_resending(
    sim: ExchangeSimulator, sim_instruments: list[Instrument]
) -> None:
    async def scenario() -> None:
        async with exec_node(sim, sim_instruments, "spot", policy=SHORT_GRACE) as node:
            sim.faults.add(FaultRule.server_error(SPOT_ORDER, method="POST"))
            lost = node.submit(BUY, "0.002")
            await node.settled(lost, OrderStatus.REJECTED)
            sim.faults.add(FaultRule.bad_gateway(SPOT_ORDER, method="POST"))
            html = node.submit(BUY, "0.002")
            await node.settled(html, OrderStatus.REJECTED)
            assert node.client.counters.unknown_outcomes == 2
            assert node.submit_requests(lost) == node.submit_requests(html) == 1
            assert lost.client_order_id not in node.venue_orders()
            after = node.submit(BUY, "0.002")  # the venue works again
            await node.settled(after, OrderStatus.FILLED)
            _end_state_matches(node)

    run(scenario())


def test_429_storm_backs_off_for_retry_after_and_recovers(
    sim: ExchangeSimulator, sim_instruments: list[Instrument]
) -> None:
    async def scenario() -> None:
        bucket = TokenBucket(capacity=50, refill_per_s=100)
        async with exec_node(sim, sim_instruments, "spot", limiter=bucket) as node:
            sim.faults.add(FaultRule.rate_limited(SPOT_ORDER, retry_after=1, count=2))
            order = node.submit(BUY, "0.002")
            await node.settled(order, OrderStatus.FILLED)
            sim.faults.add(FaultRule.ip_banned(SPOT_ORDER, retry_after=1))
            banned = node.submit(SELL, "0.002")
            await node.settled(banned, OrderStatus.FILLED)
            assert bucket.penalties == 3
            assert node.client.requests.rate_limited == 3
            statuses = [r.status for r in sim.requests if r.path == SPOT_ORDER]
            assert statuses == [429, 429, 200, 418, 200]
            assert node.submit_requests(order) == 3 and node.submit_requests(banned) == 2
            _end_state_matches(node)

    run(scenario())


def test_timestamp_refusal_resyncs_the_clock_and_sends_again(
    sim_instruments: list[Instrument], btc_bars: pd.DataFrame
) -> None:
    data = SimMarketData(bars=btc_bars, timeframe="1m")
    sim = ExchangeSimulator(
        instruments=sim_instruments,
        market={SPOT_ID: data, PERP_ID: data},
        balances=SIM_BALANCES,
        clock="stepped",
        start_ms=SIM_START_MS,
        auth_clock="sim",  # signatures are checked against the clock /api/v3/time reports
    )

    async def scenario() -> None:
        async with exec_node(sim, sim_instruments, "spot") as node:
            await node.exchange.load_time_difference()
            sim.faults.add(FaultRule.timestamp_skew(SPOT_ORDER, method="POST"))
            order = node.submit(BUY, "0.002")
            await node.settled(order, OrderStatus.FILLED)
            assert node.client.counters.resent_after_nonce == 1
            assert [r.code for r in sim.requests if r.path == SPOT_ORDER] == [-1021, None]
            _end_state_matches(node)

    sim.start_in_thread()
    try:
        run(scenario())
    finally:
        sim.stop_thread()


def test_dropped_user_stream_fill_is_recovered_by_reconciliation(
    sim: ExchangeSimulator, sim_instruments: list[Instrument]
) -> None:
    async def scenario() -> None:
        async with exec_node(sim, sim_instruments, "spot") as node:
            order = await node.resting_buy("0.002")
            sim.ws_faults.add(WsFaultRule("drop", path="/ws-api", sticky=True))
            await node.resting_fills(order)
            assert order.status is OrderStatus.ACCEPTED  # Colin never heard of the fill
            report = await node.client.reconcile()
            assert report.counts.fills_applied >= 1 and order.status is OrderStatus.FILLED
            assert report.balance_mismatches == ()
            _end_state_matches(node)
            assert (await node.client.reconcile()).is_clean

    run(scenario())


def test_duplicated_user_stream_messages_are_booked_once(
    sim: ExchangeSimulator, sim_instruments: list[Instrument]
) -> None:
    async def scenario() -> None:
        async with exec_node(sim, sim_instruments, "usdm") as node:
            sim.ws_faults.add(WsFaultRule("duplicate", path="/fstream/private", sticky=True))
            order = await node.resting_buy("0.003")
            await node.resting_fills(order)
            await node.settled(order, OrderStatus.FILLED)
            assert order.filled_qty == Decimal("0.003")
            assert len([e for e in order.events if type(e).__name__ == "OrderFilled"]) >= 1
            assert any(r.kind == "duplicate" for r in sim.ws_faults.log)
            assert node.portfolio.net_quantity(PERP_ID) == Decimal("0.003")
            assert (await node.client.reconcile()).is_clean
            _end_state_matches(node)

    run(scenario())

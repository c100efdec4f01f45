"""A live execution stack against the exchange simulator, for the ccxt execution tests.

:class:`ExecNode` is the real thing minus strategies and risk: bus, wall clock, cache, execution
engine, portfolio, reconciler and a :class:`CcxtExecutionClient` over a ``ccxt.pro`` exchange made
by ``create_exchange`` and pointed at the simulator. Orders go in through the engine's
``EXEC_EXECUTE`` endpoint, exactly as the risk engine sends them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tests.adapters.conftest import PERP_ID, SIM_BALANCES, SPOT_ID

from colin.adapters.ccxt.exchange_factory import create_exchange
from colin.adapters.ccxt.execution_client import CcxtExecutionClient
from colin.adapters.ccxt.rate_limit import RetryPolicy, TokenBucket
from colin.adapters.exchange_sim import ExchangeSimulator
from colin.adapters.exchange_sim.events import Market
from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import LiveClock
from colin.core.ids import ClientOrderIdGenerator, StrategyId
from colin.core.topics import EXEC_EXECUTE
from colin.execution.engine import ExecutionEngine
from colin.execution.reconcile import ReconcilePolicy, Reconciler
from colin.model.commands import CancelOrder, ModifyOrder, SubmitOrder
from colin.model.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from colin.model.instrument import Instrument
from colin.model.orders import Order
from colin.portfolio.portfolio import Portfolio

VENUE = "BINANCE"
STRATEGY = StrategyId("exec-test")
WAIT_S = 10.0
FAST_RETRY = RetryPolicy(max_attempts=8, base_s=0.05, factor=2.0, cap_s=0.5)
_BINANCE_STATUS = {
    "NEW": OrderStatus.ACCEPTED,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "EXPIRED": OrderStatus.EXPIRED,
    "REJECTED": OrderStatus.REJECTED,
}


def venue_status(sim_status: str) -> OrderStatus:
    """Colin's status of an order the simulator reports as ``sim_status``."""
    return _BINANCE_STATUS[sim_status]


class ExecNode:
    """One account of the simulator traded through Colin's OMS and the ccxt execution client."""

    def __init__(
        self,
        sim: ExchangeSimulator,
        market: Market,
        instrument: Instrument,
        balances: dict[str, Decimal],
        policy: ReconcilePolicy | None = None,
        timeout_ms: int = 5_000,
        settle_s: float = 0.2,
        limiter: TokenBucket | None = None,
    ) -> None:
        self.sim = sim
        self.market = market
        self.instrument = instrument
        self.bus = MessageBus()
        self.clock = LiveClock()
        self.cache = Cache()
        self.cache.add_instrument(instrument)
        self.engine = ExecutionEngine(self.bus, self.clock, self.cache)
        self.portfolio = Portfolio(self.bus, self.clock, self.cache, balances)
        self.reconciler = Reconciler(
            self.bus, self.clock, self.cache, self.engine, policy, self.portfolio
        )
        config = sim.ccxt_config(market)
        config["timeout"] = timeout_ms
        self.exchange = create_exchange(
            "binance", "spot" if market == "spot" else "linear", overrides=config
        )
        self.client = CcxtExecutionClient(
            self.exchange,
            venue=VENUE,
            bus=self.bus,
            clock=self.clock,
            cache=self.cache,
            reconciler=self.reconciler,
            instrument_ids=[instrument.id],
            limiter=limiter,
            retry=FAST_RETRY,
            settle_s=settle_s,
        )
        self.engine.register_client(self.client)
        self._ids = ClientOrderIdGenerator("t", f"{market}{time.time_ns() % 10**6}")

    async def __aenter__(self) -> ExecNode:
        await asyncio.wait_for(self.client.start(), WAIT_S)
        await self._user_stream_ready()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.wait_for(self.client.stop(), WAIT_S)
        await asyncio.wait_for(self.exchange.close(), WAIT_S)

    async def _user_stream_ready(self) -> None:
        """Wait until ccxt's user-data sockets are open and subscribed (research note G7)."""

        def subscribed() -> bool:
            clients = [c for url, c in self.exchange.clients.items() if url.startswith("ws")]
            return bool(clients) and all(
                c.connected.done() and not c.connected.exception() for c in clients
            )

        await until(subscribed)
        await asyncio.sleep(0.2)  # the subscribe request is answered after the socket opens

    # -- commands --------------------------------------------------------------------------------

    def submit(
        self,
        side: OrderSide,
        quantity: str,
        price: Decimal | str | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        post_only: bool = False,
        reduce_only: bool = False,
    ) -> Order:
        order = Order(
            client_order_id=self._ids.generate(),
            strategy_id=STRATEGY,
            instrument_id=self.instrument.id,
            side=side,
            order_type=OrderType.LIMIT if price is not None else OrderType.MARKET,
            quantity=Decimal(quantity),
            price=Decimal(price) if price is not None else None,
            time_in_force=time_in_force,
            post_only=post_only,
            reduce_only=reduce_only,
            ts_init=self.clock.timestamp_ns(),
        )
        self.bus.send(EXEC_EXECUTE, SubmitOrder(order=order, ts_init=order.ts_init))
        return order

    def cancel(self, order: Order) -> None:
        self.bus.send(
            EXEC_EXECUTE,
            CancelOrder(
                instrument_id=order.instrument_id,
                strategy_id=order.strategy_id,
                client_order_id=order.client_order_id,
                ts_init=self.clock.timestamp_ns(),
            ),
        )

    def modify(self, order: Order, quantity: str | None = None, price: str | None = None) -> None:
        self.bus.send(
            EXEC_EXECUTE,
            ModifyOrder(
                instrument_id=order.instrument_id,
                strategy_id=order.strategy_id,
                client_order_id=order.client_order_id,
                quantity=Decimal(quantity) if quantity else None,
                price=Decimal(price) if price else None,
                ts_init=self.clock.timestamp_ns(),
            ),
        )

    # -- observations ----------------------------------------------------------------------------

    async def touch(self) -> tuple[Decimal, Decimal]:
        """Best bid and ask now."""
        book = await asyncio.wait_for(
            self.exchange.fetch_order_book(self.instrument.symbol, 5), WAIT_S
        )
        return Decimal(repr(book["bids"][0][0])), Decimal(repr(book["asks"][0][0]))

    async def settled(self, order: Order, status: OrderStatus) -> Order:
        """Wait until ``order`` reaches ``status`` (and the client is idle)."""
        await until(lambda: order.status is status)
        await asyncio.wait_for(self.client.wait_idle(), WAIT_S)
        assert order.status is status, order
        return order

    async def resting_buy(self, quantity: str) -> Order:
        """Buy ``quantity`` with a limit 100 below the bid; return the order once accepted."""
        bid, _ = await self.touch()
        return await self.settled(
            self.submit(OrderSide.BUY, quantity, bid - 100), OrderStatus.ACCEPTED
        )

    async def resting_fills(self, order: Order, step_ms: int = 5_000, steps: int = 36) -> None:
        """Replay the market until the venue has filled ``order`` (ground truth, not Colin's)."""
        for _ in range(steps):
            self.sim.advance(step_ms)
            snapshot = self.venue_orders()[order.client_order_id]
            if snapshot.status == "FILLED":
                return
            await asyncio.sleep(0)
        raise AssertionError(f"{order.client_order_id} not filled by the replay")

    def submit_requests(self, order: Order) -> int:
        """How many order requests carrying ``order``'s client id reached the simulator."""
        return sum(
            1
            for r in self.sim.requests
            if r.method == "POST"
            and r.path.endswith("/order")
            and r.params.get("newClientOrderId") == order.client_order_id
        )

    def venue_orders(self) -> dict[str, Any]:
        """The simulator's orders of this market by client order id (ground truth)."""
        return {o.client_order_id: o for o in self.sim.orders(self.market)}

    def venue_totals(self) -> dict[str, Decimal]:
        """The simulator's balance totals of this market, non-zero ones."""
        return {asset: total for asset, total in self.sim.wallet(self.market).items() if total}

    def local_totals(self) -> dict[str, Decimal]:
        """The portfolio's non-zero balances."""
        return {asset: amount for asset, amount in self.portfolio.balances().items() if amount}

    def assert_no_lost_duplicated_or_orphaned(self) -> None:
        """Every venue order is one of Colin's orders with the same state, and vice versa."""
        venue = self.venue_orders()
        local = {o.client_order_id: o for o in self.cache.orders() if o.venue_order_id}
        assert set(venue) == set(local), set(venue) ^ set(local)
        for client_id, snapshot in venue.items():
            order = local[client_id]
            assert order.venue_order_id == str(snapshot.order_id), (order, snapshot)
            assert order.filled_qty == Decimal(snapshot.executed_qty), (order, snapshot)
            assert order.status is venue_status(snapshot.status), (order, snapshot)
        unsent = [o for o in self.cache.orders() if o.venue_order_id is None]
        assert all(o.status in (OrderStatus.REJECTED, OrderStatus.DENIED) for o in unsent), unsent


async def until(predicate: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    """Poll ``predicate`` until it holds; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        await asyncio.sleep(0.01)


def run(coro: Any, timeout_s: float = 60.0) -> Any:
    """Run a test coroutine with an overall time limit."""
    return asyncio.run(asyncio.wait_for(coro, timeout_s))


def exec_node(
    sim: ExchangeSimulator, instruments: list[Instrument], market: Market, **options: Any
) -> ExecNode:
    """An :class:`ExecNode` on ``market``'s BTC/USDT instrument, starting with the simulator's
    balances of that account; ``options`` go to :class:`ExecNode`."""
    instrument_id = SPOT_ID if market == "spot" else PERP_ID
    instrument = next(i for i in instruments if i.id == instrument_id)
    return ExecNode(sim, market, instrument, dict(SIM_BALANCES[market]), **options)

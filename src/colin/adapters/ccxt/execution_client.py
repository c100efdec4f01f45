"""The ``ExecutionClient`` port over a ``ccxt.pro`` exchange: live order entry and its user stream.

The execution engine calls the port synchronously on the node's event loop; each call schedules a
task that talks to the venue, and every outcome comes back as order events on ``EXEC_PROCESS``
through the :class:`~colin.execution.reconcile.Reconciler` (REST answers, user-stream messages and
lookups take the same path). How venue errors are handled (ccxt's exception classes, verified
against a local Binance, see ``docs/ccxt.md``):

- ``InsufficientFunds``, ``InvalidOrder``, ``BadRequest`` and other exchange errors: the venue
  refused the order → ``OrderRejected`` with the venue's message;
- ``DDoSProtection``/``RateLimitExceeded`` (HTTP 429/418): refused before matching → the token
  bucket pauses for ``Retry-After`` and the same request is sent again;
- ``InvalidNonce`` (-1021, timestamp outside ``recvWindow``): refused → clock offset reloaded, sent
  again;
- ``RequestTimeout``, ``NetworkError``, ``ExchangeNotAvailable``, ``OperationFailed`` (5xx) and a
  duplicate client order id: the outcome is unknown → the order is looked up by its client order
  id, with backoff, until the venue shows it or the grace period of the reconcile policy has
  passed (then it is rejected). The order itself is never sent twice.

Submits are sent by :class:`~colin.adapters.ccxt.order_submit.OrderSubmitter`, cancels and amends
by :class:`~colin.adapters.ccxt.order_amend.OrderAmender`; every venue answer reaches the
reconciler through :class:`~colin.adapters.ccxt.order_reports.OrderReports`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from decimal import Decimal
from typing import Any

import ccxt.pro

from colin.adapters.ccxt.order_amend import OrderAmender
from colin.adapters.ccxt.order_reports import UNKNOWN_OUTCOME, ClientCounters, OrderReports
from colin.adapters.ccxt.order_submit import OrderSubmitter
from colin.adapters.ccxt.rate_limit import RetryPolicy, TokenBucket
from colin.adapters.ccxt.user_stream import UserStream
from colin.adapters.ccxt.venue_state import VenueRequests
from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.ids import InstrumentId
from colin.execution.reconcile import Reconciler, ReconcileReport
from colin.model.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from colin.model.enums import OrderStatus
from colin.model.events import OrderAccepted, OrderFilled
from colin.model.orders import Order

log = logging.getLogger(__name__)

_FILL_MARGIN_NS = 60 * 1_000_000_000


class CcxtExecutionClient:
    """Execute Colin's orders on one ccxt account (one venue, one market type).

    Parameters
    ----------
    exchange
        A ``ccxt.pro`` exchange with credentials (see
        :func:`colin.adapters.ccxt.exchange_factory.create_exchange`).
    venue
        Colin's venue name (``BINANCE``); commands for it are routed here.
    bus, clock, cache
        The node's bus (events go to ``EXEC_PROCESS``), clock and cache.
    reconciler
        Turns venue reports into order events; its policy sets the ack grace period.
    instrument_ids
        The instruments this account trades (symbols read by reconciliation).
    limiter, weight_of, retry
        Request pacing; see :class:`~colin.adapters.ccxt.venue_state.VenueRequests`.
    settle_s
        How long a report whose fills have not arrived yet waits for the user stream before
        the fills are fetched over REST; also how long after a user-stream outage the
        reconciliation waits for the stream to resubscribe.
    """

    def __init__(
        self,
        exchange: Any,
        *,
        venue: str,
        bus: MessageBus,
        clock: Clock,
        cache: Cache,
        reconciler: Reconciler,
        instrument_ids: Iterable[InstrumentId],
        limiter: TokenBucket | None = None,
        weight_of: Callable[[str], int] | None = None,
        retry: RetryPolicy | None = None,
        settle_s: float = 0.5,
    ) -> None:
        self.venue = venue
        self.exchange = exchange
        self.requests = VenueRequests(exchange, venue, limiter, weight_of, retry)
        self._cache = cache
        self._reconciler = reconciler
        self._instrument_ids = frozenset(instrument_ids)
        self._settle_s = settle_s
        self._tasks: set[asyncio.Task[None]] = set()
        self.counters = ClientCounters()
        self._reports = OrderReports(
            self.requests, reconciler, bus, clock, self.counters, self._spawn, settle_s
        )
        self._submitter = OrderSubmitter(self.requests, self._reports, reconciler, self.counters)
        self._amender = OrderAmender(self.requests, self._reports, reconciler, cache)
        self._stream = UserStream(
            exchange,
            self._reports.on_order,
            self._reports.on_trade,
            self._resync_soon,
            self.requests.retry,
        )
        self._resync_pending = False

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the markets and start following the account's orders and trades."""
        await self.exchange.load_markets()
        self._stream.start()

    async def stop(self) -> None:
        """Stop the streams and every task in flight (the exchange stays open)."""
        await self._stream.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def stream_errors(self) -> int:
        """How many times the user stream failed and was reconnected."""
        return self._stream.errors

    async def wait_idle(self) -> None:
        """Wait until every submit, cancel, modify and lookup in flight has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def reconcile(self) -> ReconcileReport:
        """Reconcile Colin with a fresh snapshot of the account (on start and periodically)."""
        orders = [o for o in self._cache.orders_open() if o.instrument_id in self._instrument_ids]
        venue_times = [_venue_time(o) for o in orders if o.venue_order_id is not None]
        since = min(venue_times) - _FILL_MARGIN_NS if venue_times else None
        with_positions = any(
            instrument.is_derivative
            for instrument in map(self._cache.instrument, self._instrument_ids)
            if instrument is not None
        )
        state = await self.requests.venue_state(
            (i.symbol for i in self._instrument_ids), orders, since, with_positions
        )
        return self._reconciler.reconcile(state)

    async def set_leverage(self, instrument_id: InstrumentId, leverage: Decimal) -> None:
        """Set a perpetual's leverage (a positive whole number on Binance).

        Raises
        ------
        ValueError
            If ``leverage`` is not a positive whole number.
        """
        if leverage <= 0 or leverage != leverage.to_integral_value():
            raise ValueError(f"leverage must be a positive whole number, got {leverage}")
        await self.requests.call(
            "set_leverage", self.exchange.set_leverage, int(leverage), instrument_id.symbol
        )

    # -- ExecutionClient port --------------------------------------------------------------------

    def submit_order(self, command: SubmitOrder) -> None:
        """Send a new order (in a task; the outcome arrives as order events)."""
        self._spawn(self._submitter.submit(command.order))

    def modify_order(self, command: ModifyOrder) -> None:
        """Amend a working order's quantity and/or price."""
        self._spawn(self._amender.modify(command))

    def cancel_order(self, command: CancelOrder) -> None:
        """Cancel a working order."""
        order = self._cache.order(command.client_order_id)
        if order is not None:
            self._spawn(self._amender.cancel(order))

    def cancel_all_orders(self, command: CancelAllOrders) -> None:
        """Cancel the orders the engine marked pending cancel (one request each).

        The venue's cancel-all would also cancel other strategies' orders on the symbol, so
        each matching order is canceled by its own client id.
        """
        for order in self._cache.orders_open(command.instrument_id, command.strategy_id):
            side_matches = command.side is None or order.side is command.side
            if order.status is OrderStatus.PENDING_CANCEL and side_matches:
                self._spawn(self._amender.cancel(order))

    # -- user stream -----------------------------------------------------------------------------

    def _resync_soon(self) -> None:
        if not self._resync_pending:
            self._resync_pending = True
            self._spawn(self._resync())

    async def _resync(self) -> None:
        """Reconcile once the stream had time to resubscribe (it is being watched again)."""
        try:
            await asyncio.sleep(self._settle_s)
            await self.reconcile()
        except (*UNKNOWN_OUTCOME, ccxt.BaseError) as exc:
            log.warning("reconciliation after a stream outage failed: %r", exc)
        finally:
            self._resync_pending = False

    # -- helpers ---------------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("execution task failed", exc_info=task.exception())


def _venue_time(order: Order) -> int:
    """When the venue first reported on ``order``, on the venue's clock."""
    return next(
        (e.ts_event for e in order.events if isinstance(e, OrderAccepted | OrderFilled)),
        order.ts_init,
    )

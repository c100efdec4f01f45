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
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ccxt.pro

from colin.adapters.ccxt.order_decode import (
    fill_report,
    order_fills,
    order_report,
)
from colin.adapters.ccxt.rate_limit import RetryPolicy, TokenBucket
from colin.adapters.ccxt.user_stream import UserStream
from colin.adapters.ccxt.venue_state import VenueRequests
from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.errors import RateLimitError
from colin.core.ids import InstrumentId
from colin.core.topics import EXEC_PROCESS
from colin.execution.reconcile import Reconciler, ReconcileReport
from colin.execution.reports import FillReport, OrderStatusReport
from colin.model.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from colin.model.enums import OrderStatus, OrderType, TimeInForce
from colin.model.events import (
    OrderAccepted,
    OrderCancelRejected,
    OrderFilled,
    OrderModifyRejected,
    OrderRejected,
    OrderUpdated,
)
from colin.model.orders import Order

log = logging.getLogger(__name__)

_FILL_MARGIN_NS = 60 * 1_000_000_000
_UNKNOWN_OUTCOME = (ccxt.OperationFailed, RateLimitError)


@dataclass(slots=True)
class ClientCounters:
    """What the client has done, for metrics and tests."""

    submitted: int = 0
    rejected: int = 0
    unknown_outcomes: int = 0
    lookups: int = 0
    resent_after_nonce: int = 0
    fill_fetches: int = 0


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
        self._bus = bus
        self._clock = clock
        self._cache = cache
        self._reconciler = reconciler
        self._instrument_ids = frozenset(instrument_ids)
        self._settle_s = settle_s
        self._tasks: set[asyncio.Task[None]] = set()
        self._stream = UserStream(
            exchange, self._on_order, self._on_trade, self._resync_soon, self.requests.retry
        )
        self._settling: set[str] = set()
        self._resync_pending = False
        self.counters = ClientCounters()

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
        self._spawn(self._submit(command.order))

    def modify_order(self, command: ModifyOrder) -> None:
        """Amend a working order's quantity and/or price."""
        self._spawn(self._modify(command))

    def cancel_order(self, command: CancelOrder) -> None:
        """Cancel a working order."""
        order = self._cache.order(command.client_order_id)
        if order is not None:
            self._spawn(self._cancel(order))

    def cancel_all_orders(self, command: CancelAllOrders) -> None:
        """Cancel the orders the engine marked pending cancel (one request each).

        The venue's cancel-all would also cancel other strategies' orders on the symbol, so
        each matching order is canceled by its own client id.
        """
        for order in self._cache.orders_open(command.instrument_id, command.strategy_id):
            side_matches = command.side is None or order.side is command.side
            if order.status is OrderStatus.PENDING_CANCEL and side_matches:
                self._spawn(self._cancel(order))

    # -- submit ----------------------------------------------------------------------------------

    async def _submit(self, order: Order) -> None:
        self.counters.submitted += 1
        kind, params = _order_kind(order)
        price = float(order.price) if order.price is not None else None
        args = (order.instrument_id.symbol, kind, order.side.value.lower(), float(order.quantity))
        for _ in range(2):
            try:
                answer = await self.requests.call(
                    "create_order", self.exchange.create_order, *args, price, params
                )
            except ccxt.InvalidNonce:
                self.counters.resent_after_nonce += 1
                await self.exchange.load_time_difference()
                continue
            except RateLimitError as exc:  # every try was refused before matching
                self._reject(order, exc)
            except _UNKNOWN_OUTCOME as exc:
                log.warning("submit of %s: outcome unknown (%r)", order.client_order_id, exc)
                await self._resolve_unknown_submit(order)
            except ccxt.InvalidOrder as exc:
                if "uplicate" in str(exc):
                    await self._resolve_unknown_submit(order)
                else:
                    self._reject(order, exc)
            except ccxt.BaseError as exc:
                self._reject(order, exc)
            else:
                self._on_answer(answer)
            return
        self._reject(order, RuntimeError("timestamp refused twice after a clock resync"))

    async def _resolve_unknown_submit(self, order: Order) -> None:
        """Look the order up until the venue knows it or the grace period has passed."""
        self.counters.unknown_outcomes += 1
        attempt = 0
        while order.status is OrderStatus.SUBMITTED and order.venue_order_id is None:
            try:
                found = await self._lookup(order)
            except _UNKNOWN_OUTCOME as exc:
                log.warning("lookup of %s failed (%r); retrying", order.client_order_id, exc)
            else:
                if found is not None or self._reconciler.resolve_unknown(order):
                    return
            await asyncio.sleep(self.requests.retry.delay(attempt))
            attempt += 1

    def _reject(self, order: Order, exc: BaseException) -> None:
        self.counters.rejected += 1
        self._send(OrderRejected, order, reason=f"{type(exc).__name__}: {exc}")

    # -- cancel and modify -----------------------------------------------------------------------

    async def _cancel(self, order: Order) -> None:
        symbol = order.instrument_id.symbol
        params = {"origClientOrderId": str(order.client_order_id)}
        retry = self.requests.retry
        for attempt in range(retry.max_attempts):
            try:
                answer = await self.requests.call(
                    "cancel_order", self.exchange.cancel_order, order.venue_order_id, symbol, params
                )
            except _UNKNOWN_OUTCOME as exc:
                # a cancel is safe to repeat: the venue answers "unknown order" the second time
                log.warning("cancel of %s failed (%r); retrying", order.client_order_id, exc)
                await asyncio.sleep(retry.delay(attempt))
                continue
            except ccxt.BaseError as exc:
                await self._cancel_refused(order, exc)
            else:
                self._on_answer(answer)
            return
        await self._cancel_refused(order, RuntimeError("no answer to the cancel"))

    async def _cancel_refused(self, order: Order, exc: BaseException) -> None:
        """The venue would not cancel: learn the order's real state, then release the cancel."""
        await self._lookup_quietly(order)
        if order.status is OrderStatus.PENDING_CANCEL:
            self._send(OrderCancelRejected, order, reason=f"{type(exc).__name__}: {exc}")

    async def _modify(self, command: ModifyOrder) -> None:
        order = self._cache.order(command.client_order_id)
        if order is None or order.status is not OrderStatus.PENDING_UPDATE:
            return
        refusal = self._modify_refusal(order, command)
        if refusal is not None:
            self._send(OrderModifyRejected, order, reason=refusal)
            return
        quantity = command.quantity if command.quantity is not None else order.quantity
        price = command.price if command.price is not None else order.price
        replaced = order.venue_order_id if self._is_spot(order) else None
        if replaced is not None:  # spot amends are cancel-replace: a new venue order id
            self._reconciler.supersede(replaced)
        try:
            answer = await self.requests.call(
                "create_order",
                self.exchange.edit_order,
                order.venue_order_id,
                order.instrument_id.symbol,
                "limit",
                order.side.value.lower(),
                float(quantity),
                float(price) if price is not None else None,
                {"clientOrderId": str(order.client_order_id)},
            )
        except (*_UNKNOWN_OUTCOME, ccxt.BaseError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if replaced is not None:
                self._reconciler.supersede(replaced, superseded=False)
            await self._lookup_quietly(order)
        else:
            report = order_report(answer, self.venue)
            self._reconciler.apply_report(
                report, order_fills(answer, self.venue), authoritative=True
            )
            if order.status is OrderStatus.PENDING_UPDATE:  # the venue kept the same values
                self._send_updated(order, report)
            return
        if order.status is OrderStatus.PENDING_UPDATE:
            self._send(OrderModifyRejected, order, reason=reason)

    def _modify_refusal(self, order: Order, command: ModifyOrder) -> str | None:
        if order.order_type is not OrderType.LIMIT or command.trigger_price is not None:
            return "only the quantity and price of limit orders can be amended"
        if order.venue_order_id is None:
            return "the venue has not acknowledged the order yet"
        if self._is_spot(order) and order.filled_qty > 0:
            # spot amends are cancel-replace: the new order would forget the filled part
            return "a partially filled spot order cannot be amended"
        return None

    def _is_spot(self, order: Order) -> bool:
        return bool(self.exchange.market(order.instrument_id.symbol).get("spot"))

    # -- reports ---------------------------------------------------------------------------------

    async def _lookup(self, order: Order) -> OrderStatusReport | None:
        """Fetch an order by client id and apply it (with its fills) as authoritative."""
        self.counters.lookups += 1
        report = await self.requests.order_by_client_id(
            order.instrument_id.symbol, order.client_order_id
        )
        if report is not None:
            fills: list[FillReport] = []
            if report.filled_qty > order.filled_qty:
                self.counters.fill_fetches += 1
                fills = await self.requests.order_fills(order.instrument_id.symbol, report)
            self._reconciler.apply_report(report, fills, authoritative=True)
        return report

    async def _lookup_quietly(self, order: Order) -> None:
        try:
            await self._lookup(order)
        except (*_UNKNOWN_OUTCOME, ccxt.BaseError) as exc:
            log.warning("lookup of %s failed: %r", order.client_order_id, exc)

    def _on_answer(self, answer: dict[str, Any]) -> None:
        report = order_report(answer, self.venue)
        self._apply(report, order_fills(answer, self.venue))

    def _on_order(self, raw: dict[str, Any]) -> None:
        self._apply(order_report(raw, self.venue), ())

    def _on_trade(self, raw: dict[str, Any]) -> None:
        self._reconciler.apply_fill(fill_report(raw, self.venue))

    def _apply(self, report: OrderStatusReport, fills: Iterable[FillReport]) -> None:
        if self._reconciler.apply_report(report, list(fills)):
            return
        order = self._reconciler.order_for(report.client_order_id, report.venue_order_id)
        if order is not None and order.is_open and order.client_order_id not in self._settling:
            self._settling.add(order.client_order_id)
            self._spawn(self._settle(order, report))

    async def _settle(self, order: Order, report: OrderStatusReport) -> None:
        """Give the user stream time to bring missing fills; fetch them if it does not."""
        try:
            await asyncio.sleep(self._settle_s)
            if order.is_open and not self._reconciler.apply_report(report):
                await self._lookup(order)
        finally:
            self._settling.discard(order.client_order_id)

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
        except (*_UNKNOWN_OUTCOME, ccxt.BaseError) as exc:
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

    def _send(
        self,
        kind: type[OrderRejected] | type[OrderCancelRejected] | type[OrderModifyRejected],
        order: Order,
        reason: str,
    ) -> None:
        now = self._clock.timestamp_ns()
        self._bus.send(
            EXEC_PROCESS,
            kind(
                client_order_id=order.client_order_id,
                instrument_id=order.instrument_id,
                strategy_id=order.strategy_id,
                ts_event=now,
                ts_init=now,
                reason=reason,
            ),
        )

    def _send_updated(self, order: Order, report: OrderStatusReport) -> None:
        now = self._clock.timestamp_ns()
        self._bus.send(
            EXEC_PROCESS,
            OrderUpdated(
                client_order_id=order.client_order_id,
                instrument_id=order.instrument_id,
                strategy_id=order.strategy_id,
                ts_event=report.ts_event or now,
                ts_init=now,
                quantity=report.quantity,
                price=report.price,
                trigger_price=report.trigger_price,
            ),
        )


def _venue_time(order: Order) -> int:
    """When the venue first reported on ``order``, on the venue's clock."""
    return next(
        (e.ts_event for e in order.events if isinstance(e, OrderAccepted | OrderFilled)),
        order.ts_init,
    )


def _order_kind(order: Order) -> tuple[str, dict[str, Any]]:
    """The ccxt order type and params of ``order`` (client id, time in force, flags)."""
    params: dict[str, Any] = {"clientOrderId": str(order.client_order_id)}
    is_market = order.order_type in (OrderType.MARKET, OrderType.STOP_MARKET)
    if order.trigger_price is not None:
        params["triggerPrice"] = float(order.trigger_price)
    if not is_market and order.time_in_force is not TimeInForce.GTC:
        params["timeInForce"] = order.time_in_force.value
    if order.post_only:
        params["postOnly"] = True
    if order.reduce_only:
        params["reduceOnly"] = True
    return ("market" if is_market else "limit"), params

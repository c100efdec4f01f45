"""Canceling and amending working orders over ccxt.

:class:`OrderAmender` sends the cancels and amends of the
:class:`~colin.adapters.ccxt.execution_client.CcxtExecutionClient`:

- a cancel that gets no answer (5xx, timeout, rate limit) is sent again with backoff — a cancel is
  safe to repeat; a cancel the venue refuses is followed by a lookup of the order, and the cancel
  is released (``OrderCancelRejected``) only if the order is still working;
- only the quantity and price of acknowledged limit orders are amended. On spot an amend is a
  cancel-replace (a new venue order id), so a partially filled spot order is not amended; a failed
  amend is followed by a lookup, then released (``OrderModifyRejected``).
"""

from __future__ import annotations

import asyncio
import logging

import ccxt.pro

from colin.adapters.ccxt.order_decode import order_fills, order_report
from colin.adapters.ccxt.order_reports import UNKNOWN_OUTCOME, OrderReports
from colin.adapters.ccxt.venue_state import VenueRequests
from colin.cache.cache import Cache
from colin.execution.reconcile import Reconciler
from colin.model.commands import ModifyOrder
from colin.model.enums import OrderStatus, OrderType
from colin.model.events import OrderCancelRejected, OrderModifyRejected
from colin.model.orders import Order

log = logging.getLogger(__name__)


class OrderAmender:
    """Cancel and amend working orders on one ccxt account.

    Parameters
    ----------
    requests
        The account's rate-limited requests.
    reports
        Applies the venue's answers and lookups; sends the rejections and updates.
    reconciler
        Told which venue order id a spot amend replaces.
    cache
        Where the order of a modify command is read.
    """

    def __init__(
        self,
        requests: VenueRequests,
        reports: OrderReports,
        reconciler: Reconciler,
        cache: Cache,
    ) -> None:
        self._requests = requests
        self._exchange = requests.exchange
        self._reports = reports
        self._reconciler = reconciler
        self._cache = cache

    # -- cancel ----------------------------------------------------------------------------------

    async def cancel(self, order: Order) -> None:
        """Cancel ``order`` at the venue; the outcome arrives as order events."""
        symbol = order.instrument_id.symbol
        params = {"origClientOrderId": str(order.client_order_id)}
        retry = self._requests.retry
        for attempt in range(retry.max_attempts):
            try:
                answer = await self._requests.call(
                    "cancel_order",
                    self._exchange.cancel_order,
                    order.venue_order_id,
                    symbol,
                    params,
                )
            except UNKNOWN_OUTCOME as exc:
                # a cancel is safe to repeat: the venue answers "unknown order" the second time
                log.warning("cancel of %s failed (%r); retrying", order.client_order_id, exc)
                await asyncio.sleep(retry.delay(attempt))
                continue
            except ccxt.BaseError as exc:
                await self._cancel_refused(order, exc)
            else:
                self._reports.on_answer(answer)
            return
        await self._cancel_refused(order, RuntimeError("no answer to the cancel"))

    async def _cancel_refused(self, order: Order, exc: BaseException) -> None:
        """The venue would not cancel: learn the order's real state, then release the cancel."""
        await self._reports.lookup_quietly(order)
        if order.status is OrderStatus.PENDING_CANCEL:
            self._reports.send(OrderCancelRejected, order, reason=f"{type(exc).__name__}: {exc}")

    # -- amend -----------------------------------------------------------------------------------

    async def modify(self, command: ModifyOrder) -> None:
        """Amend the order of ``command`` (pending update); the outcome arrives as order events."""
        order = self._cache.order(command.client_order_id)
        if order is None or order.status is not OrderStatus.PENDING_UPDATE:
            return
        refusal = self._modify_refusal(order, command)
        if refusal is not None:
            self._reports.send(OrderModifyRejected, order, reason=refusal)
            return
        quantity = command.quantity if command.quantity is not None else order.quantity
        price = command.price if command.price is not None else order.price
        replaced = order.venue_order_id if self._is_spot(order) else None
        if replaced is not None:  # spot amends are cancel-replace: a new venue order id
            self._reconciler.supersede(replaced)
        try:
            answer = await self._requests.call(
                "create_order",
                self._exchange.edit_order,
                order.venue_order_id,
                order.instrument_id.symbol,
                "limit",
                order.side.value.lower(),
                float(quantity),
                float(price) if price is not None else None,
                {"clientOrderId": str(order.client_order_id)},
            )
        except (*UNKNOWN_OUTCOME, ccxt.BaseError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if replaced is not None:
                self._reconciler.supersede(replaced, superseded=False)
            await self._reports.lookup_quietly(order)
        else:
            venue = self._reports.venue
            report = order_report(answer, venue)
            self._reconciler.apply_report(report, order_fills(answer, venue), authoritative=True)
            if order.status is OrderStatus.PENDING_UPDATE:  # the venue kept the same values
                self._reports.send_updated(order, report)
            return
        if order.status is OrderStatus.PENDING_UPDATE:
            self._reports.send(OrderModifyRejected, order, reason=reason)

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
        return bool(self._exchange.market(order.instrument_id.symbol).get("spot"))

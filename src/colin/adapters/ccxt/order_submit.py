"""Submitting an order over ccxt, and resolving a submit whose outcome is unknown.

How :class:`OrderSubmitter` treats the venue's answer (ccxt's exception classes, verified against
a local Binance, see ``docs/ccxt.md``):

- an order answer: applied through :class:`~colin.adapters.ccxt.order_reports.OrderReports`;
- ``InvalidNonce`` (-1021): the clock offset is reloaded and the order sent again (once);
- a rate limit that outlasted every retry, or any other exchange error: ``OrderRejected``;
- ``RequestTimeout``, ``NetworkError``, ``ExchangeNotAvailable``, ``OperationFailed`` (5xx) and a
  duplicate client order id: the outcome is unknown, so the order is looked up by its client
  order id, with backoff, until the venue shows it or the reconciler rejects it after the grace
  period. The order itself is never sent twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import ccxt.pro

from colin.adapters.ccxt.order_reports import UNKNOWN_OUTCOME, ClientCounters, OrderReports
from colin.adapters.ccxt.venue_state import VenueRequests
from colin.core.errors import RateLimitError
from colin.execution.reconcile import Reconciler
from colin.model.enums import OrderStatus, OrderType, TimeInForce
from colin.model.events import OrderRejected
from colin.model.orders import Order

log = logging.getLogger(__name__)


class OrderSubmitter:
    """Send new orders and make sure each one ends up acknowledged or rejected.

    Parameters
    ----------
    requests
        The account's rate-limited requests.
    reports
        Applies the venue's answers and lookups; sends the rejections.
    reconciler
        Decides when an order the venue does not know is rejected.
    counters
        The client's counters (``submitted``, ``rejected``, ``unknown_outcomes``,
        ``resent_after_nonce``).
    """

    def __init__(
        self,
        requests: VenueRequests,
        reports: OrderReports,
        reconciler: Reconciler,
        counters: ClientCounters,
    ) -> None:
        self._requests = requests
        self._exchange = requests.exchange
        self._reports = reports
        self._reconciler = reconciler
        self._counters = counters

    async def submit(self, order: Order) -> None:
        """Send ``order``; its outcome arrives as order events."""
        self._counters.submitted += 1
        kind, params = _order_kind(order)
        price = float(order.price) if order.price is not None else None
        args = (order.instrument_id.symbol, kind, order.side.value.lower(), float(order.quantity))
        for _ in range(2):
            try:
                answer = await self._requests.call(
                    "create_order", self._exchange.create_order, *args, price, params
                )
            except ccxt.InvalidNonce:
                self._counters.resent_after_nonce += 1
                await self._exchange.load_time_difference()
                continue
            except RateLimitError as exc:  # every try was refused before matching
                self._reject(order, exc)
            except UNKNOWN_OUTCOME as exc:
                log.warning("submit of %s: outcome unknown (%r)", order.client_order_id, exc)
                await self._resolve_unknown(order)
            except ccxt.InvalidOrder as exc:
                if "uplicate" in str(exc):
                    await self._resolve_unknown(order)
                else:
                    self._reject(order, exc)
            except ccxt.BaseError as exc:
                self._reject(order, exc)
            else:
                self._reports.on_answer(answer)
            return
        self._reject(order, RuntimeError("timestamp refused twice after a clock resync"))

    async def _resolve_unknown(self, order: Order) -> None:
        """Look the order up until the venue knows it or the grace period has passed."""
        self._counters.unknown_outcomes += 1
        attempt = 0
        while order.status is OrderStatus.SUBMITTED and order.venue_order_id is None:
            try:
                found = await self._reports.lookup(order)
            except UNKNOWN_OUTCOME as exc:
                log.warning("lookup of %s failed (%r); retrying", order.client_order_id, exc)
            else:
                if found is not None or self._reconciler.resolve_unknown(order):
                    return
            await asyncio.sleep(self._requests.retry.delay(attempt))
            attempt += 1

    def _reject(self, order: Order, exc: BaseException) -> None:
        self._counters.rejected += 1
        self._reports.send(OrderRejected, order, reason=f"{type(exc).__name__}: {exc}")


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

"""Paced ccxt requests, and the venue reads that order resolution and reconciliation need.

:class:`VenueRequests` sends every private REST call of the execution client: it takes the
call's weight from the :class:`~colin.adapters.ccxt.rate_limit.TokenBucket` first, and when the
venue answers 429/418 (``DDoSProtection``/``RateLimitExceeded``) it blocks the bucket for the
``Retry-After`` delay and sends the same request again. That is safe for any request, an order
included: the venue refused it before it reached the matching engine. Every other error goes to
the caller, who knows whether repeating it is safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import ccxt.pro

from colin.adapters.ccxt.order_decode import (
    balances,
    fill_report,
    order_report,
    position_reports,
)
from colin.adapters.ccxt.rate_limit import RetryPolicy, TokenBucket, retry_after_s
from colin.core.errors import RateLimitError
from colin.core.ids import ClientOrderId, InstrumentId
from colin.execution.reports import FillReport, OrderStatusReport, PositionReport, VenueState
from colin.model.orders import Order

log = logging.getLogger(__name__)

_MS = 1_000_000
_TRADES_LIMIT = 1000
_ACCOUNT_READS = 3
"""How many times the account is read while new fills keep landing between the reads."""


class VenueRequests:
    """Rate-limited private requests to one ccxt exchange.

    Parameters
    ----------
    exchange
        A ``ccxt.pro`` exchange with credentials, markets loadable.
    venue
        Colin's venue name (instrument ids are ``<ccxt symbol>.<venue>``).
    limiter
        The weight budget shared with the other clients of the same account, if any.
    weight_of
        Weight of an endpoint name (``create_order``, ``fetch_order``, ``open_orders``,
        ``my_trades``, ``balance``, ``positions``, ...); see
        :meth:`colin.adapters.ccxt.capabilities.VenueCapabilities.weight`.
    retry
        How often, and how long apart, a rate-limited request is sent again.
    """

    def __init__(
        self,
        exchange: Any,
        venue: str,
        limiter: TokenBucket | None = None,
        weight_of: Callable[[str], int] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.exchange = exchange
        self.venue = venue
        self._limiter = limiter
        self._weight_of = weight_of
        self.retry = retry if retry is not None else RetryPolicy()
        self.rate_limited = 0
        """How many 429/418 answers were received (each followed by a pause)."""

    async def call(self, endpoint: str, method: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """Send ``method(*args)`` once its weight is available; repeat it after a 429/418.

        Raises
        ------
        RateLimitError
            If the venue still refuses after the retry policy's attempts.
        ccxt.BaseError
            Any other error of the request, unchanged.
        """
        weight = self._weight_of(endpoint) if self._weight_of is not None else 1
        for attempt in range(self.retry.max_attempts):
            if self._limiter is not None:
                await self._limiter.acquire(weight)
            try:
                return await method(*args)
            except (ccxt.DDoSProtection, ccxt.RateLimitExceeded) as exc:
                self.rate_limited += 1
                headers = getattr(self.exchange, "last_response_headers", None)
                pause = retry_after_s(headers) or self.retry.delay(attempt)
                log.warning("%s rate limited (%s); pausing %.2f s", endpoint, exc, pause)
                await self._pause(pause)
        raise RateLimitError(
            f"{endpoint}: still rate limited after {self.retry.max_attempts} tries"
        )

    async def _pause(self, seconds: float) -> None:
        if self._limiter is not None:
            self._limiter.penalize(seconds)
            await self._limiter.acquire(0)
        else:
            await asyncio.sleep(seconds)

    # -- reads -----------------------------------------------------------------------------------

    async def order_by_client_id(
        self, symbol: str, client_order_id: ClientOrderId
    ) -> OrderStatusReport | None:
        """Look an order up by Colin's client id; ``None`` if the venue does not know it."""
        try:
            order = await self.call(
                "fetch_order",
                self.exchange.fetch_order,
                None,
                symbol,
                {"origClientOrderId": str(client_order_id)},
            )
        except ccxt.OrderNotFound:
            return None
        return order_report(order, self.venue)

    async def order_fills(self, symbol: str, report: OrderStatusReport) -> list[FillReport]:
        """Fetch the account's fills of one venue order."""
        since_ms = max(0, report.ts_event // _MS - 86_400_000) if report.ts_event else None
        trades = await self.call(
            "my_trades",
            self.exchange.fetch_my_trades,
            symbol,
            since_ms,
            _TRADES_LIMIT,
            {"orderId": str(report.venue_order_id)},
        )
        fills = (fill_report(trade, self.venue) for trade in trades)
        return [fill for fill in fills if fill.venue_order_id == report.venue_order_id]

    async def venue_state(
        self,
        symbols: Iterable[str],
        open_orders: Iterable[Order],
        since_ns: int | None,
        with_positions: bool,
    ) -> VenueState:
        """Take a snapshot of the account for reconciliation.

        Open orders are read first and fills after them, so every fill the order snapshot
        counts is among the fills. Each of Colin's ``open_orders`` that the venue does not list
        as open is looked up by client id: its final state, or ``missing``. Fills are read from
        ``since_ns`` in venue time (``None``: the venue's most recent ones).
        """
        symbol_list = sorted(set(symbols))
        reports: list[OrderStatusReport] = []
        for symbol in symbol_list:
            for order in await self.call("open_orders", self.exchange.fetch_open_orders, symbol):
                reports.append(order_report(order, self.venue))
        listed = {r.client_order_id for r in reports} | {r.venue_order_id for r in reports}
        missing: set[ClientOrderId] = set()
        for order in open_orders:
            if order.client_order_id in listed or order.venue_order_id in listed:
                continue
            found = await self.order_by_client_id(order.instrument_id.symbol, order.client_order_id)
            if found is None:
                missing.add(order.client_order_id)
            else:
                reports.append(found)
        # The account is read between two reads of the fills: a fill that lands meanwhile shows
        # as a new trade id in the second read, and the account is read again (the balances
        # and positions must count exactly the fills reported, or a fill the user stream is
        # still delivering would be booked twice: once by a correction, once as itself).
        fills = await self._fills(symbol_list, since_ns)
        for _ in range(_ACCOUNT_READS):
            balance = await self.call("balance", self.exchange.fetch_balance)
            raw_positions = (
                await self.call("positions", self.exchange.fetch_positions, symbol_list)
                if with_positions
                else None
            )
            again = await self._fills(symbol_list, since_ns)
            settled = {f.trade_id for f in again} == {f.trade_id for f in fills}
            fills = again
            if settled:
                break
        else:
            log.warning("fills kept arriving while the account was read; reconciling the last read")
        position_ids: frozenset[InstrumentId] = frozenset()
        positions: tuple[PositionReport, ...] = ()
        if raw_positions is not None:
            positions = tuple(position_reports(raw_positions, self.venue))
            position_ids = frozenset(InstrumentId.of(s, self.venue) for s in symbol_list)
        return VenueState(
            venue=self.venue,
            orders=tuple(reports),
            missing=frozenset(missing),
            fills=tuple(fills),
            balances=balances(balance),
            positions=positions,
            position_instruments=position_ids,
            ts_event=int(self.exchange.milliseconds()) * _MS,
        )

    async def _fills(self, symbols: list[str], since_ns: int | None) -> list[FillReport]:
        since_ms = since_ns // _MS if since_ns is not None else None
        fills: list[FillReport] = []
        for symbol in symbols:
            trades = await self.call(
                "my_trades", self.exchange.fetch_my_trades, symbol, since_ms, _TRADES_LIMIT
            )
            fills.extend(fill_report(trade, self.venue) for trade in trades)
        return fills

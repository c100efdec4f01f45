"""Follow an account's user stream (order and trade messages) over ``ccxt.pro``.

ccxt resolves a ``watch_*`` call only with messages that arrive after it is awaited, and it does
not reconnect by itself: a failed watch raises and the next call opens a new socket. Messages sent
while the socket was down are lost, so :class:`UserStream` calls the watch again after a backoff
and reports every outage to its owner, which reconciles the account.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import ccxt.pro

from colin.adapters.ccxt.order_decode import DecodeError
from colin.adapters.ccxt.rate_limit import RetryPolicy

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
_MAX_BACKOFF_STEP = 4


class UserStream:
    """Feed ``watch_orders`` into ``on_order`` and ``watch_my_trades`` into ``on_trade``.

    Parameters
    ----------
    exchange
        A ``ccxt.pro`` exchange with credentials.
    on_order, on_trade
        Called with each ccxt order / trade dict, on the event loop; a :class:`DecodeError` they
        raise is logged and the message skipped.
    on_outage
        Called after a failed watch, just before it is called again.
    retry
        Backoff between reconnection attempts.
    """

    def __init__(
        self,
        exchange: Any,
        on_order: Handler,
        on_trade: Handler,
        on_outage: Callable[[], None],
        retry: RetryPolicy,
    ) -> None:
        self._exchange = exchange
        self._on_order = on_order
        self._on_trade = on_trade
        self._on_outage = on_outage
        self._retry = retry
        self._tasks: list[asyncio.Task[None]] = []
        self.errors = 0
        """How many watches failed (each followed by a reconnection)."""

    def start(self) -> None:
        """Start following both streams (on the running loop)."""
        self._tasks = [
            asyncio.create_task(self._follow(self._exchange.watch_orders, self._on_order)),
            asyncio.create_task(self._follow(self._exchange.watch_my_trades, self._on_trade)),
        ]

    async def stop(self) -> None:
        """Stop following."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _follow(
        self, watch: Callable[[], Awaitable[list[dict[str, Any]]]], handle: Handler
    ) -> None:
        failures = 0
        while True:
            try:
                items = await watch()
            except (ccxt.BaseError, OSError) as exc:
                failures += 1
                self.errors += 1
                log.warning("user stream failed (%r); reconnecting", exc)
                await asyncio.sleep(self._retry.delay(min(failures, _MAX_BACKOFF_STEP)))
                self._on_outage()
                continue
            failures = 0
            for item in items:
                try:
                    handle(item)
                except DecodeError as exc:
                    log.warning("undecodable user-stream message: %s", exc)

"""Driving the real ``ccxt.pro.binance`` client against the simulator, for the WebSocket tests.

The simulator runs in its own thread (fixture ``sim``); a test body gets a ccxt exchange with its
markets loaded, on its own event loop, and moves the simulator's clock with :func:`advance`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import ccxt.pro

from colin.adapters.exchange_sim import ExchangeSimulator

T = 10.0  # bound on every await


def client(sim: ExchangeSimulator, market: str) -> Any:
    """A ``ccxt.pro.binance`` pointed at ``sim``'s ``market`` (``spot`` or ``usdm``)."""
    config = sim.ccxt_config(market)  # type: ignore[arg-type]
    config["timeout"] = 10_000
    return ccxt.pro.binance(config)


def run(sim: ExchangeSimulator, market: str, body: Callable[[Any], Awaitable[None]]) -> None:
    """Run ``body`` with a fresh client (markets loaded, closed afterwards), bounded to 120 s."""

    async def scenario() -> None:
        exchange = client(sim, market)
        try:
            await asyncio.wait_for(exchange.load_markets(), T)
            await body(exchange)
        finally:
            await asyncio.wait_for(exchange.close(), T)

    asyncio.run(asyncio.wait_for(scenario(), 120))


async def advance(sim: ExchangeSimulator, ms: int) -> None:
    """Move the simulator's clock (in a worker thread, so this loop keeps reading sockets)."""
    await asyncio.wait_for(asyncio.to_thread(sim.advance, ms), T)


async def subscribed(sim: ExchangeSimulator, market: str) -> None:
    """Wait until the simulator has handled a SUBSCRIBE of ``market``'s streams (its events
    reach the socket from then on, acknowledged or not)."""
    async with asyncio.timeout(T):
        while not await asyncio.to_thread(sim.market_streams, market):
            await asyncio.sleep(0.01)

"""The local Binance exchange simulator: an aiohttp server on 127.0.0.1 that ccxt talks to.

:class:`ExchangeSimulator` wires the core (:class:`SimExchange`), the REST endpoints (spot
``/api/v3``, USD-M ``/fapi``), the WebSocket routes, authentication, request weights and fault
rules, and serves them on a port of its own. It runs either on the caller's event loop
(``await sim.start()``) or on its own thread and loop (:meth:`start_in_thread`, required for the
synchronous ccxt client, which would otherwise block the loop serving it). All exchange state
lives on that loop; the control methods called from other threads are marshalled onto it.

A small control plane serves ``POST /__sim/advance?ms=N`` (or ``?to=T``) and
``GET /__sim/state`` for when the simulator runs as a separate process.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Literal, TypeVar

from aiohttp import web

from colin.adapters.exchange_sim.auth import Authenticator
from colin.adapters.exchange_sim.clock import ClockMode, ExchangeClock, WallClock
from colin.adapters.exchange_sim.events import Market, OrderSnapshot
from colin.adapters.exchange_sim.exchange import SimExchange
from colin.adapters.exchange_sim.faults import FaultRecord, FaultSet
from colin.adapters.exchange_sim.listen_keys import ListenKeys
from colin.adapters.exchange_sim.market import SimMarketData, SymbolReplay
from colin.adapters.exchange_sim.rest_algo import add_algo_routes
from colin.adapters.exchange_sim.rest_base import RequestRecord, json_response
from colin.adapters.exchange_sim.rest_history import add_history_routes
from colin.adapters.exchange_sim.rest_market import add_market_routes
from colin.adapters.exchange_sim.rest_spot import add_spot_routes
from colin.adapters.exchange_sim.rest_usdm import add_usdm_routes
from colin.adapters.exchange_sim.weights import WeightLimiter
from colin.adapters.exchange_sim.ws_connection import WsSettings
from colin.adapters.exchange_sim.ws_faults import WsFaults
from colin.adapters.exchange_sim.ws_routes import WS_GATEWAY, add_ws_routes
from colin.core.ids import InstrumentId
from colin.model.instrument import Instrument

_T = TypeVar("_T")
REALTIME_TICK_S = 0.05
"""How often (wall seconds) a realtime simulator replays the market up to its clock."""
CONTROL_TIMEOUT_S = 60.0
REQUEST_LOG_LENGTH = 100_000
"""Requests kept in ``requests`` (the oldest are dropped first)."""


class ExchangeSimulator:
    """A Binance spot + USD-M exchange on 127.0.0.1 (see the module docstring).

    Parameters
    ----------
    instruments
        Spot pairs and linear perpetuals, venue ``BINANCE``.
    market
        Each instrument's recorded market, by instrument id.
    balances
        Starting balances per account: ``{"spot": {...}, "usdm": {...}}``.
    api_key, api_secret
        The account's credentials.
    seed
        Seed of everything random (synthesized books, fault draws, listen keys).
    clock
        ``"stepped"`` (time moves only by :meth:`advance`) or ``"realtime"``.
    speed
        Simulated ms per wall ms in realtime mode.
    start_ms
        Simulated start time (default: when every symbol's data has begun).
    leverage
        USD-M starting leverage.
    auth_clock
        What request timestamps are checked against: ``"wall"`` (what an unmodified client
        sends) or ``"sim"`` (a client whose ``milliseconds`` is the simulator clock).
    weight_limit
        Request weight allowed per minute.
    """

    def __init__(
        self,
        instruments: list[Instrument],
        market: Mapping[InstrumentId | str, SimMarketData],
        balances: Mapping[str, Mapping[str, Decimal | int | str]] | None = None,
        api_key: str = "test-key",
        api_secret: str = "test-secret",
        seed: int = 0,
        clock: ClockMode = "stepped",
        speed: float = 1.0,
        start_ms: int | None = None,
        leverage: int = 20,
        auth_clock: Literal["wall", "sim"] = "wall",
        weight_limit: int = 6000,
    ) -> None:
        if start_ms is None:
            firsts = [
                SymbolReplay(i, market[_key(market, i)], seed).first_ms() for i in instruments
            ]
            start_ms = max(firsts)
        self.start_ms = start_ms
        self._clock = ExchangeClock(start_ms, clock, speed)
        self.exchange = SimExchange(
            instruments, market, balances or {}, self._clock, seed, leverage
        )
        self.wall = WallClock()
        auth_now = self.wall.now_ms if auth_clock == "wall" else self._clock.now_ms
        self.auth = Authenticator(api_key, api_secret, auth_now)
        self.weights = WeightLimiter(self.wall.now_ms, weight_limit)
        self.faults = FaultSet(seed)
        self.ws_faults = WsFaults(seed)
        self.ws_settings = WsSettings()
        self.listen_keys = ListenKeys(self._clock.now_ms, seed)
        self.request_log: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_LENGTH)
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ticker: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        """Return the aiohttp application with every route."""
        app = web.Application()
        markets: tuple[Market, ...] = ("spot", "usdm")
        for market in markets:
            add_market_routes(app, self, market)
        add_spot_routes(app, self)
        add_usdm_routes(app, self)
        add_history_routes(app, self)
        add_algo_routes(app, self)
        app.router.add_post("/__sim/advance", self._control_advance)
        app.router.add_get("/__sim/state", self._control_state)
        add_ws_routes(app, self)
        return app

    async def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1:``port`` (0: any free port) from the running loop."""
        self._loop = asyncio.get_running_loop()
        self._runner = web.AppRunner(self.build_app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        sockets: Any = getattr(site._server, "sockets", None)
        self.port = int(sockets[0].getsockname()[1])
        if self._clock.mode == "realtime":
            self._ticker = asyncio.create_task(self._run_realtime())

    async def stop(self) -> None:
        """Stop serving (WebSocket connections are closed with 1001)."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _run_realtime(self) -> None:
        while True:
            self.exchange.catch_up()
            await asyncio.sleep(REALTIME_TICK_S)

    def start_in_thread(self, port: int = 0, timeout_s: float = 30.0) -> None:
        """Serve from a new thread with its own event loop (for the synchronous ccxt client)."""
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start(port))
            except BaseException as error:  # reported to the starting thread
                failure.append(error)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="exchange-sim", daemon=True)
        self._thread.start()
        if not ready.wait(timeout_s):
            raise TimeoutError("the exchange simulator did not start in time")
        if failure:
            raise RuntimeError("the exchange simulator failed to start") from failure[0]

    def stop_thread(self, timeout_s: float = 30.0) -> None:
        """Stop a simulator started with :meth:`start_in_thread` and join its thread."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout_s)
        self._thread = None

    def call(self, function: Callable[[], _T]) -> _T:
        """Run ``function`` on the simulator's loop and return its result.

        Everything touching ``sim.exchange`` from another thread goes through here; on the
        loop's own thread (or before the server starts) it runs directly.
        """
        loop = self._loop
        if self._thread is None or loop is None or not loop.is_running():
            return function()
        if threading.current_thread() is self._thread:
            return function()

        async def run() -> _T:
            return function()

        return asyncio.run_coroutine_threadsafe(run(), loop).result(CONTROL_TIMEOUT_S)

    # -- client configuration ----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def ccxt_config(self, market: Market = "spot") -> dict[str, Any]:
        """Return the ccxt ``binance`` config that points every used URL at this simulator."""
        http, ws = self.base_url, f"ws://127.0.0.1:{self.port}"
        api: dict[str, Any] = {
            "public": f"{http}/api/v3",
            "private": f"{http}/api/v3",
            "v1": f"{http}/api/v1",
            "sapi": f"{http}/sapi/v1",
            "fapiData": f"{http}/futures/data",
            "ws": {
                "spot": f"{ws}/stream/ws",
                "margin": f"{ws}/stream/ws",
                "linear": f"{ws}/fstream/ws",
                "ws-api": {"spot": f"{ws}/ws-api/v3", "linear": f"{ws}/ws-fapi/v1"},
            },
        }
        for suffix, version in (("", "v1"), ("V2", "v2"), ("V3", "v3")):
            api[f"fapiPublic{suffix}"] = api[f"fapiPrivate{suffix}"] = f"{http}/fapi/{version}"
        return {
            "apiKey": self.auth.api_key,
            "secret": self.auth.api_secret,
            "enableRateLimit": False,
            "urls": {"api": api},
            "options": {
                "defaultType": "spot" if market == "spot" else "swap",
                "fetchMarkets": {"types": ["spot", "linear"]},
                "fetchCurrencies": False,
                "fetchMargins": False,
            },
        }

    # -- control ---------------------------------------------------------------------------------

    def now_ms(self) -> int:
        """Return the simulator's clock."""
        return self._clock.now_ms()

    def advance(self, ms: int) -> None:
        """Move the clock forward ``ms`` and replay the market (orders match on the way)."""
        self.call(lambda: self.exchange.advance_to(self._clock.now_ms() + ms))

    def advance_to(self, ts_ms: int) -> None:
        """Move the clock to ``ts_ms`` and replay the market up to it."""
        self.call(lambda: self.exchange.advance_to(ts_ms))

    def orders(self, market: Market, symbol: str | None = None) -> list[OrderSnapshot]:
        """Return every accepted order (open and closed) of a market, in order id order."""
        return self.call(
            lambda: [
                r.snapshot()
                for r in self.exchange.accounts[market].orders.values()
                if symbol is None or r.symbol == symbol
            ]
        )

    def balances(self, market: Market) -> dict[str, tuple[Decimal, Decimal]]:
        """Return a market account's ``asset -> (free, locked)``."""
        return self.call(self.exchange.accounts[market].balances)

    def wallet(self, market: Market) -> dict[str, Decimal]:
        """Return a market account's balance totals, exactly as the exchange reports them.

        Compare with these rather than adding up :meth:`balances`: ``free`` is ``total - locked``
        in 28-digit decimal arithmetic, so ``free + locked`` can differ from the total in its
        last digit.
        """

        def collect() -> dict[str, Decimal]:
            return {c: b.total for c, b in self.exchange.accounts[market].venue.balances().items()}

        return self.call(collect)

    def positions(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Return USD-M ``symbol -> (signed amount, entry price)`` of open positions."""
        account = self.exchange.accounts["usdm"]

        def collect() -> dict[str, tuple[Decimal, Decimal]]:
            out = {symbol: account.position(symbol) for symbol in account.instruments}
            return {symbol: state for symbol, state in out.items() if state[0] != 0}

        return self.call(collect)

    def market_streams(self, market: Market) -> frozenset[str]:
        """Names of ``market``'s streams (``btcusdt@trade``, ...) an open connection subscribed.

        A subscription counts from the moment the simulator handled the ``SUBSCRIBE`` request:
        every event after that reaches it, so a test waits on this before moving the clock.
        """
        runner = self._runner
        if runner is None:
            return frozenset()
        return self.call(lambda: runner.app[WS_GATEWAY].market.subscribed(market))

    @property
    def fault_log(self) -> list[FaultRecord]:
        """Every REST fault that fired, in order (a copy)."""
        return list(self.faults.log)

    @property
    def requests(self) -> list[RequestRecord]:
        """The latest requests received and how they were answered, oldest first (a copy)."""
        return list(self.request_log)

    async def _control_advance(self, request: web.Request) -> web.Response:
        query = request.rel_url.query
        try:
            if "to" in query:
                self.exchange.advance_to(int(query["to"]))
            else:
                self.exchange.advance_to(self.now_ms() + int(query.get("ms", "0")))
        except ValueError as error:
            return json_response({"code": -1100, "msg": str(error)}, status=400)
        return json_response({"now": self.now_ms()})

    async def _control_state(self, _request: web.Request) -> web.Response:
        state: dict[str, Any] = {"now": self.now_ms(), "port": self.port}
        for market, account in self.exchange.accounts.items():
            state[market] = {
                "balances": {a: [str(f), str(lk)] for a, (f, lk) in account.balances().items()},
                "open_orders": len(account.open_orders()),
                "orders": len(account.orders),
            }
        state["positions"] = {s: [str(a), str(e)] for s, (a, e) in self.positions().items()}
        return json_response(state)


def _key(market: Mapping[InstrumentId | str, SimMarketData], instrument: Instrument) -> Any:
    for key in market:
        if str(key) == str(instrument.id):
            return key
    raise ValueError(f"no market data for {instrument.id}")

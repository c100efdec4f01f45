"""The simulator's WebSocket routes: Binance market streams, the spot WebSocket API and the USD-M
listenKey stream, mounted on the simulator's aiohttp application.

Paths (research notes, gotchas G1-G3): spot market streams live under ``/stream/ws`` (the path
must contain ``/stream`` for ccxt to route spot frames to spot markets), USD-M market streams under
``/fstream/public/ws`` and ``/fstream/market/ws``; each also accepts a trailing ``/{n}`` because
ccxt opens one socket per subscription at ``<base>/<n>``. Spot user data is served by the
WebSocket API at ``/ws-api/v3``, USD-M user data at ``/fstream/private/ws?listenKey=K``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from aiohttp import web

from colin.adapters.exchange_sim.events import ExchangeEvent, Market
from colin.adapters.exchange_sim.ws_connection import WsSettings
from colin.adapters.exchange_sim.ws_faults import WsFaults
from colin.adapters.exchange_sim.ws_market import MarketStreams

_SPOT_MARKET_PATHS = ("/stream/ws", "/stream/ws/{n}")
_USDM_MARKET_PATHS = (
    "/fstream/public/ws",
    "/fstream/public/ws/{n}",
    "/fstream/market/ws",
    "/fstream/market/ws/{n}",
)


class SimExchangeHandle(Protocol):
    """What the WebSocket layer needs from the simulator's exchange core."""

    def subscribe(self, callback: Callable[[ExchangeEvent], None]) -> Callable[[], None]:
        """Call ``callback`` with every event, in order; return the unsubscribe function."""
        ...

    def depth_snapshot(
        self, market: Market, symbol: str, limit: int
    ) -> tuple[int, Sequence[tuple[Any, Any]], Sequence[tuple[Any, Any]]]:
        """``(lastUpdateId, bids, asks)`` of ``symbol``'s book, best ``limit`` levels."""
        ...


class SimHandle(Protocol):
    """What the WebSocket layer needs from the simulator."""

    @property
    def exchange(self) -> SimExchangeHandle:
        """The exchange core."""
        ...

    def now_ms(self) -> int:
        """The simulator's clock, epoch milliseconds."""
        ...


class WsGateway:
    """The simulator's WebSocket side: stream fan-out, fault rules and keep-alive settings.

    Parameters
    ----------
    sim
        The simulator.
    faults
        WebSocket fault rules (a fresh, seed-0 set when omitted).
    settings
        Keep-alive timing (Binance's when omitted).
    """

    def __init__(
        self, sim: SimHandle, faults: WsFaults | None = None, settings: WsSettings | None = None
    ) -> None:
        self.faults = faults if faults is not None else WsFaults()
        self.settings = settings if settings is not None else WsSettings()
        self.market = MarketStreams(sim, self.faults, self.settings)
        self._sim = sim
        self._unsubscribe: Callable[[], None] | None = None

    def on_event(self, event: ExchangeEvent) -> None:
        """Render one exchange event into every stream it feeds."""
        self.market.on_event(event)

    def mount(self, app: web.Application) -> None:
        """Register the routes and the start/stop hooks on ``app``."""
        for path in _SPOT_MARKET_PATHS:
            app.router.add_get(path, self.market.handler("spot"))
        for path in _USDM_MARKET_PATHS:
            app.router.add_get(path, self.market.handler("usdm"))
        app.on_startup.append(self._start)
        app.on_shutdown.append(self._shutdown)

    async def _start(self, _app: web.Application) -> None:
        self._unsubscribe = self._sim.exchange.subscribe(self.on_event)

    async def _shutdown(self, _app: web.Application) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.market.close_all(1001)


WS_GATEWAY = web.AppKey("colin_ws_gateway", WsGateway)
"""Where :func:`add_ws_routes` keeps the gateway on the application."""


def add_ws_routes(app: web.Application, sim: SimHandle) -> None:
    """Register the simulator's WebSocket endpoints on ``app``.

    The gateway (fault rules, keep-alive settings) is stored as ``app[WS_GATEWAY]``; when
    ``sim`` has a ``ws_faults`` attribute (a :class:`WsFaults`), those rules are used.

    Parameters
    ----------
    app
        The simulator's aiohttp application (built by the server module).
    sim
        The simulator whose exchange core feeds the streams.
    """
    faults = getattr(sim, "ws_faults", None)
    gateway = WsGateway(sim, faults if isinstance(faults, WsFaults) else None)
    gateway.mount(app)
    app[WS_GATEWAY] = gateway

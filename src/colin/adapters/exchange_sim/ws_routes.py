"""The simulator's WebSocket routes: Binance market streams, the spot WebSocket API and the USD-M
listenKey stream, mounted on the simulator's aiohttp application.

Paths (research notes, gotchas G1-G3): spot market streams live under ``/stream/ws`` (the path
must contain ``/stream`` for ccxt to route spot frames to spot markets), USD-M market streams under
``/fstream/public/ws`` and ``/fstream/market/ws``; each also accepts a trailing ``/{n}`` because
ccxt opens one socket per subscription at ``<base>/<n>``. Spot user data is served by the
WebSocket API at ``/ws-api/v3``, USD-M user data at ``/fstream/private/ws?listenKey=K``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from aiohttp import web

from colin.adapters.exchange_sim.events import ExchangeEvent, Market
from colin.adapters.exchange_sim.orders import OrderRecord
from colin.adapters.exchange_sim.ws_connection import WsSettings
from colin.adapters.exchange_sim.ws_faults import WsFaults
from colin.adapters.exchange_sim.ws_market import MarketStreams
from colin.adapters.exchange_sim.ws_user import SpotUserApi, UsdmUserStream

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

    def place_order(self, market: Market, params: dict[str, str]) -> OrderRecord:
        """Accept a new order (Binance's REST parameters) or raise ``BinanceError``."""
        ...

    def cancel_order(self, market: Market, params: dict[str, str]) -> OrderRecord:
        """Cancel the order named by ``orderId`` or ``origClientOrderId``."""
        ...

    def find_order(self, market: Market, params: dict[str, str], cancel: bool) -> OrderRecord:
        """The order named by ``orderId`` or ``origClientOrderId``."""
        ...


class SimAuthHandle(Protocol):
    """The simulator's request authentication, as the WebSocket API uses it."""

    def check_ws_signature(self, params: Mapping[str, Any]) -> tuple[int, int, str] | None:
        """``(http_status, code, msg)`` refusing a signed WebSocket-API request, or ``None``."""
        ...


class ListenKeysHandle(Protocol):
    """The simulator's USD-M listen keys."""

    def is_valid(self, key: str) -> bool:
        """Whether ``key`` exists and has not expired."""
        ...


class SimHandle(Protocol):
    """What the WebSocket layer needs from the simulator."""

    @property
    def exchange(self) -> SimExchangeHandle:
        """The exchange core."""
        ...

    @property
    def auth(self) -> SimAuthHandle:
        """Signature checks of the spot WebSocket API."""
        ...

    @property
    def listen_keys(self) -> ListenKeysHandle:
        """USD-M listen keys."""
        ...

    @property
    def ws_faults(self) -> WsFaults:
        """The WebSocket fault rules."""
        ...

    @property
    def ws_settings(self) -> WsSettings:
        """Keep-alive timing of every WebSocket."""
        ...

    def now_ms(self) -> int:
        """The simulator's clock, epoch milliseconds."""
        ...


class WsGateway:
    """The simulator's WebSocket side: market streams and the two user-data streams.

    Parameters
    ----------
    sim
        The simulator (its fault rules and keep-alive settings apply to every socket).
    """

    def __init__(self, sim: SimHandle) -> None:
        self.faults = sim.ws_faults
        self.settings = sim.ws_settings
        self.market = MarketStreams(sim, self.faults, self.settings)
        self.spot_user = SpotUserApi(sim, self.faults, self.settings)
        self.usdm_user = UsdmUserStream(sim, self.faults, self.settings)
        self._sim = sim
        self._unsubscribe: Callable[[], None] | None = None

    def on_event(self, event: ExchangeEvent) -> None:
        """Render one exchange event into every stream it feeds."""
        self.market.on_event(event)
        self.spot_user.on_event(event)
        self.usdm_user.on_event(event)

    def mount(self, app: web.Application) -> None:
        """Register the routes and the start/stop hooks on ``app``."""
        for path in _SPOT_MARKET_PATHS:
            app.router.add_get(path, self.market.handler("spot"))
        for path in _USDM_MARKET_PATHS:
            app.router.add_get(path, self.market.handler("usdm"))
        app.router.add_get("/ws-api/v3", self.spot_user.handler())
        app.router.add_get("/fstream/private/ws", self.usdm_user.handler())
        app.on_startup.append(self._start)
        app.on_shutdown.append(self._shutdown)

    async def _start(self, _app: web.Application) -> None:
        self._unsubscribe = self._sim.exchange.subscribe(self.on_event)

    async def _shutdown(self, _app: web.Application) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.market.close_all(1001)
        await self.spot_user.close_all(1001)
        await self.usdm_user.close_all(1001)


WS_GATEWAY = web.AppKey("colin_ws_gateway", WsGateway)
"""Where :func:`add_ws_routes` keeps the gateway on the application."""


def add_ws_routes(app: web.Application, sim: SimHandle) -> None:
    """Register the simulator's WebSocket endpoints on ``app``.

    The gateway is stored as ``app[WS_GATEWAY]``. Faults are installed with
    ``sim.ws_faults.add(WsFaultRule(...))``; keep-alive timing is ``sim.ws_settings``.

    Parameters
    ----------
    app
        The simulator's aiohttp application (built by the server module).
    sim
        The simulator whose exchange core feeds the streams.
    """
    gateway = WsGateway(sim)
    gateway.mount(app)
    app[WS_GATEWAY] = gateway

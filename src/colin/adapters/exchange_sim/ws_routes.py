"""The simulator's WebSocket routes: Binance market streams, the spot WebSocket API and the USD-M
listenKey stream, mounted on the simulator's aiohttp application.

Paths (see the research notes, gotchas G1-G3): spot market streams live under ``/stream/ws`` (the
path must contain ``/stream`` for ccxt to route spot frames to spot markets), USD-M market streams
under ``/fstream/public/ws`` and ``/fstream/market/ws``; every one also accepts a trailing
``/{n}`` because ccxt opens one socket per subscription at ``<base>/<n>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Callable

_SPOT_MARKET_PATHS = ("/stream/ws", "/stream/ws/{n}")
_USDM_MARKET_PATHS = (
    "/fstream/public/ws",
    "/fstream/public/ws/{n}",
    "/fstream/market/ws",
    "/fstream/market/ws/{n}",
)


def add_ws_routes(app: web.Application, sim: Any) -> None:
    """Register the simulator's WebSocket endpoints on ``app``.

    Parameters
    ----------
    app
        The simulator's aiohttp application (built by the server module).
    sim
        The :class:`~colin.adapters.exchange_sim.ExchangeSimulator` whose exchange core feeds the
        streams and whose credentials authenticate the user-data streams.
    """

    def market_handler(market: str) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse(heartbeat=20.0)
            await ws.prepare(request)
            async for msg in ws:
                frame = msg.json()
                await ws.send_json({"result": None, "id": frame.get("id")})
            return ws

        return handle

    for path in _SPOT_MARKET_PATHS:
        app.router.add_get(path, market_handler("spot"))
    for path in _USDM_MARKET_PATHS:
        app.router.add_get(path, market_handler("usdm"))

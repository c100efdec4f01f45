"""The base of the simulator's WebSocket endpoints: the connections served and their state.

:class:`WsService` owns what the market streams, the spot WebSocket API and the USD-M user
stream have in common: the simulator handle, fault rules and keep-alive settings, a map from each
open :class:`~.ws_connection.WsConnection` to its per-connection state, serving a connection
until it closes, closing them all, and acknowledging a request (late under a ``delay_ack``
fault).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from colin.adapters.exchange_sim.ws_connection import WsConnection, WsSettings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiohttp import web

    from colin.adapters.exchange_sim.ws_faults import WsFaults
    from colin.adapters.exchange_sim.ws_routes import SimHandle

StateT = TypeVar("StateT")


class WsService(Generic[StateT]):
    """Connections of one WebSocket endpoint family, each with a ``StateT``.

    Parameters
    ----------
    sim
        The simulator.
    faults
        WebSocket fault rules.
    settings
        Keep-alive timing.
    """

    def __init__(self, sim: SimHandle, faults: WsFaults, settings: WsSettings) -> None:
        self._sim = sim
        self._faults = faults
        self._settings = settings
        self._conns: dict[WsConnection, StateT] = {}

    async def _serve(
        self,
        request: web.Request,
        on_text: Callable[[WsConnection, str], Awaitable[None]],
        state: StateT,
        wrap_events: bool = False,
    ) -> web.WebSocketResponse:
        """Serve one upgraded connection with ``state`` until it closes, then forget it."""
        conn = WsConnection(
            request, self._faults, self._settings, self._sim.now_ms, on_text, wrap_events
        )
        self._conns[conn] = state
        try:
            return await conn.serve()
        finally:
            self._forget(conn, self._conns.pop(conn))

    def _forget(self, conn: WsConnection, state: StateT) -> None:
        """Drop what else refers to a closed connection (nothing, unless overridden)."""

    async def close_all(self, code: int) -> None:
        """Close every connection of this endpoint family with ``code``."""
        for conn in list(self._conns):
            await conn.close(code)

    def _ack(self, conn: WsConnection, reply: Any) -> None:
        """Answer a request, late if a ``delay_ack`` fault applies to ``conn``."""
        delay = self._faults.connection_fault("delay_ack", conn.path)
        if delay is not None:
            conn.send_control_later(reply, delay.duration_s or 0.0)
        else:
            conn.send_control(reply)

"""One server-side WebSocket connection of the exchange simulator.

A :class:`WsConnection` owns an aiohttp :class:`~aiohttp.web.WebSocketResponse` and a FIFO of
outgoing frames written by one task, so frames leave in the order the exchange produced them. Data
frames pass through the WebSocket fault rules (:mod:`.ws_faults`); control frames (subscribe acks,
request replies, errors) do not. The connection answers client pings itself (unless a ``no_pong``
fault fires), pings the client every ``ping_interval_s`` and closes when no pong came back within
``pong_timeout_s``, like Binance (ping every 20 s, pong within a minute).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import socket
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from colin.adapters.exchange_sim.ws_faults import WsFaults


@dataclass(slots=True)
class WsSettings:
    """Timing of the simulator's WebSocket keep-alive.

    Parameters
    ----------
    ping_interval_s
        Seconds between server pings (Binance: 20).
    pong_timeout_s
        The connection is closed when no pong arrived for this long (Binance: 60).
    """

    ping_interval_s: float = 20.0
    pong_timeout_s: float = 60.0


@dataclass(frozen=True, slots=True)
class _Frame:
    text: str
    stream: str | None  # None: a control frame, never faulted


@dataclass(frozen=True, slots=True)
class _Close:
    code: int


def dumps(payload: Any) -> str:
    """Compact JSON, as Binance sends it."""
    return json.dumps(payload, separators=(",", ":"))


class WsConnection:
    """A server-side WebSocket with an ordered, fault-aware outgoing queue.

    Parameters
    ----------
    request
        The upgrade request.
    faults
        The simulator's WebSocket fault rules.
    settings
        Keep-alive timing.
    now_ms
        The simulator's clock (for ``serverShutdown`` event times).
    on_text
        Called with each text frame the client sends.
    wrap_events
        Wrap connection events as ``{"event": {...}}`` (the WebSocket API does, streams do not).
    """

    def __init__(
        self,
        request: web.Request,
        faults: WsFaults,
        settings: WsSettings,
        now_ms: Callable[[], int],
        on_text: Callable[[WsConnection, str], Awaitable[None]],
        wrap_events: bool = False,
    ) -> None:
        self.request = request
        self.path = request.path
        self.ws = web.WebSocketResponse(autoping=False)
        self._faults = faults
        self._settings = settings
        self._now_ms = now_ms
        self._on_text = on_text
        self._wrap_events = wrap_events
        self._queue: asyncio.Queue[_Frame | _Close | None] = asyncio.Queue()
        self._held: _Frame | None = None
        self._stall_until = 0.0
        self._last_pong = 0.0
        self._tasks: list[asyncio.Task[None]] = []

    async def serve(self) -> web.WebSocketResponse:
        """Run the connection until either side closes it."""
        await self.ws.prepare(self.request)
        loop = asyncio.get_running_loop()
        self._last_pong = loop.time()
        self._tasks = [
            loop.create_task(self._write_loop()),
            loop.create_task(self._ping_loop()),
        ]
        try:
            async for msg in self.ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_text(self, msg.data)
                elif msg.type == WSMsgType.PING:
                    if self._faults.connection_fault("no_pong", self.path) is None:
                        await self.ws.pong(msg.data)
                elif msg.type == WSMsgType.PONG:
                    self._last_pong = loop.time()
        finally:
            self._queue.put_nowait(None)
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        return self.ws

    @property
    def closed(self) -> bool:
        """Whether the socket is closed or closing."""
        return self.ws.closed

    def send_data(self, stream: str, payload: Any) -> None:
        """Queue a data frame of ``stream`` (subject to frame faults)."""
        if not self.ws.closed:
            self._queue.put_nowait(_Frame(dumps(payload), stream))

    def send_control(self, payload: Any) -> None:
        """Queue a control frame (an ack, reply or error; never faulted)."""
        if not self.ws.closed:
            self._queue.put_nowait(_Frame(dumps(payload), None))

    def send_control_later(self, payload: Any, delay_s: float) -> None:
        """Queue a control frame after ``delay_s`` seconds (a delayed subscribe ack)."""
        self._tasks.append(asyncio.ensure_future(self._send_later(payload, delay_s)))

    def close_after_queue(self, code: int) -> None:
        """Close with ``code`` once the frames queued so far are sent."""
        self._queue.put_nowait(_Close(code))

    async def close(self, code: int | None) -> None:
        """Close with ``code``, or reset the TCP connection when ``code`` is ``None``."""
        if code is not None:
            await self.ws.close(code=code)
            return
        transport = self.request.transport
        if transport is None:
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()

    async def _send_later(self, payload: Any, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        self.send_control(payload)

    async def _write_loop(self) -> None:
        while (frame := await self._queue.get()) is not None:
            if isinstance(frame, _Close):
                await self.close(frame.code)
                return
            if frame.stream is None:
                await self._send(frame.text)
                continue
            action = await self._apply_fault(frame)
            if action == "stop":
                return
            if action == "send":
                await self._send(frame.text)
                if self._held is not None:
                    held, self._held = self._held, None
                    await self._send(held.text)

    async def _apply_fault(self, frame: _Frame) -> Literal["send", "skip", "stop"]:
        """Apply the frame fault that fires for ``frame``, if any; say what to do with it."""
        loop = asyncio.get_running_loop()
        if loop.time() < self._stall_until:
            return "skip"
        rule = self._faults.frame_fault(self.path, frame.stream)
        if rule is None:
            return "send"
        if rule.kind == "drop":
            return "skip"
        if rule.kind == "reorder" and self._held is None:
            self._held = frame
            return "skip"
        if rule.kind == "stall":
            duration = rule.duration_s
            self._stall_until = math.inf if duration is None else loop.time() + duration
            return "skip"
        if rule.kind == "close":
            await self.close(rule.close_code)
            return "stop"
        if rule.kind == "shutdown":
            event = {"e": "serverShutdown", "E": self._now_ms()}
            await self._send(dumps({"event": event} if self._wrap_events else event))
            loop.call_later(rule.duration_s or 0.0, self._close_soon)
        elif rule.kind == "duplicate":
            await self._send(frame.text)
        return "send"

    def _close_soon(self) -> None:
        if not self.ws.closed:
            self._tasks.append(asyncio.ensure_future(self.close(1001)))

    async def _send(self, text: str) -> None:
        if not self.ws.closed:
            with contextlib.suppress(ConnectionError):
                await self.ws.send_str(text)

    async def _ping_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.ws.closed:
            await asyncio.sleep(self._settings.ping_interval_s)
            if loop.time() - self._last_pong > self._settings.pong_timeout_s:
                await self.ws.close(code=1008, message=b"pong timeout")
                return
            with contextlib.suppress(ConnectionError):
                await self.ws.ping()

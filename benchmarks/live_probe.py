"""The wire probe of the tick-to-order benchmark (:mod:`live_latency`): when ccxt received each
market message, and when it issued the order request that answers it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

KINDS = ("trade", "bar", "book")
LEGS = ("to_strategy", "submit", "to_wire")


@dataclass
class WireProbe:
    """Receipt times of market messages at ccxt, and wire times of the orders they caused."""

    received: dict[tuple[str, str], int] = field(default_factory=dict)
    """(kind, venue id of the message) -> ``perf_counter_ns`` at its first receipt."""
    cause: dict[str, tuple[str, str]] = field(default_factory=dict)
    """client order id -> the message it answers."""
    sent: dict[str, int] = field(default_factory=dict)
    """client order id -> ``perf_counter_ns`` when ccxt issued its HTTP request."""
    decided: dict[str, tuple[int, int]] = field(default_factory=dict)
    """client order id -> ``perf_counter_ns`` when the strategy got the message and when its
    submit call returned."""
    answered: int = 0
    last_activity_ns: int = 0
    step: int = 0
    """The simulator step running now (:func:`drive` counts them)."""
    step_of: dict[tuple[str, str], int] = field(default_factory=dict)
    """message -> the step it arrived in."""

    def watch(self, exchange: Any) -> None:
        """Timestamp every message at ccxt's WebSocket handler (before ccxt parses it)."""
        original = exchange.handle_message

        def handle_message(client: Any, message: Any) -> Any:
            now = time.perf_counter_ns()
            key = message_key(message)
            if key is not None and key not in self.received:
                self.received[key] = now
                self.step_of[key] = self.step
            self.last_activity_ns = now
            return original(client, message)

        exchange.handle_message = handle_message

    def wire(self, exchange: Any) -> None:
        """Timestamp every new-order request where ccxt issues it (``fetch``), and note the
        order exchange's user-stream messages as activity."""
        original = exchange.fetch
        original_handler = exchange.handle_message

        def handle_message(client: Any, message: Any) -> Any:
            self.last_activity_ns = time.perf_counter_ns()
            return original_handler(client, message)

        exchange.handle_message = handle_message

        async def fetch(
            url: str, method: str = "GET", headers: Any = None, body: Any = None
        ) -> Any:
            is_order = method == "POST" and url.endswith("/order") and isinstance(body, str)
            if is_order:
                for client_id in parse_qs(body).get("newClientOrderId", ()):
                    self.sent[client_id] = time.perf_counter_ns()
            try:
                return await original(url, method, headers, body)
            finally:
                if is_order:
                    self.answered += 1
                    self.last_activity_ns = time.perf_counter_ns()

        exchange.fetch = fetch

    def latencies(self) -> dict[str, list[int]]:
        """Message-to-wire ns of every order: by the kind of message it answers; for the first
        message of each step only (``first``: no other message of the step ahead of it); and
        of the three legs: ``to_strategy`` (ccxt's parsing, the data path), ``submit`` (the
        submit call: risk, OMS, journal) and ``to_wire`` (the execution task, ccxt's request)."""
        out: dict[str, list[int]] = {k: [] for k in (*KINDS, "first", *LEGS)}
        first: dict[int, tuple[int, int]] = {}  # step -> (receipt, latency) of its first message
        for client_id, key in self.cause.items():
            if client_id in self.sent and key in self.received:
                sent, received = self.sent[client_id], self.received[key]
                out[key[0]].append(sent - received)
                step = self.step_of[key]
                if step not in first or received < first[step][0]:
                    first[step] = (received, sent - received)
                seen, submitted = self.decided[client_id]
                out["to_strategy"].append(seen - received)
                out["submit"].append(submitted - seen)
                out["to_wire"].append(sent - submitted)
        out["first"] = [latency for _, latency in first.values()]
        return out

    def reset(self) -> None:
        """Forget what was measured (after the warm-up, when every order is answered)."""
        self.cause.clear()
        self.sent.clear()
        self.decided.clear()
        self.answered = 0


def message_key(message: Any) -> tuple[str, str] | None:
    """``(kind, id)`` of a Binance market frame: a trade's id, a depth diff's last update id,
    and for a kline the open time of its bar (the first kline of a bar closes the previous one)."""
    if not isinstance(message, dict):
        return None
    data = message.get("data", message)
    event = data.get("e") if isinstance(data, dict) else None
    if event == "trade":
        return ("trade", str(data["t"]))
    if event == "depthUpdate":
        return ("book", str(data["u"]))
    if event == "kline":
        return ("bar", str(data["k"]["t"]))
    return None

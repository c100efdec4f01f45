"""WebSocket fault injection for the exchange simulator.

A :class:`WsFaultRule` names what goes wrong (``kind``), where (a route prefix such as
``"/stream"``, ``"/fstream"`` or ``"/ws-api"``, and a stream name or user-data event such as
``"btcusdt@depth"`` or ``"executionReport"``), and how often (``count`` firings, each with
``probability``, after skipping the first ``after`` matches; ``sticky`` rules never wear out).
:class:`WsFaults` holds the rules, draws from one seeded RNG so a run is reproducible, and logs
every firing in :attr:`WsFaults.log`.

Frame faults act on an outgoing data frame: ``drop`` (the frame is never sent), ``duplicate``
(sent twice), ``reorder`` (held back and sent after the next frame), ``close`` (the server closes
the socket with ``close_code``, or resets the TCP connection when ``close_code`` is ``None``),
``stall`` (the socket stays open but data stops for ``duration_s`` seconds, forever when ``None``;
frames in that window are lost), ``shutdown`` (a ``serverShutdown`` event, then a 1001 close after
``duration_s``). Connection faults: ``no_pong`` (client pings go unanswered) and ``delay_ack``
(a SUBSCRIBE or user-data subscribe is acknowledged ``duration_s`` seconds late while data already
flows).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Literal

WsFaultKind = Literal[
    "drop", "duplicate", "reorder", "close", "stall", "shutdown", "no_pong", "delay_ack"
]
"""What a WebSocket fault does; see the module docstring."""

FRAME_FAULTS: frozenset[str] = frozenset(
    {"drop", "duplicate", "reorder", "close", "stall", "shutdown"}
)
"""Faults decided per outgoing data frame."""


@dataclass(slots=True)
class WsFaultRule:
    """One WebSocket fault rule.

    Parameters
    ----------
    kind
        What goes wrong.
    path
        Route prefix the connection's path must start with (``"/stream"``, ``"/fstream/public"``,
        ``"/fstream/private"``, ``"/ws-api"``); ``None`` matches every route.
    stream
        Substring of the stream name (market streams, e.g. ``"btcusdt@depth"``) or the event type
        (user data, e.g. ``"executionReport"``, ``"ORDER_TRADE_UPDATE"``); ``None`` matches all.
        Ignored by ``no_pong``.
    count
        How many times the rule fires before it is removed (ignored when ``sticky``).
    probability
        Chance that a matching frame fires the rule (drawn from the simulator's seeded RNG).
    after
        Number of matching frames that pass untouched before the rule may fire.
    sticky
        Keep firing on every match, never removed (until :meth:`WsFaults.clear`).
    close_code
        WebSocket close code for ``close`` (1000, 1001, ...); ``None`` resets the TCP connection
        (the client sees an abnormal closure, 1006).
    duration_s
        ``stall``: how long data stops (``None``: until the socket closes); ``shutdown``: delay
        between the ``serverShutdown`` event and the close; ``delay_ack``: the ack delay.
    """

    kind: WsFaultKind
    path: str | None = None
    stream: str | None = None
    count: int = 1
    probability: float = 1.0
    after: int = 0
    sticky: bool = False
    close_code: int | None = 1000
    duration_s: float | None = None
    fired: int = field(default=0, init=False)
    seen: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("count must be at least 1")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        if self.after < 0:
            raise ValueError("after must be non-negative")

    def matches(self, kinds: frozenset[str], path: str, stream: str | None) -> bool:
        """Whether this rule applies to a frame (or event) on ``path`` for ``stream``."""
        if self.kind not in kinds:
            return False
        if self.path is not None and not path.startswith(self.path):
            return False
        return self.stream is None or stream is None or self.stream in stream


@dataclass(frozen=True, slots=True)
class WsFaultRecord:
    """One firing of a rule, as kept in :attr:`WsFaults.log`."""

    kind: str
    path: str
    stream: str | None
    rule_index: int


class WsFaults:
    """The simulator's WebSocket fault rules, seeded and thread-safe.

    Parameters
    ----------
    seed
        Seed of the RNG that decides probabilistic rules.
    """

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)
        self._rules: list[WsFaultRule] = []
        self._lock = threading.Lock()
        self.log: list[WsFaultRecord] = []

    def add(self, rule: WsFaultRule) -> WsFaultRule:
        """Install ``rule`` (after the existing ones) and return it."""
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule (the log is kept)."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> tuple[WsFaultRule, ...]:
        """The installed rules, in order."""
        with self._lock:
            return tuple(self._rules)

    def frame_fault(self, path: str, stream: str | None) -> WsFaultRule | None:
        """The frame fault that fires for a data frame on ``path``/``stream``, if any."""
        return self._fire(FRAME_FAULTS, path, stream)

    def connection_fault(self, kind: WsFaultKind, path: str) -> WsFaultRule | None:
        """The ``no_pong`` or ``delay_ack`` rule that fires on ``path`` now, if any."""
        return self._fire(frozenset({kind}), path, None)

    def _fire(self, kinds: frozenset[str], path: str, stream: str | None) -> WsFaultRule | None:
        with self._lock:
            for index, rule in enumerate(self._rules):
                if not rule.matches(kinds, path, stream):
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                if not rule.sticky and rule.fired >= rule.count:
                    del self._rules[index]
                self.log.append(WsFaultRecord(rule.kind, path, stream, index))
                return rule
        return None

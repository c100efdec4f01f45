"""REST fault injection: rules that make chosen requests fail, lag, stall or lose their ack.

A :class:`FaultRule` matches requests by method, path pattern (``fnmatch``) and an optional
predicate over the request; it fires ``count`` times (``None``: every time, a sticky rule), each
time with ``probability`` drawn from the simulator's seeded generator. What it does:

``error``
    reply at once with ``status`` and Binance's ``{"code", "msg"}`` (or a raw ``body``, e.g. the
    HTML of a 502), with ``Retry-After`` if set; the request is not processed;
``latency``
    wait ``delay_ms`` before processing;
``stall``
    hold the request ``delay_ms`` without processing it, then reply 503 -1007;
``slow_ack``
    process the request (the order IS created), then wait ``delay_ms`` before replying, and
    reply with the error ``status``/``code`` instead of the ack if ``replace_ack`` is set;
``partial_fill``
    the order of this request finds only ``ratio`` of its quantity in the book.

Every firing is appended to the simulator's ``fault_log``.
"""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

FaultKind = Literal["error", "latency", "stall", "slow_ack", "partial_fill"]


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What a rule's predicate sees of a request."""

    method: str
    path: str
    params: dict[str, str]


@dataclass(slots=True)
class FaultRule:
    """One fault and the requests it applies to (see the module docstring)."""

    kind: FaultKind = "error"
    path: str | None = None
    method: str | None = None
    predicate: Callable[[RequestInfo], bool] | None = None
    status: int = 503
    code: int = -1001
    msg: str = "Internal error; unable to process your request. Please try again."
    body: str | None = None
    retry_after: int | None = None
    delay_ms: int = 0
    replace_ack: bool = False
    ratio: Decimal = Decimal("0.5")
    count: int | None = 1
    probability: float = 1.0
    name: str = ""
    fired: int = field(default=0, init=False)

    # -- the usual faults ------------------------------------------------------------------------

    @classmethod
    def rate_limited(cls, path: str | None = None, retry_after: int = 1, **kw: Any) -> FaultRule:
        """HTTP 429, -1003 and ``Retry-After`` (ccxt: ``DDoSProtection``)."""
        msg = "Too much request weight used; current limit is 6000 request weight per 1 MINUTE."
        return cls("error", path, status=429, code=-1003, msg=msg, retry_after=retry_after, **kw)

    @classmethod
    def ip_banned(cls, path: str | None = None, retry_after: int = 120, **kw: Any) -> FaultRule:
        """HTTP 418, -1003: the IP is banned (ccxt: ``DDoSProtection``)."""
        msg = "Way too much request weight used; IP banned until 0."
        return cls("error", path, status=418, code=-1003, msg=msg, retry_after=retry_after, **kw)

    @classmethod
    def server_error(cls, path: str | None = None, status: int = 503, **kw: Any) -> FaultRule:
        """HTTP 5xx, -1001 (ccxt: ``OperationFailed``/``ExchangeNotAvailable``)."""
        return cls("error", path, status=status, **kw)

    @classmethod
    def bad_gateway(cls, path: str | None = None, **kw: Any) -> FaultRule:
        """HTTP 502 with an HTML body, as a load balancer sends it."""
        html = "<html><head><title>502 Bad Gateway</title></head><body>502</body></html>"
        return cls("error", path, status=502, body=html, **kw)

    @classmethod
    def timestamp_skew(cls, path: str | None = None, **kw: Any) -> FaultRule:
        """HTTP 400, -1021 outside the recvWindow (ccxt: ``InvalidNonce``)."""
        msg = "Timestamp for this request is outside of the recvWindow."
        return cls("error", path, status=400, code=-1021, msg=msg, **kw)

    @classmethod
    def latency(cls, delay_ms: int, path: str | None = None, **kw: Any) -> FaultRule:
        """Wait ``delay_ms`` before processing."""
        return cls("latency", path, delay_ms=delay_ms, **kw)

    @classmethod
    def stall(cls, delay_ms: int, path: str | None = None, **kw: Any) -> FaultRule:
        """Hold the request ``delay_ms`` without processing it."""
        return cls("stall", path, delay_ms=delay_ms, **kw)

    @classmethod
    def slow_ack(
        cls, delay_ms: int = 0, path: str | None = None, replace_ack: bool = False, **kw: Any
    ) -> FaultRule:
        """Process the request, then answer late (or with a 5xx instead of the ack)."""
        return cls("slow_ack", path, delay_ms=delay_ms, replace_ack=replace_ack, **kw)

    @classmethod
    def partial_fill(cls, ratio: Decimal, path: str | None = None, **kw: Any) -> FaultRule:
        """The order finds only ``ratio`` of its quantity in the book."""
        return cls("partial_fill", path, ratio=ratio, **kw)

    def matches(self, request: RequestInfo) -> bool:
        """Whether the rule applies to ``request`` (ignoring count and probability)."""
        if self.method is not None and self.method.upper() != request.method:
            return False
        if self.path is not None and not fnmatch.fnmatchcase(request.path, self.path):
            return False
        return self.predicate is None or self.predicate(request)


@dataclass(frozen=True, slots=True)
class FaultRecord:
    """One firing of a rule."""

    sim_ms: int
    rule: str
    kind: FaultKind
    method: str
    path: str
    params: dict[str, str]


class FaultSet:
    """The active rules, drawn with a seeded generator; firings go to ``log``."""

    def __init__(self, seed: int = 0) -> None:
        self.rules: list[FaultRule] = []
        self.log: list[FaultRecord] = []
        self._rng = random.Random(f"faults:{seed}")

    def add(self, rule: FaultRule) -> FaultRule:
        """Activate a rule; return it."""
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()

    def fire(self, request: RequestInfo, sim_ms: int) -> list[FaultRule]:
        """Return the rules firing for ``request`` (spending their counts) and log them."""
        fired: list[FaultRule] = []
        for rule in list(self.rules):
            if not rule.matches(request):
                continue
            if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                continue
            rule.fired += 1
            if rule.count is not None and rule.fired >= rule.count:
                self.rules.remove(rule)
            fired.append(rule)
            name = rule.name or rule.kind
            self.log.append(
                FaultRecord(sim_ms, name, rule.kind, request.method, request.path, request.params)
            )
        return fired

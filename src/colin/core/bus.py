"""The in-process message bus: topic publish/subscribe and named request endpoints.

Topics are dot-separated strings such as ``data.bars.BINANCE.BTC/USDT.1m``. A subscription
pattern may use ``*`` (any run of characters, dots included) and ``?`` (one character), so
``data.bars.BINANCE.*`` receives every Binance bar.

Publishing is the hot path. Each concrete topic is resolved to a tuple of handlers the first time
it is published (and again only after the subscriptions change); a publish is then one dict lookup
and a loop. Wildcard matching never runs per message.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any

Handler = Callable[[Any], None]


class MessageBus:
    """Route messages from publishers to subscribers, and commands to endpoints."""

    __slots__ = ("_endpoints", "_resolved", "_subscriptions", "published_count", "version")

    def __init__(self) -> None:
        self._subscriptions: list[tuple[str, Handler, int]] = []
        self._resolved: dict[str, tuple[Handler, ...]] = {}
        self._endpoints: dict[str, Callable[[Any], Any]] = {}
        self.published_count = 0
        self.version = 0
        """Incremented by every change of the subscriptions: while it stays the same, the
        handlers :meth:`handlers_for` returned for a topic are still that topic's handlers."""

    # -- pub/sub -------------------------------------------------------------------------------

    def subscribe(self, pattern: str, handler: Handler, priority: int = 0) -> None:
        """Call ``handler(message)`` for every message published on a topic matching ``pattern``.

        Handlers with a higher ``priority`` run first; equal priorities run in subscription
        order. Subscribing the same handler to the same pattern twice has no effect.
        """
        if not pattern:
            raise ValueError("subscription pattern must not be empty")
        if any(p == pattern and h == handler for p, h, _ in self._subscriptions):
            return
        self._subscriptions.append((pattern, handler, priority))
        self._resolved.clear()
        self.version += 1

    def unsubscribe(self, pattern: str, handler: Handler) -> None:
        """Remove a subscription; unknown subscriptions are ignored."""
        before = len(self._subscriptions)
        self._subscriptions = [
            s for s in self._subscriptions if not (s[0] == pattern and s[1] == handler)
        ]
        if len(self._subscriptions) != before:
            self._resolved.clear()
            self.version += 1

    def has_subscribers(self, topic: str) -> bool:
        """Return whether a publish on ``topic`` would reach any handler."""
        return bool(self._handlers_for(topic))

    def handlers_for(self, topic: str) -> tuple[Handler, ...]:
        """Return the resolved handlers of a concrete topic (for loops that publish directly)."""
        return self._handlers_for(topic)

    def publish(self, topic: str, message: Any) -> None:
        """Deliver ``message`` to every handler subscribed to ``topic``, in priority order."""
        handlers = self._resolved.get(topic)
        if handlers is None:
            handlers = self._handlers_for(topic)
        for handler in handlers:
            handler(message)

    def _handlers_for(self, topic: str) -> tuple[Handler, ...]:
        handlers = self._resolved.get(topic)
        if handlers is None:
            matching = [
                (-priority, index, handler)
                for index, (pattern, handler, priority) in enumerate(self._subscriptions)
                if pattern == topic or fnmatchcase(topic, pattern)
            ]
            matching.sort(key=lambda item: (item[0], item[1]))
            handlers = tuple(item[2] for item in matching)
            self._resolved[topic] = handlers
        return handlers

    # -- endpoints -----------------------------------------------------------------------------

    def register(self, endpoint: str, handler: Callable[[Any], Any]) -> None:
        """Register the single handler of a named endpoint (e.g. ``ExecEngine.execute``)."""
        if endpoint in self._endpoints:
            raise ValueError(f"endpoint {endpoint!r} is already registered")
        self._endpoints[endpoint] = handler

    def deregister(self, endpoint: str) -> None:
        """Remove an endpoint; unknown names are ignored."""
        self._endpoints.pop(endpoint, None)

    def send(self, endpoint: str, message: Any) -> None:
        """Deliver a command to an endpoint's handler.

        Raises
        ------
        KeyError
            If nothing is registered under ``endpoint``: a command must never vanish silently.
        """
        try:
            handler = self._endpoints[endpoint]
        except KeyError:
            raise KeyError(f"no handler registered for endpoint {endpoint!r}") from None
        handler(message)

    def request(self, endpoint: str, message: Any) -> Any:
        """Send a request to an endpoint and return its handler's response."""
        try:
            handler = self._endpoints[endpoint]
        except KeyError:
            raise KeyError(f"no handler registered for endpoint {endpoint!r}") from None
        return handler(message)

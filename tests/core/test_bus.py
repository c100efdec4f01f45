from __future__ import annotations

import pytest

from colin.core.bus import MessageBus


def test_publish_reaches_exact_and_wildcard_subscribers_in_priority_order() -> None:
    bus = MessageBus()
    seen: list[tuple[str, object]] = []
    bus.subscribe("data.bars.BINANCE.BTC/USDT.1m", lambda m: seen.append(("exact", m)))
    bus.subscribe("data.bars.*", lambda m: seen.append(("wild", m)), priority=10)
    bus.subscribe("data.trades.*", lambda m: seen.append(("other", m)))
    bus.publish("data.bars.BINANCE.BTC/USDT.1m", 1)
    assert seen == [("wild", 1), ("exact", 1)]


def test_subscription_after_first_publish_is_honoured() -> None:
    bus = MessageBus()
    seen: list[int] = []
    bus.publish("a.b", 0)  # resolves and caches an empty handler list
    bus.subscribe("a.*", seen.append)
    bus.publish("a.b", 1)
    bus.unsubscribe("a.*", seen.append)
    bus.publish("a.b", 2)
    assert seen == [1]


def test_duplicate_subscription_is_ignored() -> None:
    bus = MessageBus()
    seen: list[int] = []
    bus.subscribe("x", seen.append)
    bus.subscribe("x", seen.append)
    bus.publish("x", 5)
    assert seen == [5]


def test_single_character_wildcard() -> None:
    bus = MessageBus()
    seen: list[int] = []
    bus.subscribe("t?", seen.append)
    bus.publish("t1", 1)
    bus.publish("t12", 2)
    assert seen == [1]


def test_endpoints_send_and_request() -> None:
    bus = MessageBus()
    received: list[str] = []
    bus.register("Engine.execute", received.append)
    bus.register("Engine.query", lambda q: q * 2)
    bus.send("Engine.execute", "cmd")
    assert received == ["cmd"]
    assert bus.request("Engine.query", 21) == 42
    with pytest.raises(ValueError, match="already registered"):
        bus.register("Engine.execute", received.append)


def test_sending_to_an_unknown_endpoint_never_vanishes_silently() -> None:
    bus = MessageBus()
    with pytest.raises(KeyError, match="no handler registered for endpoint 'Nope'"):
        bus.send("Nope", 1)

from __future__ import annotations

from colin.cache import Cache
from colin.core.bus import MessageBus
from colin.data.engine import DataEngine
from colin.model import Bar, BookDelta, BookDeltas, BookSide, BookSnapshot, OrderBook
from colin.testkit.factories import BTCUSDT


def test_bars_are_cached_before_they_are_published() -> None:
    bus, cache = MessageBus(), Cache()
    engine = DataEngine(bus, cache)
    seen: list[tuple[Bar, Bar | None]] = []
    bus.subscribe("data.bars.BINANCE.*", lambda bar: seen.append((bar, cache.bar(BTCUSDT, "1m"))))
    handle = engine.bar_handler(BTCUSDT, "1m")
    bar = Bar(BTCUSDT, "1m", 1.0, 2.0, 0.5, 1.5, 10.0, 0, 60)
    handle(bar)
    assert (cache.last_price(BTCUSDT), cache.last_price_ts(BTCUSDT)) == (1.5, 60)
    later = Bar(BTCUSDT, "1m", 1.5, 2.5, 1.0, 2.0, 10.0, 60, 120)
    engine.handle_bar(later)
    assert seen == [(bar, bar), (later, later)]
    assert (cache.last_price(BTCUSDT), cache.last_price_ts(BTCUSDT)) == (2.0, 120)


def test_a_bar_handler_delivers_as_publish_through_subscription_changes() -> None:
    bus, cache = MessageBus(), Cache()
    engine = DataEngine(bus, cache)
    handle = engine.bar_handler(BTCUSDT, "1m")
    topic = "data.bars.BINANCE.BTC/USDT.1m"
    got: list[tuple[str, int]] = []
    first, second = (
        (lambda bar: got.append(("first", bar.ts_event))),
        (lambda bar: got.append(("second", bar.ts_event))),
    )
    steps = [
        lambda: None,
        lambda: bus.subscribe("data.bars.*", first),
        lambda: bus.subscribe(topic, second, priority=5),
        lambda: bus.unsubscribe("data.bars.*", first),
        lambda: bus.unsubscribe(topic, second),
    ]
    for ts, change in enumerate(steps):
        change()
        got.clear()
        handle(Bar(BTCUSDT, "1m", 1.0, 1.0, 1.0, 1.0, 1.0, ts - 60, ts))
        through_handler = list(got)
        got.clear()
        bus.publish(topic, Bar(BTCUSDT, "1m", 1.0, 1.0, 1.0, 1.0, 1.0, ts - 60, ts))
        assert through_handler == got
    assert bus.version == 4


def test_a_book_gap_stops_publication_until_a_snapshot_resyncs() -> None:
    bus, cache = MessageBus(), Cache()
    engine = DataEngine(bus, cache)
    books: list[OrderBook] = []
    bus.subscribe("data.book.*", books.append)
    engine.handle_book(BookSnapshot(BTCUSDT, [(99.0, 1.0)], [(101.0, 1.0)], 10, 1))
    engine.handle_book(BookDeltas(BTCUSDT, [BookDelta(BookSide.BID, 100.0, 2.0)], 11, 11, 2))
    engine.handle_book(BookDeltas(BTCUSDT, [BookDelta(BookSide.BID, 100.5, 2.0)], 15, 15, 3))
    engine.handle_book(BookDeltas(BTCUSDT, [BookDelta(BookSide.BID, 100.7, 2.0)], 16, 16, 4))
    assert len(books) == 2
    assert engine.book_resyncs_needed == [BTCUSDT]
    assert cache.book(BTCUSDT).best_bid_price() == 100.0  # the gapped deltas were not applied
    engine.handle_book(BookSnapshot(BTCUSDT, [(100.6, 1.0)], [(101.0, 1.0)], 20, 5))
    assert engine.book_resyncs_needed == []
    assert len(books) == 3
    assert cache.book(BTCUSDT).best_bid_price() == 100.6

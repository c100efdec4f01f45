"""The data engine: market data enters the node here, is cached, then published.

Cache before publish: a handler of ``data.bars...`` always reads the bar it is handed as the
cache's latest. Venue adapters (live) and the backtest replay (historical) both call the
``handle_*`` methods; the backtest asks for :meth:`DataEngine.bar_handler` once per stream so the
per-bar path does no topic formatting or lookup.
"""

from __future__ import annotations

from collections.abc import Callable

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.core.topics import bars_topic, book_topic, funding_topic, quotes_topic, trades_topic
from colin.model.book import BookDeltas, BookSnapshot, OrderBook
from colin.model.data import Bar, FundingRate, QuoteTick, TradeTick


class DataEngine:
    """Cache and publish bars, trades, quotes, book updates and funding rates."""

    def __init__(self, bus: MessageBus, cache: Cache) -> None:
        self._bus = bus
        self._cache = cache
        self.book_resyncs_needed: list[InstrumentId] = []
        self.events_processed = 0

    def bar_handler(self, instrument_id: InstrumentId, timeframe: str) -> Callable[[Bar], None]:
        """Return a function that caches and publishes bars of one stream.

        It delivers to the topic's handlers itself, looking them up again only when the bus's
        subscriptions changed (:attr:`MessageBus.version`), so subscriptions made after this
        call are honoured and a bar costs no publish call.
        """
        topic = bars_topic(instrument_id, timeframe)
        add_bar = self._cache.bar_adder(instrument_id, timeframe)
        bus = self._bus
        version = bus.version
        handlers = bus.handlers_for(topic)

        def handle(bar: Bar) -> None:
            nonlocal version, handlers
            add_bar(bar)
            if bus.version != version:
                version = bus.version
                handlers = bus.handlers_for(topic)
            for handler in handlers:
                handler(bar)

        return handle

    def handle_bar(self, bar: Bar) -> None:
        """Cache and publish a closed bar."""
        self.events_processed += 1
        self._cache.add_bar(bar)
        self._bus.publish(bars_topic(bar.instrument_id, bar.timeframe), bar)

    def handle_trade(self, trade: TradeTick) -> None:
        """Cache and publish a trade."""
        self.events_processed += 1
        self._cache.add_trade(trade)
        self._bus.publish(trades_topic(trade.instrument_id), trade)

    def handle_quote(self, quote: QuoteTick) -> None:
        """Cache and publish a quote."""
        self.events_processed += 1
        self._cache.add_quote(quote)
        self._bus.publish(quotes_topic(quote.instrument_id), quote)

    def handle_book(self, event: BookSnapshot | BookDeltas) -> None:
        """Apply a snapshot or delta batch to the cached book, then publish the book.

        A delta batch that follows a gap in update ids is not applied: the instrument is listed in
        :attr:`book_resyncs_needed` (the venue client then fetches a snapshot) and nothing is
        published until the book is whole again.
        """
        self.events_processed += 1
        book = self._cache.book(event.instrument_id)
        if book is None:
            book = OrderBook(event.instrument_id)
            self._cache.add_book(book)
        if isinstance(event, BookSnapshot):
            book.apply_snapshot(event)
            if event.instrument_id in self.book_resyncs_needed:
                self.book_resyncs_needed.remove(event.instrument_id)
        else:
            if event.instrument_id in self.book_resyncs_needed:
                return
            try:
                book.apply_deltas(event)
            except DataError:
                self.book_resyncs_needed.append(event.instrument_id)
                return
        self._bus.publish(book_topic(event.instrument_id), book)

    def handle_funding(self, funding: FundingRate) -> None:
        """Publish a funding rate."""
        self.events_processed += 1
        self._bus.publish(funding_topic(funding.instrument_id), funding)

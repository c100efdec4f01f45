"""The cache: the latest state every component reads.

Engines write to it (the data engine before it publishes, the execution engine as orders move);
strategies and the risk engine read it, through :class:`CacheFacade`. Reads are O(1) dict lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from colin.core.errors import NotFoundError
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId
from colin.model.book import OrderBook
from colin.model.data import Bar, QuoteTick, TradeTick
from colin.model.instrument import Instrument
from colin.model.orders import Order


class CacheFacade(Protocol):
    """What strategies and the risk engine may read from the cache."""

    def instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        """The instrument, or ``None`` if unknown."""

    def instruments(self) -> list[Instrument]:
        """Every known instrument."""

    def last_price(self, instrument_id: InstrumentId) -> float | None:
        """The latest traded/close price, or ``None`` before any data."""

    def last_price_ts(self, instrument_id: InstrumentId) -> int:
        """When the latest price was seen (ns), 0 before any data."""

    def bar(self, instrument_id: InstrumentId, timeframe: str) -> Bar | None:
        """The latest closed bar."""

    def quote(self, instrument_id: InstrumentId) -> QuoteTick | None:
        """The latest quote."""

    def book(self, instrument_id: InstrumentId) -> OrderBook | None:
        """The live order book, if the instrument has L2 data."""

    def order(self, client_order_id: ClientOrderId) -> Order | None:
        """An order by its client id."""

    def orders_open(
        self, instrument_id: InstrumentId | None = None, strategy_id: StrategyId | None = None
    ) -> list[Order]:
        """Working orders, optionally of one instrument and/or strategy."""

    def orders_open_count(self, instrument_id: InstrumentId | None = None) -> int:
        """Number of working orders."""


class Cache:
    """In-memory state shared by the engines of one node."""

    def __init__(self) -> None:
        self._instruments: dict[InstrumentId, Instrument] = {}
        self._bars: dict[tuple[InstrumentId, str], Bar] = {}
        self._quotes: dict[InstrumentId, QuoteTick] = {}
        self._trades: dict[InstrumentId, TradeTick] = {}
        self._books: dict[InstrumentId, OrderBook] = {}
        self.last_prices: dict[InstrumentId, float] = {}
        self.last_price_times: dict[InstrumentId, int] = {}
        self._orders: dict[ClientOrderId, Order] = {}
        self._open: dict[InstrumentId, dict[ClientOrderId, Order]] = {}

    # -- instruments -----------------------------------------------------------------------------

    def add_instrument(self, instrument: Instrument) -> None:
        """Add or replace an instrument."""
        self._instruments[instrument.id] = instrument

    def instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        """The instrument, or ``None`` if unknown."""
        return self._instruments.get(instrument_id)

    def instrument_or_raise(self, instrument_id: InstrumentId) -> Instrument:
        """The instrument; raise :class:`NotFoundError` if unknown."""
        try:
            return self._instruments[instrument_id]
        except KeyError:
            raise NotFoundError(f"unknown instrument {instrument_id}") from None

    def instruments(self) -> list[Instrument]:
        """Every known instrument."""
        return list(self._instruments.values())

    # -- market data -----------------------------------------------------------------------------

    def add_bar(self, bar: Bar) -> None:
        """Store the latest bar and its close as the last price."""
        self._bars[(bar.instrument_id, bar.timeframe)] = bar
        self.last_prices[bar.instrument_id] = bar.close
        self.last_price_times[bar.instrument_id] = bar.ts_event

    def bar_adder(self, instrument_id: InstrumentId, timeframe: str) -> Callable[[Bar], None]:
        """Return :meth:`add_bar` for the bars of one stream, with the stream's keys made once
        (the data engine's per-stream handler calls it for every bar)."""
        key = (instrument_id, timeframe)
        bars, prices, times = self._bars, self.last_prices, self.last_price_times

        def add(bar: Bar) -> None:
            bars[key] = bar
            prices[instrument_id] = bar.close
            times[instrument_id] = bar.ts_event

        return add

    def add_trade(self, trade: TradeTick) -> None:
        """Store the latest trade and its price as the last price."""
        self._trades[trade.instrument_id] = trade
        self.last_prices[trade.instrument_id] = trade.price
        self.last_price_times[trade.instrument_id] = trade.ts_event

    def add_quote(self, quote: QuoteTick) -> None:
        """Store the latest quote."""
        self._quotes[quote.instrument_id] = quote

    def add_book(self, book: OrderBook) -> None:
        """Register the live book object of an instrument."""
        self._books[book.instrument_id] = book

    def last_price(self, instrument_id: InstrumentId) -> float | None:
        """The latest traded/close price."""
        return self.last_prices.get(instrument_id)

    def last_price_ts(self, instrument_id: InstrumentId) -> int:
        """When the latest price was seen (ns), 0 before any data."""
        return self.last_price_times.get(instrument_id, 0)

    def bar(self, instrument_id: InstrumentId, timeframe: str) -> Bar | None:
        """The latest closed bar."""
        return self._bars.get((instrument_id, timeframe))

    def trade(self, instrument_id: InstrumentId) -> TradeTick | None:
        """The latest trade."""
        return self._trades.get(instrument_id)

    def quote(self, instrument_id: InstrumentId) -> QuoteTick | None:
        """The latest quote."""
        return self._quotes.get(instrument_id)

    def book(self, instrument_id: InstrumentId) -> OrderBook | None:
        """The live order book."""
        return self._books.get(instrument_id)

    # -- orders ----------------------------------------------------------------------------------

    def add_order(self, order: Order) -> None:
        """Register a new order (it is indexed as open once it is no longer INITIALIZED)."""
        if order.client_order_id in self._orders:
            raise ValueError(f"duplicate client order id {order.client_order_id}")
        self._orders[order.client_order_id] = order

    def update_order(self, order: Order) -> None:
        """Re-index an order after its status changed."""
        bucket = self._open.get(order.instrument_id)
        if order.is_open:
            if bucket is None:
                bucket = self._open[order.instrument_id] = {}
            bucket[order.client_order_id] = order
        elif bucket is not None:
            bucket.pop(order.client_order_id, None)

    def order(self, client_order_id: ClientOrderId) -> Order | None:
        """An order by its client id."""
        return self._orders.get(client_order_id)

    def orders(self) -> list[Order]:
        """Every order ever added."""
        return list(self._orders.values())

    def orders_open(
        self, instrument_id: InstrumentId | None = None, strategy_id: StrategyId | None = None
    ) -> list[Order]:
        """Working orders, optionally of one instrument and/or strategy."""
        buckets: Iterable[dict[ClientOrderId, Order]]
        if instrument_id is None:
            buckets = self._open.values()
        else:
            buckets = (self._open.get(instrument_id, {}),)
        return [
            order
            for bucket in buckets
            for order in bucket.values()
            if strategy_id is None or order.strategy_id == strategy_id
        ]

    def orders_open_count(self, instrument_id: InstrumentId | None = None) -> int:
        """Number of working orders."""
        if instrument_id is None:
            return sum(len(bucket) for bucket in self._open.values())
        return len(self._open.get(instrument_id, ()))

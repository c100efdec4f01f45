"""The public market of one simulated symbol: its book, trade tape and forming kline.

:class:`SymbolState` applies the replay steps of :mod:`colin.adapters.exchange_sim.market`,
returns the exchange events they cause (depth diffs with update ids, trades, klines) and feeds
the same market into the account's matching venue, under the venue's own instrument id.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import Decimal

from colin.adapters.exchange_sim.depth import Change, DepthBook
from colin.adapters.exchange_sim.events import (
    DepthUpdate,
    ExchangeEvent,
    KlineUpdate,
    Market,
    PriceLevel,
    TradePrint,
)
from colin.adapters.exchange_sim.klines import FormingKline
from colin.adapters.exchange_sim.market import (
    BarClose,
    BookStep,
    ReplayStep,
    SymbolReplay,
    TradeStep,
)
from colin.core.time import NANOS_PER_MILLI
from colin.matching import SimulatedVenue
from colin.model.book import BookDelta, BookDeltas, BookSnapshot
from colin.model.data import TradeTick
from colin.model.enums import AggressorSide, BookSide
from colin.model.instrument import Instrument

TAPE_LENGTH = 1000
"""Public trades kept for ``/trades`` and ``/aggTrades``."""


class SymbolState:
    """Book, tape and klines of one symbol in one market.

    Parameters
    ----------
    market
        The market the symbol trades in.
    symbol
        Binance symbol.
    instrument
        The simulated instrument.
    replay
        Its market-data replay.
    venue
        The account's matching venue, fed with the same market.
    """

    def __init__(
        self,
        market: Market,
        symbol: str,
        instrument: Instrument,
        replay: SymbolReplay,
        venue: SimulatedVenue,
    ) -> None:
        self.market: Market = market
        self.symbol = symbol
        self.instrument = instrument
        self.replay = replay
        self.bars = replay.bars
        self.book = DepthBook()
        self.tape: deque[TradePrint] = deque(maxlen=TAPE_LENGTH)
        self.forming: FormingKline | None = None
        self.last_price: float | None = None
        self._venue = venue
        self._venue_synced = False
        self._next_trade_id = 1
        self._price_places = instrument.price_precision
        self._size_places = 8

    def mark_venue_stale(self) -> None:
        """Make the next book step resend the whole book to the venue (after a forced thin)."""
        self._venue_synced = False

    def apply(self, step: ReplayStep, emit: Callable[[ExchangeEvent], None]) -> None:
        """Apply one replay step: update the public market, emit its events, feed the venue."""
        if isinstance(step, BookStep):
            self._apply_book(step, emit)
        elif isinstance(step, TradeStep):
            self._apply_trade(step, emit)
        elif isinstance(step, BarClose):
            self._close_bar(step, emit)

    def _apply_book(self, step: BookStep, emit: Callable[[ExchangeEvent], None]) -> None:
        previous = self.book.last_update_id
        changes = self.book.apply(step.event)
        ts_ns = step.ts_ms * NANOS_PER_MILLI
        if changes is None:
            return
        bids, asks = changes
        emit(
            DepthUpdate(
                market=self.market,
                symbol=self.symbol,
                event_ms=step.ts_ms,
                first_update_id=previous + 1,
                final_update_id=self.book.last_update_id,
                prev_final_update_id=previous,
                bids=self._levels(bids),
                asks=self._levels(asks),
            )
        )
        if self._venue_synced:
            deltas = [BookDelta(BookSide.BID, p, s) for p, s in bids]
            deltas += [BookDelta(BookSide.ASK, p, s) for p, s in asks]
            feed: BookSnapshot | BookDeltas = BookDeltas(
                self.instrument.id, deltas, previous + 1, self.book.last_update_id, ts_ns
            )
        else:
            feed = self.book.snapshot(self.instrument.id, ts_ns)
            self._venue_synced = True
        self._venue.process_book(feed)

    def _apply_trade(self, step: TradeStep, emit: Callable[[ExchangeEvent], None]) -> None:
        trade_id = self._next_trade_id
        self._next_trade_id += 1
        self.last_price = step.price
        print_ = TradePrint(
            market=self.market,
            symbol=self.symbol,
            trade_id=trade_id,
            price=self.price_str(step.price),
            quantity=self.size_str(step.size),
            trade_ms=step.ts_ms,
            event_ms=step.ts_ms,
            buyer_is_maker=step.buyer_is_maker,
        )
        self.tape.append(print_)
        emit(print_)
        forming = self.forming_at(step.ts_ms)
        if forming is not None:
            forming.add_trade(step.price, step.size, step.buyer_is_maker)
            emit(self._kline_update(forming, step.ts_ms, closed=False))
        aggressor = AggressorSide.SELLER if step.buyer_is_maker else AggressorSide.BUYER
        ts_ns = step.ts_ms * NANOS_PER_MILLI
        self._venue.process_trade(
            TradeTick(self.instrument.id, step.price, step.size, aggressor, str(trade_id), ts_ns)
        )

    def _close_bar(self, step: BarClose, emit: Callable[[ExchangeEvent], None]) -> None:
        bars = self.bars
        index = step.index
        price = float(bars.open[index])
        final = FormingKline(
            index,
            price,
            float(bars.high[index]),
            float(bars.low[index]),
            float(bars.close[index]),
        )
        forming = self.forming if self.forming is not None and self.forming.index == index else None
        final.volume = float(bars.volume[index])
        final.quote_volume = forming.quote_volume if forming is not None else 0.0
        final.trades = forming.trades if forming is not None else 0
        if forming is not None:
            final.taker_buy_volume = forming.taker_buy_volume
            final.taker_buy_quote = forming.taker_buy_quote
        if forming is not None:
            self.forming = None
        emit(self._kline_update(final, step.ts_ms, closed=True))

    def forming_at(self, ts_ms: int) -> FormingKline | None:
        """Return the kline in progress at ``ts_ms`` (starting it at its open if needed)."""
        bars = self.bars
        index = bars.index_at(ts_ms)
        if index < 0 or ts_ms >= int(bars.open_ms[index]) + bars.duration_ms:
            return None
        if self.forming is None or self.forming.index != index:
            price = float(bars.open[index])
            self.forming = FormingKline(index, price, price, price, price)
        return self.forming

    def _kline_update(self, kline: FormingKline, event_ms: int, closed: bool) -> KlineUpdate:
        open_ms = int(self.bars.open_ms[kline.index])
        return KlineUpdate(
            market=self.market,
            symbol=self.symbol,
            interval=self.bars.timeframe,
            event_ms=event_ms,
            open_ms=open_ms,
            close_ms=open_ms + self.bars.duration_ms - 1,
            open=self.price_str(kline.open),
            high=self.price_str(kline.high),
            low=self.price_str(kline.low),
            close=self.price_str(kline.close),
            volume=self.size_str(kline.volume),
            quote_volume=f"{kline.quote_volume:.8f}",
            trades=kline.trades,
            taker_buy_volume=self.size_str(kline.taker_buy_volume),
            taker_buy_quote_volume=f"{kline.taker_buy_quote:.8f}",
            closed=closed,
        )

    def _levels(self, changes: list[Change]) -> tuple[PriceLevel, ...]:
        return tuple((self.price_str(p), self.size_str(s)) for p, s in changes)

    def price_str(self, price: float) -> str:
        """Format a price with the symbol's tick precision."""
        return f"{price:.{self._price_places}f}"

    def size_str(self, size: float) -> str:
        """Format a quantity with 8 decimals."""
        return f"{size:.{self._size_places}f}"

    def last_trade_price(self) -> Decimal | None:
        """Return the last public trade's price, else the book's mid (``None`` before data)."""
        if self.last_price is not None:
            return Decimal(self.price_str(self.last_price))
        return self.mark_price()

    def mark_price(self) -> Decimal | None:
        """Return the mid of the book, else the last trade price (``None`` before any data)."""
        bid, ask = self.book.best_bid(), self.book.best_ask()
        if bid is not None and ask is not None:
            return Decimal(self.price_str((bid[0] + ask[0]) / 2))
        return None if self.last_price is None else Decimal(self.price_str(self.last_price))

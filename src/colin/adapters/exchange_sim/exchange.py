"""The simulated exchange's core: market replay, accounts, orders and the event stream.

:class:`SimExchange` holds all mutable state and is driven from one thread (the server's event
loop). It replays every symbol's market in time order up to the clock, lets the two accounts'
matching venues match user orders against it, and publishes every
:mod:`~colin.adapters.exchange_sim.events` event to its subscribers in the order things happen.
The REST and WebSocket layers only translate wire formats to and from these calls.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from decimal import Decimal

from colin.adapters.exchange_sim import errors
from colin.adapters.exchange_sim.accounts import SimAccount
from colin.adapters.exchange_sim.algo_orders import AlgoBook, AlgoOrder
from colin.adapters.exchange_sim.clock import ExchangeClock
from colin.adapters.exchange_sim.errors import BinanceError
from colin.adapters.exchange_sim.events import ExchangeEvent, Market, TradePrint
from colin.adapters.exchange_sim.exchange_info import (
    MAX_NUM_ALGO_ORDERS,
    binance_symbol,
    check_filters,
    filter_error,
)
from colin.adapters.exchange_sim.klines import FormingKline, KlineRow, kline_rows
from colin.adapters.exchange_sim.market import (
    STEP_PRIORITY,
    ReplayStep,
    SimMarketData,
    SymbolReplay,
)
from colin.adapters.exchange_sim.orders import (
    OrderRecord,
    OrderRequest,
    decimal_param,
    parse_order_request,
)
from colin.adapters.exchange_sim.symbol_state import SymbolState
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_MILLI
from colin.model.book import BookSnapshot
from colin.model.enums import OrderSide
from colin.model.instrument import Instrument

Subscriber = Callable[[ExchangeEvent], None]
_FIRST_ORDER_ID = {"spot": 1_000_001, "usdm": 5_000_001}
_FIRST_ALGO_ID = 9_000_001


class SimExchange:
    """Spot and USD-M accounts trading against a replayed market.

    Parameters
    ----------
    instruments
        Spot pairs and linear perpetuals (venue ``BINANCE``).
    market
        Each instrument's recorded market, by instrument id.
    balances
        Starting balances per market (``"spot"``, ``"usdm"``).
    clock
        The simulator clock (its start is where the replay begins).
    seed
        Seed of the synthesized books and trades.
    leverage
        USD-M starting leverage (capped at each perpetual's ``max_leverage``).
    """

    def __init__(
        self,
        instruments: list[Instrument],
        market: Mapping[InstrumentId | str, SimMarketData],
        balances: Mapping[str, Mapping[str, Decimal | int | str]],
        clock: ExchangeClock,
        seed: int = 0,
        leverage: int = 20,
    ) -> None:
        self.clock = clock
        self._subscribers: list[Subscriber] = []
        by_market: dict[Market, dict[str, Instrument]] = {"spot": {}, "usdm": {}}
        for instrument in instruments:
            name: Market = "usdm" if instrument.is_derivative else "spot"
            by_market[name][binance_symbol(instrument)] = instrument
        perps = by_market["usdm"].values()
        max_leverage = min([int(i.max_leverage) for i in perps], default=leverage)
        self.accounts: dict[Market, SimAccount] = {
            name: SimAccount(
                name,
                by_market[name],
                {k: Decimal(v) for k, v in balances.get(name, {}).items()},
                self._publish,
                lambda symbol, n=name: self.symbols[(n, symbol)].mark_price(),  # type: ignore[misc]
                Decimal(min(leverage, max_leverage)),
                _FIRST_ORDER_ID[name],
            )
            for name in ("spot", "usdm")
        }
        self.symbols: dict[tuple[Market, str], SymbolState] = {}
        streams: list[Iterator[tuple[int, int, int, ReplayStep, SymbolState]]] = []
        keyed_market = {str(k): v for k, v in market.items()}
        for rank, instrument in enumerate(instruments):
            data = keyed_market.get(str(instrument.id))
            if data is None:
                raise ValueError(f"no market data for {instrument.id}")
            name = "usdm" if instrument.is_derivative else "spot"
            replay = SymbolReplay(instrument, data, seed)
            state = SymbolState(
                name, binance_symbol(instrument), instrument, replay, self.accounts[name].venue
            )
            self.symbols[(name, state.symbol)] = state
            streams.append(self._keyed(replay, state, rank, clock.now_ms()))
        self._steps = heapq.merge(*streams, key=lambda item: item[:3])
        self._next: tuple[int, int, int, ReplayStep, SymbolState] | None = None
        self._partial_ratio: Decimal | None = None
        usdm = self.accounts["usdm"]
        self.algo = AlgoBook(
            lambda params, at_ms: self.place_order("usdm", params, at_ms),
            usdm.orders.get,
            _FIRST_ALGO_ID,
        )
        self._replay_to(clock.now_ms())

    @staticmethod
    def _keyed(
        replay: SymbolReplay, state: SymbolState, rank: int, from_ms: int
    ) -> Iterator[tuple[int, int, int, ReplayStep, SymbolState]]:
        for step in replay.steps(from_ms):
            yield step.ts_ms, STEP_PRIORITY[type(step)], rank, step, state

    # -- events and time ---------------------------------------------------------------------

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every later event; return the unsubscribe function."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _publish(self, event: ExchangeEvent) -> None:
        for callback in tuple(self._subscribers):
            callback(event)

    def now_ms(self) -> int:
        """Return the simulator clock's time."""
        return self.clock.now_ms()

    def advance_to(self, ts_ms: int) -> None:
        """Move the clock to ``ts_ms`` and replay the market up to it (orders match on the way)."""
        self.clock.advance_to(ts_ms)
        self._replay_to(ts_ms)

    def catch_up(self) -> None:
        """Replay the market up to the clock (a realtime clock moves by itself)."""
        self._replay_to(self.clock.now_ms())

    def _replay_to(self, ts_ms: int) -> None:
        while True:
            if self._next is None:
                self._next = next(self._steps, None)
                if self._next is None:
                    break
            if self._next[0] > ts_ms:
                break
            step_ms, _, _, step, state = self._next
            self._next = None
            self.accounts[state.market].clock.set_time(step_ms * NANOS_PER_MILLI)
            state.apply(step, self._publish)
            if state.market == "usdm" and self.algo.open_orders(state.symbol):
                price = state.last_trade_price()
                if price is not None:
                    self.algo.on_price(state.symbol, price, step_ms)
        for account in self.accounts.values():
            account.sync_clock(ts_ms)
            account.venue.process_time(account.clock.timestamp_ns())

    # -- lookups -----------------------------------------------------------------------------

    def instruments(self, market: Market) -> list[Instrument]:
        """Return a market's instruments."""
        return list(self.accounts[market].instruments.values())

    def symbol(self, market: Market, symbol: str) -> SymbolState:
        """Return a symbol's market state (-1121 if unknown)."""
        state = self.symbols.get((market, symbol))
        if state is None:
            raise errors.invalid_symbol()
        return state

    def depth_snapshot(
        self, market: Market, symbol: str, limit: int
    ) -> tuple[int, list[tuple[str, str]], list[tuple[str, str]]]:
        """Return ``(lastUpdateId, bids, asks)`` with levels as decimal strings."""
        state = self.symbol(market, symbol)
        bids, asks = state.book.top(limit)
        render = [(state.price_str(p), state.size_str(s)) for p, s in bids]
        render_asks = [(state.price_str(p), state.size_str(s)) for p, s in asks]
        return state.book.last_update_id, render, render_asks

    def klines(
        self,
        market: Market,
        symbol: str,
        interval: str,
        start_ms: int | None,
        end_ms: int | None,
        limit: int,
    ) -> list[KlineRow]:
        """Return klines up to now (the last one forming), see :func:`kline_rows`."""
        state = self.symbol(market, symbol)
        bars = state.bars
        now = self.now_ms()
        index = bars.index_at(now)
        forming: FormingKline | None = None
        if index >= 0 and now < int(bars.open_ms[index]) + bars.duration_ms:
            forming = state.forming_at(now)
        return kline_rows(bars, index + 1, forming, interval, start_ms, end_ms, limit)

    def trades(self, market: Market, symbol: str, limit: int) -> list[TradePrint]:
        """Return the latest public trades, oldest first."""
        tape = self.symbol(market, symbol).tape
        return list(tape)[-limit:] if limit else []

    # -- orders ------------------------------------------------------------------------------

    def force_partial_fill(self, ratio: Decimal | None) -> None:
        """Let the next new order find only ``ratio`` of its quantity in the book (one-shot;
        ``None`` clears it)."""
        self._partial_ratio = ratio

    def place_order(
        self, market: Market, params: dict[str, str], at_ms: int | None = None
    ) -> OrderRecord:
        """Parse, filter and submit a new order (sent now, or at ``at_ms``); return its record.

        Raises
        ------
        BinanceError
            For bad parameters, failed filters, a duplicate client id or a venue refusal.
        """
        request = parse_order_request(params, market)
        state = self.symbol(market, request.symbol)
        account = self.accounts[market]
        touch = state.book.best_ask() if request.side is OrderSide.BUY else state.book.best_bid()
        reference = None if touch is None else Decimal(state.price_str(touch[0]))
        if request.quote_order_qty is not None:
            request = replace(request, quantity=self._size_by_quote(state, request))
        open_orders = account.open_orders(request.symbol)
        stops = sum(1 for r in open_orders if r.stop_price)
        check_filters(market, state.instrument, request, reference, len(open_orders), stops)
        if self._partial_ratio is not None and request.quantity is not None:
            self._thin_book(state, request.side is OrderSide.BUY, request.quantity)
        return account.submit(request, self.now_ms() if at_ms is None else at_ms)

    @staticmethod
    def _size_by_quote(state: SymbolState, request: OrderRequest) -> Decimal:
        """The quantity a quote-sized market order trades: the book walked until the quote
        amount is spent (buy) or raised (sell), rounded down to the lot size."""
        assert request.quote_order_qty is not None
        left = float(request.quote_order_qty)
        bids, asks = state.book.top(len(state.book.bids) + len(state.book.asks))
        quantity = 0.0
        for price, size in asks if request.side is OrderSide.BUY else bids:
            take = min(size, left / price)
            quantity += take
            left -= take * price
            if left <= 0:
                break
        return state.instrument.round_quantity(quantity)

    def _thin_book(self, state: SymbolState, buy: bool, quantity: Decimal) -> None:
        """Show the venue only ``ratio * quantity`` on the side the order takes from."""
        ratio = self._partial_ratio
        self._partial_ratio = None
        assert ratio is not None
        room = float(state.instrument.round_quantity(quantity * ratio))
        bids, asks = state.book.top(len(state.book.bids) + len(state.book.asks))
        thinned: list[tuple[float, float]] = []
        for price, size in asks if buy else bids:
            if room <= 0:
                break
            thinned.append((price, min(size, room)))
            room -= size
        ts_ns = self.now_ms() * NANOS_PER_MILLI
        snapshot = BookSnapshot(
            state.instrument.id, bids if buy else thinned, thinned if buy else asks, 0, ts_ns
        )
        self.accounts[state.market].venue.process_book(snapshot)
        state.mark_venue_stale()

    def create_algo_order(self, params: dict[str, str]) -> AlgoOrder:
        """Register a USD-M conditional order, checked as the order it will place."""
        state = self.symbol("usdm", params.get("symbol") or "")

        def validate(order_params: dict[str, str]) -> None:
            request = parse_order_request(order_params, "usdm")
            opened = len(self.accounts["usdm"].open_orders(state.symbol))
            if len(self.algo.open_orders(state.symbol)) >= MAX_NUM_ALGO_ORDERS:
                raise filter_error("usdm", "MAX_NUM_ALGO_ORDERS")
            check_filters("usdm", state.instrument, request, state.mark_price(), opened, 0)

        return self.algo.create(params, self.now_ms(), state.last_trade_price(), validate)

    def find_order(self, market: Market, params: dict[str, str], cancel: bool) -> OrderRecord:
        """Return the order named by ``orderId`` or ``origClientOrderId`` (-2011/-2013 if none)."""
        symbol = params.get("symbol") or ""
        if not symbol:
            raise errors.mandatory("symbol")
        self.symbol(market, symbol)
        order_id = decimal_param(params, "orderId", required=False)
        client_id = params.get("origClientOrderId")
        if order_id is None and not client_id:
            raise BinanceError(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        record = self.accounts[market].find(
            symbol, None if order_id is None else int(order_id), client_id
        )
        if record is None:
            raise errors.unknown_order(market, cancel)
        return record

    def cancel_order(self, market: Market, params: dict[str, str]) -> OrderRecord:
        """Cancel one open order."""
        record = self.find_order(market, params, cancel=True)
        return self.accounts[market].cancel(record, self.now_ms())

    def cancel_all(self, market: Market, symbol: str) -> list[OrderRecord]:
        """Cancel every open order of a symbol; return them."""
        self.symbol(market, symbol)
        account = self.accounts[market]
        return [account.cancel(r, self.now_ms()) for r in account.open_orders(symbol)]

    def amend_order(self, market: Market, params: dict[str, str]) -> OrderRecord:
        """Change an open limit order's quantity and price (USD-M)."""
        record = self.find_order(market, params, cancel=False)
        quantity = decimal_param(params, "quantity", required=True)
        price = decimal_param(params, "price", required=True)
        assert quantity is not None and price is not None
        instrument = self.symbol(market, record.symbol).instrument
        if price % instrument.tick_size:
            raise BinanceError(-4014, "Price not increased by tick size.")
        if quantity % instrument.lot_size or quantity < instrument.lot_size:
            raise BinanceError(-1111, "Precision is over the maximum defined for this asset.")
        return self.accounts[market].amend(record, quantity, price, self.now_ms())

"""The ``Strategy`` base class: hooks, subscriptions, read-only views and order helpers.

A strategy is the same object in a backtest, in paper trading and live. It sees the world only
through its hooks (``on_bar``, ``on_trade_tick``, ``on_order_book``, ``on_quote_tick``,
``on_signal``, ``on_order_event``), read-only views of the cache and the portfolio, and the clock.
It acts only by sending commands: every order goes to the risk engine first.

Subscriptions bind the user's hook directly on the bus, so a bar costs one call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from colin.cache.cache import Cache, CacheFacade
from colin.cache.portfolio_facade import PortfolioFacade
from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.component import Component
from colin.core.errors import NotFoundError
from colin.core.ids import ClientOrderIdGenerator, InstrumentId, StrategyId
from colin.core.topics import (
    RISK_EXECUTE,
    bars_topic,
    book_topic,
    order_events_topic,
    quotes_topic,
    signals_topic,
    trades_topic,
)
from colin.model.book import OrderBook
from colin.model.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from colin.model.data import Bar, QuoteTick, TradeTick
from colin.model.enums import OrderSide, OrderType, TimeInForce
from colin.model.events import OrderEvent
from colin.model.instrument import Instrument
from colin.model.orders import Order
from colin.model.signal import Signal
from colin.strategy.params import StrategyParams

Number = Decimal | float | int | str


class Strategy(Component):
    """Base class of all strategies.

    Subclasses set ``name`` (the registry key), ``Params`` (a :class:`StrategyParams` model) and
    override the hooks they need.
    """

    name: ClassVar[str] = "strategy"
    Params: ClassVar[type[StrategyParams]] = StrategyParams

    def __init__(
        self, params: StrategyParams | Mapping[str, Any] | None = None, strategy_id: str = ""
    ) -> None:
        if params is None or isinstance(params, Mapping):
            params = self.Params.model_validate(dict(params or {}))
        elif not isinstance(params, self.Params):
            raise TypeError(f"{type(self).__name__} expects {self.Params.__name__} parameters")
        self.params = params
        self.id = StrategyId(strategy_id or self.name)
        super().__init__(self.id)
        self._bus: MessageBus | None = None
        self._clock: Clock | None = None
        self._cache: Cache | None = None
        self._portfolio: PortfolioFacade | None = None
        self._ids: ClientOrderIdGenerator | None = None
        self._subscriptions: list[tuple[str, Any]] = []

    # -- wiring (done by the node / backtest engine) ---------------------------------------------

    def register(
        self,
        trader_id: str,
        bus: MessageBus,
        clock: Clock,
        cache: Cache,
        portfolio: PortfolioFacade,
        used_order_ids: Iterable[str] = (),
    ) -> None:
        """Give the strategy its bus, clock and state (exposed to subclasses read-only).

        ``used_order_ids`` are client order ids already taken (a restarted node's journaled
        orders): the strategy's ids continue after them.
        """
        self._bus, self._clock, self._cache, self._portfolio = bus, clock, cache, portfolio
        self._ids = ClientOrderIdGenerator(trader_id, self.id)
        self._ids.skip_past(used_order_ids)
        bus.subscribe(order_events_topic(self.id), self.on_order_event)

    @property
    def clock(self) -> Clock:
        """The node's clock."""
        return _registered(self._clock, self)

    @property
    def cache(self) -> CacheFacade:
        """Read-only market and order state."""
        return _registered(self._cache, self)

    @property
    def portfolio(self) -> PortfolioFacade:
        """Read-only positions, balances and equity."""
        return _registered(self._portfolio, self)

    def on_stop(self) -> None:
        """Remove the strategy's market-data subscriptions."""
        bus = _registered(self._bus, self)
        for topic, handler in self._subscriptions:
            bus.unsubscribe(topic, handler)
        self._subscriptions.clear()

    # -- subscriptions ---------------------------------------------------------------------------

    def _subscribe(self, topic: str, handler: Any) -> None:
        _registered(self._bus, self).subscribe(topic, handler)
        self._subscriptions.append((topic, handler))

    def subscribe_bars(self, instrument_id: str, timeframe: str) -> None:
        """Receive closed bars of one instrument and timeframe in :meth:`on_bar`."""
        self._subscribe(bars_topic(InstrumentId(instrument_id), timeframe), self.on_bar)

    def subscribe_trade_ticks(self, instrument_id: str) -> None:
        """Receive public trades in :meth:`on_trade_tick`."""
        self._subscribe(trades_topic(InstrumentId(instrument_id)), self.on_trade_tick)

    def subscribe_quote_ticks(self, instrument_id: str) -> None:
        """Receive best bid/ask updates in :meth:`on_quote_tick`."""
        self._subscribe(quotes_topic(InstrumentId(instrument_id)), self.on_quote_tick)

    def subscribe_order_book(self, instrument_id: str) -> None:
        """Receive the book after each update in :meth:`on_order_book`."""
        self._subscribe(book_topic(InstrumentId(instrument_id)), self.on_order_book)

    def subscribe_signals(self, source: str) -> None:
        """Receive signals of a source (``*`` for all) in :meth:`on_signal`."""
        self._subscribe(signals_topic(source), self.on_signal)

    # -- hooks -----------------------------------------------------------------------------------

    def on_bar(self, bar: Bar) -> None:
        """Handle a closed bar."""

    def on_trade_tick(self, trade: TradeTick) -> None:
        """Handle a public trade."""

    def on_quote_tick(self, quote: QuoteTick) -> None:
        """Handle a quote."""

    def on_order_book(self, book: OrderBook) -> None:
        """Handle an order book update (the book is live: do not keep a reference to mutate)."""

    def on_signal(self, signal: Signal) -> None:
        """Handle a signal."""

    def on_order_event(self, event: OrderEvent) -> None:
        """Handle any event of one of this strategy's orders (fills, cancels, denials...)."""

    # -- orders ----------------------------------------------------------------------------------

    def instrument(self, instrument_id: str) -> Instrument:
        """The instrument; raise :class:`NotFoundError` if the node does not know it."""
        if not isinstance(instrument_id, InstrumentId):  # validate only what is not one yet
            instrument_id = InstrumentId(instrument_id)
        instrument = self.cache.instrument(instrument_id)
        if instrument is None:
            raise NotFoundError(f"{self.id}: unknown instrument {instrument_id}")
        return instrument

    def submit_market(
        self,
        instrument_id: str,
        side: OrderSide,
        quantity: Number,
        reduce_only: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        """Submit a market order (quantity rounded down to the lot size)."""
        return self._submit(
            instrument_id, side, OrderType.MARKET, quantity, reduce_only=reduce_only, tags=tags
        )

    def submit_limit(
        self,
        instrument_id: str,
        side: OrderSide,
        quantity: Number,
        price: Number,
        time_in_force: TimeInForce = TimeInForce.GTC,
        post_only: bool = False,
        reduce_only: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        """Submit a limit order (price rounded to the tick, quantity down to the lot)."""
        return self._submit(
            instrument_id,
            side,
            OrderType.LIMIT,
            quantity,
            price=price,
            time_in_force=time_in_force,
            post_only=post_only,
            reduce_only=reduce_only,
            tags=tags,
        )

    def submit_stop_market(
        self,
        instrument_id: str,
        side: OrderSide,
        quantity: Number,
        trigger_price: Number,
        reduce_only: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        """Submit a stop-market order that triggers at ``trigger_price``."""
        return self._submit(
            instrument_id,
            side,
            OrderType.STOP_MARKET,
            quantity,
            trigger_price=trigger_price,
            reduce_only=reduce_only,
            tags=tags,
        )

    def submit_stop_limit(
        self,
        instrument_id: str,
        side: OrderSide,
        quantity: Number,
        price: Number,
        trigger_price: Number,
        reduce_only: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        """Submit a stop-limit order: at ``trigger_price`` it becomes a limit at ``price``."""
        return self._submit(
            instrument_id,
            side,
            OrderType.STOP_LIMIT,
            quantity,
            price=price,
            trigger_price=trigger_price,
            reduce_only=reduce_only,
            tags=tags,
        )

    def _submit(
        self,
        instrument_id: str,
        side: OrderSide,
        order_type: OrderType,
        quantity: Number,
        price: Number | None = None,
        trigger_price: Number | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        post_only: bool = False,
        reduce_only: bool = False,
        tags: tuple[str, ...] = (),
    ) -> Order:
        instrument = self.instrument(instrument_id)
        now = self.clock.timestamp_ns()
        order = Order(
            client_order_id=_registered(self._ids, self).generate(),
            strategy_id=self.id,
            instrument_id=instrument.id,
            side=side,
            order_type=order_type,
            quantity=instrument.round_quantity(_decimal(quantity)),
            price=None if price is None else instrument.round_price(_decimal(price)),
            trigger_price=(
                None if trigger_price is None else instrument.round_price(_decimal(trigger_price))
            ),
            time_in_force=time_in_force,
            post_only=post_only,
            reduce_only=reduce_only,
            ts_init=now,
            tags=tags,
        )
        self.submit_order(order)
        return order

    def submit_order(self, order: Order) -> None:
        """Register ``order`` in the cache and send it to the risk engine."""
        _registered(self._cache, self).add_order(order)
        bus = _registered(self._bus, self)
        bus.send(RISK_EXECUTE, SubmitOrder(order=order, ts_init=self.clock.timestamp_ns()))

    def modify_order(
        self,
        order: Order,
        quantity: Number | None = None,
        price: Number | None = None,
        trigger_price: Number | None = None,
    ) -> None:
        """Ask to change a working order's quantity and/or prices."""
        instrument = self.instrument(order.instrument_id)
        command = ModifyOrder(
            instrument_id=order.instrument_id,
            strategy_id=self.id,
            client_order_id=order.client_order_id,
            quantity=None if quantity is None else instrument.round_quantity(_decimal(quantity)),
            price=None if price is None else instrument.round_price(_decimal(price)),
            trigger_price=(
                None if trigger_price is None else instrument.round_price(_decimal(trigger_price))
            ),
            ts_init=self.clock.timestamp_ns(),
        )
        _registered(self._bus, self).send(RISK_EXECUTE, command)

    def cancel_order(self, order: Order) -> None:
        """Ask to cancel a working order."""
        command = CancelOrder(
            instrument_id=order.instrument_id,
            strategy_id=self.id,
            client_order_id=order.client_order_id,
            ts_init=self.clock.timestamp_ns(),
        )
        _registered(self._bus, self).send(RISK_EXECUTE, command)

    def cancel_all_orders(self, instrument_id: str, side: OrderSide | None = None) -> None:
        """Cancel every working order of this strategy in an instrument."""
        command = CancelAllOrders(
            instrument_id=InstrumentId(instrument_id),
            strategy_id=self.id,
            side=side,
            ts_init=self.clock.timestamp_ns(),
        )
        _registered(self._bus, self).send(RISK_EXECUTE, command)

    def close_position(self, instrument_id: str, tags: tuple[str, ...] = ()) -> Order | None:
        """Flatten the position with a reduce-only market order; ``None`` when already flat."""
        iid = InstrumentId(instrument_id)
        quantity = self.portfolio.net_quantity(iid)
        if quantity == 0:
            return None
        side = OrderSide.SELL if quantity > 0 else OrderSide.BUY
        instrument = self.instrument(iid)
        return self.submit_market(
            iid, side, abs(quantity), reduce_only=instrument.is_derivative, tags=tags
        )


def _decimal(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


T = TypeVar("T")


def _registered(value: T | None, strategy: Strategy) -> T:
    if value is None:
        raise RuntimeError(f"strategy {strategy.id} is not registered with a node yet")
    return value

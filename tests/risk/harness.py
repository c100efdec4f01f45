"""A real node in miniature for risk tests: bus, clock, cache, execution engine, portfolio.

The only thing made up is the venue: :class:`ManualVenue` accepts every order and fills only
when a test says so, which lets a test (or hypothesis) decide the order of events.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import SimClock
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from colin.core.topics import EXEC_PROCESS, RISK_EXECUTE
from colin.data.engine import DataEngine
from colin.execution.engine import ExecutionEngine
from colin.model.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from colin.model.data import Bar, QuoteTick
from colin.model.enums import InstrumentKind, LiquiditySide, OrderSide, OrderType
from colin.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderUpdated,
)
from colin.model.instrument import Instrument
from colin.model.orders import Order
from colin.portfolio.portfolio import Portfolio
from colin.risk import InMemoryAuditSink, RiskConfig, RiskEngine
from colin.risk.decision import RiskDecision

VENUE = "SIM"
BTC = InstrumentId("BTC/USDT.SIM")
ETH = InstrumentId("ETH/USDT.SIM")
BTC_PERP = InstrumentId("BTC/USDT:USDT.SIM")
START_NS = 1_600_000_000_000_000_000  # 2020-09-13, a Sunday


def spot(instrument_id: InstrumentId, base: str, **kwargs: object) -> Instrument:
    """A spot instrument with 0.01 ticks and 0.001 lots."""
    return Instrument(
        id=instrument_id,
        base=base,
        quote="USDT",
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.001"),
        **kwargs,  # type: ignore[arg-type]
    )


def perp(instrument_id: InstrumentId, base: str) -> Instrument:
    """A linear perpetual with up to 20x leverage."""
    return Instrument(
        id=instrument_id,
        base=base,
        quote="USDT",
        tick_size=Decimal("0.1"),
        lot_size=Decimal("0.001"),
        kind=InstrumentKind.PERPETUAL,
        max_leverage=Decimal(20),
        taker_fee=Decimal("0.0005"),
        maker_fee=Decimal("0.0002"),
    )


class ManualVenue:
    """Accept every command; fill, cancel and amend only when told."""

    venue = VENUE

    def __init__(self, bus: MessageBus, clock: SimClock, cache: Cache) -> None:
        self._bus = bus
        self._clock = clock
        self._cache = cache
        self._ids = itertools.count(1)
        self.submitted: list[SubmitOrder] = []

    def _event(self, kind: type, order: Order, **fields: object) -> object:
        now = self._clock.timestamp_ns()
        return kind(
            client_order_id=order.client_order_id,
            instrument_id=order.instrument_id,
            strategy_id=order.strategy_id,
            ts_event=now,
            ts_init=now,
            **fields,
        )

    def submit_order(self, command: SubmitOrder) -> None:
        self.submitted.append(command)
        order = command.order
        venue_id = VenueOrderId(f"v{next(self._ids)}")
        self._bus.send(EXEC_PROCESS, self._event(OrderAccepted, order, venue_order_id=venue_id))

    def modify_order(self, command: ModifyOrder) -> None:
        order = self._cache.order(command.client_order_id)
        assert order is not None
        self._bus.send(
            EXEC_PROCESS,
            self._event(
                OrderUpdated,
                order,
                quantity=command.quantity if command.quantity is not None else order.quantity,
                price=command.price if command.price is not None else order.price,
                trigger_price=command.trigger_price
                if command.trigger_price is not None
                else order.trigger_price,
            ),
        )

    def cancel_order(self, command: CancelOrder) -> None:
        order = self._cache.order(command.client_order_id)
        assert order is not None
        self._bus.send(EXEC_PROCESS, self._event(OrderCanceled, order))

    def cancel_all_orders(self, command: CancelAllOrders) -> None:
        for order in self._cache.orders_open(command.instrument_id, command.strategy_id):
            self._bus.send(EXEC_PROCESS, self._event(OrderCanceled, order))

    def fill(
        self, order: Order, quantity: Decimal | None = None, price: Decimal | None = None
    ) -> None:
        """Fill (part of) a working order at its limit price or the last price."""
        instrument = self._cache.instrument(order.instrument_id)
        assert instrument is not None
        qty = order.leaves_qty if quantity is None else quantity
        if price is None:
            if order.price is not None:
                price = order.price
            else:
                last = self._cache.last_price(order.instrument_id)
                assert last is not None
                price = instrument.round_price(last)
        commission = (qty * price * instrument.contract_size * instrument.taker_fee).quantize(
            Decimal("0.00000001")
        )
        self._bus.send(
            EXEC_PROCESS,
            self._event(
                OrderFilled,
                order,
                venue_order_id=order.venue_order_id or VenueOrderId("v0"),
                trade_id=TradeId(f"t{next(self._ids)}"),
                side=order.side,
                last_qty=qty,
                last_px=price,
                commission=commission,
                commission_currency=instrument.quote,
                liquidity_side=LiquiditySide.TAKER,
            ),
        )

    def fill_all(self) -> None:
        """Fill every working order completely."""
        for order in list(self._cache.orders_open()):
            if order.is_open:
                self.fill(order)


class Node:
    """Everything a risk test needs, wired the way a trading node wires it."""

    def __init__(
        self,
        config: RiskConfig | None = None,
        balances: dict[str, Decimal] | None = None,
        instruments: tuple[Instrument, ...] | None = None,
        prices: dict[InstrumentId, float] | None = None,
    ) -> None:
        self.bus = MessageBus()
        self.clock = SimClock(START_NS)
        self.cache = Cache()
        for instrument in instruments or (
            spot(BTC, "BTC"),
            spot(ETH, "ETH"),
            perp(BTC_PERP, "BTC"),
        ):
            self.cache.add_instrument(instrument)
        self.data = DataEngine(self.bus, self.cache)
        self.execution = ExecutionEngine(self.bus, self.clock, self.cache)
        self.venue = ManualVenue(self.bus, self.clock, self.cache)
        self.execution.register_client(self.venue)
        self.portfolio = Portfolio(
            self.bus, self.clock, self.cache, balances or {"USDT": Decimal(100_000)}, "USDT"
        )
        self.audit = InMemoryAuditSink()
        for instrument_id, price in (
            prices or {BTC: 50_000.0, ETH: 2_000.0, BTC_PERP: 50_000.0}
        ).items():
            self.bar(instrument_id, price)
        self.risk = RiskEngine(
            self.bus, self.clock, self.cache, self.portfolio, config or RiskConfig(), self.audit
        )
        self._ids = itertools.count(1)

    def bar(self, instrument_id: InstrumentId, close: float, timeframe: str = "1m") -> None:
        """Publish a flat bar at the current clock time."""
        now = self.clock.timestamp_ns()
        self.data.handle_bar(
            Bar(
                instrument_id, timeframe, close, close, close, close, 1.0, now - 60_000_000_000, now
            )
        )

    def quote(self, instrument_id: InstrumentId, bid: float, ask: float) -> None:
        """Publish a quote at the current clock time."""
        now = self.clock.timestamp_ns()
        self.data.handle_quote(QuoteTick(instrument_id, bid, ask, 1.0, 1.0, now))

    def order(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Decimal | str | float,
        price: Decimal | str | float | None = None,
        order_type: OrderType | None = None,
        reduce_only: bool = False,
        trigger_price: Decimal | str | None = None,
        strategy: str = "test",
    ) -> Order:
        """Build an order and add it to the cache, as a strategy does."""
        qty = quantity if isinstance(quantity, Decimal) else Decimal(str(quantity))
        px = (
            None
            if price is None
            else (price if isinstance(price, Decimal) else Decimal(str(price)))
        )
        kind = order_type or (OrderType.MARKET if px is None else OrderType.LIMIT)
        order = Order(
            client_order_id=ClientOrderId(f"o-{next(self._ids)}"),
            strategy_id=StrategyId(strategy),
            instrument_id=instrument_id,
            side=side,
            order_type=kind,
            quantity=qty,
            price=px,
            trigger_price=None if trigger_price is None else Decimal(str(trigger_price)),
            reduce_only=reduce_only,
            ts_init=self.clock.timestamp_ns(),
        )
        self.cache.add_order(order)
        return order

    def submit(self, order: Order) -> Order:
        """Send a SubmitOrder through the risk endpoint, as a strategy does."""
        self.bus.send(RISK_EXECUTE, SubmitOrder(order=order, ts_init=self.clock.timestamp_ns()))
        return order

    def buy(
        self, instrument_id: InstrumentId, quantity: str | float, price: str | float | None = None
    ) -> Order:
        """Create and submit a buy."""
        return self.submit(self.order(instrument_id, OrderSide.BUY, quantity, price))

    def sell(
        self, instrument_id: InstrumentId, quantity: str | float, price: str | float | None = None
    ) -> Order:
        """Create and submit a sell."""
        return self.submit(self.order(instrument_id, OrderSide.SELL, quantity, price))

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.clock.advance_to(self.clock.timestamp_ns() + int(seconds * 1_000_000_000))

    @property
    def last_decision(self) -> RiskDecision:
        return self.risk.decisions[-1]

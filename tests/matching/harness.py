"""Builders for the simulated-venue tests: instruments, a venue wired to a real bus and
``SimClock``, and a recorder of the events the venue sends to ``ExecEngine.process``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from colin.core.bus import MessageBus
from colin.core.clock import SimClock
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId
from colin.core.topics import EXEC_PROCESS
from colin.matching import SimulatedVenue, SimulatedVenueConfig
from colin.model import (
    Bar,
    Instrument,
    InstrumentKind,
    Order,
    OrderEvent,
    OrderFilled,
    OrderSide,
    OrderType,
    SubmitOrder,
    TimeInForce,
)

MINUTE = 60_000_000_000
SPOT_ID = InstrumentId("BTC/USDT.SIM")
PERP_ID = InstrumentId("BTC/USDT:USDT.SIM")
STRATEGY = StrategyId("test")


def spot_instrument(**overrides: Any) -> Instrument:
    fields: dict[str, Any] = {
        "id": SPOT_ID,
        "base": "BTC",
        "quote": "USDT",
        "tick_size": Decimal("0.01"),
        "lot_size": Decimal("0.001"),
        "maker_fee": Decimal("0.001"),
        "taker_fee": Decimal("0.002"),
    }
    fields.update(overrides)
    return Instrument(**fields)


def perp_instrument(**overrides: Any) -> Instrument:
    fields: dict[str, Any] = {
        "id": PERP_ID,
        "base": "BTC",
        "quote": "USDT",
        "tick_size": Decimal("0.1"),
        "lot_size": Decimal("0.001"),
        "kind": InstrumentKind.PERPETUAL,
        "maker_fee": Decimal("0.0002"),
        "taker_fee": Decimal("0.0005"),
        "max_leverage": Decimal(20),
    }
    fields.update(overrides)
    return Instrument(**fields)


class Harness:
    """A venue plus its clock, bus and the events it sent, with shortcuts for tests."""

    def __init__(
        self,
        instruments: list[Instrument],
        balances: dict[str, Decimal],
        config: SimulatedVenueConfig | None = None,
        start_ns: int = 0,
    ) -> None:
        self.clock = SimClock(start_ns)
        self.bus = MessageBus()
        self.events: list[OrderEvent] = []
        self.bus.register(EXEC_PROCESS, self.events.append)
        self.venue = SimulatedVenue(
            "SIM",
            self.bus,
            self.clock,
            instruments,
            balances,
            config if config is not None else SimulatedVenueConfig(),
        )
        self._ids = 0

    def order(
        self,
        side: OrderSide,
        quantity: str,
        order_type: OrderType = OrderType.MARKET,
        price: str | None = None,
        trigger: str | None = None,
        tif: TimeInForce = TimeInForce.GTC,
        instrument_id: InstrumentId = SPOT_ID,
        **flags: bool,
    ) -> Order:
        self._ids += 1
        return Order(
            client_order_id=ClientOrderId(f"O-{self._ids}"),
            strategy_id=STRATEGY,
            instrument_id=instrument_id,
            side=side,
            order_type=order_type,
            quantity=Decimal(quantity),
            price=None if price is None else Decimal(price),
            trigger_price=None if trigger is None else Decimal(trigger),
            time_in_force=tif,
            ts_init=self.clock.timestamp_ns(),
            **flags,
        )

    def submit(self, order: Order) -> Order:
        self.venue.submit_order(SubmitOrder(order=order, ts_init=self.clock.timestamp_ns()))
        return order

    def bar(
        self,
        o: float,
        h: float,
        low: float,
        c: float,
        volume: float = 1_000.0,
        instrument_id: InstrumentId = SPOT_ID,
    ) -> Bar:
        """Feed the next one-minute bar (opening at the current time) and advance the clock."""
        ts_open = self.clock.timestamp_ns()
        bar = Bar(instrument_id, "1m", o, h, low, c, volume, ts_open, ts_open + MINUTE)
        self.clock.advance_to(bar.ts_event)
        self.venue.process_bar(bar)
        return bar

    def of(self, kind: type[OrderEvent], order: Order | None = None) -> list[Any]:
        return [
            e
            for e in self.events
            if isinstance(e, kind) and (order is None or e.client_order_id == order.client_order_id)
        ]

    def fills(self, order: Order | None = None) -> list[OrderFilled]:
        return self.of(OrderFilled, order)

    def kinds(self, order: Order) -> list[str]:
        return [type(e).__name__ for e in self.events if e.client_order_id == order.client_order_id]

"""Small factories for tests and examples: instruments, orders and events with sane defaults."""

from __future__ import annotations

from decimal import Decimal

from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from colin.execution.order_events import order_event
from colin.model.enums import (
    InstrumentKind,
    LiquiditySide,
    OrderSide,
    OrderType,
    TimeInForce,
)
from colin.model.events import OrderEvent, OrderFilled
from colin.model.instrument import Instrument
from colin.model.orders import Order

BTCUSDT = InstrumentId("BTC/USDT.BINANCE")
BTCUSDT_PERP = InstrumentId("BTC/USDT:USDT.BINANCE")


def btcusdt_spot() -> Instrument:
    """Binance BTC/USDT spot with its real filters (tick 0.01, lot 0.00001, min notional 5)."""
    return Instrument(
        id=BTCUSDT,
        base="BTC",
        quote="USDT",
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.00001"),
        min_quantity=Decimal("0.00001"),
        max_quantity=Decimal("9000"),
        min_notional=Decimal("5"),
        maker_fee=Decimal("0.001"),
        taker_fee=Decimal("0.001"),
    )


def btcusdt_perp() -> Instrument:
    """Binance BTC/USDT USD-M perpetual (tick 0.1, lot 0.001, min notional 100)."""
    return Instrument(
        id=BTCUSDT_PERP,
        base="BTC",
        quote="USDT",
        kind=InstrumentKind.PERPETUAL,
        tick_size=Decimal("0.1"),
        lot_size=Decimal("0.001"),
        min_quantity=Decimal("0.001"),
        max_quantity=Decimal("1000"),
        min_notional=Decimal("100"),
        maker_fee=Decimal("0.0002"),
        taker_fee=Decimal("0.0005"),
        max_leverage=Decimal("125"),
    )


def make_order(
    side: OrderSide = OrderSide.BUY,
    quantity: str = "1",
    order_type: OrderType = OrderType.LIMIT,
    price: str | None = "100",
    instrument_id: InstrumentId = BTCUSDT,
    client_order_id: str = "O-1",
    strategy_id: str = "test",
    time_in_force: TimeInForce = TimeInForce.GTC,
    reduce_only: bool = False,
) -> Order:
    """An INITIALIZED order."""
    return Order(
        client_order_id=ClientOrderId(client_order_id),
        strategy_id=StrategyId(strategy_id),
        instrument_id=instrument_id,
        side=side,
        order_type=order_type,
        quantity=Decimal(quantity),
        price=None if price is None else Decimal(price),
        time_in_force=time_in_force,
        reduce_only=reduce_only,
    )


def event_for(order: Order, kind: type[OrderEvent], ts: int = 0, **fields: object) -> OrderEvent:
    """An event of ``kind`` for ``order``, with the common fields filled in."""
    return order_event(kind, order, ts, ts, **fields)


def fill_for(
    order: Order,
    quantity: str,
    price: str,
    commission: str = "0",
    trade_id: str = "T-1",
    ts: int = 0,
    liquidity: LiquiditySide = LiquiditySide.TAKER,
) -> OrderFilled:
    """A fill of ``order``."""
    return order_event(
        OrderFilled,
        order,
        ts,
        ts,
        venue_order_id=VenueOrderId("V-1"),
        trade_id=TradeId(trade_id),
        side=order.side,
        last_qty=Decimal(quantity),
        last_px=Decimal(price),
        commission=Decimal(commission),
        commission_currency="USDT",
        liquidity_side=liquidity,
    )

"""Commands: requests to do something (imperative)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from colin.core.ids import ClientOrderId, InstrumentId, StrategyId
from colin.model.enums import OrderSide
from colin.model.orders import Order


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitOrder:
    """Send a new order. Travels strategy → risk engine → execution engine → venue client."""

    order: Order
    ts_init: int

    @property
    def instrument_id(self) -> InstrumentId:
        """The order's instrument."""
        return self.order.instrument_id

    @property
    def strategy_id(self) -> StrategyId:
        """The strategy that owns the order."""
        return self.order.strategy_id


@dataclass(frozen=True, slots=True, kw_only=True)
class ModifyOrder:
    """Change a working order's quantity and/or prices (``None`` keeps the current value)."""

    instrument_id: InstrumentId
    strategy_id: StrategyId
    client_order_id: ClientOrderId
    quantity: Decimal | None = None
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    ts_init: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder:
    """Cancel one working order."""

    instrument_id: InstrumentId
    strategy_id: StrategyId
    client_order_id: ClientOrderId
    ts_init: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelAllOrders:
    """Cancel every working order of an instrument, optionally only one strategy's or one side's."""

    instrument_id: InstrumentId
    strategy_id: StrategyId | None = None
    side: OrderSide | None = None
    ts_init: int


TradingCommand = SubmitOrder | ModifyOrder | CancelOrder | CancelAllOrders

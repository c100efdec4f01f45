"""The open-order ledger: what every working order would add if it filled, kept incrementally.

Pre-trade limits must hold in the worst case, when every working order fills. Summing the open
orders for each check would make a check O(open orders); instead the ledger keeps running totals
per instrument and per currency, updated from the order events the execution engine publishes
(``events.order.*``). Reduce-only orders can only shrink positions, so they count towards the
quantities that decide whether an order reduces risk, but not towards exposure.
"""

from __future__ import annotations

from colin.cache.cache import CacheFacade
from colin.core.ids import ClientOrderId, InstrumentId
from colin.model.enums import OrderSide, OrderStatus, OrderType
from colin.model.events import OrderEvent
from colin.model.orders import Order
from colin.risk.spec import InstrumentSpec

_BUY = OrderSide.BUY
_INITIALIZED = OrderStatus.INITIALIZED
_PRICED = (OrderType.LIMIT, OrderType.STOP_LIMIT)


class InstrumentOrders:
    """Totals of the open orders of one instrument (quantities in contracts).

    ``buy_limits`` and ``sell_limits`` hold the limit price of each resting priced order, for
    self-trade prevention without a cache scan.
    """

    __slots__ = ("buy_limits", "buy_qty", "count", "sell_limits", "sell_qty")

    def __init__(self) -> None:
        self.count = 0
        self.buy_qty = 0.0
        self.sell_qty = 0.0
        self.buy_limits: dict[ClientOrderId, float] = {}
        self.sell_limits: dict[ClientOrderId, float] = {}


class _Entry:
    __slots__ = (
        "base",
        "buy",
        "client_order_id",
        "cost",
        "fee",
        "instrument_id",
        "limit",
        "notional",
        "price",
        "qty",
        "quote",
        "reduce_only",
        "reserve",
        "spot",
        "totals",
        "unit_cost",
    )

    def __init__(
        self,
        order: Order,
        spec: InstrumentSpec,
        totals: InstrumentOrders,
        quantity: float,
        price: float,
        unit_cost: float,
    ) -> None:
        self.totals = totals
        self.client_order_id = order.client_order_id
        self.instrument_id = order.instrument_id
        self.limit = _limit(order)
        self.buy = order.side is _BUY
        self.reduce_only = order.reduce_only
        self.spot = not spec.is_derivative
        self.quote = spec.quote
        self.base = spec.base
        self.price = price
        self.fee = spec.taker_fee
        self.unit_cost = unit_cost
        self.cost = 0.0
        self.qty = 0.0
        self.notional = 0.0
        self.reserve = 0.0
        self.size(quantity, spec.multiplier)

    def size(self, qty: float, contract_size: float) -> None:
        self.qty = qty
        self.notional = 0.0 if self.reduce_only else qty * self.price * contract_size
        self.cost = qty * self.unit_cost
        if not self.spot:
            self.reserve = 0.0
        elif self.buy:
            self.reserve = qty * self.price * (1.0 + self.fee)
        else:
            self.reserve = qty


class OpenOrderLedger:
    """Running totals of working orders: counts, quantities, exposure, costs and reserved cash."""

    def __init__(self, cache: CacheFacade) -> None:
        self._cache = cache
        self._entries: dict[ClientOrderId, _Entry] = {}
        self._contract: dict[InstrumentId, float] = {}
        self.by_instrument: dict[InstrumentId, InstrumentOrders] = {}
        self.count = 0
        self.notional = 0.0
        self.buy_notional = 0.0
        self.sell_notional = 0.0
        self.costs = 0.0
        self.reserved: dict[str, float] = {}

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self._entries

    def instrument(self, instrument_id: InstrumentId) -> InstrumentOrders:
        """Return the totals of one instrument (created empty on first use)."""
        totals = self.by_instrument.get(instrument_id)
        if totals is None:
            totals = self.by_instrument[instrument_id] = InstrumentOrders()
        return totals

    def add(
        self,
        order: Order,
        spec: InstrumentSpec,
        quantity: float,
        price: float,
        unit_cost: float,
    ) -> None:
        """Count an approved order of ``quantity`` (its leaves) valued at ``price``.

        ``unit_cost`` is the equity one contract costs on filling (fee and adverse price).
        """
        if order.client_order_id in self._entries:
            return
        self._contract[order.instrument_id] = spec.multiplier
        entry = _Entry(
            order, spec, self.instrument(order.instrument_id), quantity, price, unit_cost
        )
        self._entries[order.client_order_id] = entry
        self._apply(entry, 1.0)

    def on_order_event(self, event: OrderEvent) -> None:
        """Re-size or drop an order after the execution engine moved it."""
        entry = self._entries.pop(event.client_order_id, None)
        if entry is None:
            return
        self._apply(entry, -1.0)
        order = self._cache.order(event.client_order_id)
        if order is not None:
            self._restore(order, entry)

    def _restore(self, order: Order, entry: _Entry) -> None:
        if order.status is not _INITIALIZED and not order.is_open:
            return
        if order.price is not None and order.price.is_finite():
            entry.price = float(order.price)
        entry.limit = _limit(order)
        entry.size(float(order.leaves_qty), self._contract[order.instrument_id])
        if entry.qty <= 0.0:
            return
        self._entries[order.client_order_id] = entry
        self._apply(entry, 1.0)

    def _apply(self, entry: _Entry, sign: float) -> None:
        totals = entry.totals
        step = 1 if sign > 0.0 else -1
        totals.count += step
        self.count += step
        if entry.buy:
            totals.buy_qty += sign * entry.qty
            self.buy_notional += sign * entry.notional
            limits = totals.buy_limits
        else:
            totals.sell_qty += sign * entry.qty
            self.sell_notional += sign * entry.notional
            limits = totals.sell_limits
        if entry.limit is not None:
            if sign > 0.0:
                limits[entry.client_order_id] = entry.limit
            else:
                limits.pop(entry.client_order_id, None)
        self.notional += sign * entry.notional
        self.costs += sign * entry.cost
        if entry.spot:
            currency = entry.quote if entry.buy else entry.base
            self.reserved[currency] = self.reserved.get(currency, 0.0) + sign * entry.reserve


def _limit(order: Order) -> float | None:
    """The price at which a resting order could trade with ours (``None`` for market/stop)."""
    if order.order_type in _PRICED and order.price is not None and order.price.is_finite():
        return float(order.price)
    return None

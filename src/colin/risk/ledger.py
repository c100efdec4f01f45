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
from colin.model.events import OrderAccepted, OrderEvent, OrderSubmitted
from colin.model.orders import Order
from colin.risk.spec import InstrumentSpec

_BUY = OrderSide.BUY
_INITIALIZED = OrderStatus.INITIALIZED
_PRICED = (OrderType.LIMIT, OrderType.STOP_LIMIT)
# events that leave an order open with the same quantity, price and fills (every order has both)
_UNCHANGED_BY = frozenset({OrderSubmitted, OrderAccepted})


class InstrumentOrders:
    """Totals of the open orders of one instrument (quantities in contracts).

    ``buy_limits`` and ``sell_limits`` hold the limit price of each resting priced order, and
    ``highest_buy`` and ``lowest_sell`` the best of each side (``None`` when there is none), for
    self-trade prevention without a cache scan. The best price is looked for again only when the
    order holding it goes.
    """

    __slots__ = (
        "buy_limits",
        "buy_qty",
        "count",
        "highest_buy",
        "lowest_sell",
        "sell_limits",
        "sell_qty",
    )

    def __init__(self) -> None:
        self.count = 0
        self.buy_qty = 0.0
        self.sell_qty = 0.0
        self.buy_limits: dict[ClientOrderId, float] = {}
        self.sell_limits: dict[ClientOrderId, float] = {}
        self.highest_buy: float | None = None
        self.lowest_sell: float | None = None

    def add_limit(self, client_order_id: ClientOrderId, buy: bool, price: float) -> None:
        """Record a resting limit price."""
        if buy:
            self.buy_limits[client_order_id] = price
            if self.highest_buy is None or price > self.highest_buy:
                self.highest_buy = price
        else:
            self.sell_limits[client_order_id] = price
            if self.lowest_sell is None or price < self.lowest_sell:
                self.lowest_sell = price

    def remove_limit(self, client_order_id: ClientOrderId, buy: bool) -> None:
        """Forget a resting limit price."""
        if buy:
            limits = self.buy_limits
            if limits.pop(client_order_id, None) == self.highest_buy:
                self.highest_buy = max(limits.values()) if limits else None
        else:
            limits = self.sell_limits
            if limits.pop(client_order_id, None) == self.lowest_sell:
                self.lowest_sell = min(limits.values()) if limits else None


class _Entry:
    __slots__ = (
        "buy",
        "client_order_id",
        "cost",
        "currency",
        "fee",
        "limit",
        "multiplier",
        "notional",
        "price",
        "qty",
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
        limit: float | None,
        price: float,
        unit_cost: float,
        qty: float,
    ) -> None:
        self.totals = totals
        self.client_order_id = order.client_order_id
        self.limit = limit
        self.buy = buy = order.side is _BUY
        self.reduce_only = order.reduce_only
        self.spot = not spec.is_derivative
        self.currency = spec.quote if buy else spec.base  # what a spot order reserves
        self.multiplier = spec.multiplier
        self.price = price
        self.fee = spec.taker_fee
        self.unit_cost = unit_cost
        self.size(qty)

    def size(self, qty: float) -> None:
        self.qty = qty
        self.notional = 0.0 if self.reduce_only else qty * self.price * self.multiplier
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
        own_price: float | None,
    ) -> None:
        """Count an approved order of ``quantity`` (its leaves) valued at ``price``.

        ``unit_cost`` is the equity one contract costs on filling (fee and adverse price);
        ``own_price`` is the order's limit (or trigger) price as a float, ``None`` for a market
        order.
        """
        client_order_id = order.client_order_id
        if client_order_id in self._entries:
            return
        totals = self.by_instrument.get(order.instrument_id)
        if totals is None:
            totals = self.instrument(order.instrument_id)
        limit = own_price if order.order_type in _PRICED else None
        entry = _Entry(order, spec, totals, limit, price, unit_cost, quantity)
        self._entries[client_order_id] = entry
        self._add(entry)

    def on_order_event(self, event: OrderEvent) -> None:
        """Re-size or drop an order after the execution engine moved it."""
        if event.__class__ in _UNCHANGED_BY:
            return
        entry = self._entries.pop(event.client_order_id, None)
        if entry is None:
            return
        self._remove(entry)
        order = self._cache.order(event.client_order_id)
        if order is not None:
            self._restore(order, entry)

    def _restore(self, order: Order, entry: _Entry) -> None:
        if order.status is not _INITIALIZED and not order.is_open:
            return
        if order.price is not None and order.price.is_finite():
            entry.price = float(order.price)
        entry.limit = _limit(order)
        entry.size(float(order.leaves_qty))
        if entry.qty <= 0.0:
            return
        self._entries[order.client_order_id] = entry
        self._add(entry)

    def _add(self, entry: _Entry) -> None:
        totals = entry.totals
        totals.count += 1
        self.count += 1
        if entry.buy:
            totals.buy_qty += entry.qty
            self.buy_notional += entry.notional
        else:
            totals.sell_qty += entry.qty
            self.sell_notional += entry.notional
        if entry.limit is not None:
            totals.add_limit(entry.client_order_id, entry.buy, entry.limit)
        self.notional += entry.notional
        self.costs += entry.cost
        if entry.spot:
            currency = entry.currency
            self.reserved[currency] = self.reserved.get(currency, 0.0) + entry.reserve

    def _remove(self, entry: _Entry) -> None:
        totals = entry.totals
        totals.count -= 1
        self.count -= 1
        if entry.buy:
            totals.buy_qty -= entry.qty
            self.buy_notional -= entry.notional
        else:
            totals.sell_qty -= entry.qty
            self.sell_notional -= entry.notional
        if entry.limit is not None:
            totals.remove_limit(entry.client_order_id, entry.buy)
        self.notional -= entry.notional
        self.costs -= entry.cost
        if entry.spot:
            currency = entry.currency
            self.reserved[currency] = self.reserved.get(currency, 0.0) - entry.reserve


def _limit(order: Order) -> float | None:
    """The price at which a resting order could trade with ours (``None`` for market/stop)."""
    if order.order_type in _PRICED and order.price is not None and order.price.is_finite():
        return float(order.price)
    return None

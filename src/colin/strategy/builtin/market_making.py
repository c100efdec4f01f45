"""Avellaneda–Stoikov market making: skewed post-only quotes on both sides of an L2 book.

With mid price ``s``, inventory ``q`` (in quote lots of ``order_size``), risk aversion ``γ``,
mid-price variance rate ``σ²`` (price² per second, estimated online), order-arrival decay ``k``
and remaining horizon ``τ`` (seconds), Avellaneda and Stoikov (2008) give

    reservation price  r = s − q · γ · σ² · τ
    optimal spread     δ = γ · σ² · τ + (2 / γ) · ln(1 + γ / k)

and the quotes ``r − δ/2`` (bid) and ``r + δ/2`` (ask). Being long lowers both quotes (sell more
readily, buy less readily), being short raises them.
"""

from __future__ import annotations

import math
from decimal import Decimal

from pydantic import Field

from colin.core.ids import InstrumentId
from colin.model.book import OrderBook
from colin.model.enums import OrderSide
from colin.model.orders import Order
from colin.strategy.params import StrategyParams
from colin.strategy.strategy import Strategy

_NS = 1e-9


class AvellanedaStoikovParams(StrategyParams):
    """Parameters of :class:`AvellanedaStoikov`."""

    instrument_id: str = Field(description="Instrument to quote, SYMBOL.VENUE (needs L2 data)")
    order_size: Decimal = Field(
        Decimal("0.001"), gt=0, description="Quantity of each quote (base units); one inventory lot"
    )
    max_inventory: Decimal = Field(
        Decimal("0.005"),
        gt=0,
        description="Largest absolute position (base units); the side that would exceed it "
        "is not quoted",
    )
    gamma: float = Field(0.1, gt=0, description="Risk aversion γ (per inventory lot)")
    arrival_decay: float = Field(
        1.5, gt=0, description="Order-arrival intensity decay k (per price unit)"
    )
    horizon_s: float = Field(
        10.0, gt=0, description="Remaining horizon τ (s), held constant: a rolling horizon"
    )
    volatility_halflife_s: float = Field(
        30.0, gt=0, description="Half-life (s) of the exponentially weighted variance of the mid"
    )
    warmup_updates: int = Field(
        50, ge=2, description="Book updates used to estimate σ² before the first quote"
    )
    refresh_bps: float = Field(
        1.0, gt=0, description="Requote when the mid moves this far (bps) from the quoted mid"
    )
    refresh_interval_s: float = Field(
        5.0, gt=0, description="Requote at least this often (s) even if the mid is still"
    )


class AvellanedaStoikov(Strategy):
    """Quote both sides post-only around the Avellaneda–Stoikov reservation price.

    Every book update updates σ² (an exponentially weighted mean of squared mid changes per
    second). After ``warmup_updates`` updates the strategy keeps at most one bid and one ask
    working. A quote is refreshed (``modify_order``, keeping its quantity) when the mid has moved
    more than ``refresh_bps`` since it was priced or ``refresh_interval_s`` has passed. A bid is
    only placed when ``position + order quantity <= max_inventory`` (an ask when
    ``position - quantity >= -max_inventory``), with the quantity cut to the room left, so fills
    can never take the position past the limit. Quotes are clamped one tick inside the opposite
    touch so that they stay makers; a quote that would still cross is rejected by the venue.
    On spot a new quote is also cut to what the account holds (base asset for an ask, quote
    currency for a bid), so a side the account cannot fund is simply not quoted.
    """

    name = "avellaneda_stoikov"
    Params = AvellanedaStoikovParams
    params: AvellanedaStoikovParams

    def on_start(self) -> None:
        """Subscribe to the book and reset the volatility estimate and quote state."""
        p = self.params
        self._iid = InstrumentId(p.instrument_id)
        self._instrument = self.instrument(p.instrument_id)
        self._tick = float(self._instrument.tick_size)
        self._decay_per_s = math.log(2.0) / p.volatility_halflife_s
        self.variance_rate = math.nan
        self.reservation_price = math.nan
        self.spread = math.nan
        self._updates = 0
        self._last_mid = math.nan
        self._last_ns = 0
        self._bid: Order | None = None
        self._ask: Order | None = None
        self._quoted_mid = math.nan
        self._quoted_ns = 0
        self.subscribe_order_book(p.instrument_id)

    def on_order_book(self, book: OrderBook) -> None:
        """Update σ², then place or refresh the quotes."""
        bid, ask = book.best_bid_price(), book.best_ask_price()
        if bid is None or ask is None or bid >= ask:
            return
        mid = (bid + ask) * 0.5
        now = self.clock.timestamp_ns()
        self._update_variance(mid, now)
        if self._updates < self.params.warmup_updates or math.isnan(self.variance_rate):
            return
        p = self.params
        position = self.portfolio.net_quantity(self._iid)
        moved = abs(mid - self._quoted_mid) * 1e4 > p.refresh_bps * self._quoted_mid
        stale = (now - self._quoted_ns) * _NS >= p.refresh_interval_s
        bid_room, ask_room = self._rooms(position, bid)
        missing = (self._bid is None or not self._bid.is_open) and self._size(bid_room, bid) > 0
        missing = missing or (
            (self._ask is None or not self._ask.is_open) and self._size(ask_room, ask) > 0
        )
        if moved or stale or missing:
            self._quote(mid, bid, ask, position, now)

    def _update_variance(self, mid: float, now: int) -> None:
        self._updates += 1
        last_mid, last_ns = self._last_mid, self._last_ns
        if now <= last_ns:
            return  # several messages at one timestamp: measure over time only
        self._last_mid, self._last_ns = mid, now
        if math.isnan(last_mid):
            return
        dt = (now - last_ns) * _NS
        sample = (mid - last_mid) ** 2 / dt
        if math.isnan(self.variance_rate):
            self.variance_rate = sample
        else:
            weight = 1.0 - math.exp(-self._decay_per_s * dt)
            self.variance_rate += weight * (sample - self.variance_rate)

    def quotes(self, mid: float, inventory_lots: float) -> tuple[float, float]:
        """Return the (bid, ask) prices for ``mid`` and an inventory in lots, unclamped."""
        p = self.params
        risk = p.gamma * self.variance_rate * p.horizon_s
        self.reservation_price = mid - inventory_lots * risk
        self.spread = risk + 2.0 / p.gamma * math.log1p(p.gamma / p.arrival_decay)
        half = self.spread * 0.5
        return self.reservation_price - half, self.reservation_price + half

    def _quote(
        self, mid: float, best_bid: float, best_ask: float, position: Decimal, now: int
    ) -> None:
        p = self.params
        bid_price, ask_price = self.quotes(mid, float(position / p.order_size))
        bid_price = min(bid_price, best_ask - self._tick)
        ask_price = max(ask_price, best_bid + self._tick)
        self._quoted_mid, self._quoted_ns = mid, now
        bid_room, ask_room = self._rooms(position, bid_price)
        self._bid = self._place(self._bid, OrderSide.BUY, bid_room, bid_price)
        self._ask = self._place(self._ask, OrderSide.SELL, ask_room, ask_price)

    def _rooms(self, position: Decimal, bid_price: float) -> tuple[Decimal, Decimal]:
        """Return the largest new bid and ask quantities the limits and the account allow."""
        limit = self.params.max_inventory
        bid_room, ask_room = limit - position, limit + position
        instrument = self._instrument
        if not instrument.is_derivative:
            # Spot cannot borrow: a sell needs the base asset, a buy the quote plus the fee.
            portfolio = self.portfolio
            ask_room = min(ask_room, portfolio.balance_free(instrument.base))
            unit_cost = Decimal(repr(bid_price)) * (1 + instrument.taker_fee)
            bid_room = min(bid_room, portfolio.balance_free(instrument.quote) / unit_cost)
        return bid_room, ask_room

    def _place(
        self, order: Order | None, side: OrderSide, room: Decimal, price: float
    ) -> Order | None:
        """Refresh the side's working quote or submit a new one within the inventory room."""
        if order is not None and order.is_open:
            if _working(order):
                self.modify_order(order, price=price)
            return order  # a pending order is left alone until the venue answers
        quantity = self._size(room, price)
        if quantity <= 0:
            return None
        return self.submit_limit(
            self._iid, side, quantity, price, post_only=True, tags=("quote", side.value.lower())
        )

    def _size(self, room: Decimal, price: float) -> Decimal:
        """Return the quote quantity that fits ``room``, or 0 below the venue's minimums."""
        instrument = self._instrument
        quantity = instrument.round_quantity(min(self.params.order_size, room))
        if quantity <= 0 or quantity < instrument.min_quantity:
            return Decimal(0)
        if quantity * Decimal(repr(price)) < instrument.min_notional:
            return Decimal(0)
        return quantity


def _working(order: Order | None) -> bool:
    """Whether the venue has accepted the order and it can still fill (not pending a change)."""
    return order is not None and order.status.name in ("ACCEPTED", "PARTIALLY_FILLED")

"""The portfolio: balances, positions, PnL, fees and funding, from fills.

It books every fill published on ``events.fills`` (exact ``Decimal`` money) and every funding
rate published on ``data.funding.*`` for open perpetual positions. Equity is cash plus positions
marked at the cache's last prices; on the per-bar path that is a loop over the *open* positions
only, in floats kept beside the exact values.

Accounting:

- spot: a buy pays ``qty * price`` of quote and receives ``qty`` of base; a sell the reverse;
- linear perpetual: no notional changes hands; realised PnL is credited to the quote balance
  when a fill reduces the position; funding ``-qty * mark * rate`` is paid at each funding time;
- fees are debited in the fill's commission currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.ids import InstrumentId
from colin.core.topics import FILLS_TOPIC, position_events_topic
from colin.model.data import FundingRate
from colin.model.enums import OrderSide
from colin.model.events import OrderFilled, PositionChanged, PositionClosed, PositionOpened
from colin.model.instrument import Instrument
from colin.model.position import Position

_ZERO = Decimal(0)


class Portfolio:
    """Balances and positions of one account (implements ``PortfolioFacade``).

    Attributes
    ----------
    version
        Moves with every booking that changes a balance or a position. While it stays the same
        and :attr:`priced` is false, :meth:`equity` gives the same value (a replay loop may
        reuse it instead of asking again).
    priced
        Whether :meth:`equity` depends on market prices: a balance in another currency than the
        base, or an open perpetual position.
    """

    def __init__(
        self,
        bus: MessageBus,
        clock: Clock,
        cache: Cache,
        starting_balances: Mapping[str, Decimal],
        base_currency: str = "USDT",
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._cache = cache
        self.base_currency = base_currency
        self._balances: dict[str, Decimal] = {c: Decimal(v) for c, v in starting_balances.items()}
        self._balances.setdefault(base_currency, _ZERO)
        self._positions: dict[InstrumentId, Position] = {}
        self._open: dict[InstrumentId, Position] = {}
        self._fees: dict[str, Decimal] = {}
        self.funding_paid = _ZERO
        self._cash_f = float(self._balances[base_currency])
        # non-base currency balances (floats) and the spot pair that prices each in the base
        self._holdings: dict[str, float] = {}
        self._pricing: dict[str, InstrumentId] = {}
        for currency, amount in self._balances.items():
            if currency != base_currency and amount:
                self._holdings[currency] = float(amount)
        self._open_derivatives: dict[InstrumentId, Position] = {}
        self.version = 0
        self.priced = bool(self._holdings)
        self._peak = float("-inf")
        self._position_topics: dict[str, str] = {}
        self._bus.subscribe(FILLS_TOPIC, self.handle_fill, priority=100)
        self._bus.subscribe("data.funding.*", self.handle_funding, priority=100)

    # -- updates ---------------------------------------------------------------------------------

    def handle_fill(self, fill: OrderFilled) -> None:
        """Book a fill into balances and the instrument's position."""
        instrument = self._cache.instrument_or_raise(fill.instrument_id)
        position = self._positions.get(fill.instrument_id)
        if position is None:
            position = self._positions[fill.instrument_id] = Position(instrument, fill.strategy_id)
        was_open = position.is_open
        before = position.quantity
        realized = position.apply(fill)
        self._book_cash(instrument, fill, realized)
        if position.is_open:
            self._open[fill.instrument_id] = position
            if instrument.is_derivative:
                self._open_derivatives[fill.instrument_id] = position
        else:
            self._open.pop(fill.instrument_id, None)
            self._open_derivatives.pop(fill.instrument_id, None)
        self._changed()
        self._publish_position(position, was_open, before, fill.ts_event)

    def _book_cash(self, instrument: Instrument, fill: OrderFilled, realized: Decimal) -> None:
        quote = instrument.quote
        if instrument.is_derivative:
            self._credit(quote, realized)
        else:
            notional = fill.last_qty * fill.last_px
            if fill.side is OrderSide.BUY:
                self._credit(quote, -notional)
                self._credit(instrument.base, fill.last_qty)
            else:
                self._credit(quote, notional)
                self._credit(instrument.base, -fill.last_qty)
        if fill.commission:
            self._credit(fill.commission_currency, -fill.commission)
            self._fees[fill.commission_currency] = (
                self._fees.get(fill.commission_currency, _ZERO) + fill.commission
            )

    def _credit(self, currency: str, amount: Decimal) -> None:
        balance = self._balances[currency] = self._balances.get(currency, _ZERO) + amount
        if currency == self.base_currency:
            self._cash_f = float(balance)
        elif balance:
            self._holdings[currency] = float(balance)
        else:
            self._holdings.pop(currency, None)
        self._changed()

    def _changed(self) -> None:
        """Note that a balance or a position changed (see :attr:`version`)."""
        self.version += 1
        self.priced = bool(self._holdings or self._open_derivatives)

    def _pricing_instrument(self, currency: str) -> InstrumentId | None:
        """The spot pair ``currency/base`` whose last price values a balance of ``currency``."""
        found = next(
            (
                i.id
                for i in self._cache.instruments()
                if not i.is_derivative and i.base == currency and i.quote == self.base_currency
            ),
            None,
        )
        if found is not None:
            self._pricing[currency] = found
        return found

    def handle_funding(self, funding: FundingRate) -> None:
        """Pay or receive funding on an open perpetual position."""
        position = self._open.get(funding.instrument_id)
        if position is None or not position.instrument.is_derivative:
            return
        mark = funding.mark_price or self._cache.last_price(funding.instrument_id)
        if mark is None:
            return
        payment = (
            -position.quantity
            * position.contract_size
            * Decimal(repr(mark))
            * Decimal(repr(funding.rate))
        )
        self.funding_paid -= payment
        self._credit(position.instrument.quote, payment)

    def correct_balance(self, currency: str, total: Decimal) -> None:
        """Set a currency's total balance (reconciliation takes the venue's number)."""
        self._credit(currency, total - self._balances.get(currency, _ZERO))

    def correct_position(
        self, instrument_id: InstrumentId, quantity: Decimal, avg_entry_price: Decimal
    ) -> None:
        """Set a position's signed quantity and entry price (reconciliation: the venue's)."""
        position = self._positions.get(instrument_id)
        if position is None:
            instrument = self._cache.instrument_or_raise(instrument_id)
            position = self._positions[instrument_id] = Position(instrument)
        position.quantity = quantity
        position.avg_entry_price = avg_entry_price if quantity else _ZERO
        position.quantity_f = float(quantity)
        position.avg_entry_price_f = float(position.avg_entry_price)
        if position.is_open:
            self._open[instrument_id] = position
            if position.instrument.is_derivative:
                self._open_derivatives[instrument_id] = position
        else:
            self._open.pop(instrument_id, None)
            self._open_derivatives.pop(instrument_id, None)
        self._changed()

    def _publish_position(
        self, position: Position, was_open: bool, before: Decimal, ts: int
    ) -> None:
        topic = self._position_topics.get(position.strategy_id)
        if topic is None:
            topic = self._position_topics[position.strategy_id] = position_events_topic(
                position.strategy_id
            )
        if not self._bus.has_subscribers(topic):
            return
        kind: type[PositionOpened] | type[PositionChanged] | type[PositionClosed]
        if not was_open:
            kind = PositionOpened
        elif not position.is_open:
            kind = PositionClosed
        else:
            kind = PositionChanged
        if kind is PositionChanged and before == position.quantity:
            return
        self._bus.publish(
            topic,
            kind(
                instrument_id=position.instrument_id,
                strategy_id=position.strategy_id,
                quantity=position.quantity,
                avg_entry_price=position.avg_entry_price,
                realized_pnl=position.realized_pnl,
                ts_event=ts,
            ),
        )

    # -- queries (PortfolioFacade) ---------------------------------------------------------------

    def position(self, instrument_id: InstrumentId) -> Position | None:
        """The position in an instrument (``None`` if never traded)."""
        return self._positions.get(instrument_id)

    def positions_open(self) -> list[Position]:
        """Every non-flat position."""
        return list(self._open.values())

    def net_quantity(self, instrument_id: InstrumentId) -> Decimal:
        """Signed position quantity (0 when flat or never traded)."""
        position = self._positions.get(instrument_id)
        return _ZERO if position is None else position.quantity

    def balances(self) -> dict[str, Decimal]:
        """Every currency balance."""
        return dict(self._balances)

    def balance_total(self, currency: str) -> Decimal:
        """Total balance of a currency."""
        return self._balances.get(currency, _ZERO)

    def balance_free(self, currency: str) -> Decimal:
        """Balance less what open orders lock (spot buys lock quote, spot sells lock base)."""
        locked = _ZERO
        for order in self._cache.orders_open():
            instrument = self._cache.instrument(order.instrument_id)
            if instrument is None or instrument.is_derivative:
                continue
            leaves = order.leaves_qty
            if order.side is OrderSide.BUY and instrument.quote == currency:
                price = order.price or order.trigger_price
                if price is None:
                    last = self._cache.last_price(order.instrument_id)
                    price = Decimal(repr(last)) if last is not None else _ZERO
                locked += leaves * price * (1 + instrument.taker_fee)
            elif order.side is OrderSide.SELL and instrument.base == currency:
                locked += leaves
        return self.balance_total(currency) - locked

    def equity(self) -> float:
        """Account value in the base currency at the last prices.

        Every balance counts: the base currency at face value, any other currency at the last
        price of its spot pair against the base (a currency with no such pair or no price yet
        counts as 0), plus the open PnL of perpetual positions (their margin is already in cash).
        """
        equity = self._cash_f
        prices = self._cache.last_prices
        if self._holdings:  # a flat spot account has none: skip building the iterator
            pricing = self._pricing
            for currency, amount in self._holdings.items():
                instrument_id = pricing.get(currency) or self._pricing_instrument(currency)
                price = prices.get(instrument_id) if instrument_id is not None else None
                if price is not None:
                    equity += amount * price
        if self._open_derivatives:  # most spot runs have none
            for instrument_id, position in self._open_derivatives.items():
                price = prices.get(instrument_id)
                if price is not None:
                    equity += position.unrealized_pnl(price)
        if equity > self._peak:
            self._peak = equity
        return equity

    def peak_equity(self) -> float:
        """Highest equity computed so far."""
        return max(self._peak, self.equity())

    def unrealized_pnl(self, instrument_id: InstrumentId | None = None) -> float:
        """Open PnL of one instrument, or of all open positions."""
        prices = self._cache.last_prices
        selected = (
            self._open.values()
            if instrument_id is None
            else [p for p in (self._open.get(instrument_id),) if p is not None]
        )
        return sum(
            (p.unrealized_pnl(prices.get(p.instrument_id, p.avg_entry_price_f)) for p in selected),
            0.0,
        )

    def realized_pnl(self, instrument_id: InstrumentId | None = None) -> Decimal:
        """Closed PnL before fees, of one instrument or of all."""
        if instrument_id is not None:
            position = self._positions.get(instrument_id)
            return _ZERO if position is None else position.realized_pnl
        return sum((p.realized_pnl for p in self._positions.values()), _ZERO)

    def total_fees(self) -> Decimal:
        """Fees paid in the base currency."""
        return self._fees.get(self.base_currency, _ZERO)

    def fees(self) -> dict[str, Decimal]:
        """Fees paid, per currency."""
        return dict(self._fees)

    def gross_exposure(self) -> float:
        """Sum of absolute position notionals at the last prices."""
        prices = self._cache.last_prices
        return sum(
            p.notional(prices.get(p.instrument_id, p.avg_entry_price_f))
            for p in self._open.values()
        )

    def net_exposure(self) -> float:
        """Sum of signed position notionals at the last prices."""
        prices = self._cache.last_prices
        return sum(
            p.quantity_f * prices.get(p.instrument_id, p.avg_entry_price_f) * float(p.contract_size)
            for p in self._open.values()
        )

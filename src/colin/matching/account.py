"""The simulated venue's own account: balances, reservations, perpetual positions and margin.

This is the venue's truth, the side a reconciliation compares the portfolio against.

Spot instruments use a cash account: a buy pays ``quantity * price`` plus the fee in the quote
currency and receives the base; a sell delivers base and receives quote less the fee. Open orders
hold (lock) what they may spend: a buy its cost at the limit price plus the highest fee rate, a
sell its base quantity.

Linear perpetuals use a margin account in the quote currency: a position locks initial margin
``|quantity| * avg_entry_price * contract_size / leverage``; realised PnL, fees and funding go
to the wallet balance. An open order locks margin for the part of it that would open or grow a
position, plus the fee. Liquidation and unrealised-PnL margin calls are not modelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal

from colin.core.ids import InstrumentId
from colin.matching.fees import FeeModel
from colin.matching.venue_order import VenueOrder
from colin.model.account import Balance
from colin.model.enums import LiquiditySide
from colin.model.events import OrderFilled
from colin.model.instrument import Instrument
from colin.model.position import Position

_ZERO = Decimal(0)
_SHARE_STEP = Decimal("1e-12")


class VenueAccount:
    """Balances and positions of the single account trading at a simulated venue."""

    __slots__ = ("_fees", "_leverage", "_locked", "_margins", "_positions", "_total")

    def __init__(
        self, starting_balances: Mapping[str, Decimal], fees: FeeModel, leverage: Decimal
    ) -> None:
        for currency, amount in starting_balances.items():
            if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
                raise ValueError(
                    f"starting balance of {currency}: expected a non-negative finite Decimal, "
                    f"got {amount!r}"
                )
        self._total: dict[str, Decimal] = dict(starting_balances)
        self._locked: dict[str, Decimal] = {}
        self._positions: dict[InstrumentId, Position] = {}
        self._margins: dict[InstrumentId, tuple[str, Decimal]] = {}
        self._fees = fees
        self._leverage = leverage

    # -- queries ---------------------------------------------------------------------------------

    def balances(self) -> dict[str, Balance]:
        """Return every currency's balance; ``locked`` holds open orders and position margin."""
        locked = dict(self._locked)
        for currency, margin in self._margins.values():
            locked[currency] = locked.get(currency, _ZERO) + margin
        currencies = sorted(set(self._total) | set(locked))
        return {c: Balance(c, self._total.get(c, _ZERO), locked.get(c, _ZERO)) for c in currencies}

    def free(self, currency: str) -> Decimal:
        """Return what can be spent or committed now in ``currency``."""
        locked = self._locked.get(currency, _ZERO)
        for margin_currency, margin in self._margins.values():
            if margin_currency == currency:
                locked += margin
        return self._total.get(currency, _ZERO) - locked

    def position_quantity(self, instrument: Instrument) -> Decimal:
        """Return the signed perpetual position, or the base balance held for a spot pair."""
        if instrument.is_derivative:
            position = self._positions.get(instrument.id)
            return _ZERO if position is None else position.quantity
        return self._total.get(instrument.base, _ZERO)

    def position_entry(self, instrument_id: InstrumentId) -> tuple[Decimal, Decimal]:
        """Return a perpetual position's signed quantity and average entry price (0, 0 if flat)."""
        position = self._positions.get(instrument_id)
        if position is None:
            return _ZERO, _ZERO
        return position.quantity, position.avg_entry_price

    def set_leverage(self, leverage: Decimal) -> None:
        """Use ``leverage`` for the margin of later reservations and fills."""
        self._leverage = leverage

    def has_position(self, instrument_id: InstrumentId) -> bool:
        """Return whether a perpetual position is open in ``instrument_id``."""
        position = self._positions.get(instrument_id)
        return position is not None and position.quantity != 0

    # -- reservations ----------------------------------------------------------------------------

    def reserve(self, instrument: Instrument, order: VenueOrder, price: Decimal) -> str | None:
        """Lock what ``order``'s unfilled quantity may cost at ``price``.

        Returns
        -------
        str or None
            The refusal reason when the free balance is too small, else ``None``.
        """
        currency, amount = self._requirement(instrument, order, order.leaves_qty, price)
        free = self.free(currency)
        if order.reserved and order.reserved_currency == currency:
            free += order.reserved  # a modified order may reuse what it already holds
        if amount > free:
            return (
                f"insufficient balance: the order needs {_fmt(amount)} {currency}, "
                f"{_fmt(free)} {currency} is free"
            )
        self.release(order)
        order.reserved = amount
        order.reserved_currency = currency
        self._locked[currency] = self._locked.get(currency, _ZERO) + amount
        return None

    def release(self, order: VenueOrder) -> None:
        """Unlock everything ``order`` still holds."""
        if order.reserved:
            currency = order.reserved_currency
            self._locked[currency] -= order.reserved
            order.reserved = _ZERO

    def _release_share(self, order: VenueOrder, quantity: Decimal) -> None:
        share = self._reserved_share(order, quantity)
        if share:
            self._locked[order.reserved_currency] -= share
            order.reserved -= share

    @staticmethod
    def _reserved_share(order: VenueOrder, quantity: Decimal) -> Decimal:
        leaves = order.leaves_qty
        if not order.reserved or leaves <= 0:
            return _ZERO
        if quantity >= leaves:
            return order.reserved
        # quantized so that the shares and the final remainder add up exactly
        return (order.reserved * quantity / leaves).quantize(_SHARE_STEP, ROUND_DOWN)

    def _requirement(
        self, instrument: Instrument, order: VenueOrder, quantity: Decimal, price: Decimal
    ) -> tuple[str, Decimal]:
        notional = instrument.notional(quantity, price)
        fee = notional * max(self._fees.max_rate(instrument), _ZERO)
        if instrument.is_derivative:
            opening = max(quantity - self._reducible(instrument.id, order.is_buy), _ZERO)
            margin = instrument.notional(opening, price) / self._leverage
            # closing frees the margin the closed part held; it pays that part's fee, as on a
            # real exchange, where a close is never refused for want of free balance
            position = self._positions.get(instrument.id)
            released = (
                _ZERO
                if position is None
                else instrument.notional(quantity - opening, position.avg_entry_price)
                / self._leverage
            )
            return instrument.quote, max(margin + fee - released, _ZERO)
        if order.is_buy:
            return instrument.quote, notional + fee
        return instrument.base, quantity

    def _reducible(self, instrument_id: InstrumentId, is_buy: bool) -> Decimal:
        position = self._positions.get(instrument_id)
        if position is None or position.quantity == 0 or (position.quantity > 0) == is_buy:
            return _ZERO
        return abs(position.quantity)

    # -- fills -----------------------------------------------------------------------------------

    def fillable_quantity(
        self,
        instrument: Instrument,
        order: VenueOrder,
        quantity: Decimal,
        price: Decimal,
        liquidity_side: LiquiditySide,
    ) -> Decimal:
        """Return the largest part of ``quantity`` (in lots) the account can pay for at ``price``.

        When the whole of ``quantity`` is not affordable, the order's rest will be expired, so
        all of its reservation counts as available for the part that fills. Reduce-only
        perpetual orders are also capped at the position they reduce.
        """
        if order.reduce_only and instrument.is_derivative:
            quantity = min(quantity, self._reducible(instrument.id, order.is_buy))
        if quantity <= 0:
            return _ZERO
        share = self._reserved_share(order, quantity)
        if self._free_after(instrument, order, quantity, price, liquidity_side, share) >= 0:
            return quantity
        lot = instrument.lot_size
        low, high = 0, int(quantity / lot)
        while low < high:
            middle = (low + high + 1) // 2
            free = self._free_after(
                instrument, order, middle * lot, price, liquidity_side, order.reserved
            )
            if free >= 0:
                low = middle
            else:
                high = middle - 1
        return low * lot

    def _free_after(
        self,
        instrument: Instrument,
        order: VenueOrder,
        quantity: Decimal,
        price: Decimal,
        liquidity_side: LiquiditySide,
        released: Decimal,
    ) -> Decimal:
        """Return the free balance after filling ``quantity`` with ``released`` unlocked."""
        fee = self._fees.commission(instrument, quantity, price, liquidity_side)
        if instrument.is_derivative:
            free = self.free(instrument.quote) + released
            position = self._positions.get(instrument.id)
            quantity_now = _ZERO if position is None else position.quantity
            entry = _ZERO if position is None else position.avg_entry_price
            signed = quantity if order.is_buy else -quantity
            new_qty, new_entry, realized = _net(quantity_now, entry, signed, price)
            margin_change = (
                (abs(new_qty) * new_entry - abs(quantity_now) * entry)
                * instrument.contract_size
                / self._leverage
            )
            return free - margin_change + realized * instrument.contract_size - fee
        if order.is_buy:
            return (
                self.free(instrument.quote) + released - instrument.notional(quantity, price) - fee
            )
        return self.free(instrument.base) + released - quantity

    def apply_fill(self, instrument: Instrument, order: VenueOrder, fill: OrderFilled) -> None:
        """Book ``fill`` of ``order``: release its share of the reservation and move the money."""
        self._release_share(order, fill.last_qty)
        total = self._total
        quote = instrument.quote
        if instrument.is_derivative:
            position = self._positions.get(instrument.id)
            if position is None:
                position = self._positions[instrument.id] = Position(instrument)
            realized = position.apply(fill)
            total[quote] = total.get(quote, _ZERO) + realized - fill.commission
            margin = (
                abs(position.quantity)
                * position.avg_entry_price
                * instrument.contract_size
                / self._leverage
            )
            self._margins[instrument.id] = (quote, margin)
            return
        notional = instrument.notional(fill.last_qty, fill.last_px)
        base = instrument.base
        if order.is_buy:
            total[quote] = total.get(quote, _ZERO) - notional - fill.commission
            total[base] = total.get(base, _ZERO) + fill.last_qty
        else:
            total[base] = total.get(base, _ZERO) - fill.last_qty
            total[quote] = total.get(quote, _ZERO) + notional - fill.commission

    def apply_funding(self, instrument: Instrument, rate: Decimal, mark_price: Decimal) -> Decimal:
        """Pay or receive funding on the open position; return the amount paid (negative: received).

        A long pays ``quantity * contract_size * mark_price * rate`` when the rate is positive.
        """
        position = self._positions.get(instrument.id)
        if position is None or position.quantity == 0:
            return _ZERO
        payment = position.quantity * instrument.contract_size * mark_price * rate
        self._total[instrument.quote] = self._total.get(instrument.quote, _ZERO) - payment
        return payment


def _net(
    quantity: Decimal, entry: Decimal, signed: Decimal, price: Decimal
) -> tuple[Decimal, Decimal, Decimal]:
    """Return the position quantity, entry price and realised PnL per contract unit after a fill."""
    new_qty = quantity + signed
    if quantity == 0 or (quantity > 0) == (signed > 0):
        return new_qty, (entry * abs(quantity) + price * abs(signed)) / abs(new_qty), _ZERO
    closed = min(abs(signed), abs(quantity))
    realized = closed * (price - entry) * (1 if quantity > 0 else -1)
    if new_qty == 0:
        return new_qty, _ZERO, realized
    if (new_qty > 0) != (quantity > 0):
        return new_qty, price, realized
    return new_qty, entry, realized


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"

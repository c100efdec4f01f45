"""Round-trip trades reconstructed from fills.

Fills are netted per instrument. A round trip opens when the net position leaves flat and closes
when it returns to flat. A fill that crosses zero (a flip) is split: the part that brings the
position to flat closes the current trip, the rest opens a new one in the other direction at the
same price, and the fill's commission is shared between the two in proportion to quantity
(the closing share rounded to 1e-18, the opening share the exact rest).

Money is exact (``Decimal``). For a closed trip the bought and sold quantities are equal, so the
gross PnL is the sell notional minus the buy notional, whatever order adds and reductions came in.
PnL is in the instrument's settlement currency; quantities are in base units (contract size 1).
Commissions paid in the settlement currency are taken as they are, commissions paid in the base
asset are converted at the fill price; any other commission currency is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.model.enums import OrderSide, PositionSide
from colin.model.events import OrderFilled

_ZERO = Decimal(0)
_FEE_SPLIT_QUANTUM = Decimal("1e-18")


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One trade from flat to flat in one instrument.

    Attributes
    ----------
    instrument_id
        The instrument traded.
    side
        ``LONG`` or ``SHORT``.
    quantity
        Total quantity entered (base units); for a closed trip also the total quantity exited.
    entry_ts, exit_ts
        UTC ns of the first entry fill and of the fill that returned to flat (``None`` while open).
    avg_entry_price, avg_exit_price
        Volume-weighted average price of the entry and exit fills (``None`` before any exit).
    exit_quantity
        Quantity exited so far (equals ``quantity`` once closed).
    gross_pnl
        Price PnL in the settlement currency. For an open trip: realised on the part exited,
        against the average entry price.
    fees
        Commissions of the trip's fills, in the settlement currency.
    net_pnl
        ``gross_pnl - fees``.
    net_return
        ``net_pnl`` as a fraction of the entry notional (0.01 = 1%).
    fill_count
        Fills (or parts of flip fills) in the trip.
    bars_held
        Market-data timestamps in ``(entry_ts, exit_ts]`` when timestamps were given, else ``None``.
    """

    instrument_id: InstrumentId
    side: PositionSide
    quantity: Decimal
    entry_ts: int
    exit_ts: int | None
    avg_entry_price: Decimal
    avg_exit_price: Decimal | None
    exit_quantity: Decimal
    gross_pnl: Decimal
    fees: Decimal
    net_pnl: Decimal
    net_return: float
    fill_count: int
    bars_held: int | None

    @property
    def is_closed(self) -> bool:
        """Whether the position went back to flat."""
        return self.exit_ts is not None

    @property
    def duration_ns(self) -> int | None:
        """Time from the first entry to the exit in ns (``None`` while open)."""
        return None if self.exit_ts is None else self.exit_ts - self.entry_ts


def settlement_currency(instrument_id: str) -> str:
    """Return the currency PnL of ``instrument_id`` is counted in.

    ``BTC/USDT.BINANCE`` settles in ``USDT``, the linear perpetual ``BTC/USDT:USDT.BINANCE`` in
    the currency after the colon.

    Raises
    ------
    DataError
        If the symbol is not ``BASE/QUOTE[:SETTLE]`` or is inverse (settles in the base asset).
    """
    symbol = InstrumentId(instrument_id).symbol
    base, slash, rest = symbol.partition("/")
    if not slash or not base or not rest:
        raise DataError(f"instrument {instrument_id}: symbol {symbol!r} is not BASE/QUOTE")
    quote, _, settle = rest.partition(":")
    settle = settle or quote
    if settle != quote:
        raise DataError(
            f"instrument {instrument_id}: inverse contracts (settled in {settle}) are not "
            "supported by round-trip PnL"
        )
    return settle


def fee_in_settlement(fill: OrderFilled) -> Decimal:
    """Return the fill's commission in the instrument's settlement currency.

    Raises
    ------
    DataError
        If the commission is in a currency other than the settlement currency or the base asset.
    """
    settle = settlement_currency(fill.instrument_id)
    currency = fill.commission_currency
    if currency == settle:
        return fill.commission
    if currency == fill.instrument_id.symbol.partition("/")[0]:
        return fill.commission * fill.last_px
    raise DataError(
        f"fill {fill.trade_id} of {fill.instrument_id}: commission in {currency!r} cannot be "
        f"converted to the settlement currency {settle!r} without a price"
    )


class _OpenTrip:
    """Accumulator for the trip currently open in one instrument."""

    __slots__ = (
        "bought",
        "bought_qty",
        "entry_ts",
        "fees",
        "fill_count",
        "position",
        "sign",
        "sold",
        "sold_qty",
    )

    def __init__(self, sign: int, ts: int) -> None:
        self.sign = sign
        self.entry_ts = ts
        self.position = _ZERO
        self.bought = _ZERO
        self.bought_qty = _ZERO
        self.sold = _ZERO
        self.sold_qty = _ZERO
        self.fees = _ZERO
        self.fill_count = 0

    def add(self, side: OrderSide, qty: Decimal, px: Decimal, fee: Decimal) -> None:
        if side is OrderSide.BUY:
            self.bought += qty * px
            self.bought_qty += qty
            self.position += qty
        else:
            self.sold += qty * px
            self.sold_qty += qty
            self.position -= qty
        self.fees += fee
        self.fill_count += 1

    def to_round_trip(
        self, instrument_id: InstrumentId, exit_ts: int | None, timestamps: np.ndarray | None
    ) -> RoundTrip:
        if self.sign > 0:
            entry_qty, entry_notional = self.bought_qty, self.bought
            exit_qty, exit_notional = self.sold_qty, self.sold
        else:
            entry_qty, entry_notional = self.sold_qty, self.sold
            exit_qty, exit_notional = self.bought_qty, self.bought
        avg_entry = entry_notional / entry_qty
        avg_exit = exit_notional / exit_qty if exit_qty else None
        if exit_qty == entry_qty:  # closed: exact, whatever the order of adds and reductions
            gross = (exit_notional - entry_notional) * self.sign
        else:
            gross = (exit_notional - avg_entry * exit_qty) * self.sign
        net = gross - self.fees
        bars_held = None
        if timestamps is not None and len(timestamps):
            end = timestamps[-1] if exit_ts is None else exit_ts
            bars_held = int(
                np.searchsorted(timestamps, end, side="right")
                - np.searchsorted(timestamps, self.entry_ts, side="right")
            )
        return RoundTrip(
            instrument_id=instrument_id,
            side=PositionSide.LONG if self.sign > 0 else PositionSide.SHORT,
            quantity=entry_qty,
            entry_ts=self.entry_ts,
            exit_ts=exit_ts,
            avg_entry_price=avg_entry,
            avg_exit_price=avg_exit,
            exit_quantity=exit_qty,
            gross_pnl=gross,
            fees=self.fees,
            net_pnl=net,
            net_return=float(net / entry_notional),
            fill_count=self.fill_count,
            bars_held=bars_held,
        )


def build_round_trips(
    fills: Iterable[OrderFilled], timestamps: np.ndarray | None = None
) -> list[RoundTrip]:
    """Net ``fills`` per instrument into round trips.

    Parameters
    ----------
    fills
        Fills in the order they happened.
    timestamps
        Sorted int64 UTC ns market-data timestamps (e.g. the equity curve's); when given, each
        trip's ``bars_held`` counts them. An open trip is held until the last timestamp.

    Returns
    -------
    list[RoundTrip]
        Closed trips ordered by exit time, then trips still open ordered by entry time.

    Raises
    ------
    DataError
        If a fill has a non-positive quantity or price, or its commission cannot be converted.
    """
    open_trips: dict[InstrumentId, _OpenTrip] = {}
    closed: list[RoundTrip] = []
    for fill in fills:
        if fill.last_qty <= 0 or fill.last_px <= 0:
            raise DataError(
                f"fill {fill.trade_id} of {fill.instrument_id}: quantity {fill.last_qty} and "
                f"price {fill.last_px} must be positive"
            )
        instrument_id = fill.instrument_id
        fee = fee_in_settlement(fill)
        qty = fill.last_qty
        trip = open_trips.get(instrument_id)
        if trip is None:
            trip = open_trips[instrument_id] = _OpenTrip(fill.side.sign, fill.ts_event)
        if fill.side.sign == trip.sign or qty <= abs(trip.position):
            trip.add(fill.side, qty, fill.last_px, fee)
            if trip.position == 0:
                closed.append(trip.to_round_trip(instrument_id, fill.ts_event, timestamps))
                del open_trips[instrument_id]
            continue
        # a flip: close the trip with part of the fill and open the next one with the rest
        closing_qty = abs(trip.position)
        # quantized so that the two parts add up to the fee exactly
        closing_fee = (fee * closing_qty / qty).quantize(_FEE_SPLIT_QUANTUM)
        trip.add(fill.side, closing_qty, fill.last_px, closing_fee)
        closed.append(trip.to_round_trip(instrument_id, fill.ts_event, timestamps))
        trip = open_trips[instrument_id] = _OpenTrip(fill.side.sign, fill.ts_event)
        trip.add(fill.side, qty - closing_qty, fill.last_px, fee - closing_fee)
    still_open = [
        trip.to_round_trip(instrument_id, None, timestamps)
        for instrument_id, trip in open_trips.items()
    ]
    closed.sort(key=lambda trip: trip.exit_ts or 0)
    still_open.sort(key=lambda trip: trip.entry_ts)
    return closed + still_open

"""Tradable instruments and their rules (tick size, lot size, limits, fees)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from colin.core.errors import InvalidOrderError
from colin.core.ids import InstrumentId
from colin.model.enums import InstrumentKind


@dataclass(frozen=True, slots=True)
class Instrument:
    """A spot pair or a linear perpetual contract on one venue.

    Prices are multiples of ``tick_size`` and quantities multiples of ``lot_size``. For linear
    perpetuals the quantity is in contracts of ``contract_size`` base units, margined and settled in
    the quote currency. Fees are fractions (0.001 = 0.1%); a negative maker fee is a rebate.
    """

    id: InstrumentId
    base: str
    quote: str
    tick_size: Decimal
    lot_size: Decimal
    kind: InstrumentKind = InstrumentKind.SPOT
    min_quantity: Decimal = Decimal(0)
    max_quantity: Decimal | None = None
    min_notional: Decimal = Decimal(0)
    maker_fee: Decimal = Decimal("0.001")
    taker_fee: Decimal = Decimal("0.001")
    contract_size: Decimal = Decimal(1)
    max_leverage: Decimal = Decimal(1)
    price_precision: int = field(init=False)
    size_precision: int = field(init=False)
    is_derivative: bool = field(init=False)
    """Whether positions may be short and are margined rather than paid in full."""
    _tick_is_power_of_ten: bool = field(init=False, repr=False, compare=False)
    _lot_is_power_of_ten: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.tick_size <= 0 or self.lot_size <= 0:
            raise ValueError(f"{self.id}: tick_size and lot_size must be positive")
        if self.contract_size <= 0:
            raise ValueError(f"{self.id}: contract_size must be positive")
        object.__setattr__(self, "price_precision", _decimals(self.tick_size))
        object.__setattr__(self, "size_precision", _decimals(self.lot_size))
        object.__setattr__(self, "is_derivative", self.kind is InstrumentKind.PERPETUAL)
        object.__setattr__(self, "_tick_is_power_of_ten", _is_power_of_ten(self.tick_size))
        object.__setattr__(self, "_lot_is_power_of_ten", _is_power_of_ten(self.lot_size))

    @property
    def symbol(self) -> str:
        """The unified symbol, e.g. ``BTC/USDT``."""
        return self.id.symbol

    @property
    def venue(self) -> str:
        """The venue name."""
        return self.id.venue

    @property
    def settlement_currency(self) -> str:
        """The currency PnL and margin are counted in (quote for spot and linear perps)."""
        return self.quote

    def round_price(self, value: Decimal | float | str, rounding: str = ROUND_HALF_EVEN) -> Decimal:
        """Round a price to the tick size."""
        if self._tick_is_power_of_ten:
            return _to_decimal(value).quantize(self.tick_size, rounding=rounding)
        return _quantize(_to_decimal(value), self.tick_size, rounding)

    def round_quantity(self, value: Decimal | float | str, rounding: str = ROUND_DOWN) -> Decimal:
        """Round a quantity to the lot size (down by default: never more than asked)."""
        if self._lot_is_power_of_ten:
            return _to_decimal(value).quantize(self.lot_size, rounding=rounding)
        return _quantize(_to_decimal(value), self.lot_size, rounding)

    def notional(self, quantity: Decimal, price: Decimal) -> Decimal:
        """Quote-currency value of ``quantity`` at ``price``."""
        return quantity * price * self.contract_size


def _decimals(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _to_decimal(value: Decimal | float | str) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        result = Decimal(value)
    if not result.is_finite():
        raise InvalidOrderError(f"not a finite number: {value!r}")
    return result


def _is_power_of_ten(step: Decimal) -> bool:
    """Whether ``step`` is ``10**k`` (0.01, 0.00001, 1): one quantize rounds to it."""
    return step.as_tuple().digits == (1,)


def _quantize(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    if _is_power_of_ten(step):
        return value.quantize(step, rounding=rounding)
    units = (value / step).quantize(Decimal(1), rounding=rounding)
    return (units * step).quantize(step)

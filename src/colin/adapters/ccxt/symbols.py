"""Colin instrument ids and instruments from ccxt symbols and markets.

Colin's instrument id is the ccxt unified symbol plus the venue: ``BTC/USDT.BINANCE`` is ccxt's
``BTC/USDT`` (spot) and ``BTC/USDT:USDT.BINANCE`` is ccxt's ``BTC/USDT:USDT`` (USD-M perpetual).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.model.enums import InstrumentKind
from colin.model.instrument import Instrument

TICK_SIZE = 4
"""ccxt ``precisionMode`` where ``market['precision']`` holds step sizes (Binance, Bybit, OKX)."""
DECIMAL_PLACES = 2
"""ccxt ``precisionMode`` where ``market['precision']`` holds numbers of decimals."""


def to_ccxt_symbol(instrument_id: InstrumentId | str) -> str:
    """Return the ccxt unified symbol of an instrument id (``BTC/USDT.BINANCE`` -> ``BTC/USDT``)."""
    return InstrumentId(instrument_id).symbol


def to_instrument_id(symbol: str, venue: str) -> InstrumentId:
    """Return the instrument id of a ccxt unified symbol on ``venue`` (upper-cased)."""
    return InstrumentId.of(symbol, venue)


def instrument_from_market(
    market: Mapping[str, Any], venue: str, precision_mode: int = TICK_SIZE
) -> Instrument:
    """Build an :class:`Instrument` from a ccxt market (an entry of ``exchange.markets``).

    Tick and lot sizes come from ``precision`` (read per ``precision_mode``), minimum and maximum
    quantity from ``limits.amount``, minimum notional from ``limits.cost.min``, maximum leverage
    from ``limits.leverage.max`` (1 when the market does not say; ccxt fills it only after the
    venue's leverage tiers are loaded), fees from ``maker``/``taker``.

    Raises
    ------
    DataError
        If the market is not a spot pair or a linear perpetual, or a field is missing or invalid.
    """
    symbol = market.get("symbol")
    if not isinstance(symbol, str) or not symbol:
        raise DataError(f"ccxt market without a symbol: {_short(market)}")
    instrument_id = to_instrument_id(symbol, venue)
    kind = _kind(market, instrument_id)
    precision = _mapping(market, "precision", instrument_id)
    limits = _mapping(market, "limits", instrument_id)
    amount = _section(limits, "amount")
    leverage = _optional_decimal(
        _section(limits, "leverage").get("max"), "leverage.max", instrument_id
    )
    try:
        return Instrument(
            id=instrument_id,
            base=_text(market, "base", instrument_id),
            quote=_text(market, "quote", instrument_id),
            tick_size=_step(
                precision.get("price"), precision_mode, "precision.price", instrument_id
            ),
            lot_size=_step(
                precision.get("amount"), precision_mode, "precision.amount", instrument_id
            ),
            kind=kind,
            min_quantity=_optional_decimal(amount.get("min"), "amount.min", instrument_id)
            or Decimal(0),
            max_quantity=_optional_decimal(amount.get("max"), "amount.max", instrument_id),
            min_notional=_optional_decimal(
                _section(limits, "cost").get("min"), "cost.min", instrument_id
            )
            or Decimal(0),
            maker_fee=_optional_decimal(market.get("maker"), "maker", instrument_id) or Decimal(0),
            taker_fee=_optional_decimal(market.get("taker"), "taker", instrument_id) or Decimal(0),
            contract_size=_optional_decimal(
                market.get("contractSize"), "contractSize", instrument_id
            )
            or Decimal(1),
            max_leverage=leverage if leverage is not None and leverage > 0 else Decimal(1),
        )
    except ValueError as exc:
        raise DataError(f"{instrument_id}: invalid ccxt market: {exc}") from exc


def _kind(market: Mapping[str, Any], instrument_id: InstrumentId) -> InstrumentKind:
    if market.get("spot"):
        return InstrumentKind.SPOT
    if market.get("swap") and market.get("linear"):
        return InstrumentKind.PERPETUAL
    kind = market.get("type")
    raise DataError(
        f"{instrument_id}: market type {kind!r} is not supported (spot pairs and linear "
        "perpetuals only)"
    )


def _mapping(market: Mapping[str, Any], key: str, instrument_id: InstrumentId) -> Mapping[str, Any]:
    value = market.get(key)
    if not isinstance(value, Mapping):
        raise DataError(f"{instrument_id}: ccxt market has no {key!r} section")
    return value


def _section(limits: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = limits.get(key)
    return value if isinstance(value, Mapping) else {}


def _text(market: Mapping[str, Any], key: str, instrument_id: InstrumentId) -> str:
    value = market.get(key)
    if not isinstance(value, str) or not value:
        raise DataError(f"{instrument_id}: ccxt market field {key!r} missing")
    return value


def _optional_decimal(value: Any, name: str, instrument_id: InstrumentId) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise DataError(f"{instrument_id}: ccxt market field {name} is not a number: {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise DataError(f"{instrument_id}: ccxt market field {name} is not finite: {value!r}")
    try:
        result = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise DataError(
            f"{instrument_id}: ccxt market field {name} is not a number: {value!r}"
        ) from None
    if not result.is_finite() or result < 0:
        raise DataError(f"{instrument_id}: ccxt market field {name} is invalid: {value!r}")
    return result.normalize() if result == result.to_integral_value() else result


def _step(value: Any, precision_mode: int, name: str, instrument_id: InstrumentId) -> Decimal:
    number = _optional_decimal(value, name, instrument_id)
    if number is None:
        raise DataError(f"{instrument_id}: ccxt market field {name} missing")
    if precision_mode == DECIMAL_PLACES:
        if number != number.to_integral_value():
            raise DataError(f"{instrument_id}: {name} {value!r} is not a number of decimals")
        return Decimal(1).scaleb(-int(number))
    if number <= 0:
        raise DataError(f"{instrument_id}: {name} must be positive, got {value!r}")
    return number


def _short(market: Mapping[str, Any]) -> str:
    text = repr({key: market[key] for key in list(market)[:6]})
    return text if len(text) < 200 else text[:197] + "..."

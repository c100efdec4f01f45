"""Order records in Binance's vocabulary, and the parsing of an order request's parameters.

The matching itself is :class:`~colin.matching.SimulatedVenue`'s; an :class:`OrderRecord` is the
exchange's account of an order as Binance reports it (numeric ``orderId``, status, executed
quantity, cumulative quote, its fills).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from colin.adapters.exchange_sim.errors import BinanceError, illegal, mandatory
from colin.adapters.exchange_sim.events import Market, OrderSnapshot
from colin.core.ids import InstrumentId
from colin.model.enums import OrderSide, OrderType, TimeInForce

_ZERO = Decimal(0)
_NUMBER = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
_CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})

# Binance type -> (Colin type, post-only)
_SPOT_TYPES = {
    "LIMIT": (OrderType.LIMIT, False),
    "MARKET": (OrderType.MARKET, False),
    "LIMIT_MAKER": (OrderType.LIMIT, True),
    "STOP_LOSS": (OrderType.STOP_MARKET, False),
    "STOP_LOSS_LIMIT": (OrderType.STOP_LIMIT, False),
}
_USDM_TYPES = {
    "LIMIT": (OrderType.LIMIT, False),
    "MARKET": (OrderType.MARKET, False),
    "STOP": (OrderType.STOP_LIMIT, False),
    "STOP_MARKET": (OrderType.STOP_MARKET, False),
}
SPOT_ORDER_TYPES = tuple(_SPOT_TYPES)
USDM_ORDER_TYPES = tuple(_USDM_TYPES)
USDM_TIME_IN_FORCE = ("GTC", "IOC", "FOK", "GTX")


def fmt(value: Decimal | float | int | None, places: int = 8) -> str:
    """Format a number as Binance does: fixed point with ``places`` decimals (``None``: 0)."""
    if value is None:
        value = _ZERO
    if isinstance(value, Decimal):
        return f"{value:.{places}f}"
    return f"{float(value):.{places}f}"


def plain(value: Decimal) -> str:
    """Render a decimal as Binance's futures API does: no exponent, no trailing zeros (``"0"``
    for zero)."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


@dataclass(slots=True)
class Fill:
    """One execution of an order."""

    trade_id: int
    order_id: int
    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    time_ms: int
    is_buyer: bool
    is_maker: bool
    realized_pnl: Decimal = _ZERO

    @property
    def quote_qty(self) -> Decimal:
        """Price times quantity."""
        return self.price * self.qty


@dataclass(slots=True)
class OrderRecord:
    """An order as the simulated exchange reports it."""

    market: Market
    symbol: str
    instrument_id: InstrumentId
    order_id: int
    client_order_id: str
    side: Literal["BUY", "SELL"]
    type: str
    time_in_force: str
    price: Decimal
    stop_price: Decimal
    orig_qty: Decimal
    reduce_only: bool
    time_ms: int
    update_ms: int
    status: str = "NEW"
    executed_qty: Decimal = _ZERO
    cum_quote: Decimal = _ZERO
    orig_quote_qty: Decimal = _ZERO
    fills: list[Fill] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Whether the order still works (NEW or PARTIALLY_FILLED)."""
        return self.status in OPEN_STATUSES

    @property
    def avg_price(self) -> Decimal:
        """The average fill price (0 when nothing filled)."""
        return self.cum_quote / self.executed_qty if self.executed_qty else _ZERO

    def snapshot(self) -> OrderSnapshot:
        """Return the immutable, formatted view carried by events."""
        return OrderSnapshot(
            market=self.market,
            symbol=self.symbol,
            order_id=self.order_id,
            client_order_id=self.client_order_id,
            side=self.side,
            type=self.type,
            time_in_force=self.time_in_force,
            price=fmt(self.price),
            stop_price=fmt(self.stop_price),
            orig_qty=fmt(self.orig_qty),
            executed_qty=fmt(self.executed_qty),
            cum_quote=fmt(self.cum_quote),
            status=self.status,
            reduce_only=self.reduce_only,
            time_ms=self.time_ms,
            update_ms=self.update_ms,
        )


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A parsed ``POST order`` request."""

    symbol: str
    side: OrderSide
    binance_type: str
    order_type: OrderType
    time_in_force: TimeInForce
    binance_tif: str
    post_only: bool
    quantity: Decimal | None  # None: a spot market order sized by quote_order_qty
    price: Decimal | None
    stop_price: Decimal | None
    client_order_id: str | None
    reduce_only: bool
    response_type: str
    quote_order_qty: Decimal | None = None


def decimal_param(params: dict[str, str], name: str, required: bool) -> Decimal | None:
    """Parse a decimal parameter with Binance's rules (-1102 missing, -1100 malformed)."""
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise mandatory(name)
        return None
    if not _NUMBER.match(raw):
        raise illegal(name)
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise illegal(name) from None


def parse_order_request(params: dict[str, str], market: Market) -> OrderRequest:
    """Parse and check the shape of an order request (not its filters or the account).

    Raises
    ------
    BinanceError
        For a missing or malformed parameter, an unknown type, side or time in force.
    """
    symbol = params.get("symbol") or ""
    if not symbol:
        raise mandatory("symbol")
    side_raw = params.get("side", "")
    if side_raw not in ("BUY", "SELL"):
        raise mandatory("side") if not side_raw else BinanceError(-1117, "Invalid side.")
    type_raw = params.get("type", "")
    table = _SPOT_TYPES if market == "spot" else _USDM_TYPES
    if not type_raw:
        raise mandatory("type")
    if type_raw not in table:
        raise BinanceError(-1116, "Invalid orderType.")
    order_type, post_only = table[type_raw]
    tif_raw = params.get("timeInForce", "")
    priced = order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
    if priced and not post_only:
        if not tif_raw:
            if market == "spot":
                raise mandatory("timeInForce")
            tif_raw = "GTC"
    elif not priced:
        tif_raw = "GTC" if order_type is not OrderType.MARKET else tif_raw or "GTC"
    allowed = USDM_TIME_IN_FORCE if market == "usdm" else ("GTC", "IOC", "FOK")
    if post_only:
        tif_raw = "GTC"
    if tif_raw not in allowed:
        raise BinanceError(-1115, "Invalid timeInForce.")
    if tif_raw == "GTX":
        post_only = True
    time_in_force = TimeInForce.GTC if tif_raw == "GTX" else TimeInForce(tif_raw)
    if order_type is OrderType.MARKET:
        time_in_force = TimeInForce.IOC  # what a market order cannot fill now expires
    quote_qty = None
    if market == "spot" and order_type is OrderType.MARKET and not params.get("quantity"):
        quote_qty = decimal_param(params, "quoteOrderQty", required=False)
        if quote_qty is None:
            raise BinanceError(
                -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
            )
    quantity = None if quote_qty is not None else decimal_param(params, "quantity", required=True)
    price = decimal_param(params, "price", required=priced)
    stop = order_type in (OrderType.STOP_LIMIT, OrderType.STOP_MARKET)
    stop_price = decimal_param(params, "stopPrice", required=stop)
    client_id = params.get("newClientOrderId") or None
    if client_id is not None and not _CLIENT_ID.match(client_id):
        raise illegal("newClientOrderId")
    reduce_raw = params.get("reduceOnly", "false").lower()
    if reduce_raw not in ("true", "false"):
        raise illegal("reduceOnly")
    reduce_only = reduce_raw == "true"
    if reduce_only and market == "spot":
        raise BinanceError(-1106, "Parameter 'reduceOnly' sent when not required.")
    default_resp = "FULL" if market == "spot" and type_raw in ("LIMIT", "MARKET") else "ACK"
    response_type = params.get("newOrderRespType") or default_resp
    if response_type not in ("ACK", "RESULT", "FULL"):
        raise BinanceError(-1100, "Illegal characters found in parameter 'newOrderRespType'.")
    return OrderRequest(
        symbol=symbol,
        side=OrderSide(side_raw),
        binance_type=type_raw,
        order_type=order_type,
        time_in_force=time_in_force,
        binance_tif=tif_raw,
        post_only=post_only,
        quantity=quantity,
        price=price if order_type is not OrderType.MARKET else None,
        stop_price=stop_price,
        client_order_id=client_id,
        reduce_only=reduce_only,
        response_type=response_type,
        quote_order_qty=quote_qty,
    )

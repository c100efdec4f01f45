"""Decode ccxt's unified order, trade, balance and position dicts into Colin's venue reports.

This is the edge of the execution side: nothing past it sees a ccxt dict. The reports
(:mod:`colin.execution.reports`) become order events in the
:class:`~colin.execution.reconcile.Reconciler` — ``OrderAccepted`` with the venue id,
``OrderFilled`` with trade id, fee and liquidity side, ``OrderCanceled``, ``OrderExpired``,
``OrderRejected`` and ``OrderUpdated`` after an amend — so REST answers, user-stream messages and
reconciliation snapshots all take the same path.

ccxt gives numbers as floats (or strings in ``info``); each is turned into ``Decimal`` through its
shortest repr, which gives back the venue's decimal string for the 8-decimal values exchanges use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from colin.core.errors import DataError
from colin.core.ids import ClientOrderId, InstrumentId, TradeId, VenueOrderId
from colin.execution.reports import FillReport, OrderStatusReport, PositionReport
from colin.model.account import Balance
from colin.model.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce

_MS = 1_000_000
_ZERO = Decimal(0)
_FINAL_STATUS = {
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}
_TIME_IN_FORCE = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}
_STOP_WORDS = ("stop", "take_profit")


class DecodeError(DataError):
    """A ccxt structure lacks a field Colin needs, or holds a value it cannot use."""


def to_decimal(value: Any) -> Decimal | None:
    """Return ``value`` as an exact ``Decimal`` (``None`` stays ``None``).

    Raises
    ------
    DecodeError
        If the value is not a finite number.
    """
    if value is None or value == "":
        return None
    try:
        result = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        raise DecodeError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise DecodeError(f"not a finite number: {value!r}")
    return result


def instrument_id_of(symbol: str, venue: str) -> InstrumentId:
    """Colin's instrument id of a ccxt unified symbol at ``venue``."""
    return InstrumentId.of(symbol, venue)


def order_report(order: Mapping[str, Any], venue: str) -> OrderStatusReport:
    """Decode a ccxt order into an :class:`OrderStatusReport`.

    Raises
    ------
    DecodeError
        If the order has no id, symbol, side or amount, or an unknown status.
    """
    venue_order_id = _required(order, "id")
    quantity = to_decimal(_required(order, "amount"))
    filled = to_decimal(order.get("filled")) or _ZERO
    assert quantity is not None  # _required
    status_text = order.get("status")
    if status_text == "open":
        status = OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.ACCEPTED
    elif status_text in _FINAL_STATUS:
        status = _FINAL_STATUS[status_text]
    else:
        raise DecodeError(f"order {venue_order_id}: unknown status {status_text!r}")
    trigger_price = to_decimal(order.get("triggerPrice")) or None
    order_type = _order_type(order, trigger_price is not None)
    price = to_decimal(order.get("price")) if order_type is not OrderType.MARKET else None
    time_in_force = str(order.get("timeInForce") or "GTC").upper()
    post_only = bool(order.get("postOnly")) or time_in_force in ("PO", "GTX")
    client_id = order.get("clientOrderId")
    try:
        return OrderStatusReport(
            client_order_id=ClientOrderId(client_id) if client_id else None,
            venue_order_id=VenueOrderId(venue_order_id),
            instrument_id=instrument_id_of(_required(order, "symbol"), venue),
            side=_side(order.get("side")),
            order_type=order_type,
            quantity=quantity,
            price=price if price else None,
            filled_qty=filled,
            avg_px=to_decimal(order.get("average")) or None,
            status=status,
            ts_event=_ts(order.get("lastUpdateTimestamp") or order.get("timestamp")),
            time_in_force=_TIME_IN_FORCE.get(time_in_force, TimeInForce.GTC),
            post_only=post_only,
            reduce_only=bool(order.get("reduceOnly")),
            trigger_price=trigger_price,
        )
    except ValueError as exc:
        raise DecodeError(f"order {venue_order_id}: {exc}") from None


def fill_report(
    trade: Mapping[str, Any], venue: str, venue_order_id: str | None = None
) -> FillReport:
    """Decode a ccxt trade of the account (``fetch_my_trades``, ``watch_my_trades``, fills).

    ``venue_order_id`` names the order when the trade does not (the fills inside an order
    answer). The client order id is read from the raw message when the venue sends one there
    (Binance's user stream does, ``myTrades`` does not).

    Raises
    ------
    DecodeError
        If the trade has no id, order id, side, amount or price.
    """
    trade_id = _required(trade, "id")
    order_id = trade.get("order") or venue_order_id
    if not order_id:
        raise DecodeError(f"trade {trade_id}: no order id")
    quantity = to_decimal(_required(trade, "amount"))
    price = to_decimal(_required(trade, "price"))
    assert quantity is not None and price is not None  # _required
    fee = trade.get("fee") or {}
    info = trade.get("info")
    client_id = info.get("c") if isinstance(info, Mapping) else None
    maker = trade.get("takerOrMaker") == "maker"
    try:
        return FillReport(
            trade_id=TradeId(str(trade_id)),
            client_order_id=ClientOrderId(client_id) if client_id else None,
            venue_order_id=VenueOrderId(str(order_id)),
            instrument_id=instrument_id_of(_required(trade, "symbol"), venue),
            side=_side(trade.get("side")),
            quantity=quantity,
            price=price,
            commission=to_decimal(fee.get("cost")) or _ZERO,
            commission_currency=str(fee.get("currency") or ""),
            liquidity_side=LiquiditySide.MAKER if maker else LiquiditySide.TAKER,
            ts_event=_ts(trade.get("timestamp")),
        )
    except ValueError as exc:
        raise DecodeError(f"trade {trade_id}: {exc}") from None


def order_fills(order: Mapping[str, Any], venue: str) -> list[FillReport]:
    """Decode the fills an order answer carries (Binance spot ``FULL`` responses)."""
    trades = order.get("trades") or ()
    order_id = str(order.get("id") or "")
    result = []
    for trade in trades:
        if trade.get("id") is None:
            continue
        enriched = dict(trade)
        enriched.setdefault("symbol", order.get("symbol"))
        enriched["side"] = trade.get("side") or order.get("side")
        enriched["timestamp"] = trade.get("timestamp") or order.get("timestamp")
        result.append(fill_report(enriched, venue, order_id))
    return result


def balances(balance: Mapping[str, Any]) -> tuple[Balance, ...]:
    """Decode a ccxt balance structure into non-zero :class:`Balance` rows, sorted by currency.

    For a derivatives account ccxt's ``total`` is the margin balance, which moves with the
    positions' unrealised PnL; Colin's portfolio holds the wallet balance as cash, so where the
    raw account lists ``walletBalance`` per asset (Binance USD-M), that is the total.
    """
    totals = dict(balance.get("total") or {})
    totals.update(_wallet_balances(balance.get("info")))
    used = balance.get("used") or {}
    rows = []
    for currency in sorted(totals):
        total = to_decimal(totals[currency]) or _ZERO
        if total:
            locked = to_decimal(used.get(currency)) or _ZERO
            rows.append(Balance(currency, total, min(locked, total)))
    return tuple(rows)


def _wallet_balances(info: Any) -> dict[str, Any]:
    assets = info.get("assets") if isinstance(info, Mapping) else None
    if not isinstance(assets, list):
        return {}
    return {
        str(entry["asset"]): entry["walletBalance"]
        for entry in assets
        if isinstance(entry, Mapping) and "walletBalance" in entry and "asset" in entry
    }


def position_reports(positions: Iterable[Mapping[str, Any]], venue: str) -> list[PositionReport]:
    """Decode ccxt positions into signed :class:`PositionReport` rows (flat ones skipped)."""
    reports = []
    for position in positions:
        contracts = to_decimal(position.get("contracts")) or _ZERO
        if not contracts:
            continue
        sign = -1 if position.get("side") == "short" else 1
        reports.append(
            PositionReport(
                instrument_id=instrument_id_of(_required(position, "symbol"), venue),
                quantity=sign * abs(contracts),
                entry_price=to_decimal(position.get("entryPrice")) or _ZERO,
            )
        )
    return reports


def _required(structure: Mapping[str, Any], key: str) -> str:
    value = structure.get(key)
    if value is None or value == "":
        raise DecodeError(f"ccxt structure without {key!r}: {_brief(structure)}")
    return str(value) if not isinstance(value, float) else repr(value)


def _side(value: Any) -> OrderSide:
    if value == "buy":
        return OrderSide.BUY
    if value == "sell":
        return OrderSide.SELL
    raise DecodeError(f"unknown side {value!r}")


def _order_type(order: Mapping[str, Any], triggered: bool) -> OrderType:
    kind = str(order.get("type") or "").lower()
    is_stop = triggered or any(word in kind for word in _STOP_WORDS)
    if kind == "market" or (is_stop and kind.endswith("market")):
        return OrderType.STOP_MARKET if is_stop else OrderType.MARKET
    if kind in ("limit", "limit_maker") or is_stop:
        return OrderType.STOP_LIMIT if is_stop else OrderType.LIMIT
    raise DecodeError(f"order {order.get('id')}: unknown type {kind!r}")


def _ts(ms: Any) -> int:
    return int(ms) * _MS if ms else 0


def _brief(structure: Mapping[str, Any]) -> str:
    return str({k: v for k, v in structure.items() if k != "info"})[:200]

"""Binance user-data frames rendered from the simulator's order and account events.

Spot: ``executionReport``, ``outboundAccountPosition`` and ``balanceUpdate`` (user-data stream
event fields as documented by Binance and parsed by ccxt). USD-M: ``ORDER_TRADE_UPDATE`` and
``ACCOUNT_UPDATE`` (one-way mode, cross margin).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from colin.adapters.exchange_sim.events import (
    AccountUpdate,
    AssetBalance,
    OrderSnapshot,
    OrderUpdate,
)

_ON_BOOK = frozenset({"NEW", "PARTIALLY_FILLED"})


def _product(a: str, b: str) -> str:
    return format(Decimal(a) * Decimal(b), "f")


def _on_book(order: OrderSnapshot) -> bool:
    return order.status in _ON_BOOK and order.type != "MARKET"


def _order_keys(order: OrderSnapshot) -> dict[str, Any]:
    """The order fields both markets' frames carry: symbol, client id, side, type, time in
    force, quantity and price."""
    return {
        "s": order.symbol,
        "c": order.client_order_id,
        "S": order.side,
        "o": order.type,
        "f": order.time_in_force,
        "q": order.orig_qty,
        "p": order.price,
    }


def _execution_keys(update: OrderUpdate) -> dict[str, Any]:
    """The execution fields both markets' frames carry: what happened, the order's status and
    id, the last fill and the filled total."""
    order = update.order
    return {
        "x": update.execution_type,
        "X": order.status,
        "i": order.order_id,
        "l": update.last_qty,
        "z": order.executed_qty,
        "L": update.last_price,
    }


def execution_report(update: OrderUpdate, execution_id: int) -> dict[str, Any]:
    """The spot ``executionReport`` of ``update``.

    Parameters
    ----------
    update
        What happened to the order.
    execution_id
        A per-account increasing id (Binance's ``I``).
    """
    order = update.order
    canceled = update.execution_type == "CANCELED"
    return {
        "e": "executionReport",
        "E": update.event_ms,
        **_order_keys(order),
        "P": order.stop_price,
        "F": "0.00000000",
        "g": -1,
        "C": order.client_order_id if canceled else "",
        **_execution_keys(update),
        "r": update.reject_reason,
        "n": update.commission,
        "N": update.commission_asset or None,
        "T": update.event_ms,
        "t": update.trade_id,
        "I": execution_id,
        "w": _on_book(order),
        "m": update.is_maker,
        "M": False,
        "O": order.time_ms,
        "Z": order.cum_quote,
        "Y": _product(update.last_price, update.last_qty),
        "Q": "0.00000000",
        "W": order.time_ms,
        "V": "EXPIRE_MAKER",
    }


def outbound_account_position(update: AccountUpdate) -> dict[str, Any]:
    """The spot ``outboundAccountPosition`` of ``update`` (free and locked per asset)."""
    return {
        "e": "outboundAccountPosition",
        "E": update.event_ms,
        "u": update.event_ms,
        "B": [{"a": b.asset, "f": b.free, "l": b.locked} for b in update.balances],
    }


def balance_update(event_ms: int, asset: str, delta: str) -> dict[str, Any]:
    """A spot ``balanceUpdate`` (a change not caused by an order: deposit, withdrawal, ...)."""
    return {"e": "balanceUpdate", "E": event_ms, "a": asset, "d": delta, "T": event_ms}


def order_trade_update(update: OrderUpdate) -> dict[str, Any]:
    """The USD-M ``ORDER_TRADE_UPDATE`` of ``update``."""
    order = update.order
    executed = Decimal(order.executed_qty)
    average = Decimal(order.cum_quote) / executed if executed else Decimal(0)
    body: dict[str, Any] = {
        **_order_keys(order),
        "ap": format(average, "f"),
        "sp": order.stop_price,
        **_execution_keys(update),
    }
    if update.commission_asset:
        body |= {"N": update.commission_asset, "n": update.commission}
    body |= {
        "T": update.event_ms,
        "t": max(update.trade_id, 0),
        "b": "0",
        "a": "0",
        "m": update.is_maker,
        "R": order.reduce_only,
        "wt": "CONTRACT_PRICE",
        "ot": order.type,
        "ps": "BOTH",
        "cp": False,
        "rp": update.realized_pnl,
        "pP": False,
        "si": 0,
        "ss": 0,
        "V": "EXPIRE_MAKER",
        "pm": "NONE",
        "gtd": 0,
    }
    return {"e": "ORDER_TRADE_UPDATE", "E": update.event_ms, "T": update.event_ms, "o": body}


def _wallet(balance: AssetBalance) -> str:
    return format(Decimal(balance.free) + Decimal(balance.locked), "f")


def account_update(update: AccountUpdate) -> dict[str, Any]:
    """The USD-M ``ACCOUNT_UPDATE`` of ``update``.

    The core reports a USD-M asset as ``free`` (available) and ``locked`` (position and order
    margin); the wallet balance ``wb`` and, in cross margin, ``cw`` are their sum.
    """
    margin_asset = update.balances[0].asset if update.balances else "USDT"
    return {
        "e": "ACCOUNT_UPDATE",
        "E": update.event_ms,
        "T": update.event_ms,
        "a": {
            "m": update.reason,
            "B": [
                {"a": b.asset, "wb": _wallet(b), "cw": _wallet(b), "bc": "0"}
                for b in update.balances
            ],
            "P": [
                {
                    "s": p.symbol,
                    "pa": p.amount,
                    "ep": p.entry_price,
                    "bep": p.entry_price,
                    "cr": "0",
                    "up": p.unrealized_pnl,
                    "mt": "cross",
                    "iw": "0",
                    "ps": "BOTH",
                    "ma": margin_asset,
                }
                for p in update.positions
            ],
        },
    }

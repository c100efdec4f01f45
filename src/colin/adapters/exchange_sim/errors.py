"""Binance error replies: ``{"code": -NNNN, "msg": "..."}`` with an HTTP status.

The codes and messages are Binance's own (spot ``errors.md``, USD-M error code list), because
ccxt maps them to its exceptions by exact message first and by code second.
"""

from __future__ import annotations

from typing import Literal


class BinanceError(Exception):
    """A request the simulated exchange refuses, rendered as Binance's error JSON.

    Parameters
    ----------
    code
        Binance's (negative) error code.
    msg
        Binance's message for it.
    status
        The HTTP status of the reply.
    retry_after
        Seconds for the ``Retry-After`` header (429 and 418 replies).
    """

    def __init__(
        self, code: int, msg: str, status: int = 400, retry_after: int | None = None
    ) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status
        self.retry_after = retry_after

    def body(self) -> dict[str, object]:
        """Return the JSON body Binance sends."""
        return {"code": self.code, "msg": self.msg}


def invalid_symbol() -> BinanceError:
    """-1121: the symbol is not traded here."""
    return BinanceError(-1121, "Invalid symbol.")


def mandatory(name: str) -> BinanceError:
    """-1102: a required parameter is missing."""
    return BinanceError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def illegal(name: str) -> BinanceError:
    """-1100: a parameter does not parse."""
    return BinanceError(
        -1100,
        f"Illegal characters found in parameter '{name}'; legal range is "
        "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
    )


def filter_failure(name: str) -> BinanceError:
    """-1013: an exchangeInfo filter refused the order (spot wording)."""
    return BinanceError(-1013, f"Filter failure: {name}")


def unknown_order(market: Literal["spot", "usdm"], cancel: bool) -> BinanceError:
    """-2011 (cancel) or -2013 (query): no such order."""
    if cancel:
        return BinanceError(-2011, "Unknown order sent.")
    return BinanceError(-2013, "Order does not exist.")


def insufficient(market: Literal["spot", "usdm"]) -> BinanceError:
    """-2010 (spot) or -2019 (USD-M): not enough free balance or margin."""
    if market == "spot":
        return BinanceError(-2010, "Account has insufficient balance for requested action.")
    return BinanceError(-2019, "Margin is insufficient.")


def duplicate_client_id(market: Literal["spot", "usdm"]) -> BinanceError:
    """-2010 (spot) or -4116 (USD-M): the client order id is in use by an open order."""
    if market == "spot":
        return BinanceError(-2010, "Duplicate order sent.")
    return BinanceError(-4116, "ClientOrderId is duplicated.")


def would_take(market: Literal["spot", "usdm"]) -> BinanceError:
    """A post-only order would cross the book."""
    if market == "spot":
        return BinanceError(-2010, "Order would immediately match and take.")
    return BinanceError(
        -5022,
        "Due to the order could not be executed as maker, the Post Only order will be rejected. "
        "The order will not be recorded in the order history",
    )


def would_trigger(market: Literal["spot", "usdm"]) -> BinanceError:
    """A stop order's trigger is already reached."""
    if market == "spot":
        return BinanceError(-2010, "Order would trigger immediately.")
    return BinanceError(-2021, "Order would immediately trigger.")

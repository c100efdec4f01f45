"""Typed identifiers.

Identifiers are ``str`` subclasses: they hash and compare as fast as plain strings (they are dict
keys on the hot path) while keeping their meaning in signatures.
"""

from __future__ import annotations

from collections.abc import Iterable


class InstrumentId(str):
    """``SYMBOL.VENUE``, for example ``BTC/USDT.BINANCE`` or ``BTC/USDT:USDT.BINANCE``.

    The venue is the part after the last dot; the symbol is the unified (ccxt) symbol.
    """

    __slots__ = ()

    def __new__(cls, value: str) -> InstrumentId:
        symbol, dot, venue = value.rpartition(".")
        if not dot or not symbol or not venue:
            raise ValueError(f"invalid instrument id {value!r}: expected SYMBOL.VENUE")
        return super().__new__(cls, value)

    @classmethod
    def of(cls, symbol: str, venue: str) -> InstrumentId:
        """Build an id from a symbol and a venue name."""
        return cls(f"{symbol}.{venue.upper()}")

    @property
    def symbol(self) -> str:
        """The unified symbol, e.g. ``BTC/USDT``."""
        return self.rpartition(".")[0]

    @property
    def venue(self) -> str:
        """The venue name, e.g. ``BINANCE``."""
        return self.rpartition(".")[2]


class StrategyId(str):
    """The name of a strategy instance, unique within a node (e.g. ``sma-cross-1``)."""

    __slots__ = ()


class ClientOrderId(str):
    """The order id Colin assigns; deterministic and sent to the venue as ``clientOrderId``."""

    __slots__ = ()


class VenueOrderId(str):
    """The order id assigned by the venue."""

    __slots__ = ()


class TradeId(str):
    """The venue's id for one execution (fill)."""

    __slots__ = ()


class ClientOrderIdGenerator:
    """Generate deterministic client order ids: ``<prefix>-<strategy>-<sequence>``.

    The sequence is the only state; restoring it from the journal after a restart makes the next
    id the same one a crashed process would have used, so a resent intent is recognisable at the
    venue. Ids are at most 36 characters of ``[A-Za-z0-9_-]`` (Binance's rule).
    """

    __slots__ = ("_prefix", "sequence")

    def __init__(self, prefix: str, strategy_id: str, sequence: int = 0) -> None:
        clean = "".join(ch for ch in f"{prefix}-{strategy_id}" if ch.isalnum() or ch in "-_")
        self._prefix = clean[:26]
        self.sequence = sequence

    def generate(self) -> ClientOrderId:
        """Return the next id."""
        self.sequence += 1
        return ClientOrderId(f"{self._prefix}-{self.sequence}")

    def skip_past(self, client_order_ids: Iterable[str]) -> None:
        """Move the sequence past every id in ``client_order_ids`` that this generator makes.

        After a restart the node passes the ids of the journaled orders, so no id is reused.
        """
        head = f"{self._prefix}-"
        for client_order_id in client_order_ids:
            tail = client_order_id[len(head) :] if client_order_id.startswith(head) else ""
            if tail.isdigit() and int(tail) > self.sequence:
                self.sequence = int(tail)

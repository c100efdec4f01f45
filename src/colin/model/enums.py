"""Enumerations of the domain model."""

from __future__ import annotations

from enum import Enum


class OrderSide(Enum):
    """Buy or sell."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        """+1 for buys, -1 for sells."""
        return 1 if self is OrderSide.BUY else -1

    @property
    def opposite(self) -> OrderSide:
        """The other side."""
        return OrderSide.SELL if self is OrderSide.BUY else OrderSide.BUY


class OrderType(Enum):
    """How an order is priced."""

    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP_MARKET = "STOP_MARKET"
    STOP_LIMIT = "STOP_LIMIT"


class TimeInForce(Enum):
    """How long an order stays working."""

    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


class OrderStatus(Enum):
    """The states of an order's life (see :mod:`colin.model.orders` for the transitions)."""

    INITIALIZED = "INITIALIZED"
    DENIED = "DENIED"
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    TRIGGERED = "TRIGGERED"
    PENDING_UPDATE = "PENDING_UPDATE"
    PENDING_CANCEL = "PENDING_CANCEL"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"

    @property
    def is_closed(self) -> bool:
        """Whether no further event can change the order."""
        return self in _CLOSED

    @property
    def is_open(self) -> bool:
        """Whether the order is working at the venue (or on its way there)."""
        return self not in _CLOSED and self is not OrderStatus.INITIALIZED


_CLOSED = frozenset(
    {
        OrderStatus.DENIED,
        OrderStatus.REJECTED,
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
    }
)


class InstrumentKind(Enum):
    """What kind of market an instrument trades in."""

    SPOT = "SPOT"
    PERPETUAL = "PERPETUAL"


class PositionSide(Enum):
    """Direction of a net position."""

    FLAT = "FLAT"
    LONG = "LONG"
    SHORT = "SHORT"


class LiquiditySide(Enum):
    """Whether a fill added (maker) or removed (taker) liquidity."""

    MAKER = "MAKER"
    TAKER = "TAKER"


class AggressorSide(Enum):
    """The side that crossed the spread in a trade."""

    BUYER = "BUYER"
    SELLER = "SELLER"
    UNKNOWN = "UNKNOWN"


class BookSide(Enum):
    """A side of the order book."""

    BID = "BID"
    ASK = "ASK"


class TradingState(Enum):
    """What the risk engine lets through."""

    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"

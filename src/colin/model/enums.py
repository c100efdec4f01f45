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


_CLOSED_STATUSES = frozenset({"DENIED", "REJECTED", "FILLED", "CANCELED", "EXPIRED"})


class OrderStatus(Enum):
    """The states of an order's life (see :mod:`colin.model.orders` for the transitions).

    Attributes
    ----------
    is_closed
        Whether no further event can change the order.
    is_open
        Whether the order is working at the venue (or on its way there).
    """

    is_closed: bool
    is_open: bool

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

    def __init__(self, value: str) -> None:
        # plain attributes, not properties: order status checks are on the per-order hot path
        self.is_closed = value in _CLOSED_STATUSES
        self.is_open = not self.is_closed and value != "INITIALIZED"


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

"""Market data: bars, trades, quotes and funding rates.

These objects are created per event, so they are plain slotted classes with no validation in
``__init__``: data is validated once, in bulk, where it enters Colin (the catalog importers and the
venue adapters). Prices and sizes are ``float``; money is exact only from orders onward.
"""

from __future__ import annotations

from colin.core.ids import InstrumentId
from colin.model.enums import AggressorSide


class Bar:
    """An OHLCV bar.

    ``ts_event`` is the bar's *close* time (``ts_open`` + the timeframe): the first moment at which
    the whole bar is known. Replays deliver a bar at ``ts_event``, so a strategy can never see a bar
    before it has closed.
    """

    __slots__ = (
        "close",
        "high",
        "instrument_id",
        "low",
        "open",
        "timeframe",
        "ts_event",
        "ts_init",
        "ts_open",
        "volume",
    )

    def __init__(
        self,
        instrument_id: InstrumentId,
        timeframe: str,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        ts_open: int,
        ts_event: int,
        ts_init: int | None = None,
    ) -> None:
        self.instrument_id = instrument_id
        self.timeframe = timeframe
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.ts_open = ts_open
        self.ts_event = ts_event
        self.ts_init = ts_event if ts_init is None else ts_init

    def __repr__(self) -> str:
        return (
            f"Bar({self.instrument_id} {self.timeframe} ts_open={self.ts_open} o={self.open} "
            f"h={self.high} l={self.low} c={self.close} v={self.volume})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Bar):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in Bar.__slots__)

    __hash__ = None  # type: ignore[assignment]


class TradeTick:
    """One public trade (an execution between two other parties)."""

    __slots__ = (
        "aggressor_side",
        "instrument_id",
        "price",
        "size",
        "trade_id",
        "ts_event",
        "ts_init",
    )

    def __init__(
        self,
        instrument_id: InstrumentId,
        price: float,
        size: float,
        aggressor_side: AggressorSide,
        trade_id: str,
        ts_event: int,
        ts_init: int | None = None,
    ) -> None:
        self.instrument_id = instrument_id
        self.price = price
        self.size = size
        self.aggressor_side = aggressor_side
        self.trade_id = trade_id
        self.ts_event = ts_event
        self.ts_init = ts_event if ts_init is None else ts_init

    def __repr__(self) -> str:
        return (
            f"TradeTick({self.instrument_id} {self.price} x {self.size} "
            f"{self.aggressor_side.value} ts={self.ts_event})"
        )


class QuoteTick:
    """Best bid and ask at one moment."""

    __slots__ = (
        "ask_price",
        "ask_size",
        "bid_price",
        "bid_size",
        "instrument_id",
        "ts_event",
        "ts_init",
    )

    def __init__(
        self,
        instrument_id: InstrumentId,
        bid_price: float,
        ask_price: float,
        bid_size: float,
        ask_size: float,
        ts_event: int,
        ts_init: int | None = None,
    ) -> None:
        self.instrument_id = instrument_id
        self.bid_price = bid_price
        self.ask_price = ask_price
        self.bid_size = bid_size
        self.ask_size = ask_size
        self.ts_event = ts_event
        self.ts_init = ts_event if ts_init is None else ts_init

    @property
    def mid_price(self) -> float:
        """Midpoint of bid and ask."""
        return (self.bid_price + self.ask_price) * 0.5

    def __repr__(self) -> str:
        return (
            f"QuoteTick({self.instrument_id} {self.bid_size}@{self.bid_price} / "
            f"{self.ask_size}@{self.ask_price} ts={self.ts_event})"
        )


class FundingRate:
    """A perpetual's funding rate, paid at ``ts_event`` (long pays short when positive)."""

    __slots__ = ("instrument_id", "mark_price", "rate", "ts_event", "ts_init")

    def __init__(
        self,
        instrument_id: InstrumentId,
        rate: float,
        ts_event: int,
        mark_price: float | None = None,
        ts_init: int | None = None,
    ) -> None:
        self.instrument_id = instrument_id
        self.rate = rate
        self.mark_price = mark_price
        self.ts_event = ts_event
        self.ts_init = ts_event if ts_init is None else ts_init

    def __repr__(self) -> str:
        return f"FundingRate({self.instrument_id} rate={self.rate} ts={self.ts_event})"

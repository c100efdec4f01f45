"""Order-book imbalance: enter with the side of the book that dominates, confirmed by order flow."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Literal

from pydantic import Field

from colin.core.ids import InstrumentId
from colin.indicators.orderflow.book import BookFeatures
from colin.indicators.orderflow.ofi import OrderFlowImbalance
from colin.model.book import OrderBook
from colin.model.enums import OrderSide
from colin.strategy.params import StrategyParams
from colin.strategy.strategy import Strategy

_NS = 1_000_000_000


class BookImbalanceParams(StrategyParams):
    """Parameters of :class:`BookImbalance`."""

    instrument_id: str = Field(description="Instrument to trade, SYMBOL.VENUE (needs L2 data)")
    quantity: Decimal = Field(Decimal("0.01"), gt=0, description="Entry size in base units")
    measure: Literal["touch", "depth"] = Field(
        "depth",
        description="Imbalance used: 'touch' (NOBI of the best levels) or 'depth' (top `depth` "
        "levels of each side)",
    )
    depth: int = Field(5, ge=1, le=50, description="Book levels per side for the depth imbalance")
    entry_threshold: float = Field(
        0.6, gt=0, lt=1, description="Enter long when the imbalance crosses above this"
    )
    reversal_threshold: float = Field(
        0.2,
        ge=0,
        lt=1,
        description="Exit a long when the imbalance falls below minus this (mirrored for shorts)",
    )
    ofi_window: int = Field(
        50, ge=1, description="Book updates summed by the order-flow imbalance (OFI)"
    )
    require_ofi: bool = Field(
        True, description="Enter only when the OFI over `ofi_window` has the entry's sign"
    )
    take_profit_bps: float = Field(5.0, gt=0, description="Exit when the mid gains this (bps)")
    stop_loss_bps: float = Field(5.0, gt=0, description="Exit when the mid loses this (bps)")
    max_hold_s: float = Field(30.0, gt=0, description="Time stop: exit after this many seconds")
    allow_short: bool = Field(
        False,
        description="Also sell into a dominant ask side (spot: needs the base asset)",
    )


class BookImbalance(Strategy):
    """Trade crossings of the normalised book imbalance (NOBI), optionally confirmed by OFI.

    On every book update the strategy computes the imbalance (``(Qb - Qa) / (Qb + Qa)`` at the
    touch or over the top ``depth`` levels) and the Cont–Kukanov–Stoikov order-flow imbalance
    over the last ``ofi_window`` updates. When flat with no working order it buys ``quantity``
    at market when the imbalance crosses above ``entry_threshold`` (from at or below it on the
    previous update) and, if ``require_ofi``, the OFI is positive; with ``allow_short`` it sells
    on the mirrored condition. A position is closed at market on the first of: reversal (the
    imbalance beyond ``-reversal_threshold`` against it), take-profit or stop-loss on the mid
    relative to the average entry price, or the time stop. The exit reason is the order's
    second tag.
    """

    name = "book_imbalance"
    Params = BookImbalanceParams
    params: BookImbalanceParams

    def on_start(self) -> None:
        """Subscribe to the book and set up the features."""
        p = self.params
        self._iid = InstrumentId(p.instrument_id)
        self.instrument(p.instrument_id)
        self._features = BookFeatures(depth=p.depth)
        self._ofi = OrderFlowImbalance(levels=1, window=p.ofi_window)
        self._touch = p.measure == "touch"
        self._previous = math.nan
        self._entry_ns = 0
        self.subscribe_order_book(p.instrument_id)

    @property
    def imbalance(self) -> float:
        """The imbalance of the last book update (NaN on an empty or crossed book)."""
        features = self._features
        return features.imbalance if self._touch else features.imbalance_depth

    @property
    def order_flow(self) -> float:
        """The OFI over the last ``ofi_window`` updates (NaN while warming up)."""
        return self._ofi.value

    def on_order_book(self, book: OrderBook) -> None:
        """Update the features and act on entries and exits."""
        self._features.update(book)
        self._ofi.update(book)
        if not self._features.ready:
            self._previous = math.nan
            return
        imbalance = self.imbalance
        previous = self._previous
        self._previous = imbalance
        if self.cache.orders_open_count(self._iid):
            return
        position = self.portfolio.net_quantity(self._iid)
        if position != 0:
            self._manage(position, imbalance)
        elif not math.isnan(previous):
            self._maybe_enter(previous, imbalance)

    def _maybe_enter(self, previous: float, imbalance: float) -> None:
        p = self.params
        threshold = p.entry_threshold
        flow = self._ofi.value
        confirmed_long = not p.require_ofi or flow > 0.0
        confirmed_short = not p.require_ofi or flow < 0.0
        if previous <= threshold < imbalance and confirmed_long:
            side = OrderSide.BUY
        elif p.allow_short and previous >= -threshold > imbalance and confirmed_short:
            side = OrderSide.SELL
        else:
            return
        self._entry_ns = self.clock.timestamp_ns()
        self.submit_market(self._iid, side, p.quantity, tags=("entry",))

    def _manage(self, position: Decimal, imbalance: float) -> None:
        p = self.params
        held = self.portfolio.position(self._iid)
        entry = float(held.avg_entry_price) if held is not None else math.nan
        direction = 1.0 if position > 0 else -1.0
        move_bps = direction * (self._features.mid / entry - 1.0) * 1e4
        if direction * imbalance < -p.reversal_threshold:
            reason = "reversal"
        elif move_bps >= p.take_profit_bps:
            reason = "take_profit"
        elif move_bps <= -p.stop_loss_bps:
            reason = "stop_loss"
        elif self.clock.timestamp_ns() - self._entry_ns >= p.max_hold_s * _NS:
            reason = "time_stop"
        else:
            return
        self.close_position(self._iid, tags=("exit", reason))

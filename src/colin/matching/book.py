"""Per-instrument matching: the resting orders of one instrument and how market data fills them.

An :class:`OrderMatcher` holds the working orders of one instrument in priority order (earliest
eligible first) and the venue's view of that instrument's market: its own L2
:class:`~colin.model.book.OrderBook` (from book data, or a one-level book from quotes), the
latest spread and the last price. It decides *what* fills, at which price and when; the venue
(through :class:`FillSink`) books the fill against the account and reports it.

Matching a price move ``a -> b`` (a bar path segment, or a trade print where ``a == b``):

* a stop triggers when the move reaches its trigger (at the start price if it gapped through);
* a market order (or triggered stop-market) fills at the move's price, plus slippage;
* a buy limit whose start price is already at or below the limit fills at that start price
  (a gap: maker if resting, taker if it was marketable on arrival); otherwise it fills at the
  limit price when the move crosses it (maker). Sells mirror this.
"""

from __future__ import annotations

from bisect import insort
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Protocol

from colin.matching.bar_path import PathPoint, price_at, time_at
from colin.matching.fill_models import SlippageModel
from colin.matching.venue_order import VenueOrder
from colin.model.book import BookDeltas, BookSnapshot, OrderBook
from colin.model.data import QuoteTick
from colin.model.enums import BookSide, LiquiditySide, OrderType, TimeInForce
from colin.model.instrument import Instrument

_ZERO = Decimal(0)
_CLEARLY_ABOVE = 1.0 + 1e-9
_MAKER = LiquiditySide.MAKER
_TAKER = LiquiditySide.TAKER


class FillSink(Protocol):
    """What the matcher reports to (implemented by the venue)."""

    def fill(
        self,
        order: VenueOrder,
        quantity: Decimal,
        price: Decimal,
        liquidity_side: LiquiditySide,
        ts_event: int,
    ) -> Decimal:
        """Book a fill; return the quantity the account could pay for (0 to refuse it)."""

    def trigger(self, order: VenueOrder, ts_event: int) -> None:
        """Report that a stop order's trigger was reached."""

    def expire(self, order: VenueOrder, ts_event: int) -> None:
        """Close the order's unfilled rest (IOC/FOK remainder, or nothing left to pay with)."""


def _may_match(order: VenueOrder, low: float, high: float) -> bool:
    if order.is_stop and not order.triggered:
        return high >= order.trigger_f if order.is_buy else low <= order.trigger_f
    if order.acts_as_market or order.fresh or order.taker_on_arrival:
        return True
    return low <= order.price_f if order.is_buy else high >= order.price_f


class OrderMatcher:
    """The working orders of one instrument and the market they are matched against."""

    __slots__ = (
        "_book_seen",
        "_contract_size",
        "_lot",
        "_participation",
        "_pending_quote",
        "_sink",
        "_slippage",
        "bar_duration",
        "book",
        "has_l2",
        "instrument",
        "last_price",
        "orders",
        "path_until",
        "spread",
    )

    def __init__(
        self,
        instrument: Instrument,
        sink: FillSink,
        slippage: SlippageModel,
        participation: float | None,
    ) -> None:
        self.instrument = instrument
        self.orders: list[VenueOrder] = []
        self.book = OrderBook(instrument.id)
        self.has_l2 = False
        self._book_seen = False  # no quote or book data yet: the venue's book is empty
        self.spread: float | None = None
        self.last_price: float | None = None
        self.path_until: int | None = None
        self.bar_duration = 0
        self._pending_quote: QuoteTick | None = None
        self._sink = sink
        self._slippage = slippage
        self._participation = participation
        self._contract_size = float(instrument.contract_size)
        self._lot = float(instrument.lot_size)

    # -- orders ----------------------------------------------------------------------------------

    def add(self, order: VenueOrder) -> None:
        """Queue a working order by priority."""
        insort(self.orders, order, key=lambda o: o.priority)

    def remove(self, order: VenueOrder) -> None:
        """Drop an order from the queue (no-op if it is not there)."""
        if order in self.orders:
            self.orders.remove(order)

    def touch_price(self, is_buy: bool) -> float | None:
        """Return the best price a taker on this side would meet in the book, if any."""
        if not self._book_seen:
            return None
        book = self._current_book()
        return book.best_ask_price() if is_buy else book.best_bid_price()

    def mid_price(self) -> float | None:
        """Return the book's mid price, if both sides have liquidity."""
        return self._current_book().mid_price()

    def _current_book(self) -> OrderBook:
        """Return the book, first turning the latest quote into it (done lazily, so that quotes
        for an instrument without orders cost one assignment)."""
        quote = self._pending_quote
        if quote is not None:
            self._pending_quote = None
            self.book.apply_snapshot(
                BookSnapshot(
                    self.instrument.id,
                    [(quote.bid_price, quote.bid_size)],
                    [(quote.ask_price, quote.ask_size)],
                    0,
                    quote.ts_event,
                )
            )
        return self.book

    # -- market state ----------------------------------------------------------------------------

    def update_quote(self, quote: QuoteTick) -> None:
        """Record a quote; without L2 data it becomes the venue's one-level book."""
        self.path_until = None
        self.spread = quote.ask_price - quote.bid_price
        self._book_seen = True
        if not self.has_l2:
            self._pending_quote = quote

    def update_book(self, event: BookSnapshot | BookDeltas) -> None:
        """Apply L2 data to the venue's own book."""
        if isinstance(event, BookSnapshot):
            self.book.apply_snapshot(event)
        else:
            self.book.apply_deltas(event)
        self.has_l2 = True
        self._book_seen = True
        self.path_until = None
        self._pending_quote = None
        self.spread = self.book.spread()

    # -- bars and trades -------------------------------------------------------------------------

    def may_match_range(self, low: float, high: float) -> bool:
        """Return whether any order could fill or change state on prices within ``[low, high]``.

        Lets the venue skip walking a bar that cannot touch any resting order.
        """
        return any(_may_match(order, low, high) for order in self.orders)

    def match_point(
        self,
        previous: PathPoint | None,
        point: PathPoint,
        budget: float | None,
        volume: float,
        virtual: bool = False,
    ) -> float | None:
        """Match every eligible order against the path from ``previous`` to ``point``.

        Orders that arrived inside the segment start from the path price at their arrival;
        market orders only fill at real path points, never at a ``virtual`` one (a cut of the
        path at a command's arrival). Returns the volume budget left (base units).
        """
        ts = point[0]
        for order in tuple(self.orders):
            if order.eligible_from > ts:
                break
            if virtual and order.order_type is OrderType.MARKET:
                continue
            if previous is None or order.eligible_from <= previous[0]:
                start = previous if previous is not None else point
            elif order.acts_as_market:
                start = point
            else:
                start = (order.eligible_from, price_at(previous, point, order.eligible_from))
            budget = self._match_move(order, start, point, budget, volume, gap_at_start=True)
        return budget

    def match_trade(self, ts: int, price: float, size: float) -> None:
        """Match every eligible order against one trade print."""
        budget = None if self._participation is None else size * self._participation
        point = (ts, price)
        for order in tuple(self.orders):
            if order.eligible_from > ts:
                break
            budget = self._match_move(order, point, point, budget, size, gap_at_start=False)

    def _match_move(
        self,
        order: VenueOrder,
        start: PathPoint,
        end: PathPoint,
        budget: float | None,
        volume: float | None,
        gap_at_start: bool,
    ) -> float | None:
        t0, a = start
        t1, b = end
        buy = order.is_buy
        if order.is_stop and not order.triggered:
            trigger = order.trigger_f
            if (a >= trigger) if buy else (a <= trigger):
                at = start
            elif (b >= trigger) if buy else (b <= trigger):
                at = (time_at(start, end, trigger), trigger)
            else:
                return budget
            self._trigger(order, at[0])
            t0, a = start = at
        if order.acts_as_market:
            ts, ref = (t0, a) if order.is_stop else (t1, b)
            return self._fill(order, ref, b, _TAKER, ts, budget, volume, slip=True)
        limit, limit_price = order.price_f, order.price
        assert limit_price is not None
        if (a <= limit) if buy else (a >= limit):
            taker = order.taker_on_arrival
            if not taker and not gap_at_start:
                return self._fill(order, limit_price, limit, _MAKER, t0, budget, volume)
            return self._fill(order, a, b, _TAKER if taker else _MAKER, t0, budget, volume, taker)
        if order.fresh or order.taker_on_arrival:
            self._finish_attempt(order, t0)
            if order not in self.orders:
                return budget
        if (b <= limit) if buy else (b >= limit):
            ts = time_at(start, end, limit)
            return self._fill(order, limit_price, limit, _MAKER, ts, budget, volume)
        return budget

    def _trigger(self, order: VenueOrder, ts: int) -> None:
        order.mark_triggered()
        order.taker_on_arrival = order.fresh = True
        self._sink.trigger(order, ts)

    # -- book ------------------------------------------------------------------------------------

    def match_book(self, ts: int) -> None:
        """Match every eligible order against the venue's current book."""
        for order in tuple(self.orders):
            if order.eligible_from > ts:
                break
            self.match_order_on_book(order, ts)

    def match_order_on_book(self, order: VenueOrder, ts: int) -> None:
        """Match one order against the book.

        Takers walk the opposite levels (one fill per level, at the level price, consuming the
        level until the next book update); a resting limit fills at its own price, up to the
        depth that crossed it.
        """
        buy = order.is_buy
        touch = self.touch_price(buy)
        if touch is None:
            return
        if order.is_stop and not order.triggered:
            if not ((touch >= order.trigger_f) if buy else (touch <= order.trigger_f)):
                return
            self._trigger(order, ts)
        limit = None if order.acts_as_market else order.price_f
        if limit is not None and not ((touch <= limit) if buy else (touch >= limit)):
            self._finish_attempt(order, ts)
            return
        side = BookSide.ASK if buy else BookSide.BID
        levels = [
            (price, size)
            for price, size in (self.book.asks if buy else self.book.bids)(depth=1_000_000)
            if limit is None or ((price <= limit) if buy else (price >= limit))
        ]
        depth = sum(size for _, size in levels)
        if (
            order.fresh
            and order.time_in_force is TimeInForce.FOK
            and self.instrument.round_quantity(depth / self._contract_size) < order.leaves_qty
        ):
            self._finish_attempt(order, ts)
            return
        if order.acts_as_market or order.taker_on_arrival:
            for price, size in levels:
                before = order.filled_qty
                self._fill(order, price, price, _TAKER, ts, size, size, slip=True, keep_open=True)
                self._consume(side, price, size, order.filled_qty - before)
                if order.leaves_qty == 0 or order not in self.orders:
                    break
        else:
            assert order.price is not None and limit is not None
            before = order.filled_qty
            self._fill(order, order.price, limit, _MAKER, ts, depth, depth, keep_open=True)
            taken = order.filled_qty - before
            for price, size in levels:
                taken -= self._consume(side, price, size, taken)
        self._finish_attempt(order, ts)

    def _consume(self, side: BookSide, price: float, size: float, quantity: Decimal) -> Decimal:
        """Take up to ``quantity`` from one level; return the quantity taken from it."""
        if quantity <= 0:
            return _ZERO
        available = size / self._contract_size
        taken = min(float(quantity), available)
        left = (available - taken) * self._contract_size
        self.book.update_level(side, price, left if left > 1e-12 * size else 0.0)
        return quantity if float(quantity) <= available else Decimal(repr(available))

    def _finish_attempt(self, order: VenueOrder, ts: int) -> None:
        """End an order's first chance to match: IOC/FOK rests expire, the rest now rests."""
        if order.fresh and order.time_in_force is not TimeInForce.GTC and order in self.orders:
            self._sink.expire(order, ts)
            self.remove(order)
        order.fresh = order.taker_on_arrival = False

    # -- fills -----------------------------------------------------------------------------------

    def _fill(
        self,
        order: VenueOrder,
        ref: Decimal | float,
        toward: float,
        liquidity: LiquiditySide,
        ts: int,
        budget: float | None,
        volume: float | None,
        slip: bool = False,
        keep_open: bool = False,
    ) -> float | None:
        """Fill as much of ``order`` as the budget allows at ``ref`` (slipped if ``slip``).

        ``toward`` is where the price is heading; an off-tick reference is rounded toward it, so
        the fill price stays inside the range the market actually traded.
        """
        quantity = order.leaves_qty
        if budget is not None:
            room = budget / self._contract_size
            # rounded down to the lot, a room more than a lot above the quantity leaves it whole:
            # the exact rounding is needed only when the room is not clearly that large
            if not room > (float(quantity) + self._lot) * _CLEARLY_ABOVE:
                quantity = min(quantity, self.instrument.round_quantity(room))
        fresh = order.fresh
        if fresh and order.time_in_force is TimeInForce.FOK and quantity < order.leaves_qty:
            quantity = _ZERO
        filled = _ZERO
        if quantity > 0:
            price = (
                ref
                if isinstance(ref, Decimal)
                else self._price(order, ref, toward, quantity, volume, slip)
            )
            filled = self._sink.fill(order, quantity, price, liquidity, ts)
            if budget is not None:
                budget -= float(filled) * self._contract_size
        if not keep_open:
            order.fresh = order.taker_on_arrival = False
        if order.leaves_qty == 0:
            self.remove(order)
        elif filled < quantity or (
            not keep_open and fresh and order.time_in_force is not TimeInForce.GTC
        ):
            self._sink.expire(order, ts)
            self.remove(order)
        return budget

    def _price(
        self,
        order: VenueOrder,
        ref: float,
        toward: float,
        quantity: Decimal,
        volume: float | None,
        slip: bool,
    ) -> Decimal:
        slipped = ref
        if slip:
            slipped = self._slippage.slipped_price(
                order.side, ref, float(quantity) * self._contract_size, volume, self.spread
            )
        if slipped != ref:
            rounding = ROUND_CEILING if order.is_buy else ROUND_FLOOR
        elif toward != ref:
            rounding = ROUND_CEILING if toward > ref else ROUND_FLOOR
        else:
            rounding = ROUND_HALF_EVEN
        price = self.instrument.round_price(slipped, rounding)
        if order.order_type is OrderType.LIMIT or order.order_type is OrderType.STOP_LIMIT:
            assert order.price is not None
            price = min(price, order.price) if order.is_buy else max(price, order.price)
        return max(price, self.instrument.tick_size)

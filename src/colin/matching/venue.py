"""The simulated venue: a Binance-like exchange that matches orders against market data.

:class:`SimulatedVenue` conforms to the :class:`~colin.execution.client.ExecutionClient` port.
Trading commands travel to it with a latency; at their arrival time it validates them (filters,
post-only, reduce-only, balance), then matches working orders against the bars, trades, quotes
and book updates the backtest engine feeds it *before* the strategy sees the same data. Every
outcome is an order event sent to :data:`colin.core.topics.EXEC_PROCESS`; a venue-side refusal
is an event, never an exception.

See ``docs/simulation.md`` for the matching rules and their assumptions.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.errors import DataError, NotFoundError
from colin.core.ids import ClientOrderId, InstrumentId
from colin.matching.account import VenueAccount
from colin.matching.bar_path import PathPoint, bar_path_points, price_at
from colin.matching.book import OrderMatcher
from colin.matching.config import SimulatedVenueConfig
from colin.matching.desk import OrderDesk
from colin.model.account import Balance
from colin.model.book import BookDeltas, BookSnapshot
from colin.model.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from colin.model.data import Bar, FundingRate, QuoteTick, TradeTick
from colin.model.instrument import Instrument

Command = SubmitOrder | ModifyOrder | CancelOrder | CancelAllOrders
PriceHint = Callable[[int], float]


class SimulatedVenue:
    """A simulated exchange for backtests, paper trading and the local exchange simulator.

    Parameters
    ----------
    venue
        The venue name; every instrument must belong to it.
    bus
        Where order events are sent (endpoint :data:`~colin.core.topics.EXEC_PROCESS`).
    clock
        The node's clock; it stamps ``ts_init`` of the events.
    instruments
        The instruments traded here.
    starting_balances
        Initial balance per currency (exact ``Decimal``).
    config
        Matching, latency, slippage and fee assumptions.

    Raises
    ------
    ValueError
        If an instrument belongs to another venue, or the configured leverage exceeds a
        perpetual's ``max_leverage``.
    """

    def __init__(
        self,
        venue: str,
        bus: MessageBus,
        clock: Clock,
        instruments: Iterable[Instrument],
        starting_balances: Mapping[str, Decimal],
        config: SimulatedVenueConfig = SimulatedVenueConfig(),  # noqa: B008 - frozen model
    ) -> None:
        self.venue = venue
        self._clock = clock
        self._config = config
        instrument_map: dict[InstrumentId, Instrument] = {}
        for instrument in instruments:
            if instrument.venue != venue:
                raise ValueError(f"instrument {instrument.id} does not belong to venue {venue}")
            instrument_map[instrument.id] = instrument
        _check_leverage(instrument_map.values(), config.leverage)
        self._instruments = instrument_map
        self._account = VenueAccount(starting_balances, config.fees, config.leverage)
        self._desk = OrderDesk(venue, bus, clock, instrument_map, self._account, config)
        self._matchers = self._desk.matchers
        self._latency = config.latency.sampler()
        self._inflight: dict[InstrumentId, list[tuple[int, int, Command]]] = {}
        # instruments with commands in flight, working orders or an open perpetual position
        # (read-only outside): while it is empty, process_time and process_bar do nothing
        self.active: set[InstrumentId] = set()
        self._command_seq = 0
        self._busy = 0  # > 0 while market data or time is being processed

    # -- ExecutionClient -------------------------------------------------------------------------

    def submit_order(self, command: SubmitOrder) -> None:
        """Send a new order; it reaches the venue after the latency."""
        self._enqueue(command.instrument_id, command)

    def modify_order(self, command: ModifyOrder) -> None:
        """Amend a working order's quantity, price or trigger price."""
        self._enqueue(command.instrument_id, command)

    def cancel_order(self, command: CancelOrder) -> None:
        """Cancel a working order."""
        self._enqueue(command.instrument_id, command)

    def cancel_all_orders(self, command: CancelAllOrders) -> None:
        """Cancel every working order of an instrument (optionally one strategy's or side's)."""
        self._enqueue(command.instrument_id, command)

    # -- state for reconciliation ----------------------------------------------------------------

    def balances(self) -> dict[str, Balance]:
        """Return the venue's balances per currency."""
        return self._account.balances()

    def position_quantity(self, instrument_id: InstrumentId) -> Decimal:
        """Return the signed perpetual position, or the base balance of a spot pair.

        Raises
        ------
        NotFoundError
            If the instrument is not traded at this venue.
        """
        instrument = self._instruments.get(instrument_id)
        if instrument is None:
            raise NotFoundError(f"instrument {instrument_id} is not traded at {self.venue}")
        return self._account.position_quantity(instrument)

    def position_entry(self, instrument_id: InstrumentId) -> tuple[Decimal, Decimal]:
        """Return a perpetual's signed position and average entry price (zeros when flat)."""
        return self._account.position_entry(instrument_id)

    def set_leverage(self, leverage: Decimal) -> None:
        """Change the leverage of perpetual margin (used by later orders and fills).

        Raises
        ------
        ValueError
            If ``leverage`` is not positive or exceeds a perpetual's ``max_leverage``.
        """
        _check_leverage(self._instruments.values(), leverage)
        if leverage <= 0:
            raise ValueError(f"leverage must be positive, got {leverage}")
        self._account.set_leverage(leverage)

    def open_order_ids(self, instrument_id: InstrumentId | None = None) -> list[ClientOrderId]:
        """Return the client ids of the working orders, optionally of one instrument."""
        return [
            order.client_order_id
            for order in self._desk.orders.values()
            if instrument_id is None or order.instrument_id == instrument_id
        ]

    # -- market data -----------------------------------------------------------------------------

    def process_bar(self, bar: Bar) -> None:
        """Match the instrument's orders against the bar's intrabar path."""
        if bar.instrument_id not in self.active:
            return
        self._busy += 1
        try:
            self._match_bar(bar)
        finally:
            self._busy -= 1

    def process_trade(self, trade: TradeTick) -> None:
        """Match the instrument's orders against a trade print."""
        instrument_id = trade.instrument_id
        matcher = self._matchers.get(instrument_id)
        if matcher is None:
            return
        if instrument_id in self.active:
            last = matcher.last_price
            hint = trade.price if last is None else last
            self._busy += 1
            try:
                self._run_commands(instrument_id, trade.ts_event, lambda _ts: hint)
                if matcher.orders:
                    matcher.match_trade(trade.ts_event, trade.price, trade.size)
            finally:
                self._busy -= 1
            self._refresh(instrument_id)
        matcher.last_price = trade.price
        matcher.path_until = None

    def process_quote(self, quote: QuoteTick) -> None:
        """Update the best bid/ask and match the instrument's orders against it."""
        matcher = self._matchers.get(quote.instrument_id)
        if matcher is not None:
            self._on_book_state(matcher, quote.ts_event, lambda: matcher.update_quote(quote))

    def process_book(self, event: BookSnapshot | BookDeltas) -> None:
        """Apply L2 data to the venue's own book and match the instrument's orders against it."""
        matcher = self._matchers.get(event.instrument_id)
        if matcher is not None:
            self._on_book_state(matcher, event.ts_event, lambda: matcher.update_book(event))

    def process_funding(self, rate: FundingRate) -> Decimal:
        """Apply a funding payment to the perpetual position; return the amount paid.

        The mark price is the rate's own, else the last known price of the instrument.

        Raises
        ------
        DataError
            If a position is open and no mark price is known.
        """
        instrument = self._instruments.get(rate.instrument_id)
        if instrument is None or not self._account.has_position(instrument.id):
            return Decimal(0)
        matcher = self._matchers[instrument.id]
        mark = rate.mark_price
        if mark is None:
            mark = matcher.last_price if matcher.last_price is not None else matcher.mid_price()
        if mark is None:
            raise DataError(
                f"{instrument.id}: funding at {rate.ts_event} has no mark price and the venue "
                "has seen no price for the instrument"
            )
        return self._account.apply_funding(
            instrument, Decimal(repr(rate.rate)), Decimal(repr(mark))
        )

    def process_time(self, ts_ns: int) -> None:
        """Process the commands that have arrived by ``ts_ns``, in arrival order.

        A new order needs a market price at its arrival: without a book, quote, trade or bar
        seen for its instrument it waits (and the instrument's later commands with it) for the
        next data. For an instrument traded on bars, a command arriving after the last bar waits
        for the next bar, whose walk applies it at its arrival time, unless ``ts_ns`` is past
        that bar's expected close (a gap, or the end of the data).
        """
        if not self.active:
            return
        self._busy += 1
        try:
            self._process_due(ts_ns)
        finally:
            self._busy -= 1

    def _awaits_bar(self, instrument_id: InstrumentId, arrival: int, now: int) -> bool:
        """Whether a command must wait for the next bar of a bar-driven instrument.

        The market after the last bar is unknown until the next bar, which the bar walk uses to
        apply the command at its arrival. Once ``now`` is past that bar's expected close and it
        has not come (a gap, or the end of the data), the command is applied without it.
        """
        matcher = self._matchers.get(instrument_id)
        if matcher is None or matcher.path_until is None:
            return False
        return arrival > matcher.path_until and now <= matcher.path_until + matcher.bar_duration

    def _process_due(self, ts_ns: int) -> None:
        blocked: set[InstrumentId] = set()
        while True:
            best: tuple[int, int] | None = None
            best_id: InstrumentId | None = None
            for instrument_id, heap in self._inflight.items():
                if heap and instrument_id not in blocked and heap[0][0] <= ts_ns:
                    if self._awaits_bar(instrument_id, heap[0][0], ts_ns):
                        continue
                    key = heap[0][:2]
                    if best is None or key < best:
                        best, best_id = key, instrument_id
            if best_id is None:
                break
            if not self._run_one(best_id, None):
                blocked.add(best_id)
            self._refresh(best_id)

    # -- matching drivers ------------------------------------------------------------------------

    def _match_bar(self, bar: Bar) -> None:
        instrument_id = bar.instrument_id
        matcher = self._matchers.get(instrument_id)
        if matcher is None:
            return
        participation = self._config.max_volume_participation
        budget = None if participation is None else bar.volume * participation
        inflight = self._inflight.get(instrument_id)
        if not (inflight and inflight[0][0] <= bar.ts_event) and not matcher.may_match_range(
            bar.low, bar.high
        ):
            matcher.last_price = bar.close
            matcher.path_until = bar.ts_event
            matcher.bar_duration = bar.ts_event - bar.ts_open
            return
        volume = bar.volume
        # commands sent while this bar is walked (from event handlers) wait for the next bar
        known = self._command_seq
        previous: PathPoint | None = None
        for point in bar_path_points(bar, self._config.bar_path):
            while inflight and inflight[0][0] <= point[0] and inflight[0][1] <= known:
                arrival = inflight[0][0]
                if previous is not None and arrival > previous[0]:
                    # match the path up to the arrival first, so the command acts at its time
                    cut = (arrival, price_at(previous, point, arrival))
                    if matcher.orders:
                        budget = matcher.match_point(previous, cut, budget, volume, virtual=True)
                    previous = cut
                start = point if previous is None else previous
                self._run_commands(instrument_id, arrival, _path_hint(start, point), known)
            if matcher.orders:
                budget = matcher.match_point(previous, point, budget, volume)
            previous = point
        matcher.last_price = bar.close
        matcher.path_until = bar.ts_event
        matcher.bar_duration = bar.ts_event - bar.ts_open
        self._refresh(instrument_id)

    def _on_book_state(self, matcher: OrderMatcher, ts: int, update: Callable[[], None]) -> None:
        instrument_id = matcher.instrument.id
        if instrument_id not in self.active:
            update()
            return
        self._busy += 1
        try:
            if self._has_price(matcher):
                self._run_commands(instrument_id, ts, None)  # arrived under the previous state
            update()
            self._run_commands(instrument_id, ts, None)
            if matcher.orders:
                matcher.match_book(ts)
        finally:
            self._busy -= 1
        self._refresh(instrument_id)

    def _refresh(self, instrument_id: InstrumentId) -> None:
        matcher = self._matchers.get(instrument_id)
        if (
            self._inflight.get(instrument_id)
            or (matcher is not None and matcher.orders)
            or self._account.has_position(instrument_id)
        ):
            self.active.add(instrument_id)
        elif instrument_id in self.active:
            self.active.discard(instrument_id)
            if matcher is not None:
                # bars of an idle instrument are not followed: its last price would go stale
                matcher.last_price = None

    @staticmethod
    def _has_price(matcher: OrderMatcher) -> bool:
        return (
            matcher.last_price is not None
            or matcher.touch_price(True) is not None
            or matcher.touch_price(False) is not None
        )

    # -- commands --------------------------------------------------------------------------------

    def _enqueue(self, instrument_id: InstrumentId, command: Command) -> None:
        self._command_seq += 1
        arrival = command.ts_init + self._latency()
        heapq.heappush(
            self._inflight.setdefault(instrument_id, []), (arrival, self._command_seq, command)
        )
        self.active.add(instrument_id)
        now = self._clock.timestamp_ns()
        if not self._busy and arrival <= now and not self._awaits_bar(instrument_id, arrival, now):
            # commands sent from an event handler while the venue is matching wait for the
            # next data or process_time, so they never act on a price path already walked
            self._busy += 1
            try:
                self._run_commands(instrument_id, arrival, None)
            finally:
                self._busy -= 1
            self._refresh(instrument_id)

    def _run_commands(
        self,
        instrument_id: InstrumentId,
        until: int,
        hint: PriceHint | None,
        max_sequence: int | None = None,
    ) -> None:
        heap = self._inflight.get(instrument_id)
        while (
            heap
            and heap[0][0] <= until
            and (max_sequence is None or heap[0][1] <= max_sequence)
            and self._run_one(instrument_id, hint)
        ):
            pass

    def _run_one(self, instrument_id: InstrumentId, hint: PriceHint | None) -> bool:
        """Process the instrument's next command; return False if it must wait for a price."""
        heap = self._inflight[instrument_id]
        arrival, _, command = heap[0]
        matcher = self._matchers.get(instrument_id)
        reference: float | None = None
        if matcher is not None and isinstance(command, SubmitOrder | ModifyOrder):
            is_buy = self._command_is_buy(command)
            if is_buy is not None:
                reference = matcher.touch_price(is_buy)
                if reference is None:
                    reference = hint(arrival) if hint is not None else matcher.last_price
                if reference is None:
                    return False
        heapq.heappop(heap)
        if isinstance(command, SubmitOrder):
            self._desk.submit(command.order, arrival, reference)
        elif isinstance(command, ModifyOrder):
            self._desk.modify(command, arrival, reference)
        elif isinstance(command, CancelOrder):
            self._desk.cancel(command, arrival)
        else:
            self._desk.cancel_all(command, arrival)
        return True

    def _command_is_buy(self, command: SubmitOrder | ModifyOrder) -> bool | None:
        if isinstance(command, SubmitOrder):
            return command.order.is_buy
        order = self._desk.orders.get(command.client_order_id)
        return None if order is None else order.is_buy


def _check_leverage(instruments: Iterable[Instrument], leverage: Decimal) -> None:
    """Refuse a leverage above any perpetual's ``max_leverage``."""
    for instrument in instruments:
        if instrument.is_derivative and leverage > instrument.max_leverage:
            raise ValueError(
                f"leverage {leverage} exceeds the max_leverage "
                f"{instrument.max_leverage} of {instrument.id}"
            )


def _path_hint(start: PathPoint, end: PathPoint) -> PriceHint:
    """Return the price on the path segment at a given time (the market at a command's arrival)."""
    return lambda ts: price_at(start, end, ts)

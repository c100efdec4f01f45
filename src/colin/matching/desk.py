"""The venue's order desk: admits, amends and cancels orders, books fills, reports events.

:class:`OrderDesk` is the part of :class:`~colin.matching.venue.SimulatedVenue` that acts on a
command once it has arrived, and the :class:`~colin.matching.book.FillSink` the matchers report
to. Every outcome becomes an order event sent to :data:`~colin.core.topics.EXEC_PROCESS`.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.ids import ClientOrderId, InstrumentId, TradeId, VenueOrderId
from colin.core.topics import EXEC_PROCESS
from colin.matching.account import VenueAccount
from colin.matching.book import OrderMatcher
from colin.matching.config import SimulatedVenueConfig
from colin.matching.rules import (
    check_market_rules,
    check_notional,
    check_reduce_only,
    check_shape,
)
from colin.matching.venue_order import VenueOrder
from colin.model.commands import CancelAllOrders, CancelOrder, ModifyOrder
from colin.model.enums import LiquiditySide, OrderType
from colin.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
)
from colin.model.instrument import Instrument
from colin.model.orders import Order


class OrderDesk:
    """Order handling and fill booking of one simulated venue."""

    def __init__(
        self,
        venue: str,
        bus: MessageBus,
        clock: Clock,
        instruments: dict[InstrumentId, Instrument],
        account: VenueAccount,
        config: SimulatedVenueConfig,
    ) -> None:
        self._venue = venue
        self._bus = bus
        self._clock = clock
        self._config = config
        self.instruments = instruments
        self.account = account
        self.matchers = {
            instrument_id: OrderMatcher(
                instrument, self, config.slippage, config.max_volume_participation
            )
            for instrument_id, instrument in instruments.items()
        }
        self.orders: dict[ClientOrderId, VenueOrder] = {}
        self._closed: set[ClientOrderId] = set()
        self._order_seq = 0
        self._trade_seq = 0

    # -- commands --------------------------------------------------------------------------------

    def submit(self, order: Order, arrival: int, reference: float | None) -> None:
        """Admit a new order that arrived at ``arrival`` with the market at ``reference``."""
        instrument = self.instruments.get(order.instrument_id)
        reason = self._admission_refusal(instrument, order, reference)
        if reason is not None or instrument is None:
            self._emit(OrderRejected, order.client_order_id, order, arrival, reason=reason)
            return
        self._order_seq += 1
        venue_order = VenueOrder(
            order, VenueOrderId(f"{self._venue}-{self._order_seq}"), arrival, self._order_seq
        )
        venue_order.set_prices(
            _on_tick(instrument, order.price), _on_tick(instrument, order.trigger_price)
        )
        price = self._reservation_price(instrument, venue_order, reference)
        reason = self.account.reserve(instrument, venue_order, price)
        if reason is not None:
            self._order_seq -= 1
            self._emit(OrderRejected, order.client_order_id, order, arrival, reason=reason)
            return
        venue_order.taker_on_arrival = _marketable(venue_order, reference)
        self.orders[order.client_order_id] = venue_order
        self._emit(
            OrderAccepted,
            order.client_order_id,
            venue_order,
            arrival,
            venue_order_id=venue_order.venue_order_id,
        )
        matcher = self.matchers[instrument.id]
        matcher.add(venue_order)
        if matcher.touch_price(venue_order.is_buy) is not None:
            matcher.match_order_on_book(venue_order, arrival)

    def _admission_refusal(
        self, instrument: Instrument | None, order: Order, reference: float | None
    ) -> str | None:
        if instrument is None:
            return f"instrument {order.instrument_id} is not traded at {self._venue}"
        if order.client_order_id in self.orders or order.client_order_id in self._closed:
            return f"duplicate client order id {order.client_order_id}"
        reason = check_shape(
            instrument,
            order.order_type,
            order.quantity,
            order.price,
            order.trigger_price,
            order.time_in_force,
            order.post_only,
        )
        if reason is None:
            notional_price = order.price or order.trigger_price
            if notional_price is None and reference is not None:
                notional_price = Decimal(repr(reference))
            reason = check_notional(instrument, order.quantity, notional_price)
        if reason is None and order.reduce_only:
            position = self.account.position_quantity(instrument)
            reason = check_reduce_only(instrument, order.is_buy, order.quantity, position)
        if reason is None:
            reason = check_market_rules(
                order.order_type,
                order.is_buy,
                order.post_only,
                None if order.price is None else float(order.price),
                None if order.trigger_price is None else float(order.trigger_price),
                reference,
                self._config.reject_stop_would_trigger,
            )
        return reason

    def _reservation_price(
        self, instrument: Instrument, order: VenueOrder, reference: float | None
    ) -> Decimal:
        if order.price is not None:
            return order.price
        if order.trigger_price is not None:
            return order.trigger_price
        assert reference is not None, "a market order is admitted only with a market price"
        slipped = self._config.slippage.slipped_price(
            order.side, reference, float(order.quantity * instrument.contract_size), None, None
        )
        return instrument.round_price(slipped, ROUND_CEILING if order.is_buy else ROUND_FLOOR)

    def modify(self, command: ModifyOrder, arrival: int, reference: float | None) -> None:
        """Amend a working order; it loses its queue priority, as on Binance."""
        order = self.orders.get(command.client_order_id)
        reason: str | None
        if order is None:
            reason = self._unknown_reason(command.client_order_id)
            self._emit(
                OrderModifyRejected, command.client_order_id, command, arrival, reason=reason
            )
            return
        instrument = self.instruments[order.instrument_id]
        quantity = order.quantity if command.quantity is None else command.quantity
        price = order.price if command.price is None else command.price
        trigger = order.trigger_price if command.trigger_price is None else command.trigger_price
        reason = self._modify_refusal(instrument, order, command, quantity, price, trigger)
        if reason is None:
            reason = check_market_rules(
                order.order_type,
                order.is_buy,
                order.post_only,
                None if price is None else float(price),
                None if trigger is None or order.triggered else float(trigger),
                reference,
                self._config.reject_stop_would_trigger,
            )
        if reason is None:
            previous = (order.quantity, order.price, order.trigger_price)
            order.quantity = quantity
            order.set_prices(_on_tick(instrument, price), _on_tick(instrument, trigger))
            reserve_price = self._reservation_price(instrument, order, reference)
            reason = self.account.reserve(instrument, order, reserve_price)
            if reason is not None:
                order.quantity = previous[0]
                order.set_prices(previous[1], previous[2])
        if reason is not None:
            self._emit(OrderModifyRejected, order.client_order_id, order, arrival, reason=reason)
            return
        matcher = self.matchers[instrument.id]
        matcher.remove(order)
        order.eligible_from = arrival
        self._order_seq += 1
        order.sequence = self._order_seq
        order.taker_on_arrival = _marketable(order, reference)
        order.fresh = False
        matcher.add(order)
        self._emit(
            OrderUpdated,
            order.client_order_id,
            order,
            arrival,
            quantity=order.quantity,
            price=order.price,
            trigger_price=order.trigger_price,
        )
        if matcher.touch_price(order.is_buy) is not None:
            matcher.match_order_on_book(order, arrival)

    @staticmethod
    def _modify_refusal(
        instrument: Instrument,
        order: VenueOrder,
        command: ModifyOrder,
        quantity: Decimal,
        price: Decimal | None,
        trigger: Decimal | None,
    ) -> str | None:
        if order.order_type is OrderType.MARKET:
            return "a market order cannot be modified"
        if command.price is not None and order.order_type is OrderType.STOP_MARKET:
            return "a stop-market order has no limit price to modify"
        if command.trigger_price is not None and (not order.is_stop or order.triggered):
            return "trigger_price can only be modified on an untriggered stop order"
        if quantity <= order.filled_qty:
            return f"quantity {quantity} is not above the filled quantity {order.filled_qty}"
        return check_shape(
            instrument,
            order.order_type,
            quantity,
            price,
            trigger,
            order.time_in_force,
            order.post_only,
        )

    def cancel(self, command: CancelOrder, arrival: int) -> None:
        """Cancel one working order."""
        order = self.orders.get(command.client_order_id)
        if order is None:
            reason = self._unknown_reason(command.client_order_id)
            self._emit(
                OrderCancelRejected, command.client_order_id, command, arrival, reason=reason
            )
            return
        self._cancel(order, arrival)

    def cancel_all(self, command: CancelAllOrders, arrival: int) -> None:
        """Cancel every matching working order of the command's instrument."""
        for order in list(self.orders.values()):
            if (
                order.instrument_id == command.instrument_id
                and (command.strategy_id is None or order.strategy_id == command.strategy_id)
                and (command.side is None or order.side is command.side)
            ):
                self._cancel(order, arrival)

    def _cancel(self, order: VenueOrder, ts: int) -> None:
        self.matchers[order.instrument_id].remove(order)
        self._close(order)
        self._emit(OrderCanceled, order.client_order_id, order, ts)

    def _unknown_reason(self, client_order_id: ClientOrderId) -> str:
        if client_order_id in self._closed:
            return f"order {client_order_id} is already closed"
        return f"unknown order {client_order_id}"

    # -- FillSink --------------------------------------------------------------------------------

    def fill(
        self,
        order: VenueOrder,
        quantity: Decimal,
        price: Decimal,
        liquidity_side: LiquiditySide,
        ts_event: int,
    ) -> Decimal:
        """Book a fill against the account and report it; return the quantity booked."""
        instrument = self.instruments[order.instrument_id]
        quantity = self.account.fillable_quantity(
            instrument, order, quantity, price, liquidity_side
        )
        if quantity <= 0:
            return Decimal(0)
        self._trade_seq += 1
        event = OrderFilled(
            client_order_id=order.client_order_id,
            instrument_id=order.instrument_id,
            strategy_id=order.strategy_id,
            ts_event=ts_event,
            ts_init=max(ts_event, self._clock.timestamp_ns()),
            venue_order_id=order.venue_order_id,
            trade_id=TradeId(f"{self._venue}-T{self._trade_seq}"),
            side=order.side,
            last_qty=quantity,
            last_px=price,
            commission=self._config.fees.commission(instrument, quantity, price, liquidity_side),
            commission_currency=instrument.quote,
            liquidity_side=liquidity_side,
        )
        self.account.apply_fill(instrument, order, event)
        order.filled_qty += quantity
        if order.leaves_qty == 0:
            self._close(order)
        self._bus.send(EXEC_PROCESS, event)
        return quantity

    def trigger(self, order: VenueOrder, ts_event: int) -> None:
        """Report that a stop order triggered."""
        self._emit(OrderTriggered, order.client_order_id, order, ts_event)

    def expire(self, order: VenueOrder, ts_event: int) -> None:
        """Close the unfilled rest of an order."""
        self._close(order)
        self._emit(OrderExpired, order.client_order_id, order, ts_event)

    # -- helpers ---------------------------------------------------------------------------------

    def _close(self, order: VenueOrder) -> None:
        self.account.release(order)
        self.orders.pop(order.client_order_id, None)
        self._closed.add(order.client_order_id)

    def _emit(
        self,
        kind: type[OrderEvent],
        client_order_id: ClientOrderId,
        source: Order | VenueOrder | ModifyOrder | CancelOrder,
        ts_event: int,
        **fields: object,
    ) -> None:
        event = kind(
            client_order_id=client_order_id,
            instrument_id=source.instrument_id,
            strategy_id=source.strategy_id,
            ts_event=ts_event,
            ts_init=max(ts_event, self._clock.timestamp_ns()),
            **fields,
        )
        self._bus.send(EXEC_PROCESS, event)


def _marketable(order: VenueOrder, reference: float | None) -> bool:
    """Whether a limit order would take liquidity at ``reference`` (stops: never on arrival)."""
    if reference is None or order.order_type is not OrderType.LIMIT:
        return order.order_type is OrderType.MARKET
    return reference <= order.price_f if order.is_buy else reference >= order.price_f


def _on_tick(instrument: Instrument, price: Decimal | None) -> Decimal | None:
    """Return a validated price written with the tick's exponent (``95`` -> ``95.00``)."""
    return None if price is None else price.quantize(instrument.tick_size)

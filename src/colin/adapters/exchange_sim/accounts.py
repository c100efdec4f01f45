"""One Binance account (spot, or USD-M futures) of the simulated exchange.

A :class:`SimAccount` owns a :class:`~colin.matching.SimulatedVenue` with its own message bus and
clock, at zero latency, and keeps the Binance view of every order (:class:`OrderRecord`). The
venue's order events are translated, as they happen, into record updates and the exchange events
of :mod:`colin.adapters.exchange_sim.events`.

The venue sees internal client ids (``"<market>-<orderId>"``), so a Binance client id can be
reused once its order is closed, as on Binance; open orders keep their client ids unique.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from colin.adapters.exchange_sim import errors
from colin.adapters.exchange_sim.errors import BinanceError
from colin.adapters.exchange_sim.events import (
    AccountUpdate,
    AssetBalance,
    ExchangeEvent,
    Market,
    OrderUpdate,
    PositionState,
)
from colin.adapters.exchange_sim.orders import Fill, OrderRecord, OrderRequest, fmt
from colin.core.bus import MessageBus
from colin.core.clock import SimClock
from colin.core.ids import ClientOrderId, StrategyId
from colin.core.time import NANOS_PER_MILLI
from colin.core.topics import EXEC_PROCESS
from colin.matching import SimulatedVenue, SimulatedVenueConfig
from colin.model.commands import CancelOrder, ModifyOrder, SubmitOrder
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
    OrderUpdated,
)
from colin.model.instrument import Instrument
from colin.model.orders import Order

_ZERO = Decimal(0)
_STRATEGY = StrategyId("exchange-sim")
Publish = Callable[[ExchangeEvent], None]
MarkPrice = Callable[[str], Decimal | None]


class SimAccount:
    """Orders, balances and (USD-M) positions of one market's account.

    Parameters
    ----------
    market
        ``"spot"`` or ``"usdm"``.
    instruments
        The market's instruments by Binance symbol.
    balances
        Starting balances.
    publish
        Where exchange events go, in order.
    mark_price
        The price unrealized PnL is marked at, per symbol.
    leverage
        USD-M starting leverage.
    first_order_id
        The first Binance order id.
    """

    def __init__(
        self,
        market: Market,
        instruments: dict[str, Instrument],
        balances: dict[str, Decimal],
        publish: Publish,
        mark_price: MarkPrice,
        leverage: Decimal = Decimal(1),
        first_order_id: int = 1,
    ) -> None:
        self.market: Market = market
        self.instruments = instruments
        self.clock = SimClock()
        self._bus = MessageBus()
        self._bus.register(EXEC_PROCESS, self._on_event)
        self.venue = SimulatedVenue(
            "BINANCE",
            self._bus,
            self.clock,
            instruments.values(),
            balances,
            SimulatedVenueConfig(leverage=leverage),
        )
        self.leverage = dict.fromkeys(instruments, int(leverage))
        self._publish = publish
        self._mark_price = mark_price
        self.orders: dict[int, OrderRecord] = {}
        self._open_by_client: dict[tuple[str, str], OrderRecord] = {}
        self._by_internal: dict[str, OrderRecord] = {}
        self._refusal: str | None = None
        self._next_order_id = first_order_id
        self._next_trade_id = first_order_id
        self._seen_positions: dict[str, tuple[Decimal, Decimal]] = {}

    # -- commands --------------------------------------------------------------------------------

    def submit(self, request: OrderRequest, now_ms: int) -> OrderRecord:
        """Send a new order to the venue; return its record once the venue has answered.

        Without ``newClientOrderId`` the order's client id is ``sim<orderId>``.

        Raises
        ------
        BinanceError
            When the client id is in use by an open order, or the venue rejects the order.
        """
        client_id = request.client_order_id or f"sim{self._next_order_id}"
        if (request.symbol, client_id) in self._open_by_client:
            raise errors.duplicate_client_id(self.market)
        instrument = self.instruments[request.symbol]
        assert request.quantity is not None, "a quote-sized order is sized before submission"
        order_id = self._next_order_id
        self._next_order_id += 1
        record = OrderRecord(
            market=self.market,
            symbol=request.symbol,
            instrument_id=instrument.id,
            order_id=order_id,
            client_order_id=client_id,
            side=request.side.value,
            type=request.binance_type,
            time_in_force=request.binance_tif,
            price=request.price or _ZERO,
            stop_price=request.stop_price or _ZERO,
            orig_qty=request.quantity,
            orig_quote_qty=request.quote_order_qty or _ZERO,
            reduce_only=request.reduce_only,
            time_ms=now_ms,
            update_ms=now_ms,
        )
        order = Order(
            client_order_id=ClientOrderId(f"{self.market}-{order_id}"),
            strategy_id=_STRATEGY,
            instrument_id=instrument.id,
            side=request.side,
            order_type=request.order_type,
            quantity=request.quantity,
            price=request.price,
            trigger_price=request.stop_price,
            time_in_force=request.time_in_force,
            post_only=request.post_only,
            reduce_only=request.reduce_only,
            ts_init=now_ms * NANOS_PER_MILLI,
        )
        self._refusal = None
        self._by_internal[order.client_order_id] = record
        self.sync_clock(now_ms)
        self.venue.submit_order(SubmitOrder(order=order, ts_init=order.ts_init))
        if self._refusal is not None:
            raise self._reject_error(self._refusal, request)
        if order_id not in self.orders:
            raise BinanceError(
                -1007,
                "Timeout waiting for response from backend server. Send status unknown; "
                "execution status unknown.",
                status=408,
            )
        return record

    def cancel(self, record: OrderRecord, now_ms: int) -> OrderRecord:
        """Cancel an open order (-2011 if it is no longer open)."""
        if not record.is_open:
            raise errors.unknown_order(self.market, cancel=True)
        self.venue.cancel_order(CancelOrder(**self._command_for(record, now_ms)))
        if self._refusal is not None or record.is_open:
            raise errors.unknown_order(self.market, cancel=True)
        return record

    def amend(
        self, record: OrderRecord, quantity: Decimal, price: Decimal, now_ms: int
    ) -> OrderRecord:
        """Change an open LIMIT order's quantity and price (USD-M ``PUT /fapi/v1/order``)."""
        if not record.is_open:
            raise BinanceError(-2013, "Order does not exist.")
        if record.type != "LIMIT":
            raise BinanceError(-4300, "Only limit order can be modified.")
        if quantity == record.orig_qty and price == record.price:
            raise BinanceError(-5027, "No need to modify the order.")
        command = ModifyOrder(**self._command_for(record, now_ms), quantity=quantity, price=price)
        self.venue.modify_order(command)
        if self._refusal is not None:
            raise self._modify_error(self._refusal)
        return record

    def _command_for(self, record: OrderRecord, now_ms: int) -> dict[str, Any]:
        """Prepare a command on ``record`` sent at ``now_ms``: forget the last refusal, bring the
        venue's clock up, and return the fields that name the order and stamp the command."""
        self._refusal = None
        self.sync_clock(now_ms)
        return {
            "instrument_id": record.instrument_id,
            "strategy_id": _STRATEGY,
            "client_order_id": ClientOrderId(f"{self.market}-{record.order_id}"),
            "ts_init": now_ms * NANOS_PER_MILLI,
        }

    def sync_clock(self, now_ms: int) -> None:
        """Bring the venue's clock up to ``now_ms`` (never back), so a command sent now is
        processed at once (the venue defers commands stamped after its clock)."""
        now_ns = now_ms * NANOS_PER_MILLI
        if now_ns > self.clock.timestamp_ns():
            self.clock.set_time(now_ns)

    def find(self, symbol: str, order_id: int | None, client_id: str | None) -> OrderRecord | None:
        """Look an order up by ``orderId`` or (open first, then latest) ``origClientOrderId``."""
        if order_id is not None:
            record = self.orders.get(order_id)
            return record if record is not None and record.symbol == symbol else None
        if client_id is None:
            return None
        record = self._open_by_client.get((symbol, client_id))
        if record is not None:
            return record
        for candidate in reversed(self.orders.values()):
            if candidate.symbol == symbol and candidate.client_order_id == client_id:
                return candidate
        return None

    def open_orders(self, symbol: str | None = None) -> list[OrderRecord]:
        """Return the open orders (of one symbol), oldest first."""
        return [r for r in self._open_by_client.values() if symbol is None or r.symbol == symbol]

    def fills(self, symbol: str) -> list[Fill]:
        """Return every fill of a symbol, in trade id order."""
        out = [f for r in self.orders.values() if r.symbol == symbol for f in r.fills]
        return sorted(out, key=lambda f: f.trade_id)

    # -- state -----------------------------------------------------------------------------------

    def balances(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Return ``asset -> (free, locked)``."""
        return {c: (b.free, b.locked) for c, b in self.venue.balances().items()}

    def position(self, symbol: str) -> tuple[Decimal, Decimal]:
        """Return a USD-M symbol's signed amount and entry price."""
        return self.venue.position_entry(self.instruments[symbol].id)

    def unrealized_pnl(self, symbol: str) -> Decimal:
        """Return the position's PnL marked at the symbol's mark price."""
        amount, entry = self.position(symbol)
        mark = self._mark_price(symbol)
        if not amount or mark is None:
            return _ZERO
        return amount * (mark - entry) * self.instruments[symbol].contract_size

    def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set a USD-M symbol's leverage (the venue's margin uses it from now on)."""
        instrument = self.instruments[symbol]
        if leverage < 1 or leverage > instrument.max_leverage:
            raise BinanceError(-4028, f"Leverage {leverage} is not valid")
        self.venue.set_leverage(Decimal(leverage))
        self.leverage[symbol] = leverage

    # -- venue events ----------------------------------------------------------------------------

    def _on_event(self, event: OrderEvent) -> None:
        record = self._by_internal.get(event.client_order_id)
        if record is None:
            return
        ts_ms = event.ts_event // NANOS_PER_MILLI
        if isinstance(event, OrderRejected | OrderCancelRejected | OrderModifyRejected):
            self._refusal = event.reason or "rejected"
            if isinstance(event, OrderRejected):
                record.status = "REJECTED"
                self._emit(record, "REJECTED", ts_ms, reject_reason="OTHER")
            return
        record.update_ms = ts_ms
        if isinstance(event, OrderAccepted):
            self.orders[record.order_id] = record
            self._open_by_client[(record.symbol, record.client_order_id)] = record
            self._emit(record, "NEW", ts_ms)
        elif isinstance(event, OrderFilled):
            self._on_fill(record, event, ts_ms)
        elif isinstance(event, OrderCanceled | OrderExpired):
            self._close(record, "CANCELED" if isinstance(event, OrderCanceled) else "EXPIRED")
            self._emit(record, record.status, ts_ms)
        elif isinstance(event, OrderUpdated):
            record.orig_qty = event.quantity if event.quantity is not None else record.orig_qty
            record.price = event.price if event.price is not None else record.price
            self._emit(record, "AMENDMENT", ts_ms)

    def _on_fill(self, record: OrderRecord, event: OrderFilled, ts_ms: int) -> None:
        trade_id = self._next_trade_id
        self._next_trade_id += 1
        realized = self._realized(record, event)
        fill = Fill(
            trade_id=trade_id,
            order_id=record.order_id,
            price=event.last_px,
            qty=event.last_qty,
            commission=event.commission,
            commission_asset=event.commission_currency,
            time_ms=ts_ms,
            is_buyer=record.side == "BUY",
            is_maker=event.liquidity_side is LiquiditySide.MAKER,
            realized_pnl=realized,
        )
        record.fills.append(fill)
        record.executed_qty += event.last_qty
        record.cum_quote += event.last_qty * event.last_px
        if record.executed_qty >= record.orig_qty:
            self._close(record, "FILLED")
        else:
            record.status = "PARTIALLY_FILLED"
        self._emit(
            record,
            "TRADE",
            ts_ms,
            last_qty=fmt(fill.qty),
            last_price=fmt(fill.price),
            commission=fmt(fill.commission),
            commission_asset=fill.commission_asset,
            trade_id=trade_id,
            is_maker=fill.is_maker,
            realized_pnl=fmt(realized),
        )
        self._publish(self.account_update(ts_ms, record.symbol))

    def _realized(self, record: OrderRecord, event: OrderFilled) -> Decimal:
        if self.market == "spot":
            return _ZERO
        before, entry = self._seen_positions.get(record.symbol, (_ZERO, _ZERO))
        self._seen_positions[record.symbol] = self.position(record.symbol)
        signed = event.last_qty if record.side == "BUY" else -event.last_qty
        if before == 0 or (before > 0) == (signed > 0):
            return _ZERO
        closed = min(abs(signed), abs(before))
        direction = 1 if before > 0 else -1
        return (
            closed
            * (event.last_px - entry)
            * direction
            * self.instruments[record.symbol].contract_size
        )

    def account_update(self, ts_ms: int, symbol: str | None = None) -> AccountUpdate:
        """Return the account state (balances; USD-M also the symbol's position) as an event."""
        balances = tuple(
            AssetBalance(asset, fmt(free), fmt(locked))
            for asset, (free, locked) in sorted(self.balances().items())
        )
        positions: tuple[PositionState, ...] = ()
        if self.market == "usdm" and symbol is not None:
            amount, entry = self.position(symbol)
            positions = (
                PositionState(symbol, fmt(amount), fmt(entry), fmt(self.unrealized_pnl(symbol))),
            )
        return AccountUpdate(self.market, ts_ms, "ORDER", balances, positions)

    def _close(self, record: OrderRecord, status: str) -> None:
        record.status = status
        self._open_by_client.pop((record.symbol, record.client_order_id), None)

    def _emit(self, record: OrderRecord, execution_type: str, ts_ms: int, **fields: object) -> None:
        update = OrderUpdate(record.snapshot(), execution_type, ts_ms, **fields)  # type: ignore[arg-type]
        self._publish(update)

    def _reject_error(self, reason: str, request: OrderRequest) -> BinanceError:
        if reason.startswith("insufficient balance"):
            return errors.insufficient(self.market)
        if reason.startswith("post-only"):
            return errors.would_take(self.market)
        if reason.startswith("stop order would trigger"):
            return errors.would_trigger(self.market)
        if reason.startswith("reduce-only"):
            return BinanceError(-2022, "ReduceOnly Order is rejected.")
        if request.order_type is OrderType.MARKET and "notional" in reason:
            return errors.filter_failure("NOTIONAL")
        return BinanceError(-2010 if self.market == "spot" else -1000, reason)

    def _modify_error(self, reason: str) -> BinanceError:
        if reason.startswith("insufficient balance"):
            return errors.insufficient(self.market)
        if reason.startswith("post-only"):
            return errors.would_take(self.market)
        if reason.startswith("quantity") and "filled" in reason:
            return BinanceError(-4034, "Quantity less than or equal to the executed quantity.")
        return BinanceError(-2013 if "unknown" in reason else -1000, reason)

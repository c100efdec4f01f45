"""USD-M conditional (algo) orders: ``/fapi/v1/algoOrder``, where ccxt sends futures orders that
carry a ``triggerPrice``.

An algo order waits at the exchange, outside the matching engine, until the last price reaches its
trigger (``workingType`` CONTRACT_PRICE): STOP / STOP_MARKET buy when the price rises to it, sell
when it falls to it; TAKE_PROFIT / TAKE_PROFIT_MARKET the other way round. It then places a
regular LIMIT (STOP, TAKE_PROFIT) or MARKET order carrying the algo's client id, and its status
becomes TRIGGERED (FINISHED once that order is closed). An order that would trigger at once is
refused (-2021), as Binance does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from colin.adapters.exchange_sim.errors import BinanceError, mandatory
from colin.adapters.exchange_sim.orders import OrderRecord, decimal_param

ALGO_TYPES = {
    "STOP_MARKET": ("MARKET", True),  # order type placed on trigger, triggers on a rise for buys
    "STOP": ("LIMIT", True),
    "TAKE_PROFIT_MARKET": ("MARKET", False),
    "TAKE_PROFIT": ("LIMIT", False),
}
PlaceOrder = Callable[[dict[str, str], int], OrderRecord]
FindOrder = Callable[[int], OrderRecord | None]
Validate = Callable[[dict[str, str]], None]


@dataclass(slots=True)
class AlgoOrder:
    """A conditional order waiting for (or past) its trigger."""

    algo_id: int
    client_algo_id: str
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    price: Decimal
    trigger_price: Decimal
    time_in_force: str
    reduce_only: bool
    create_ms: int
    update_ms: int
    status: str = "NEW"
    trigger_ms: int = 0
    actual_order_id: int | None = None

    @property
    def is_open(self) -> bool:
        """Whether the order still waits for its trigger."""
        return self.status == "NEW"

    def triggered_by(self, price: Decimal) -> bool:
        """Whether the last price ``price`` reaches the trigger."""
        rises = ALGO_TYPES[self.order_type][1] == (self.side == "BUY")
        return price >= self.trigger_price if rises else price <= self.trigger_price

    def order_params(self) -> dict[str, str]:
        """The parameters of the regular order placed on trigger."""
        kind = ALGO_TYPES[self.order_type][0]
        params = {
            "symbol": self.symbol,
            "side": self.side,
            "type": kind,
            "quantity": f"{self.quantity:f}",
            "newClientOrderId": self.client_algo_id,
            "reduceOnly": "true" if self.reduce_only else "false",
        }
        if kind == "LIMIT":
            params.update({"price": f"{self.price:f}", "timeInForce": self.time_in_force})
        return params


class AlgoBook:
    """The algo orders of the USD-M account.

    Parameters
    ----------
    place_order
        Places a regular USD-M order from its parameters at a time (the exchange's order path).
    find_order
        Finds a regular order by id (to report FINISHED).
    first_id
        The first ``algoId``.
    """

    def __init__(self, place_order: PlaceOrder, find_order: FindOrder, first_id: int) -> None:
        self.orders: dict[int, AlgoOrder] = {}
        self._place_order = place_order
        self._find_order = find_order
        self._next_id = first_id

    def create(
        self,
        params: dict[str, str],
        now_ms: int,
        last_price: Decimal | None,
        validate: Validate,
    ) -> AlgoOrder:
        """Register a conditional order after ``validate`` has checked the order it will place.

        Raises
        ------
        BinanceError
            For bad parameters or filters (as for the placed order), a client id in use (-4116),
            or a trigger already reached (-2021).
        """
        if params.get("algoType") != "CONDITIONAL":
            raise mandatory("algoType")
        order_type = params.get("type", "")
        if order_type not in ALGO_TYPES:
            raise BinanceError(-1116, "Invalid orderType.")
        trigger = decimal_param(params, "triggerPrice", required=True)
        assert trigger is not None
        client_id = params.get("clientAlgoId") or f"algo{self._next_id}"
        if any(o.is_open and o.client_algo_id == client_id for o in self.orders.values()):
            raise BinanceError(-4116, "ClientOrderId is duplicated.")
        is_limit = ALGO_TYPES[order_type][0] == "LIMIT"
        order = AlgoOrder(
            algo_id=self._next_id,
            client_algo_id=client_id,
            symbol=params.get("symbol", ""),
            side=params.get("side", ""),
            order_type=order_type,
            quantity=decimal_param(params, "quantity", required=True) or Decimal(0),
            price=(decimal_param(params, "price", required=is_limit) or Decimal(0)),
            trigger_price=trigger,
            time_in_force=params.get("timeInForce") or "GTC",
            reduce_only=params.get("reduceOnly", "false").lower() == "true",
            create_ms=now_ms,
            update_ms=now_ms,
        )
        validate(order.order_params())
        if last_price is not None and order.triggered_by(last_price):
            raise BinanceError(-2021, "Order would immediately trigger.")
        self._next_id += 1
        self.orders[order.algo_id] = order
        return order

    def find(self, params: dict[str, str]) -> AlgoOrder:
        """Return the algo order named by ``algoId`` or ``clientAlgoId`` (-2013 if none)."""
        algo_id = decimal_param(params, "algoId", required=False)
        client_id = params.get("clientAlgoId")
        if algo_id is None and not client_id:
            raise BinanceError(
                -1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!"
            )
        for order in reversed(self.orders.values()):
            if (algo_id is not None and order.algo_id == int(algo_id)) or (
                algo_id is None and order.client_algo_id == client_id
            ):
                return self.refresh(order)
        raise BinanceError(-2013, "Order does not exist.")

    def cancel(self, order: AlgoOrder, now_ms: int) -> AlgoOrder:
        """Cancel a waiting algo order (-2011 once triggered or closed)."""
        if not order.is_open:
            raise BinanceError(-2011, "Unknown order sent.")
        order.status = "CANCELED"
        order.update_ms = now_ms
        return order

    def open_orders(self, symbol: str | None) -> list[AlgoOrder]:
        """The waiting algo orders (of one symbol), oldest first."""
        return [o for o in self.orders.values() if o.is_open and symbol in (None, o.symbol)]

    def refresh(self, order: AlgoOrder) -> AlgoOrder:
        """Mark a triggered order FINISHED once the order it placed is closed."""
        if order.status == "TRIGGERED" and order.actual_order_id is not None:
            placed = self._find_order(order.actual_order_id)
            if placed is not None and not placed.is_open:
                order.status = "FINISHED"
                order.update_ms = placed.update_ms
        return order

    def on_price(self, symbol: str, price: Decimal, now_ms: int) -> None:
        """Trigger the symbol's waiting orders that ``price`` reaches, in creation order."""
        for order in self.open_orders(symbol):
            if not order.triggered_by(price):
                continue
            order.trigger_ms = order.update_ms = now_ms
            try:
                placed = self._place_order(order.order_params(), now_ms)
            except BinanceError:
                order.status = "REJECTED"
                continue
            order.status = "TRIGGERED"
            order.actual_order_id = placed.order_id

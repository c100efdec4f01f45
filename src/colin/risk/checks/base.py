"""What every pre-trade check shares: the per-order context and the breach it reports."""

from __future__ import annotations

from typing import Protocol

from colin.model.orders import Order
from colin.risk.ledger import InstrumentOrders, OpenOrderLedger
from colin.risk.spec import InstrumentSpec


class Breach:
    """A failed check: a stable ``code``, a human ``detail`` and the largest passing quantity.

    ``allowed`` is the biggest order quantity (in contracts) this check would accept, or ``None``
    when no smaller order would pass; the engine uses it to resize orders when configured to.
    """

    __slots__ = ("allowed", "code", "detail")

    def __init__(self, code: str, detail: str, allowed: float | None = None) -> None:
        self.code = code
        self.detail = detail
        self.allowed = allowed

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"

    def __repr__(self) -> str:
        return f"Breach({self.code!r}, {self.detail!r}, allowed={self.allowed})"


class OrderContext:
    """Everything the checks need about one order, computed once.

    Quantities are floats in contracts, prices floats in the quote currency. ``price`` is the
    valuation price: the larger of the order's own price and the reference (last) price, so that
    exposure is never understated. ``unit_cost`` is the equity one contract costs on filling
    (taker fee and any loss against the reference price); working orders' costs are in the
    ledger, so equity-relative limits hold after every working order has filled.

    ``existing`` is the position plus every working order on the same side, i.e. the worst-case
    position before this order; ``reduces`` tells whether the order (with those working orders)
    can only bring the position closer to flat.
    """

    __slots__ = (
        "equity",
        "existing",
        "instrument",
        "ledger",
        "multiplier",
        "notional",
        "now",
        "order",
        "own_price",
        "pending",
        "position",
        "price",
        "quantity",
        "reduces",
        "reference_price",
        "sign",
        "spec",
        "unit_cost",
        "utilisation",
        "warn_level",
        "warnings",
    )

    def __init__(
        self,
        order: Order,
        spec: InstrumentSpec,
        buy: bool,
        quantity: float,
        own_price: float | None,
        price: float,
        reference_price: float | None,
        position: float,
        ledger: OpenOrderLedger,
        equity: float,
        now: int,
        warn_level: float,
    ) -> None:
        self.order = order
        self.spec = spec
        self.instrument = spec.instrument
        self.quantity = quantity
        self.own_price = own_price
        self.price = price
        self.reference_price = reference_price
        self.position = position
        self.ledger = ledger
        self.equity = equity
        self.now = now
        self.warn_level = warn_level
        self.multiplier = multiplier = spec.multiplier
        self.notional = quantity * price * multiplier
        pending = ledger.by_instrument.get(order.instrument_id)
        self.pending = pending if pending is not None else _NO_ORDERS
        if buy:
            self.sign = 1.0
            self.existing = position + self.pending.buy_qty
        else:
            self.sign = -1.0
            self.existing = position - self.pending.sell_qty
        # reduces: after every same-side working order and this one, |position| only shrinks
        after = self.existing + self.sign * quantity
        self.reduces = position != 0.0 and position * self.sign < 0.0 and position * after >= 0.0
        # equity lost per contract on filling: the taker fee, plus the mark-to-market loss of
        # paying above (selling below) the reference price
        adverse = 0.0
        if own_price is not None and reference_price is not None:
            adverse = max(0.0, self.sign * (own_price - reference_price)) * multiplier
        self.unit_cost = price * multiplier * spec.taker_fee + adverse
        self.utilisation = 0.0
        self.warnings: list[str] = []

    def utilise(self, name: str, used: float, limit: float) -> None:
        """Record how much of a limit the order uses, warning when it is near the limit."""
        share = used / limit if limit > 0.0 else 1.0
        if share > self.utilisation:
            self.utilisation = share
        if self.warn_level <= share <= 1.0:
            self.warnings.append(
                f"{name} at {share:.0%} of its limit ({used:,.2f} of {limit:,.2f})"
            )


_NO_ORDERS = InstrumentOrders()


class PreTradeCheck(Protocol):
    """One configurable check: return a :class:`Breach` to deny, ``None`` to pass.

    A check with a true ``only_adding`` attribute never denies an order that reduces a
    position; the assessor does not even call it for one.
    """

    code: str

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check one order."""

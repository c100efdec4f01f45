"""What every pre-trade check shares: the per-order context and the breach it reports."""

from __future__ import annotations

from typing import Protocol

from colin.model.orders import Order
from colin.risk.ledger import InstrumentOrders
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

    Checks record how much of each limit the order uses in ``utilisation`` (the highest share)
    and call :meth:`near` for a share at or above the warning level; ``warnings`` stays ``None``
    until there is one, so that a quiet order allocates nothing for it.
    """

    __slots__ = (
        "equity",
        "existing",
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
        pending: InstrumentOrders | None,
        equity: float,
        now: int,
    ) -> None:
        self.order = order
        self.spec = spec
        self.quantity = quantity
        self.own_price = own_price
        self.price = price
        self.reference_price = reference_price
        self.position = position
        self.equity = equity
        self.now = now
        self.multiplier = multiplier = spec.multiplier
        self.notional = quantity * price * multiplier
        if pending is None:
            pending = _NO_ORDERS
        self.pending = pending
        if buy:
            sign = 1.0
            existing = position + pending.buy_qty
        else:
            sign = -1.0
            existing = position - pending.sell_qty
        self.sign = sign
        self.existing = existing
        # reduces: after every same-side working order and this one, |position| only shrinks
        self.reduces = (
            position != 0.0
            and position * sign < 0.0
            and position * (existing + sign * quantity) >= 0.0
        )
        # equity lost per contract on filling: the taker fee, plus the mark-to-market loss of
        # paying above (selling below) the reference price
        unit_cost = price * multiplier * spec.taker_fee
        if own_price is not None and reference_price is not None:
            adverse = sign * (own_price - reference_price)
            if adverse > 0.0:
                unit_cost += adverse * multiplier
        self.unit_cost = unit_cost
        self.utilisation = 0.0
        self.warnings: list[str] | None = None

    def warn(self, text: str) -> None:
        """Attach a warning to the decision."""
        if self.warnings is None:
            self.warnings = [text]
        else:
            self.warnings.append(text)

    def near(self, name: str, used: float, limit: float, share: float) -> None:
        """Warn that the order uses ``share`` (at or above the warning level) of a limit."""
        if share <= 1.0:
            self.warn(f"{name} at {share:.0%} of its limit ({used:,.2f} of {limit:,.2f})")


_NO_ORDERS = InstrumentOrders()


class PreTradeCheck(Protocol):
    """One configurable check: return a :class:`Breach` to deny, ``None`` to pass.

    A check with a true ``only_adding`` attribute is never called for an order that can only
    reduce a position. A check may have an ``applies(spec) -> bool`` method: the assessor then
    leaves it out of the plan of every instrument it returns false for (a restricted list that
    does not name the instrument, a cash check on a perpetual). A check with a true
    ``reads_marks`` reads exposure or equity marked to the last prices, so the engine must
    follow prices for it.
    """

    code: str

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check one order."""

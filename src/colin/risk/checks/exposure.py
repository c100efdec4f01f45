"""Portfolio exposure: gross and net exposure and leverage, counting every working order."""

from __future__ import annotations

from colin.risk.checks.base import Breach, OrderContext
from colin.risk.exposure import ExposureBook


class GrossExposureCheck:
    """Deny risk-increasing orders that could take gross exposure past ``limit``."""

    code = "gross_exposure"
    only_adding = True
    __slots__ = ("book", "limit")

    def __init__(self, book: ExposureBook, limit: float) -> None:
        self.book = book
        self.limit = limit

    def check(self, ctx: OrderContext) -> Breach | None:
        """Positions plus working orders plus this order, against the limit."""
        if ctx.reduces:
            return None
        before = self.book.gross + ctx.ledger.notional
        used = before + ctx.notional
        ctx.utilise("gross exposure", used, self.limit)
        if used > self.limit:
            allowed = (self.limit - before) / (ctx.price * ctx.multiplier)
            return Breach(
                "max_gross_exposure",
                f"gross exposure could reach {used:,.2f}, above the limit {self.limit:,.2f}",
                allowed if allowed > 0.0 else None,
            )
        return None


class NetExposureCheck:
    """Deny orders that could push net exposure (long minus short) past ``±limit``.

    Position-reducing orders are not exempt: closing a short in one instrument raises the net
    exposure of a portfolio that is long elsewhere.
    """

    code = "net_exposure"
    __slots__ = ("book", "limit")

    def __init__(self, book: ExposureBook, limit: float) -> None:
        self.book = book
        self.limit = limit

    def check(self, ctx: OrderContext) -> Breach | None:
        """Worst-case net exposure in the order's direction, against the limit."""
        ledger = ctx.ledger
        pending = ledger.buy_notional if ctx.sign > 0 else ledger.sell_notional
        before = ctx.sign * self.book.net + pending
        used = before + ctx.notional
        if used <= 0.0:
            return None
        ctx.utilise("net exposure", used, self.limit)
        if used > self.limit:
            allowed = (self.limit - before) / (ctx.price * ctx.multiplier)
            return Breach(
                "max_net_exposure",
                f"net exposure could reach {ctx.sign * used:,.2f}, beyond ±{self.limit:,.2f}",
                allowed if allowed > 0.0 else None,
            )
        return None


class LeverageCheck:
    """Deny risk-increasing orders that could take gross exposure / equity past ``limit``.

    Equity is reduced by what the working orders and this one cost when they fill (fees and any
    price worse than the last price).
    """

    code = "leverage"
    only_adding = True
    __slots__ = ("book", "limit")

    def __init__(self, book: ExposureBook, limit: float) -> None:
        self.book = book
        self.limit = limit

    def check(self, ctx: OrderContext) -> Breach | None:
        """Worst-case leverage after the order, against the limit."""
        if ctx.reduces:
            return None
        ledger = ctx.ledger
        gross = self.book.gross + ledger.notional + ctx.notional
        equity = ctx.equity - ledger.costs - ctx.quantity * ctx.unit_cost
        leverage = gross / equity if equity > 0.0 else float("inf")
        ctx.utilise("leverage", leverage, self.limit)
        if leverage > self.limit:
            unit = ctx.price * ctx.multiplier
            room = self.limit * (ctx.equity - ledger.costs) - self.book.gross - ledger.notional
            allowed = room / (unit + self.limit * ctx.unit_cost)
            return Breach(
                "max_leverage",
                f"leverage could reach {leverage:.2f}x, above the limit {self.limit:.2f}x",
                allowed if allowed > 0.0 else None,
            )
        return None

"""Portfolio exposure: gross and net exposure and leverage, counting every working order."""

from __future__ import annotations

from colin.risk.checks.base import Breach, OrderContext
from colin.risk.exposure import ExposureBook
from colin.risk.ledger import OpenOrderLedger


class _ExposureLimit:
    """A limit on marked positions plus working orders (the ledger) plus the new order."""

    __slots__ = ("book", "ledger", "limit", "warn_level")

    def __init__(
        self, book: ExposureBook, ledger: OpenOrderLedger, limit: float, warn_level: float
    ) -> None:
        self.book = book
        self.ledger = ledger
        self.limit = limit
        self.warn_level = warn_level


class GrossExposureCheck(_ExposureLimit):
    """Deny risk-increasing orders that could take gross exposure past ``limit``."""

    code = "gross_exposure"
    reads_marks = True
    only_adding = True
    __slots__ = ()

    def check(self, ctx: OrderContext) -> Breach | None:
        """Positions plus working orders plus this order, against the limit."""
        limit = self.limit
        before = self.book.gross + self.ledger.notional
        used = before + ctx.notional
        share = used / limit
        if share > ctx.utilisation:
            ctx.utilisation = share
        if share >= self.warn_level:
            ctx.near("gross exposure", used, limit, share)
        if used > limit:
            allowed = (limit - before) / (ctx.price * ctx.multiplier)
            return Breach(
                "max_gross_exposure",
                f"gross exposure could reach {used:,.2f}, above the limit {limit:,.2f}",
                allowed if allowed > 0.0 else None,
            )
        return None


class NetExposureCheck(_ExposureLimit):
    """Deny orders that could push net exposure (long minus short) past ``±limit``.

    Position-reducing orders are not exempt: closing a short in one instrument raises the net
    exposure of a portfolio that is long elsewhere.
    """

    code = "net_exposure"
    reads_marks = True
    __slots__ = ()

    def check(self, ctx: OrderContext) -> Breach | None:
        """Worst-case net exposure in the order's direction, against the limit."""
        ledger = self.ledger
        sign = ctx.sign
        pending = ledger.buy_notional if sign > 0 else ledger.sell_notional
        before = sign * self.book.net + pending
        used = before + ctx.notional
        if used <= 0.0:
            return None
        limit = self.limit
        share = used / limit
        if share > ctx.utilisation:
            ctx.utilisation = share
        if share >= self.warn_level:
            ctx.near("net exposure", used, limit, share)
        if used > limit:
            allowed = (limit - before) / (ctx.price * ctx.multiplier)
            return Breach(
                "max_net_exposure",
                f"net exposure could reach {sign * used:,.2f}, beyond ±{limit:,.2f}",
                allowed if allowed > 0.0 else None,
            )
        return None


class LeverageCheck(_ExposureLimit):
    """Deny risk-increasing orders that could take gross exposure / equity past ``limit``.

    Equity is reduced by what the working orders and this one cost when they fill (fees and any
    price worse than the last price).
    """

    code = "leverage"
    reads_marks = True
    only_adding = True
    __slots__ = ()

    def check(self, ctx: OrderContext) -> Breach | None:
        """Worst-case leverage after the order, against the limit."""
        ledger = self.ledger
        limit = self.limit
        gross = self.book.gross + ledger.notional + ctx.notional
        equity = ctx.equity - ledger.costs - ctx.quantity * ctx.unit_cost
        leverage = gross / equity if equity > 0.0 else float("inf")
        share = leverage / limit
        if share > ctx.utilisation:
            ctx.utilisation = share
        if share >= self.warn_level:
            ctx.near("leverage", leverage, limit, share)
        if leverage > limit:
            unit = ctx.price * ctx.multiplier
            room = limit * (ctx.equity - ledger.costs) - self.book.gross - ledger.notional
            allowed = room / (unit + limit * ctx.unit_cost)
            return Breach(
                "max_leverage",
                f"leverage could reach {leverage:.2f}x, above the limit {limit:.2f}x",
                allowed if allowed > 0.0 else None,
            )
        return None

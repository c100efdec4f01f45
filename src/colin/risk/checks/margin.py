"""Cash and margin sufficiency, counting what working orders already reserve.

Spot buys must be paid for in quote currency (price plus taker fee), spot sells need the base
asset (spot cannot go short). Perpetuals need initial margin: the worst-case gross exposure divided
by the leverage in use must stay within equity. Each check is planned only for the instruments
it is about.
"""

from __future__ import annotations

from colin.cache.portfolio_facade import PortfolioFacade
from colin.risk.checks.base import Breach, OrderContext
from colin.risk.exposure import ExposureBook
from colin.risk.ledger import OpenOrderLedger
from colin.risk.spec import InstrumentSpec


class CashCheck:
    """Deny spot orders the account could not pay for (buys) or deliver (sells)."""

    code = "cash"
    __slots__ = ("ledger", "portfolio", "warn_level")

    def __init__(
        self, portfolio: PortfolioFacade, ledger: OpenOrderLedger, warn_level: float
    ) -> None:
        self.portfolio = portfolio
        self.ledger = ledger
        self.warn_level = warn_level

    @staticmethod
    def applies(spec: InstrumentSpec) -> bool:
        """Return whether the instrument is spot."""
        return not spec.is_derivative

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check the balance left after what working orders reserve."""
        spec = ctx.spec
        if ctx.sign > 0.0:
            currency = spec.quote
            cost_per_unit = ctx.price * ctx.multiplier * (1.0 + spec.taker_fee)
        else:
            currency = spec.base
            cost_per_unit = ctx.multiplier
        need = ctx.quantity * cost_per_unit
        available = float(self.portfolio.balance_total(currency)) - self.ledger.reserved.get(
            currency, 0.0
        )
        if available > 0.0:
            share = need / available
            if share > ctx.utilisation:
                ctx.utilisation = share
            if share >= self.warn_level:
                ctx.near(f"{currency} balance", need, available, share)
        if need > available:
            allowed = available / cost_per_unit
            return Breach(
                "insufficient_balance",
                f"needs {need:,.8g} {currency}, {max(available, 0.0):,.8g} available "
                "after working orders",
                allowed if allowed > 0.0 else None,
            )
        return None


class MarginCheck:
    """Deny perpetual orders that add risk beyond the initial margin equity can carry."""

    code = "margin"
    reads_marks = True
    only_adding = True
    __slots__ = ("book", "ledger", "leverage", "warn_level")

    def __init__(
        self, book: ExposureBook, ledger: OpenOrderLedger, leverage: float, warn_level: float
    ) -> None:
        self.book = book
        self.ledger = ledger
        self.leverage = leverage
        self.warn_level = warn_level

    @staticmethod
    def applies(spec: InstrumentSpec) -> bool:
        """Return whether the instrument is margined (a perpetual)."""
        return spec.is_derivative

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check the worst-case initial margin at the leverage in use."""
        leverage = ctx.spec.max_leverage
        if self.leverage < leverage:
            leverage = self.leverage
        ledger = self.ledger
        exposure = self.book.gross + ledger.notional
        required = (exposure + ctx.notional) / leverage
        available = ctx.equity - ledger.costs - ctx.quantity * ctx.unit_cost
        if available > 0.0:
            share = required / available
            if share > ctx.utilisation:
                ctx.utilisation = share
            if share >= self.warn_level:
                ctx.near("margin", required, available, share)
        if required > available:
            unit = ctx.price * ctx.multiplier
            room = leverage * (ctx.equity - ledger.costs) - exposure
            allowed = room / (unit + leverage * ctx.unit_cost)
            return Breach(
                "insufficient_margin",
                f"initial margin {required:,.2f} at {leverage:g}x exceeds the "
                f"{max(available, 0.0):,.2f} available",
                allowed if allowed > 0.0 else None,
            )
        return None

"""Cash and margin sufficiency, counting what working orders already reserve.

Spot buys must be paid for in quote currency (price plus taker fee), spot sells need the base
asset (spot cannot go short). Perpetuals need initial margin: the worst-case gross exposure divided
by the leverage in use must stay within equity.
"""

from __future__ import annotations

from colin.cache.portfolio_facade import PortfolioFacade
from colin.risk.checks.base import Breach, OrderContext
from colin.risk.exposure import ExposureBook


class MarginCheck:
    """Deny orders the account could not pay for or margin."""

    code = "margin"
    __slots__ = ("book", "leverage", "portfolio")

    def __init__(self, portfolio: PortfolioFacade, book: ExposureBook, leverage: float) -> None:
        self.portfolio = portfolio
        self.book = book
        self.leverage = leverage

    def check(self, ctx: OrderContext) -> Breach | None:
        """Check cash (spot) or initial margin (perpetuals)."""
        spec = ctx.spec
        if spec.is_derivative:
            return None if ctx.reduces else self._margin(ctx)
        reserved = ctx.ledger.reserved
        if ctx.sign > 0.0:
            currency = spec.quote
            cost_per_unit = ctx.price * ctx.multiplier * (1.0 + spec.taker_fee)
            need = ctx.quantity * cost_per_unit
        else:
            currency = spec.base
            cost_per_unit = ctx.multiplier
            need = ctx.quantity * cost_per_unit
        available = float(self.portfolio.balance_total(currency)) - reserved.get(currency, 0.0)
        if available > 0.0:
            ctx.utilise(f"{currency} balance", need, available)
        if need > available:
            allowed = available / cost_per_unit
            return Breach(
                "insufficient_balance",
                f"needs {need:,.8g} {currency}, {max(available, 0.0):,.8g} available "
                "after working orders",
                allowed if allowed > 0.0 else None,
            )
        return None

    def _margin(self, ctx: OrderContext) -> Breach | None:
        leverage = min(self.leverage, ctx.spec.max_leverage)
        ledger = ctx.ledger
        exposure = self.book.gross + ledger.notional
        required = (exposure + ctx.notional) / leverage
        available = ctx.equity - ledger.costs - ctx.quantity * ctx.unit_cost
        if available > 0.0:
            ctx.utilise("margin", required, available)
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

"""The read-only view of the portfolio that strategies and the risk engine receive.

It lives here (below the engines) so that the risk engine and strategies can depend on the
portfolio's shape without importing the portfolio engine.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from colin.core.ids import InstrumentId
from colin.model.position import Position


class PortfolioFacade(Protocol):
    """Positions, balances and equity as the portfolio sees them now."""

    base_currency: str

    def position(self, instrument_id: InstrumentId) -> Position | None:
        """The position in an instrument (``None`` if never traded)."""

    def positions_open(self) -> list[Position]:
        """Every non-flat position."""

    def net_quantity(self, instrument_id: InstrumentId) -> Decimal:
        """Signed position quantity (0 when flat or never traded)."""

    def balance_total(self, currency: str) -> Decimal:
        """Total balance of a currency."""

    def balance_free(self, currency: str) -> Decimal:
        """Balance not locked by open orders or margin."""

    def equity(self) -> float:
        """Account value in the base currency: cash plus positions marked at the last prices."""

    def unrealized_pnl(self, instrument_id: InstrumentId | None = None) -> float:
        """Open PnL of one instrument, or of all."""

    def realized_pnl(self, instrument_id: InstrumentId | None = None) -> Decimal:
        """Closed PnL (before fees) of one instrument, or of all."""

    def total_fees(self) -> Decimal:
        """Fees paid in the base currency."""

    def gross_exposure(self) -> float:
        """Sum of absolute position notionals at the last prices."""

    def net_exposure(self) -> float:
        """Sum of signed position notionals at the last prices."""

    def peak_equity(self) -> float:
        """Highest equity recorded so far."""

"""The exposure book: equity, gross and net exposure kept current in O(1) per price update.

The portfolio computes these by looping over its open positions, which is fine once per bar but
too slow for every order check with a hundred positions. The book re-reads the portfolio after
each fill (work that is per fill stays per fill) and afterwards moves equity, gross and net
exposure by ``quantity * price change`` when a bar or trade of an instrument with an open
position arrives. The node's per-step equity (``RiskEngine.handle_equity``) overrides the
equity estimate with the portfolio's exact value.
"""

from __future__ import annotations

from typing import Any

from colin.cache.cache import CacheFacade
from colin.cache.portfolio_facade import PortfolioFacade
from colin.core.ids import InstrumentId


class ExposureBook:
    """Positions (in contracts) and marks of every open position, with running totals."""

    __slots__ = (
        "_cache",
        "_multiplier",
        "_portfolio",
        "_price",
        "equity",
        "gross",
        "net",
        "quantity",
    )

    def __init__(self, cache: CacheFacade, portfolio: PortfolioFacade) -> None:
        self._cache = cache
        self._portfolio = portfolio
        self.quantity: dict[InstrumentId, float] = {}
        self._multiplier: dict[InstrumentId, float] = {}
        self._price: dict[InstrumentId, float] = {}
        self.equity = 0.0
        self.gross = 0.0
        self.net = 0.0

    def resync(self) -> None:
        """Recompute everything from the portfolio and the cache's last prices."""
        self.quantity.clear()
        self._multiplier.clear()
        self._price.clear()
        gross = net = 0.0
        for position in self._portfolio.positions_open():
            instrument_id = position.instrument_id
            quantity = float(position.quantity)
            multiplier = float(position.contract_size)
            price = self._cache.last_price(instrument_id)
            if price is None:
                price = float(position.avg_entry_price)
            self.quantity[instrument_id] = quantity
            self._multiplier[instrument_id] = multiplier
            self._price[instrument_id] = price
            gross += abs(quantity) * price * multiplier
            net += quantity * price * multiplier
        self.gross = gross
        self.net = net
        self.equity = self._portfolio.equity()

    def on_price(self, event: Any) -> None:
        """Move the totals by an open position's price change (bar or trade handler)."""
        instrument_id = event.instrument_id
        quantity = self.quantity.get(instrument_id)
        if quantity is None:
            return
        price = self._cache.last_price(instrument_id)
        if price is None:
            return
        change = (price - self._price[instrument_id]) * self._multiplier[instrument_id]
        if change == 0.0:
            return
        self._price[instrument_id] = price
        self.gross += abs(quantity) * change
        self.net += quantity * change
        self.equity += quantity * change

    def notional(self, instrument_id: InstrumentId) -> float:
        """Return the signed notional of a position at its last mark (0.0 when flat)."""
        quantity = self.quantity.get(instrument_id)
        if quantity is None:
            return 0.0
        return quantity * self._price[instrument_id] * self._multiplier[instrument_id]

    def position(self, instrument_id: InstrumentId) -> float:
        """Return the signed position in contracts (0.0 when flat)."""
        return self.quantity.get(instrument_id, 0.0)

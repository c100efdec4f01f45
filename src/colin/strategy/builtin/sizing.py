"""Entry sizing shared by the built-in strategies."""

from __future__ import annotations

from decimal import Decimal

from colin.cache.portfolio_facade import PortfolioFacade
from colin.model.instrument import Instrument


def all_in_quantity(
    portfolio: PortfolioFacade,
    instrument: Instrument,
    price: float,
    allocation: float,
    buffer_bps: float,
) -> Decimal:
    """Quantity that spends ``allocation`` of the free quote balance at ``price``.

    The price is raised by ``buffer_bps`` and the taker fee, so that a fill at a slightly worse
    price (the next bar's open) is still affordable; the result is rounded down to the lot size.
    Zero when that quantity is worth less than the instrument's minimum notional at ``price``:
    the risk engine and the venue would refuse the order, so the strategy does not send it.
    """
    free = portfolio.balance_free(instrument.quote)
    if free <= 0 or price <= 0:
        return Decimal(0)
    budget = free * Decimal(repr(allocation))
    market_price = Decimal(repr(price))
    unit_cost = market_price * (1 + Decimal(repr(buffer_bps)) / 10_000)
    unit_cost *= (1 + instrument.taker_fee) * instrument.contract_size
    quantity = instrument.round_quantity(budget / unit_cost)
    if quantity * market_price * instrument.contract_size < instrument.min_notional:
        return Decimal(0)
    return quantity

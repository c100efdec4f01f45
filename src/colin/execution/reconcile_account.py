"""Compare Colin's balances and positions with a venue's, and correct them from the venue.

The reconciler fixes orders and fills through order events; what is still different afterwards
(fees the venue charged that no fill reported, a transfer, trades made outside Colin) shows up
here as a mismatch. With correction on, the venue's numbers replace the portfolio's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from colin.core.ids import InstrumentId
from colin.execution.reports import PositionReport, VenueState

_ZERO = Decimal(0)


class AccountView(Protocol):
    """What the reconciler reads from the portfolio (a subset of ``PortfolioFacade``)."""

    def balances(self) -> dict[str, Decimal]:
        """Every currency balance (total)."""

    def net_quantity(self, instrument_id: InstrumentId) -> Decimal:
        """Signed position quantity (0 when flat or never traded)."""


@runtime_checkable
class AccountCorrector(Protocol):
    """A portfolio whose numbers the reconciler may overwrite with the venue's."""

    def balances(self) -> dict[str, Decimal]:
        """Every currency balance (total)."""

    def net_quantity(self, instrument_id: InstrumentId) -> Decimal:
        """Signed position quantity."""

    def correct_balance(self, currency: str, total: Decimal) -> None:
        """Set a currency's total balance to the venue's."""

    def correct_position(
        self, instrument_id: InstrumentId, quantity: Decimal, avg_entry_price: Decimal
    ) -> None:
        """Set a position's signed quantity and entry price to the venue's."""


@dataclass(frozen=True, slots=True)
class BalanceMismatch:
    """A currency whose total differs: ``venue - local`` is what Colin is missing."""

    currency: str
    local: Decimal
    venue: Decimal

    @property
    def difference(self) -> Decimal:
        """How much the venue has more than Colin."""
        return self.venue - self.local


@dataclass(frozen=True, slots=True)
class PositionMismatch:
    """A derivative position whose signed quantity differs."""

    instrument_id: InstrumentId
    local: Decimal
    venue: Decimal
    venue_entry_price: Decimal


def compare_balances(
    state: VenueState, account: AccountView, tolerance: Decimal
) -> tuple[BalanceMismatch, ...]:
    """Return the currencies whose totals differ by more than ``tolerance``.

    Nothing is compared when the state carries no balances (the client did not fetch them).
    A currency Colin holds that the venue does not list counts as zero at the venue.
    """
    if not state.balances:
        return ()
    venue = {balance.currency: balance.total for balance in state.balances}
    local = account.balances()
    mismatches = []
    for currency in sorted(venue.keys() | local.keys()):
        have, want = local.get(currency, _ZERO), venue.get(currency, _ZERO)
        if abs(have - want) > tolerance:
            mismatches.append(BalanceMismatch(currency, have, want))
    return tuple(mismatches)


def compare_positions(
    state: VenueState, account: AccountView, tolerance: Decimal
) -> tuple[PositionMismatch, ...]:
    """Return the derivative positions whose signed quantities differ by more than ``tolerance``.

    Instruments in ``state.position_instruments`` that the venue lists no position for are flat
    there.
    """
    reports: dict[InstrumentId, PositionReport] = {p.instrument_id: p for p in state.positions}
    mismatches = []
    for instrument_id in sorted(reports.keys() | state.position_instruments):
        report = reports.get(instrument_id)
        venue = report.quantity if report is not None else _ZERO
        entry = report.entry_price if report is not None else _ZERO
        have = account.net_quantity(instrument_id)
        if abs(have - venue) > tolerance:
            mismatches.append(PositionMismatch(instrument_id, have, venue, entry))
    return tuple(mismatches)


def correct_account(
    corrector: AccountCorrector,
    balances: tuple[BalanceMismatch, ...],
    positions: tuple[PositionMismatch, ...],
) -> None:
    """Overwrite every mismatched balance and position with the venue's value."""
    for balance in balances:
        corrector.correct_balance(balance.currency, balance.venue)
    for position in positions:
        corrector.correct_position(
            position.instrument_id, position.venue, position.venue_entry_price
        )

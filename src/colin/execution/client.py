"""The ``ExecutionClient`` port: what the execution engine needs from a venue.

Implementations: :class:`colin.matching.venue.SimulatedVenue` (backtest and paper) and the ccxt
venue clients (live). A client receives approved commands from the execution engine and reports
everything that happens to an order by sending order events to the ``ExecEngine.process``
endpoint of the bus (:data:`colin.core.topics.EXEC_PROCESS`). It never raises for a venue-side
refusal: that is an :class:`~colin.model.events.OrderRejected` (or ``...CancelRejected``) event.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from colin.model.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder


@runtime_checkable
class ExecutionClient(Protocol):
    """A venue connection that executes trading commands."""

    venue: str

    def submit_order(self, command: SubmitOrder) -> None:
        """Send a new order."""

    def modify_order(self, command: ModifyOrder) -> None:
        """Amend a working order."""

    def cancel_order(self, command: CancelOrder) -> None:
        """Cancel a working order."""

    def cancel_all_orders(self, command: CancelAllOrders) -> None:
        """Cancel every matching working order."""

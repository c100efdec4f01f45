"""What reconciliation is told to do and what it reports back.

:class:`ReconcilePolicy` says how differences between Colin and a venue are resolved;
:class:`ReconcileReport` is what one pass found and did (published on
:data:`colin.core.topics.RECONCILE_TOPIC`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import Enum

from colin.core.ids import ClientOrderId, StrategyId
from colin.execution.reconcile_account import BalanceMismatch, PositionMismatch

ROUNDING_NOISE = Decimal("1e-12")
"""Differences this small are decimal rounding, never mismatches: Colin and the venue each work
out an average entry price (and the PnL from it) at 28 significant digits, and the last digits
may differ. With ``correct_account`` the venue's exact number is still taken, unreported."""

EXTERNAL_STRATEGY = StrategyId("EXTERNAL")
"""The strategy id of orders adopted from the venue."""


class UnknownOrderPolicy(Enum):
    """What to do with a working venue order that Colin's journal does not know."""

    ADOPT = "adopt"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class ReconcilePolicy:
    """How the reconciler resolves differences.

    Parameters
    ----------
    unknown_orders
        Adopt unknown working venue orders, or adopt and then cancel them.
    ack_grace_ns
        How long after its submit an order the venue does not know may still arrive there; after
        it the order is rejected. Keep it above the request timeout plus the venue's receive
        window (Binance refuses a request older than ``recvWindow``).
    infer_missing_fills
        When the venue's filled quantity exceeds the fills it reported, book the difference as
        one fill at the price that makes the venue's average (trade id ``<venue id>-inferred-<n>``).
    correct_account
        Overwrite mismatched balances and positions with the venue's numbers.
    tolerance
        Differences up to this amount (at least :data:`ROUNDING_NOISE`) are not mismatches.
    """

    unknown_orders: UnknownOrderPolicy = UnknownOrderPolicy.ADOPT
    ack_grace_ns: int = 60_000_000_000
    infer_missing_fills: bool = True
    correct_account: bool = False
    tolerance: Decimal = Decimal(0)


@dataclass(slots=True)
class ReconcileCounters:
    """What the reconciler has done since it was created."""

    fills_applied: int = 0
    fills_inferred: int = 0
    orders_accepted: int = 0
    orders_updated: int = 0
    orders_closed: int = 0
    orders_rejected: int = 0
    orders_adopted: int = 0
    cancels_requested: int = 0
    orphan_fills: int = 0

    def minus(self, earlier: ReconcileCounters) -> ReconcileCounters:
        """Return the counts added since ``earlier``."""
        return ReconcileCounters(
            **{f.name: getattr(self, f.name) - getattr(earlier, f.name) for f in fields(self)}
        )

    def copy(self) -> ReconcileCounters:
        """Return a snapshot."""
        return self.minus(ReconcileCounters())


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """The outcome of one reconciliation pass."""

    venue: str
    ts: int
    counts: ReconcileCounters
    pending: tuple[ClientOrderId, ...] = ()
    balance_mismatches: tuple[BalanceMismatch, ...] = ()
    position_mismatches: tuple[PositionMismatch, ...] = ()
    corrected: bool = False
    details: tuple[str, ...] = field(default=())

    @property
    def is_clean(self) -> bool:
        """Whether Colin and the venue already agreed: nothing changed, nothing differs."""
        changed = any(getattr(self.counts, f.name) for f in fields(self.counts))
        return not (changed or self.balance_mismatches or self.position_mismatches)

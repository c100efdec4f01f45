"""Account balances."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Balance:
    """A currency balance: ``total = free + locked``."""

    currency: str
    total: Decimal
    locked: Decimal = Decimal(0)

    @property
    def free(self) -> Decimal:
        """What can be spent now."""
        return self.total - self.locked


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountState:
    """A snapshot of every balance of an account, published when it changes."""

    account_id: str
    balances: tuple[Balance, ...]
    ts_event: int

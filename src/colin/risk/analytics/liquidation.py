"""Liquidation price and distance of leveraged linear perpetual positions.

A position is liquidated when the margin backing it plus its unrealised PnL falls to the
maintenance margin, ``mmr * |quantity| * price``. With ``margin`` the collateral behind the
position (isolated: the initial margin ``|quantity| * entry / leverage``; cross: the account equity
available to it), and quantity in base units (contracts times contract size):

- long:  ``margin + q (P - entry) = mmr q P``  →  ``P = (q entry - margin) / (q (1 - mmr))``
- short: ``margin + a (entry - P) = mmr a P``  →  ``P = (a entry + margin) / (a (1 + mmr))``

Fees and funding are ignored (they move the price slightly towards the entry).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Liquidation:
    """Where a position is liquidated and how far the mark is from it."""

    price: float
    distance: float

    @property
    def distance_pct(self) -> float:
        """The distance as a percentage of the mark price."""
        return self.distance * 100.0


def liquidation_price(
    quantity: float, entry: float, margin: float, maintenance_rate: float
) -> float:
    """Return the liquidation price of a signed position (0.0 if it can never be liquidated).

    Raises
    ------
    ValueError
        For a flat position, a non-positive entry, negative margin or a rate outside [0, 1).
    """
    for name, value in (("quantity", quantity), ("entry", entry), ("margin", margin)):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
    if quantity == 0.0:
        raise ValueError("a flat position has no liquidation price")
    if entry <= 0.0:
        raise ValueError(f"entry must be positive, got {entry}")
    if margin < 0.0:
        raise ValueError(f"margin must not be negative, got {margin}")
    if not 0.0 <= maintenance_rate < 1.0:
        raise ValueError(f"maintenance_rate must be in [0, 1), got {maintenance_rate}")
    if quantity > 0.0:
        price = (quantity * entry - margin) / (quantity * (1.0 - maintenance_rate))
        return max(price, 0.0)
    size = -quantity
    return (size * entry + margin) / (size * (1.0 + maintenance_rate))


def isolated_margin(quantity: float, entry: float, leverage: float) -> float:
    """Return the initial margin of an isolated position at ``leverage``."""
    if leverage <= 0.0:
        raise ValueError(f"leverage must be positive, got {leverage}")
    return abs(quantity) * entry / leverage


def liquidation(
    quantity: float, entry: float, mark: float, margin: float, maintenance_rate: float = 0.005
) -> Liquidation:
    """Return the liquidation price and the mark's distance to it (a fraction of the mark)."""
    if mark <= 0.0:
        raise ValueError(f"mark must be positive, got {mark}")
    price = liquidation_price(quantity, entry, margin, maintenance_rate)
    distance = (mark - price) / mark if quantity > 0.0 else (price - mark) / mark
    return Liquidation(price, distance)

"""Derivatives features: funding-rate level and change, perp-spot basis, open-interest change.

Funding rates arrive as :class:`~colin.model.FundingRate` events (one per funding interval);
the basis pairs a perpetual's price with the spot price at the same time; open interest is used
only where a venue provides it (a missing series is an error in batch, never a silent zero).
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from colin.core.errors import DataError
from colin.indicators._validate import (
    NAN,
    FloatArray,
    as_columns,
    as_series,
    check_non_negative,
    check_period,
    check_positive,
    check_positive_prices,
)
from colin.model.data import FundingRate

FUNDINGS_PER_YEAR_8H = 3 * 365


class FundingRateFeatures:
    """Latest funding rate (``value``), its ``change`` since the previous one, and ``annualized``.

    ``change`` is NaN until two rates have been seen; ``ready`` turns true with the first rate.
    """

    __slots__ = ("annualized", "change", "count", "periods_per_year", "ready", "value")
    outputs = ("value", "change", "annualized")

    def __init__(self, periods_per_year: float = FUNDINGS_PER_YEAR_8H) -> None:
        self.periods_per_year = check_positive("periods_per_year", periods_per_year)
        self.value = self.change = self.annualized = NAN
        self.ready = False
        self.count = 0

    def update(self, rate: float) -> None:
        """Add the newest funding rate (a fraction per interval, e.g. 0.0001 = 1 bp)."""
        self.change = rate - self.value if self.ready else NAN
        self.value = rate
        self.annualized = rate * self.periods_per_year
        self.ready = True
        self.count += 1

    def handle_funding(self, funding: FundingRate) -> None:
        """Update from a :class:`FundingRate` event."""
        self.update(funding.rate)


class Basis:
    """Relative basis of a perpetual (or future) over spot: ``perp / spot - 1``."""

    __slots__ = ("count", "ready", "value")
    outputs = ("value",)

    def __init__(self) -> None:
        self.value = NAN
        self.ready = False
        self.count = 0

    def update(self, perp_price: float, spot_price: float) -> None:
        """Take the perpetual's and the spot market's price at the same moment."""
        self.value = perp_price / spot_price - 1.0
        self.ready = True
        self.count += 1


class OpenInterestChange:
    """Relative change of open interest over ``period`` observations (NaN from a zero base)."""

    __slots__ = ("_window", "count", "period", "ready", "value")
    outputs = ("value",)

    def __init__(self, period: int = 1) -> None:
        self.period = check_period("period", period, 1)
        self._window: deque[float] = deque(maxlen=self.period + 1)
        self.value = NAN
        self.ready = False
        self.count = 0

    def update(self, open_interest: float) -> None:
        """Add the newest open-interest reading (contracts or notional, consistently)."""
        window = self._window
        window.append(open_interest)
        self.count += 1
        if len(window) > self.period:
            base = window[0]
            self.value = open_interest / base - 1.0 if base > 0.0 else NAN
            self.ready = True


class FundingSeries(NamedTuple):
    """Funding level, change and annualised level."""

    level: FloatArray
    change: FloatArray
    annualized: FloatArray


def funding_features(
    rates: npt.ArrayLike, periods_per_year: float = FUNDINGS_PER_YEAR_8H
) -> FundingSeries:
    """Return funding level, change since the previous rate and annualised level."""
    check_positive("periods_per_year", periods_per_year)
    level = as_series("funding_rate", rates)
    change = np.full_like(level, np.nan)
    change[1:] = level[1:] - level[:-1]
    return FundingSeries(level.copy(), change, level * periods_per_year)


def basis(perp_price: npt.ArrayLike, spot_price: npt.ArrayLike) -> FloatArray:
    """Return ``perp / spot - 1`` for aligned perpetual and spot prices."""
    perp, spot = as_columns(perp_price=perp_price, spot_price=spot_price)
    check_positive_prices("perp_price", perp)
    check_positive_prices("spot_price", spot)
    return perp / spot - 1.0


def open_interest_change(open_interest: npt.ArrayLike | None, period: int = 1) -> FloatArray:
    """Return the relative change of open interest over ``period`` rows.

    Raises
    ------
    DataError
        If no open-interest series is given (the venue or dataset does not provide it).
    """
    check_period("period", period, 1)
    if open_interest is None:
        raise DataError("open_interest: no open-interest data for this instrument")
    oi = as_series("open_interest", open_interest)
    check_non_negative("open_interest", oi)
    change = np.full_like(oi, np.nan)
    base = oi[:-period] if period < len(oi) else oi[:0]
    with np.errstate(divide="ignore", invalid="ignore"):
        change[period:] = np.where(base > 0.0, oi[period:] / base - 1.0, np.nan)
    return change

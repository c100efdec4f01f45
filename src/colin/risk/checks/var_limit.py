"""A pre-trade limit on parametric VaR: the incremental VaR of an order, in O(1).

With exposures ``e`` (signed notionals) and a return covariance ``S``, the portfolio variance is
``e'Se``. An order changes one exposure by ``d``, so the new variance is
``e'Se + 2 d (Se)_i + d^2 S_ii``: once ``Se`` is known (recomputed after each fill and when the
covariance is replaced), each check is a few multiplications. VaR is ``z * sqrt(variance)``.
Exposures are those of the positions at the prices of the last refresh; working orders are not
included. ``S e``, the diagonal of ``S`` and the current VaR are kept as plain floats, since
reading single numpy elements costs more than the arithmetic of the whole check.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike

from colin.core.ids import InstrumentId
from colin.risk.checks.base import Breach, OrderContext
from colin.risk.exposure import ExposureBook


class VarLimitCheck:
    """Deny orders that would take the portfolio's parametric VaR above ``limit``."""

    code = "var_limit"
    reads_marks = True
    __slots__ = (
        "_cov",
        "_diagonal",
        "_index",
        "_sigma_e",
        "_variance",
        "book",
        "level",
        "limit",
        "var",
        "warn_level",
        "z",
    )

    def __init__(self, book: ExposureBook, limit: float, level: float, warn_level: float) -> None:
        self.book = book
        self.limit = limit
        self.level = level
        self.warn_level = warn_level
        self.z = NormalDist().inv_cdf(level)
        self._index: dict[InstrumentId, int] = {}
        self._cov = np.zeros((0, 0))
        self._diagonal: list[float] = []
        self._sigma_e: list[float] = []
        self._variance = 0.0
        self.var = 0.0
        """The portfolio's current parametric VaR (quote currency)."""

    def set_covariance(self, instrument_ids: Sequence[InstrumentId], covariance: ArrayLike) -> None:
        """Use this covariance of per-period returns (rows and columns in ``instrument_ids``)."""
        matrix = np.asarray(covariance, dtype=np.float64)
        n = len(instrument_ids)
        if matrix.shape != (n, n) or not np.isfinite(matrix).all():
            raise ValueError(
                f"covariance must be a finite {n}x{n} matrix, got shape {matrix.shape}"
            )
        if not np.allclose(matrix, matrix.T) or np.linalg.eigvalsh(matrix).min() < -1e-12:
            raise ValueError("covariance must be symmetric positive semi-definite")
        self._index = {InstrumentId(i): k for k, i in enumerate(instrument_ids)}
        self._cov = matrix
        self._diagonal = matrix.diagonal().tolist()
        self.refresh()

    def refresh(self) -> None:
        """Recompute ``S e`` and ``e'S e`` from the exposure book."""
        exposures = np.zeros(len(self._index))
        for instrument_id, k in self._index.items():
            exposures[k] = self.book.notional(instrument_id)
        sigma_e = self._cov @ exposures
        self._sigma_e = sigma_e.tolist()
        self._variance = float(exposures @ sigma_e)
        self.var = self.z * math.sqrt(max(self._variance, 0.0))

    def incremental(self, instrument_id: InstrumentId, change: float) -> float:
        """Return how much changing one exposure by ``change`` moves the VaR."""
        return self.projected(instrument_id, change) - self.var

    def projected(self, instrument_id: InstrumentId, change: float) -> float:
        """Return the VaR after changing one exposure by ``change`` (the pre-trade formula).

        Raises
        ------
        KeyError
            If the covariance does not cover the instrument.
        """
        k = self._index[instrument_id]
        variance = (
            self._variance + 2.0 * change * self._sigma_e[k] + change * change * self._diagonal[k]
        )
        if variance < 0.0:  # rounding; a NaN stays NaN and denies
            variance = 0.0
        return self.z * math.sqrt(variance)

    def check(self, ctx: OrderContext) -> Breach | None:
        """Compare the VaR after the order with the limit."""
        k = self._index.get(ctx.order.instrument_id)
        if k is None:
            return Breach("var_limit", f"no return covariance for {ctx.order.instrument_id}")
        change = ctx.sign * ctx.notional
        s_e = self._sigma_e[k]
        s_ii = self._diagonal[k]
        # projected(), inline: a call costs as much as the arithmetic
        variance = self._variance + 2.0 * change * s_e + change * change * s_ii
        if variance < 0.0:  # rounding; a NaN stays NaN and denies below
            variance = 0.0
        after = self.z * math.sqrt(variance)
        if after <= self.var:
            return None
        limit = self.limit
        share = after / limit
        if share > ctx.utilisation:
            ctx.utilisation = share
        if share >= self.warn_level:
            ctx.near("VaR", after, limit, share)
        if after <= limit:
            return None
        # the largest |change| in this direction with z^2 (v + 2 c s_e + c^2 s_ii) <= limit^2
        room = (self.limit / self.z) ** 2 - self._variance
        b = ctx.sign * s_e
        discriminant = b * b + s_ii * room
        allowed = None
        if s_ii > 0.0 and discriminant >= 0.0:
            largest = (-b + math.sqrt(discriminant)) / s_ii
            if largest > 0.0:
                allowed = largest / (ctx.price * ctx.multiplier)
        return Breach(
            "var_limit",
            f"{self.level:.0%} VaR would reach {after:,.2f}, above the limit {self.limit:,.2f}",
            allowed,
        )

"""Numba kernels shared by the batch forms.

Each kernel performs the same floating-point operations, in the same order, as the matching
streaming class, so batch and streaming values agree to the last bit or two.
"""

from __future__ import annotations

import numba
import numpy as np

from colin.indicators._validate import FloatArray


@numba.njit(cache=True)
def rolling_sums(terms: FloatArray, period: int) -> FloatArray:  # pragma: no cover - compiled
    """Return running window sums of each column of ``terms`` (NaN until ``period`` rows).

    A row containing NaN is treated as "not yet available": the window restarts after it.
    """
    rows, columns = terms.shape
    out = np.full((rows, columns), np.nan)
    sums = np.zeros(columns)
    filled = 0
    for i in range(rows):
        if np.isnan(terms[i, 0]):
            continue
        if filled == period:
            for j in range(columns):
                sums[j] += terms[i, j] - terms[i - period, j]
        else:
            for j in range(columns):
                sums[j] += terms[i, j]
            filled += 1
        if filled == period:
            for j in range(columns):
                out[i, j] = sums[j]
    return out

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

    Rows whose first column is NaN are not observations: they are skipped (their output is NaN)
    and the window spans the last ``period`` rows that are.
    """
    rows, columns = terms.shape
    out = np.full((rows, columns), np.nan)
    sums = np.zeros(columns)
    window = np.empty(period, dtype=np.int64)  # ring of the rows in the window
    filled = 0
    position = 0
    for i in range(rows):
        if np.isnan(terms[i, 0]):
            continue
        if filled == period:
            oldest = window[position]
            for j in range(columns):
                sums[j] += terms[i, j] - terms[oldest, j]
        else:
            for j in range(columns):
                sums[j] += terms[i, j]
            filled += 1
        window[position] = i
        position = (position + 1) % period
        if filled == period:
            for j in range(columns):
                out[i, j] = sums[j]
    return out

"""Correlation of asset returns and concentration of a portfolio (Herfindahl-Hirschman index)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd


def correlation_matrix(
    returns: pd.DataFrame, method: Literal["pearson", "spearman", "kendall"] = "pearson"
) -> pd.DataFrame:
    """Return the pairwise correlation of the columns of ``returns``.

    Raises
    ------
    ValueError
        If fewer than two rows are complete or a column is constant (its correlation is
        undefined).
    """
    complete = returns.dropna()
    if len(complete) < 2:
        raise ValueError(f"need at least 2 complete rows of returns, got {len(complete)}")
    constant = [str(c) for c in complete.columns if complete[c].std() == 0]
    if constant:
        raise ValueError(f"constant return series have no correlation: {', '.join(constant)}")
    return complete.corr(method=method)


def herfindahl(exposures: Mapping[str, float]) -> float:
    """Return the HHI of absolute exposures: 1/n when equal, 1 when everything is in one asset."""
    values = np.abs(np.asarray(list(exposures.values()), dtype=np.float64))
    if values.size == 0 or not np.isfinite(values).all() or values.sum() == 0:
        raise ValueError("exposures must be finite and not all zero")
    shares = values / values.sum()
    return float((shares**2).sum())


def effective_assets(exposures: Mapping[str, float]) -> float:
    """Return ``1 / HHI``: the number of equal positions with the same concentration."""
    return 1.0 / herfindahl(exposures)

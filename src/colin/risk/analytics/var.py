"""Value at Risk and Conditional VaR (expected shortfall) of return series and portfolios.

Every function returns losses as positive fractions of the portfolio value (a 95% VaR of 0.04
means a 5% chance of losing more than 4% over one period of the input returns). Methods:

- ``historical``: empirical quantile and tail mean of the returns;
- ``normal``: parametric, from the mean and standard deviation;
- ``cornish_fisher``: the normal quantile corrected for skewness and excess kurtosis;
- ``monte_carlo``: simulated from a multivariate normal fitted to the asset returns.

Horizons longer than the data's period use the square-root-of-time rule on the moments
(``normal``, ``cornish_fisher``, ``monte_carlo``) and non-overlapping summed log returns
(``historical``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

Method = Literal["historical", "normal", "cornish_fisher", "monte_carlo"]
METHODS: tuple[Method, ...] = ("historical", "normal", "cornish_fisher", "monte_carlo")


@dataclass(frozen=True, slots=True)
class VarResult:
    """VaR and CVaR of one method at one confidence level and horizon (in periods)."""

    method: str
    level: float
    horizon: int
    var: float
    cvar: float


def _clean(returns: ArrayLike, name: str = "returns") -> NDArray[np.float64]:
    values = np.asarray(returns, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {values.shape}")
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"{name} has {int(bad.sum())} non-finite values (first at index {int(np.argmax(bad))})"
        )
    if values.size < 2:
        raise ValueError(f"{name} needs at least 2 values, got {values.size}")
    return values


def _check_level(level: float) -> None:
    if not 0.5 < level < 1.0:
        raise ValueError(f"confidence level must be in (0.5, 1), got {level}")


def _aggregate(returns: NDArray[np.float64], horizon: int) -> NDArray[np.float64]:
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 period, got {horizon}")
    if horizon == 1:
        return returns
    usable = returns.size // horizon * horizon
    if usable < 2 * horizon:
        raise ValueError(f"{returns.size} returns are too few for a {horizon}-period horizon")
    log_sums = np.log1p(returns[:usable]).reshape(-1, horizon).sum(axis=1)
    return np.asarray(np.expm1(log_sums), dtype=np.float64)


def historical(returns: ArrayLike, level: float = 0.95, horizon: int = 1) -> VarResult:
    """Return the empirical VaR (the ``1 - level`` quantile) and CVaR (mean beyond it)."""
    _check_level(level)
    values = _aggregate(_clean(returns), horizon)
    cutoff = float(np.quantile(values, 1.0 - level))
    tail = values[values <= cutoff]
    return VarResult("historical", level, horizon, -cutoff, -float(tail.mean()))


def normal(
    returns: ArrayLike | None = None,
    level: float = 0.95,
    horizon: int = 1,
    mean: float | None = None,
    std: float | None = None,
) -> VarResult:
    """Return the normal VaR/CVaR from the returns' moments (or the given ``mean``/``std``)."""
    _check_level(level)
    if mean is None or std is None:
        values = _clean(_require(returns))
        mean, std = float(values.mean()), float(values.std(ddof=1))
    mu, sigma = mean * horizon, std * np.sqrt(horizon)
    z = stats.norm.ppf(1.0 - level)
    var = -(mu + sigma * z)
    cvar = -(mu - sigma * stats.norm.pdf(z) / (1.0 - level))
    return VarResult("normal", level, horizon, float(var), float(cvar))


def _require(returns: ArrayLike | None) -> ArrayLike:
    if returns is None:
        raise ValueError("give either returns or both mean and std")
    return returns


def cornish_fisher_z(
    z: NDArray[np.float64] | float, skew: float, excess_kurtosis: float
) -> NDArray[np.float64]:
    """Return the Cornish-Fisher adjusted standard quantile(s)."""
    z = np.asarray(z, dtype=np.float64)
    return (
        z
        + (z**2 - 1.0) * skew / 6.0
        + (z**3 - 3.0 * z) * excess_kurtosis / 24.0
        - (2.0 * z**3 - 5.0 * z) * skew**2 / 36.0
    )


def cornish_fisher(returns: ArrayLike, level: float = 0.95, horizon: int = 1) -> VarResult:
    """Return the Cornish-Fisher (modified) VaR and the tail mean of the adjusted quantiles."""
    _check_level(level)
    values = _clean(returns)
    mean, std = float(values.mean()), float(values.std(ddof=1))
    skew = float(stats.skew(values, bias=False)) / np.sqrt(horizon)
    kurtosis = float(stats.kurtosis(values, fisher=True, bias=False)) / horizon
    mu, sigma = mean * horizon, std * np.sqrt(horizon)
    z = stats.norm.ppf(1.0 - level)
    var = -(mu + sigma * float(cornish_fisher_z(z, skew, kurtosis)))
    # CVaR: average of the adjusted quantiles over the tail probabilities
    tail_p = np.linspace(0.0, 1.0 - level, 2001)[1:]
    tail_z = cornish_fisher_z(stats.norm.ppf(tail_p), skew, kurtosis)
    cvar = -(mu + sigma * float(tail_z.mean()))
    return VarResult("cornish_fisher", level, horizon, float(var), max(float(cvar), float(var)))


def monte_carlo(
    asset_returns: ArrayLike,
    weights: Sequence[float] | NDArray[np.float64] | None = None,
    level: float = 0.95,
    horizon: int = 1,
    simulations: int = 100_000,
    seed: int = 0,
) -> VarResult:
    """Return VaR/CVaR of a portfolio simulated from a multivariate normal of its assets.

    ``asset_returns`` is ``(periods, assets)`` (or one series); ``weights`` are the portfolio
    weights (fractions of its value, negative for shorts; default equal long).
    """
    _check_level(level)
    matrix = _matrix(asset_returns)
    w = _weights(weights, matrix.shape[1])
    mean = matrix.mean(axis=0) * horizon
    cov = np.atleast_2d(np.cov(matrix, rowvar=False)) * horizon
    rng = np.random.default_rng(seed)
    simulated = rng.multivariate_normal(mean, cov, size=simulations, method="cholesky") @ w
    cutoff = float(np.quantile(simulated, 1.0 - level))
    return VarResult(
        "monte_carlo", level, horizon, -cutoff, -float(simulated[simulated <= cutoff].mean())
    )


def _matrix(asset_returns: ArrayLike) -> NDArray[np.float64]:
    matrix = np.asarray(asset_returns, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    if matrix.ndim != 2 or matrix.shape[0] < 2:
        raise ValueError(
            f"asset returns must be (periods, assets) with 2+ periods, got {matrix.shape}"
        )
    if not np.isfinite(matrix).all():
        raise ValueError("asset returns contain NaN or infinite values")
    return matrix


def _weights(
    weights: Sequence[float] | NDArray[np.float64] | None, assets: int
) -> NDArray[np.float64]:
    if weights is None:
        return np.full(assets, 1.0 / assets)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (assets,) or not np.isfinite(w).all():
        raise ValueError(f"weights must be {assets} finite numbers, got {w.tolist()}")
    return w


def portfolio_returns(
    asset_returns: ArrayLike, weights: Sequence[float] | NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return the portfolio's returns for fixed weights (``(periods, assets) @ weights``)."""
    matrix = _matrix(asset_returns)
    return matrix @ _weights(weights, matrix.shape[1])


def var_of(
    method: Method,
    asset_returns: ArrayLike,
    weights: Sequence[float] | NDArray[np.float64],
    level: float = 0.95,
    horizon: int = 1,
    seed: int = 0,
) -> VarResult:
    """Return one method's VaR/CVaR of a weighted portfolio of assets."""
    if method == "monte_carlo":
        return monte_carlo(asset_returns, weights, level, horizon, seed=seed)
    series = portfolio_returns(asset_returns, weights)
    if method == "historical":
        return historical(series, level, horizon)
    if method == "normal":
        return normal(series, level, horizon)
    if method == "cornish_fisher":
        return cornish_fisher(series, level, horizon)
    raise ValueError(f"unknown VaR method {method!r}: expected one of {', '.join(METHODS)}")


def incremental_var(
    asset_returns: ArrayLike,
    weights: Sequence[float] | NDArray[np.float64],
    change: Sequence[float] | NDArray[np.float64],
    level: float = 0.95,
    method: Method = "historical",
) -> float:
    """Return how much a proposed change of weights adds to the portfolio's VaR (a fraction).

    ``change`` is the proposed order expressed in weights (its notional over the portfolio
    value, signed). A positive result means the order increases risk; compare it with a limit
    before trading.
    """
    w = np.asarray(weights, dtype=np.float64)
    after = w + np.asarray(change, dtype=np.float64)
    return (
        var_of(method, asset_returns, after, level).var
        - var_of(method, asset_returns, w, level).var
    )


def var_table(
    asset_returns: ArrayLike,
    weights: Sequence[float] | NDArray[np.float64],
    levels: Sequence[float] = (0.95, 0.99),
    horizon: int = 1,
    seed: int = 0,
) -> list[VarResult]:
    """Return every method at every level for one portfolio."""
    return [
        var_of(method, asset_returns, weights, level, horizon, seed)
        for level in levels
        for method in METHODS
    ]

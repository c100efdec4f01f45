"""Stress tests: replay historical crypto crises on today's portfolio, and hypothetical shocks.

A portfolio here is a mapping of asset to signed exposure in the quote currency (positive long).
Historical scenarios replay the daily closes of each crisis window: the result is the worst
cumulative loss along the path and the loss at the end. Assets without data in the window move
with BTC times their beta.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

CRISES: dict[str, tuple[str, str]] = {
    "covid-crash-2020-03-12": ("2020-03-07", "2020-03-16"),
    "china-ban-2021-05-19": ("2021-05-11", "2021-05-23"),
    "celsius-3ac-2022-06": ("2022-06-06", "2022-06-18"),
    "ftx-collapse-2022-11": ("2022-11-06", "2022-11-21"),
}
DEFAULT_ALT_BETA = 1.3
DEFAULT_HAIRCUTS = {"BTC": 0.005, "ETH": 0.0075}
DEFAULT_ALT_HAIRCUT = 0.02


@dataclass(frozen=True, slots=True)
class StressResult:
    """The outcome of one scenario on one portfolio."""

    scenario: str
    pnl: float
    worst_pnl: float
    pnl_pct: float
    by_asset: dict[str, float] = field(default_factory=dict)


def _value(exposures: Mapping[str, float]) -> float:
    gross = sum(abs(v) for v in exposures.values())
    if gross == 0.0 or not np.isfinite(gross):
        raise ValueError("exposures must be finite and not all zero")
    return gross


def betas(closes: pd.DataFrame, benchmark: str = "BTC") -> dict[str, float]:
    """Return each column's beta of daily log returns against ``benchmark``."""
    if benchmark not in closes.columns:
        raise ValueError(f"benchmark {benchmark!r} is not a column of the closes")
    returns = closes.apply(np.log).diff().dropna()
    market = returns[benchmark]
    variance = float(market.var())
    return {str(c): float(returns[c].cov(market) / variance) for c in returns.columns}


def replay(
    exposures: Mapping[str, float],
    closes: pd.DataFrame,
    name: str,
    start: str,
    end: str,
    alt_beta: float = DEFAULT_ALT_BETA,
    benchmark: str = "BTC",
) -> StressResult:
    """Replay the closes between ``start`` and ``end`` (inclusive) on ``exposures``."""
    window = closes.loc[start:end]
    if len(window) < 2:
        raise ValueError(f"scenario {name}: no data between {start} and {end}")
    if benchmark not in window.columns or window[benchmark].isna().any():
        raise ValueError(f"scenario {name}: {benchmark} closes are missing in the window")
    growth = window / window.iloc[0] - 1.0
    paths: dict[str, np.ndarray] = {}
    for asset, exposure in exposures.items():
        if asset in growth.columns and not growth[asset].isna().any():
            path = growth[asset].to_numpy()
        else:
            path = growth[benchmark].to_numpy() * alt_beta
        paths[asset] = exposure * path
    total = np.sum(list(paths.values()), axis=0)
    pnl = float(total[-1])
    return StressResult(
        scenario=name,
        pnl=pnl,
        worst_pnl=float(min(total.min(), 0.0)),
        pnl_pct=pnl / _value(exposures),
        by_asset={a: float(p[-1]) for a, p in paths.items()},
    )


def historical_scenarios(
    exposures: Mapping[str, float], closes: pd.DataFrame, alt_beta: float = DEFAULT_ALT_BETA
) -> list[StressResult]:
    """Replay every crisis in :data:`CRISES` that the closes cover."""
    first, last = str(closes.index[0]), str(closes.index[-1])
    return [
        replay(exposures, closes, name, start, end, alt_beta)
        for name, (start, end) in CRISES.items()
        if first <= start and end <= last
    ]


def benchmark_shock(
    exposures: Mapping[str, float],
    shock: float = -0.30,
    asset_betas: Mapping[str, float] | None = None,
    alt_beta: float = DEFAULT_ALT_BETA,
    benchmark: str = "BTC",
) -> StressResult:
    """Move the benchmark by ``shock`` and every other asset by its beta times the shock."""
    known = dict(asset_betas or {})
    known[benchmark] = 1.0
    by_asset = {a: e * shock * known.get(a, alt_beta) for a, e in exposures.items()}
    pnl = sum(by_asset.values())
    return StressResult(
        f"{benchmark} {shock:+.0%} (beta-mapped)",
        pnl,
        min(pnl, 0.0),
        pnl / _value(exposures),
        by_asset,
    )


def correlation_one(
    exposures: Mapping[str, float], volatilities: Mapping[str, float], z: float = 2.326
) -> StressResult:
    """Return the ``z``-sigma loss if every asset's correlation went to one.

    With perfect correlation the portfolio's volatility is ``|sum(exposure_i * vol_i)|``; the
    loss is ``z`` times that, taken in the direction that hurts.
    """
    missing = [a for a in exposures if a not in volatilities]
    if missing:
        raise ValueError(f"no volatility for {', '.join(missing)}")
    moves = {a: exposures[a] * volatilities[a] for a in exposures}
    direction = -1.0 if sum(moves.values()) >= 0.0 else 1.0
    by_asset = {a: direction * z * m for a, m in moves.items()}
    pnl = sum(by_asset.values())
    return StressResult(
        "correlations to one", pnl, min(pnl, 0.0), pnl / _value(exposures), by_asset
    )


def liquidity_haircut(
    exposures: Mapping[str, float],
    haircuts: Mapping[str, float] | None = None,
    default: float = DEFAULT_ALT_HAIRCUT,
) -> StressResult:
    """Return the cost of liquidating everything at once: ``|exposure| * haircut`` per asset."""
    rates = {**DEFAULT_HAIRCUTS, **(haircuts or {})}
    by_asset = {a: -abs(e) * rates.get(a, default) for a, e in exposures.items()}
    pnl = sum(by_asset.values())
    return StressResult("liquidity haircut", pnl, pnl, pnl / _value(exposures), by_asset)

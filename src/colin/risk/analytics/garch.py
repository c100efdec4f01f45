"""GARCH-family volatility forecasts (GARCH, EGARCH, GJR-GARCH) fitted with the ``arch`` library.

Returns are scaled to percent before fitting (``arch`` optimises best at that scale); every
output is scaled back to fractions per period.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

Model = Literal["GARCH", "EGARCH", "GJR-GARCH"]
MODELS: tuple[Model, ...] = ("GARCH", "EGARCH", "GJR-GARCH")
_SPEC: dict[str, tuple[Literal["GARCH", "EGARCH"], int]] = {
    "GARCH": ("GARCH", 0),
    "EGARCH": ("EGARCH", 1),
    "GJR-GARCH": ("GARCH", 1),
}


@dataclass(frozen=True, slots=True)
class GarchForecast:
    """A fitted model and its volatility forecast."""

    model: str
    params: dict[str, float]
    log_likelihood: float
    persistence: float
    last_volatility: float
    forecast_volatility: tuple[float, ...]
    periods_per_year: int
    converged: bool

    @property
    def annualised_volatility(self) -> float:
        """The one-period-ahead forecast, annualised."""
        return self.forecast_volatility[0] * float(np.sqrt(self.periods_per_year))


def fit(
    returns: ArrayLike,
    model: Model = "GARCH",
    horizon: int = 1,
    distribution: Literal["normal", "t"] = "normal",
    periods_per_year: int = 365,
) -> GarchForecast:
    """Fit a (1,1) model with a constant mean and forecast ``horizon`` periods of volatility.

    Raises
    ------
    ValueError
        For an unknown model, too few returns or non-finite values.
    """
    if model not in _SPEC:
        raise ValueError(f"unknown model {model!r}: expected one of {', '.join(MODELS)}")
    values = np.asarray(returns, dtype=np.float64)
    if values.ndim != 1 or values.size < 100:
        raise ValueError(
            f"GARCH needs at least 100 returns in one series, got shape {values.shape}"
        )
    if not np.isfinite(values).all():
        raise ValueError("returns contain NaN or infinite values")
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, got {horizon}")
    # arch (and the statsmodels it loads) takes seconds to import: only a GARCH fit pays for it
    from arch import arch_model  # noqa: PLC0415
    from arch.utility.exceptions import DataScaleWarning  # noqa: PLC0415

    vol, o = _SPEC[model]
    spec = arch_model(values * 100.0, mean="Constant", vol=vol, p=1, o=o, q=1, dist=distribution)
    with warnings.catch_warnings():
        # reported through ``converged`` instead; returns of a flat book are badly scaled
        warnings.simplefilter("ignore", DataScaleWarning)
        result = spec.fit(disp="off", show_warning=False)
    params = {str(k): float(v) for k, v in result.params.items()}
    method: Literal["analytic", "simulation"] = (
        "analytic" if model != "EGARCH" or horizon == 1 else "simulation"
    )
    forecast = result.forecast(horizon=horizon, method=method, reindex=False, simulations=2000)
    variance = np.asarray(forecast.variance.iloc[-1], dtype=np.float64)
    return GarchForecast(
        model=model,
        params=params,
        log_likelihood=float(result.loglikelihood),
        persistence=_persistence(model, params),
        last_volatility=float(result.conditional_volatility[-1]) / 100.0,
        forecast_volatility=tuple(float(v) for v in np.sqrt(variance) / 100.0),
        periods_per_year=periods_per_year,
        converged=result.convergence_flag == 0,
    )


def _persistence(model: Model, params: dict[str, float]) -> float:
    if model == "GARCH":
        return params["alpha[1]"] + params["beta[1]"]
    if model == "GJR-GARCH":
        return params["alpha[1]"] + params["gamma[1]"] / 2.0 + params["beta[1]"]
    return params["beta[1]"]

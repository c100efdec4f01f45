"""Order-flow intensity from a Hawkes process fitted to trade arrival times.

The intensity (events per second) of a self-exciting process with an exponential kernel is::

    lambda(t) = mu + sum over past events t_i of  alpha * exp(-beta * (t - t_i))

``mu`` is the background rate, each trade lifts the intensity by ``alpha``, and the excitement
decays at rate ``beta``; ``alpha / beta`` (the branching ratio, kept below 1) is the share of
trades triggered by earlier trades. Trades that share a timestamp are one arrival (one taker
order filling several resting orders), both when fitting and when tracking the intensity.
:func:`fit_hawkes` estimates the parameters by maximum
likelihood (O(n) recursive likelihood in numba, L-BFGS-B in scipy); :class:`HawkesIntensity`
then tracks the intensity per trade in O(1).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from colin.core.errors import DataError
from colin.core.time import NANOS_PER_SECOND
from colin.indicators._validate import FloatArray, as_timestamps, check_positive
from colin.model.data import TradeTick

NAN = float("nan")


class HawkesParameters(NamedTuple):
    """Background rate ``mu`` (1/s), jump ``alpha`` (1/s) and decay ``beta`` (1/s)."""

    mu: float
    alpha: float
    beta: float

    @property
    def branching_ratio(self) -> float:
        """Expected number of trades directly triggered by one trade (``alpha / beta``)."""
        return self.alpha / self.beta


@numba.njit(cache=True)
def _log_likelihood(times: FloatArray, mu: float, alpha: float, beta: float) -> float:
    """Exact log-likelihood of event ``times`` (seconds, starting at 0) on ``[0, times[-1]]``."""
    horizon = times[-1]
    excitement = 0.0
    total = 0.0
    compensator = 0.0
    for i in range(len(times)):
        if i > 0:
            excitement = math.exp(-beta * (times[i] - times[i - 1])) * (1.0 + excitement)
        total += math.log(mu + alpha * excitement)
        compensator += 1.0 - math.exp(-beta * (horizon - times[i]))
    return float(total - mu * horizon - alpha / beta * compensator)


def hawkes_log_likelihood(ts_ns: npt.ArrayLike, parameters: HawkesParameters) -> float:
    """Return the log-likelihood of arrival times ``ts_ns`` under ``parameters``."""
    times = _seconds(ts_ns)
    return float(_log_likelihood(times, *parameters))


def _seconds(ts_ns: npt.ArrayLike) -> FloatArray:
    ts = as_timestamps("ts_event", ts_ns, strict=False)
    arrivals = np.unique(ts)  # sorted already; merges simultaneous fills
    if len(arrivals) < 10:
        raise DataError(
            f"ts_event: need at least 10 distinct arrival times to fit, got {len(arrivals)}"
        )
    seconds: FloatArray = (arrivals - arrivals[0]).astype(np.float64) / NANOS_PER_SECOND
    return seconds


def fit_hawkes(ts_ns: npt.ArrayLike) -> HawkesParameters:
    """Fit ``(mu, alpha, beta)`` to trade arrival times by maximum likelihood.

    Parameters
    ----------
    ts_ns
        Trade times in UTC nanoseconds, non-decreasing (simultaneous trades are allowed).

    Raises
    ------
    DataError
        On fewer than 10 distinct arrival times or time going backwards.
    """
    times = _seconds(ts_ns)
    rate = len(times) / times[-1]

    def objective(z: FloatArray) -> float:
        mu, beta = math.exp(z[0]), math.exp(z[1])
        alpha = beta / (1.0 + math.exp(-z[2]))  # branching ratio in (0, 1)
        return -float(_log_likelihood(times, mu, alpha, beta))

    start = np.array([math.log(rate * 0.5), math.log(10.0), 0.0])
    bounds = [
        (math.log(rate) - 20.0, math.log(rate) + 5.0),
        (math.log(1e-4), math.log(1e4)),
        (-20.0, 20.0),
    ]
    result = minimize(objective, start, method="L-BFGS-B", bounds=bounds)
    mu, beta = math.exp(result.x[0]), math.exp(result.x[1])
    return HawkesParameters(mu, beta / (1.0 + math.exp(-result.x[2])), beta)


class HawkesIntensity:
    """Streaming intensity right after each trade (``value``, trades per second)."""

    __slots__ = ("_excitement", "_last", "count", "parameters", "ready", "value")
    outputs = ("value",)

    def __init__(self, parameters: HawkesParameters) -> None:
        for name, number in zip(parameters._fields, parameters, strict=True):
            check_positive(name, number)
        self.parameters = parameters
        self._excitement = 0.0
        self._last = 0
        self.value = NAN
        self.ready = False
        self.count = 0

    def update(self, ts_ns: int) -> None:
        """Add a trade at ``ts_ns``."""
        mu, alpha, beta = self.parameters
        if self.count:
            if ts_ns == self._last:  # another fill of the same arrival
                return
            elapsed = (ts_ns - self._last) / NANOS_PER_SECOND
            self._excitement = math.exp(-beta * elapsed) * (1.0 + self._excitement)
        self._last = ts_ns
        self.count += 1
        self.value = mu + alpha * (self._excitement + 1.0)
        self.ready = True

    def intensity_at(self, ts_ns: int) -> float:
        """Return the intensity at a later time ``ts_ns`` with no trade since the last one."""
        mu, alpha, beta = self.parameters
        if not self.count:
            return mu
        elapsed = (ts_ns - self._last) / NANOS_PER_SECOND
        return mu + alpha * math.exp(-beta * elapsed) * (self._excitement + 1.0)

    def handle_trade(self, trade: TradeTick) -> None:
        """Update from a :class:`TradeTick`."""
        self.update(trade.ts_event)


def hawkes_intensity(ts_ns: npt.ArrayLike, parameters: HawkesParameters) -> FloatArray:
    """Return the intensity right after each trade (batch form of :class:`HawkesIntensity`).

    A trade with the same timestamp as the previous one repeats its value (same arrival).
    """
    ts = as_timestamps("ts_event", ts_ns, strict=False)
    return _intensity_kernel(ts, *parameters)


@numba.njit(cache=True)
def _intensity_kernel(
    ts: npt.NDArray[np.int64], mu: float, alpha: float, beta: float
) -> FloatArray:  # pragma: no cover - compiled
    out = np.empty(len(ts))
    excitement = 0.0
    for i in range(len(ts)):
        if i > 0:
            if ts[i] == ts[i - 1]:
                out[i] = out[i - 1]
                continue
            elapsed = (ts[i] - ts[i - 1]) / 1e9
            excitement = math.exp(-beta * elapsed) * (1.0 + excitement)
        out[i] = mu + alpha * (excitement + 1.0)
    return out

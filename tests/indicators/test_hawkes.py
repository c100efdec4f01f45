"""Hawkes intensity: parameter recovery on a simulated process and a fit to real trades."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import colin.sample_data
from colin.adapters.binance_capture import iter_capture
from colin.core.errors import DataError
from colin.indicators.orderflow.hawkes import (
    HawkesIntensity,
    HawkesParameters,
    fit_hawkes,
    hawkes_intensity,
    hawkes_log_likelihood,
)
from colin.model import TradeTick

CAPTURE = Path(colin.sample_data.__file__).parent / "captures" / "binance_spot_btcusdt_20240808.gz"


def simulate(parameters: HawkesParameters, horizon: float, seed: int) -> np.ndarray:
    """Ogata thinning; returns event times in ns."""
    mu, alpha, beta = parameters
    rng = np.random.default_rng(seed)
    t, excitement, events = 0.0, 0.0, []  # excitement = sum alpha e^{-beta (t - t_i)} at t
    while True:
        bound = mu + excitement
        wait = rng.exponential(1.0 / bound)
        t += wait
        excitement *= np.exp(-beta * wait)
        if t > horizon:
            return (np.array(events) * 1e9).astype(np.int64)
        if rng.random() * bound <= mu + excitement:
            events.append(t)
            excitement += alpha


def test_fit_recovers_simulated_parameters() -> None:
    truth = HawkesParameters(1.0, 0.8, 2.0)
    fitted = fit_hawkes(simulate(truth, 3000.0, seed=11))
    assert fitted.mu == pytest.approx(1.0, rel=0.15)
    assert fitted.branching_ratio == pytest.approx(0.4, abs=0.06)
    assert fitted.beta == pytest.approx(2.0, rel=0.25)


def test_real_trades_are_self_exciting() -> None:
    times = np.array(
        [e.ts_event for e in iter_capture(CAPTURE, "BTCUSDT.BINANCE") if isinstance(e, TradeTick)]
    )
    fitted = fit_hawkes(times)
    assert 0.0 < fitted.branching_ratio < 1.0
    poisson_rate = len(np.unique(times)) / ((times[-1] - times[0]) / 1e9)
    poisson = HawkesParameters(poisson_rate, 1e-12, 1.0)
    # clustering of real trades: far more likely under the fitted Hawkes than under Poisson
    assert hawkes_log_likelihood(times, fitted) > hawkes_log_likelihood(times, poisson) + 1000
    streaming = HawkesIntensity(fitted)
    values = []
    for ts in times.tolist():
        streaming.update(ts)
        values.append(streaming.value)
    np.testing.assert_allclose(values, hawkes_intensity(times, fitted), rtol=1e-9)
    later = streaming.intensity_at(int(times[-1]) + 60_000_000_000)
    assert later == pytest.approx(fitted.mu, rel=1e-6)  # excitement has decayed after a minute


def test_bad_arrival_times_are_refused() -> None:
    with pytest.raises(DataError, match="at least 10 distinct arrival times"):
        fit_hawkes(np.arange(5))
    with pytest.raises(DataError, match="time is not increasing at row 2"):
        fit_hawkes(np.array([0, 5, 3, 6, 7, 8, 9, 10, 11, 12]))

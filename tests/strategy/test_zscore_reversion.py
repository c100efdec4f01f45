"""Z-score reversion: fades closes two deviations from the rolling mean, exits at the mean."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from pydantic import ValidationError

from colin.strategy.builtin.zscore_reversion import ZScoreReversion

from .bar_rules import (
    BTC,
    BTC_PERP,
    bars,
    engine_trades,
    entries_and_exits,
    reference_trades,
    run,
)


def _zscore(close: np.ndarray, period: int) -> np.ndarray:
    """``(close - SMA) / population std`` from TA-Lib."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (close - talib.SMA(close, period)) / talib.STDDEV(close, period, 1.0)


def test_long_only_enters_below_minus_entry_z_and_exits_at_exit_z() -> None:
    frame = bars(BTC, "1h", 2500)
    strategy = ZScoreReversion({"instrument_id": BTC, "period": 20, "entry_z": 2.0, "exit_z": 0.5})
    got = engine_trades(run(strategy, BTC, "1h", frame), frame)

    z = _zscore(frame["close"].to_numpy(), 20)
    ready = ~np.isnan(z)
    expected = reference_trades(len(frame), ready, z < -2.0, lambda i, _: z[i] >= -0.5)
    assert len(expected) >= 10
    assert got == expected
    entries, exits = entries_and_exits(got)
    assert all(z[i] < -2.0 for i in entries)
    assert all(z[i] >= -0.5 for _, _, i in exits)


def test_perpetual_fades_both_sides() -> None:
    frame = bars(BTC, "1h", 2500)
    params = {"instrument_id": BTC_PERP, "allow_short": True, "allocation": 0.5}
    got = engine_trades(run(ZScoreReversion(params), BTC_PERP, "1h", frame), frame)

    z = _zscore(frame["close"].to_numpy(), 20)
    expected = reference_trades(
        len(frame),
        ~np.isnan(z),
        z < -2.0,
        lambda i, _: z[i] >= 0.0,
        z > 2.0,
        lambda i, _: z[i] <= 0.0,
    )
    assert any(t.position < 0 for t in expected)
    assert got == expected


def test_exit_must_lie_inside_entry() -> None:
    with pytest.raises(ValidationError, match="exit_z"):
        ZScoreReversion({"instrument_id": BTC, "entry_z": 1.0, "exit_z": 1.0})

"""Donchian breakout: enters on a close beyond the prior channel, exits on the shorter one."""

from __future__ import annotations

import numpy as np
import talib

from colin.strategy.builtin.donchian import DonchianBreakout

from .bar_rules import (
    BTC,
    BTC_PERP,
    bars,
    engine_trades,
    entries_and_exits,
    reference_trades,
    run,
)


def _prior(values: np.ndarray) -> np.ndarray:
    """Shift by one bar: the channel of the bars before each bar."""
    return np.concatenate(([np.nan], values[:-1]))


def test_breakouts_enter_and_the_exit_channel_closes() -> None:
    frame = bars(BTC, "1h", 2500)
    strategy = DonchianBreakout({"instrument_id": BTC, "entry_period": 20, "exit_period": 10})
    got = engine_trades(run(strategy, BTC, "1h", frame), frame)

    high, low, close = (frame[c].to_numpy() for c in ("high", "low", "close"))
    entry_high = _prior(talib.MAX(high, 20))
    exit_low = _prior(talib.MIN(low, 10))
    ready = ~np.isnan(entry_high)
    expected = reference_trades(
        len(frame), ready, close > entry_high, lambda i, _: close[i] < exit_low[i]
    )
    assert len(expected) >= 10
    assert got == expected

    entries, exits = entries_and_exits(got)
    for i in entries:
        assert close[i] > high[i - 20 : i].max()
    for _, opened, i in exits:
        assert close[i] < low[i - 10 : i].min()
        # no earlier close in the trade broke its exit channel
        assert all(close[j] >= low[j - 10 : j].min() for j in range(opened, i))


def test_perpetual_also_sells_downside_breakouts() -> None:
    frame = bars(BTC, "1h", 2500)
    strategy = DonchianBreakout({"instrument_id": BTC_PERP, "allow_short": True, "allocation": 0.5})
    got = engine_trades(run(strategy, BTC_PERP, "1h", frame), frame)

    high, low, close = (frame[c].to_numpy() for c in ("high", "low", "close"))
    entry_high, entry_low = _prior(talib.MAX(high, 20)), _prior(talib.MIN(low, 20))
    exit_high, exit_low = _prior(talib.MAX(high, 10)), _prior(talib.MIN(low, 10))
    expected = reference_trades(
        len(frame),
        ~np.isnan(entry_high),
        close > entry_high,
        lambda i, _: close[i] < exit_low[i],
        close < entry_low,
        lambda i, _: close[i] > exit_high[i],
    )
    assert any(t.position < 0 for t in expected)
    assert got == expected

"""Bollinger/RSI(2) reversion: buys stretched, washed-out closes and sells at the mean."""

from __future__ import annotations

import numpy as np
import talib
from talib import MA_Type  # type: ignore[attr-defined]  # re-exported at runtime, not in stubs

from colin.strategy.builtin.bollinger_rsi import BollingerRsiReversion

from .bar_rules import ETH, bars, engine_trades, entries_and_exits, reference_trades, run


def test_entries_need_both_the_band_and_the_rsi_and_exits_take_the_mean() -> None:
    frame = bars(ETH, "15m", 4000)
    strategy = BollingerRsiReversion(
        {"instrument_id": ETH, "timeframe": "15m", "oversold": 10.0, "exit_level": 70.0}
    )
    got = engine_trades(run(strategy, ETH, "15m", frame), frame)

    close = frame["close"].to_numpy()
    _, middle, lower = talib.BBANDS(close, 20, 2.0, 2.0, matype=MA_Type.SMA)
    rsi = talib.RSI(close, 2)
    ready = ~np.isnan(middle) & ~np.isnan(rsi)
    entry = ready & (close < lower) & (rsi < 10.0)

    def exit_(i: int, _: int) -> bool:
        return bool(close[i] >= middle[i] or rsi[i] > 70.0)

    expected = reference_trades(len(frame), ready, entry, exit_)
    assert len(expected) >= 10
    assert got == expected

    entries, exits = entries_and_exits(got)
    assert all(close[i] < lower[i] and rsi[i] < 10.0 for i in entries)
    assert all(exit_(i, 0) for _, _, i in exits)
    # both conditions bind: each alone holds on bars the strategy did not buy
    assert np.any(ready & (close < lower) & (rsi >= 10.0))
    assert np.any(ready & (close >= lower) & (rsi < 10.0))
    assert all(t.position >= 0 for t in got)

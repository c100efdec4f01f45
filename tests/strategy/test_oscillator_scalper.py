"""Oscillator scalper on real 1m bars: confirmed entries, stops and targets honoured bar by bar."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import talib
from talib import MA_Type  # type: ignore[attr-defined]  # re-exported at runtime, not in stubs

from colin.strategy.builtin.oscillator_scalper import OscillatorScalper

from .bar_rules import (
    BTC,
    BTC_PERP,
    bars,
    engine_trades,
    entries_and_exits,
    reference_trades,
    run,
)

STOP, TARGET, MAX_BARS = 0.2, 0.3, 30
MINUTE = 60_000_000_000


def _oscillators(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    high, low, close = (frame[c].to_numpy() for c in ("high", "low", "close"))
    rsi = talib.RSI(close, 6)
    k, _ = talib.STOCHF(high, low, close, 5, 3, MA_Type.SMA)
    williams = talib.WILLR(high, low, close, 10)
    ready = ~np.isnan(rsi) & ~np.isnan(k) & ~np.isnan(williams)
    return rsi, k, williams, ready


def _exit_rule(frame: pd.DataFrame, side: int) -> Callable[[int, int], bool]:
    """Stop, target or time, from the entry fill price (the entry bar's open)."""
    opens, high, low = (frame[c].to_numpy() for c in ("open", "high", "low"))
    ts_open = frame["ts_open"].to_numpy()

    def rule(i: int, entry_bar: int) -> bool:
        entry = opens[entry_bar]
        timed_out = ts_open[i] + MINUTE - ts_open[entry_bar] >= MAX_BARS * MINUTE
        if side > 0:
            stop = low[i] <= entry * (1.0 - STOP / 100.0)
            target = high[i] >= entry * (1.0 + TARGET / 100.0)
        else:
            stop = high[i] >= entry * (1.0 + STOP / 100.0)
            target = low[i] <= entry * (1.0 - TARGET / 100.0)
        return bool(stop or target or timed_out)

    return rule


def test_spot_scalps_confirmed_washouts_and_never_outstays_a_stop_or_target() -> None:
    frame = bars(BTC, "1m")
    got = engine_trades(run(OscillatorScalper({"instrument_id": BTC}), BTC, "1m", frame), frame)

    rsi, k, williams, ready = _oscillators(frame)
    entry = ready & (rsi < 25.0) & (k < 20.0) & (williams < -80.0)
    long_exit = _exit_rule(frame, 1)
    expected = reference_trades(len(frame), ready, entry, long_exit)
    assert len(expected) >= 20
    assert got == expected

    entries, exits = entries_and_exits(got)
    assert all(entry[i] for i in entries)
    opens, high, low = (frame[c].to_numpy() for c in ("open", "high", "low"))
    reasons = set()
    for _, opened, exit_bar in exits:
        assert long_exit(exit_bar, opened)
        # every bar of the trade before the exit bar stayed inside the stop and the target
        assert not any(long_exit(j, opened) for j in range(opened, exit_bar))
        price = opens[opened]
        if low[exit_bar] <= price * (1.0 - STOP / 100.0):
            reasons.add("stop")
        elif high[exit_bar] >= price * (1.0 + TARGET / 100.0):
            reasons.add("target")
        else:
            reasons.add("time")
    assert reasons == {"stop", "target", "time"}


def test_perpetual_also_scalps_overbought_spikes_short() -> None:
    frame = bars(BTC, "1m")
    params = {"instrument_id": BTC_PERP, "allow_short": True, "allocation": 0.5}
    got = engine_trades(run(OscillatorScalper(params), BTC_PERP, "1m", frame), frame)

    rsi, k, williams, ready = _oscillators(frame)
    expected = reference_trades(
        len(frame),
        ready,
        ready & (rsi < 25.0) & (k < 20.0) & (williams < -80.0),
        _exit_rule(frame, 1),
        ready & (rsi > 75.0) & (k > 80.0) & (williams > -20.0),
        _exit_rule(frame, -1),
    )
    assert any(t.position < 0 for t in expected)
    assert got == expected

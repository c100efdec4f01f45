"""EMA crossover with ADX filter: trades exactly where its rules, recomputed with TA-Lib, say."""

from __future__ import annotations

import numpy as np
import talib

from colin.strategy.builtin.ema_adx import EmaAdxTrend

from .bar_rules import (
    BTC,
    BTC_PERP,
    bars,
    engine_trades,
    entries_and_exits,
    reference_trades,
    run,
)

PARAMS = {"timeframe": "1h", "fast": 12, "slow": 26, "adx_period": 14, "adx_threshold": 25.0}


def _indicators() -> tuple[np.ndarray, ...]:
    frame = bars(BTC, "1h", 2500)
    high, low, close = (frame[c].to_numpy() for c in ("high", "low", "close"))
    fast, slow = talib.EMA(close, 12), talib.EMA(close, 26)
    adx = talib.ADX(high, low, close, 14)
    plus_di, minus_di = talib.PLUS_DI(high, low, close, 14), talib.MINUS_DI(high, low, close, 14)
    ready = ~np.isnan(slow) & ~np.isnan(adx)
    return fast, slow, adx, plus_di, minus_di, ready


def test_long_only_entries_need_trend_and_strength_and_exits_follow_the_cross() -> None:
    frame = bars(BTC, "1h", 2500)
    result = run(EmaAdxTrend({"instrument_id": BTC, **PARAMS}), BTC, "1h", frame)
    got = engine_trades(result, frame)

    fast, slow, adx, plus_di, minus_di, ready = _indicators()
    long_entry = ready & (fast > slow) & (adx >= 25.0) & (plus_di > minus_di)
    expected = reference_trades(len(frame), ready, long_entry, lambda i, _: fast[i] < slow[i])
    assert len(expected) >= 10
    assert got == expected

    entries, exits = entries_and_exits(got)
    assert all(long_entry[i] for i in entries)
    assert all(fast[i] < slow[i] for _, _, i in exits)
    # the filter matters: some bullish EMA bars were skipped for a weak ADX
    assert np.any(ready & (fast > slow) & (adx < 25.0))
    assert all(t.position >= 0 for t in got)


def test_perpetual_with_allow_short_also_trades_the_mirrored_rules() -> None:
    frame = bars(BTC, "1h", 2500)
    strategy = EmaAdxTrend(
        {"instrument_id": BTC_PERP, "allow_short": True, "allocation": 0.5, **PARAMS}
    )
    got = engine_trades(run(strategy, BTC_PERP, "1h", frame), frame)

    fast, slow, adx, plus_di, minus_di, ready = _indicators()
    long_entry = ready & (fast > slow) & (adx >= 25.0) & (plus_di > minus_di)
    short_entry = ready & (fast < slow) & (adx >= 25.0) & (minus_di > plus_di)
    expected = reference_trades(
        len(frame),
        ready,
        long_entry,
        lambda i, _: fast[i] < slow[i],
        short_entry,
        lambda i, _: fast[i] > slow[i],
    )
    assert any(t.position < 0 for t in expected)
    assert got == expected

"""SuperTrend: long while the direction is up, flat (or short on a perpetual) while it is down."""

from __future__ import annotations

import numpy as np
import pytest

from colin.core.errors import ConfigError
from colin.indicators.supertrend import supertrend
from colin.strategy.builtin.supertrend import SuperTrendFollow

from .bar_rules import (
    BTC,
    BTC_PERP,
    ETH,
    bars,
    engine_trades,
    entries_and_exits,
    reference_trades,
    run,
)


def _direction(instrument_id: str) -> np.ndarray:
    frame = bars(instrument_id, "1h", 2500)
    return np.asarray(supertrend(frame["high"], frame["low"], frame["close"], 10, 3.0).direction)


def test_long_only_holds_exactly_the_up_direction_spells() -> None:
    frame = bars(ETH, "1h", 2500)
    strategy = SuperTrendFollow({"instrument_id": ETH, "period": 10, "multiplier": 3.0})
    got = engine_trades(run(strategy, ETH, "1h", frame), frame)

    direction = _direction(ETH)
    ready = ~np.isnan(direction)
    expected = reference_trades(len(frame), ready, direction > 0, lambda i, _: direction[i] < 0)
    assert len(expected) >= 10
    assert got == expected
    entries, exits = entries_and_exits(got)
    assert all(direction[i] > 0 for i in entries)
    assert all(direction[i] < 0 for _, _, i in exits)
    # an exit is the first down bar after the entry: the band is never ignored
    for _, opened, exit_bar in exits:
        assert np.all(direction[opened:exit_bar] > 0)


def test_perpetual_reverses_into_shorts_on_down_spells() -> None:
    frame = bars(BTC, "1h", 2500)
    strategy = SuperTrendFollow({"instrument_id": BTC_PERP, "allow_short": True, "allocation": 0.5})
    got = engine_trades(run(strategy, BTC_PERP, "1h", frame), frame)

    direction = _direction(BTC)
    ready = ~np.isnan(direction)
    expected = reference_trades(
        len(frame),
        ready,
        direction > 0,
        lambda i, _: direction[i] < 0,
        direction < 0,
        lambda i, _: direction[i] > 0,
    )
    assert any(t.position < 0 for t in expected)
    assert got == expected


def test_allow_short_on_spot_is_refused_at_start() -> None:
    frame = bars(BTC, "1h", 50)
    strategy = SuperTrendFollow({"instrument_id": BTC, "allow_short": True})
    with pytest.raises(ConfigError, match="allow_short needs a perpetual"):
        run(strategy, BTC, "1h", frame)

"""The bar strategies' parameter models: documented, bounded, and refusing contradictions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from colin.strategy.builtin.bar_signal import BarSignalStrategy
from colin.strategy.builtin.bollinger_rsi import BollingerRsiReversion
from colin.strategy.builtin.donchian import DonchianBreakout
from colin.strategy.builtin.ema_adx import EmaAdxTrend
from colin.strategy.builtin.oscillator_scalper import OscillatorScalper
from colin.strategy.builtin.supertrend import SuperTrendFollow
from colin.strategy.builtin.zscore_reversion import ZScoreReversion

IID = "BTC/USDT.BINANCE"
CLASSES: list[type[BarSignalStrategy]] = [
    EmaAdxTrend,
    SuperTrendFollow,
    DonchianBreakout,
    BollingerRsiReversion,
    ZScoreReversion,
    OscillatorScalper,
]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.name)
def test_every_parameter_is_described_and_unknown_ones_are_refused(
    cls: type[BarSignalStrategy],
) -> None:
    rows = cls.Params.describe()
    assert {row["name"] for row in rows} >= {"instrument_id", "timeframe", "allocation"}
    assert all(row["description"] for row in rows)
    with pytest.raises(ValidationError, match="no_such_field"):
        cls({"instrument_id": IID, "no_such_field": 1})


def test_only_strategies_with_a_short_side_take_allow_short() -> None:
    with_shorts = {c.name for c in CLASSES if "allow_short" in c.Params.model_fields}
    assert with_shorts == {c.name for c in CLASSES} - {"bollinger_rsi"}
    with pytest.raises(ValidationError, match="allow_short"):
        BollingerRsiReversion({"instrument_id": IID, "allow_short": True})


@given(st.integers(-5, 300), st.integers(-5, 300))
def test_ema_periods_are_accepted_exactly_when_fast_is_below_slow(fast: int, slow: int) -> None:
    valid = 2 <= fast < slow
    if valid:
        assert EmaAdxTrend({"instrument_id": IID, "fast": fast, "slow": slow}).params.slow == slow
    else:
        with pytest.raises(ValidationError, match=r"fast|slow"):
            EmaAdxTrend({"instrument_id": IID, "fast": fast, "slow": slow})


@given(st.floats(-1.0, 10.0), st.floats(-1.0, 10.0))
def test_z_levels_are_accepted_exactly_when_exit_lies_inside_entry(
    entry_z: float, exit_z: float
) -> None:
    valid = entry_z > 0 and exit_z >= 0 and exit_z < entry_z
    params = {"instrument_id": IID, "entry_z": entry_z, "exit_z": exit_z}
    if valid:
        assert ZScoreReversion(params).params.entry_z == entry_z
    else:
        with pytest.raises(ValidationError, match="_z"):
            ZScoreReversion(params)


@given(st.floats(0.5, 99.5), st.floats(0.5, 99.5))
def test_rsi_levels_are_accepted_exactly_when_oversold_is_below_the_exit(
    oversold: float, exit_level: float
) -> None:
    params = {"instrument_id": IID, "oversold": oversold, "exit_level": exit_level}
    if oversold < exit_level:
        assert BollingerRsiReversion(params).params.oversold == oversold
    else:
        with pytest.raises(ValidationError, match="oversold"):
            BollingerRsiReversion(params)


@pytest.mark.parametrize(
    "field, value",
    [
        ("take_profit_pct", 0.0),
        ("stop_loss_pct", -0.1),
        ("max_holding_bars", 0),
        ("williams_oversold", -40.0),
        ("rsi_oversold", 50.0),
    ],
)
def test_scalper_refuses_out_of_range_exits_and_levels(field: str, value: float) -> None:
    with pytest.raises(ValidationError, match=field):
        OscillatorScalper({"instrument_id": IID, field: value})

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from colin.core.errors import ConfigError
from colin.node.config import load_config


def test_yaml_env_and_overrides_compose_in_that_order(tmp_path: Path) -> None:
    path = tmp_path / "colin.yaml"
    path.write_text(
        "backtest:\n  strategy: rsi_reversion\n  timeframe: 1h\n  parameters: {period: 3}\n"
        "  venue: {latency: {fixed_ns: 1000}, slippage: {kind: fixed_bps, bps: 2}}\n"
    )
    env = {
        "COLIN_BACKTEST__TIMEFRAME": "4h",
        "COLIN_BACKTEST__STARTING_BALANCES": "{USDT: 500}",
        "UNRELATED": "x",
    }
    config = load_config(path, environ=env, overrides={"backtest.start": "2024-02-01"})
    run = config.backtest
    assert run.strategy == "rsi_reversion"
    assert run.timeframe == "4h"
    assert run.starting_balances == {"USDT": Decimal(500)}
    assert run.parameters == {"period": 3}
    assert run.venue.latency.fixed_ns == 1000
    assert run.start_ns == 1_706_745_600 * 10**9


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("backtest:\n  timeframe: 7x\n", "backtest.timeframe: invalid timeframe '7x'"),
        ("backtest:\n  instruments: [BTCUSDT]\n", "backtest.instruments: invalid instrument id"),
        ("backtest:\n  starting_balances: {USDT: -5}\n", "balance of USDT must be a non-negative"),
        ("backtest:\n  strategyy: x\n", "backtest.strategyy: Extra inputs are not permitted"),
        ("backtest:\n  start: yesterday\n", "backtest.start: invalid time 'yesterday'"),
        ("backtest:\n  venue: {slippage: {kind: magic}}\n", "slippage kind 'magic' is unknown"),
        ("- a\n- b\n", "must hold a mapping"),
        ("backtest: [\n", "is not valid YAML"),
    ],
)
def test_invalid_values_name_the_field_and_the_reason(
    tmp_path: Path, yaml_text: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    assert message in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.yaml", environ={})

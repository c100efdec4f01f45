"""The ``trading:`` section of the node config: YAML, ``COLIN_TRADING__*`` and validation."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from colin.core.errors import ConfigError, NotFoundError
from colin.node.config import ColinConfig, load_config
from colin.node.launch import build_trading_node
from colin.node.safety import live_refusal, live_risk_problems
from colin.risk.config import RiskConfig
from colin.strategy.builtin.sma_cross import SmaCross
from colin.strategy.registry import strategy_class


def test_trading_section_composes_yaml_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "node.yaml"
    path.write_text(
        "trading:\n  mode: live\n  market_type: linear\n"
        "  instruments: ['BTC/USDT:USDT.BINANCE']\n"
        "  risk: {max_order_notional: 500, max_position_pct_equity: 0.5}\n"
    )
    env = {
        "COLIN_TRADING__RECONCILE__INTERVAL_S": "15",
        "COLIN_TRADING__ON_SHUTDOWN": "leave_orders",
        "COLIN_API_KEY": "not-config",  # keys are never read into the config
    }
    trading = load_config(path, environ=env).trading
    assert (trading.mode, trading.market_type) == ("live", "linear")
    assert trading.instruments == ["BTC/USDT:USDT.BINANCE"]
    assert trading.reconcile.interval_s == 15
    assert trading.on_shutdown == "leave_orders"
    assert trading.risk.max_order_notional == 500
    assert trading.journal_stream == "node.COLIN.live"
    assert trading.starting_balances == {"USDT": Decimal(10000)}
    assert "not-config" not in trading.model_dump_json()
    assert live_refusal(trading, env | {"COLIN_API_SECRET": "s"}, confirmed=True) is None


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("trading:\n  mode: live\n  clock: event\n", "clock 'event' is for paper mode only"),
        ("trading:\n  mode: live\n  source: catalog\n", "live mode needs the exchange feed"),
        ("trading:\n  mode: demo\n", "trading.mode: Input should be 'paper' or 'live'"),
        ("trading:\n  trader_id: 'a b'\n", "trading.trader_id: String should match pattern"),
        (
            "trading:\n  stale_feed: {reducing_after_s: 60, halted_after_s: 30}\n",
            "halted_after_s must be longer than reducing_after_s",
        ),
        ("trading:\n  data: [candles]\n", "trading.data.0: Input should be 'bars'"),
        ("trading:\n  api_key: x\n", "trading.api_key: Extra inputs are not permitted"),
        ("trading:\n  store_durability: off\n", "trading.store_durability: Input should be"),
    ],
)
def test_invalid_trading_values_name_the_field(
    tmp_path: Path, yaml_text: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(path, environ={})


def test_live_risk_requirements_are_listed_together() -> None:
    problems = live_risk_problems(
        RiskConfig.model_validate({"price_band_pct": None, "drawdown": {"enabled": False}})
    )
    assert problems == [
        "risk.max_order_notional must be set",
        "risk.max_position_notional or risk.max_position_pct_equity must be set",
        "risk.price_band_pct must be set",
        "risk.drawdown must be enabled",
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no_such_module_xyz:Thing", "cannot load strategy 'no_such_module_xyz:Thing'"),
        ("colin.strategy.builtin.sma_cross:Nope", "has no attribute 'Nope'"),
        ("colin.strategy.params:StrategyParams", "is not a Strategy subclass"),
    ],
)
def test_a_strategy_named_module_class_must_load_and_be_a_strategy(name: str, message: str) -> None:
    with pytest.raises(NotFoundError, match=message):
        strategy_class(name)


def test_a_strategy_named_module_class_loads() -> None:
    assert strategy_class("colin.strategy.builtin.sma_cross:SmaCross") is SmaCross


@pytest.mark.parametrize(("durability", "synchronous"), [(None, 1), ("normal", 1), ("full", 2)])
def test_the_node_store_syncs_sqlite_per_store_durability(
    tmp_path: Path, durability: str | None, synchronous: int
) -> None:
    trading = {
        "source": "catalog",
        "clock": "event",
        "replay": {"start": "2024-04-02", "end": "2024-04-03"},
        "stale_feed": {"enabled": False},
    }
    if durability is not None:
        trading["store_durability"] = durability
    config = ColinConfig.model_validate(
        {
            "database_url": f"sqlite:///{tmp_path / 'node.db'}",
            "catalog": str(tmp_path / "catalog"),
            "trading": trading,
        }
    )
    node = asyncio.run(build_trading_node(config, {}))
    try:
        with node.store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == synchronous
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        node.store.close()

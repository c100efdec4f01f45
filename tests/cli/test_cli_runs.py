"""``colin runs list|show|delete`` against a store on SQLite and on PostgreSQL."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from colin.backtest.result import BacktestResult
from colin.cli.runs import app
from colin.core.ids import VenueOrderId
from colin.model import OrderAccepted, OrderSide, OrderSubmitted, OrderType
from colin.persistence.sql import RunRepository, create_store
from colin.testkit.factories import BTCUSDT, event_for, fill_for, make_order
from colin.testkit.sql import (
    postgres_test_url,
    postgres_unreachable_reason,
    temporary_postgres_schema,
)

T0 = 1_704_067_200_000_000_000  # 2024-01-01 UTC
DAY = 86_400_000_000_000
runner = CliRunner(env={"COLUMNS": "220"})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLite file, or a fresh schema on the PostgreSQL test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'colin.db'}"
        return
    server = postgres_test_url()
    reason = postgres_unreachable_reason(server)
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires it")
        pytest.skip(reason)
    with temporary_postgres_schema(server) as url:
        yield url


def _result(run_id: str, strategy: str, sharpe: float) -> BacktestResult:
    order = make_order(OrderSide.BUY, "0.25000", OrderType.MARKET, None, client_order_id="B-1")
    order.apply(event_for(order, OrderSubmitted, T0))
    order.apply(event_for(order, OrderAccepted, T0, venue_order_id=VenueOrderId("V")))
    fills = [
        fill_for(order, "0.10000", "42000.00", "4.2", "t1", T0 + DAY),
        fill_for(order, "0.15000", "42010.50", "6.3", "t2", T0 + 2 * DAY),
    ]
    for fill in fills:
        order.apply(fill)
    return BacktestResult(
        run_id=run_id,
        config={"strategy": strategy, "instruments": [BTCUSDT], "fees": "0.001"},
        base_currency="USDT",
        starting_equity=10_000.0,
        equity_ts=T0 + np.arange(31, dtype=np.int64) * DAY,
        equity=np.linspace(10_000.0, 10_250.0, 31),
        fills=fills,
        orders=[order],
        metrics={
            "total_return": 0.025,
            "sharpe": sharpe,
            "max_drawdown": 0.0312,
            "trade_count": 7,
            "profit_factor": math.inf,
        },
    )


@pytest.fixture
def stored(database_url: str) -> str:
    with create_store(database_url) as store:
        runs = RunRepository(store)
        runs.save(_result("sma-1", "sma_cross", 1.234), created_at_ns=T0 + 40 * DAY)
        runs.save(_result("rsi-1", "rsi_reversion", math.nan), created_at_ns=T0 + 41 * DAY)
    return database_url


def test_list_shows_one_row_per_run_newest_first(stored: str) -> None:
    result = runner.invoke(app, ["list", "--db", stored])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "-1 " in line]
    assert [line.split()[1] for line in lines] == ["rsi-1", "sma-1"]
    sma = lines[1]
    for text in (
        "sma_cross",
        "BTC/USDT.BINANCE",
        "2024-01-01 → 2024-01-31",
        "+2.50%",
        "1.23",
        "3.12%",
        "7",
        "2024-02-10",
    ):
        assert text in sma
    assert "n/a" in lines[0]  # a NaN Sharpe is shown as such, not as a number


def test_list_reads_the_database_url_from_the_environment(
    stored: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLIN_DATABASE_URL", stored)
    result = runner.invoke(app, ["list", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "rsi-1" in result.output and "sma-1" not in result.output


def test_show_prints_config_metrics_positions_and_last_fills(stored: str) -> None:
    result = runner.invoke(app, ["show", "sma-1", "--db", stored, "--fills", "1"])
    assert result.exit_code == 0, result.output
    output = result.output
    assert '"strategy": "sma_cross"' in output
    assert "Sharpe ratio" in output and "1.234" in output and "∞" in output
    assert "0.25000" in output  # the final position
    assert "Last 1 of 2 fills" in output and "42010.50" in output and "42000.00" not in output


def test_unknown_run_and_bad_url_exit_with_a_clear_error(stored: str) -> None:
    result = runner.invoke(app, ["show", "nope", "--db", stored])
    assert result.exit_code == 2
    assert "run 'nope' is not in the store" in result.output
    result = runner.invoke(app, ["list", "--db", "not a url"])
    assert result.exit_code == 2 and "invalid database URL" in result.output


def test_delete_removes_the_run(stored: str) -> None:
    result = runner.invoke(app, ["delete", "sma-1", "--db", stored, "--yes"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["list", "--db", stored]).output
    assert "sma-1" not in listed and "rsi-1" in listed
    refused = runner.invoke(app, ["delete", "rsi-1", "--db", stored], input="n\n")
    assert refused.exit_code == 1
    assert "rsi-1" in runner.invoke(app, ["list", "--db", stored]).output


def test_an_empty_store_says_so(database_url: str) -> None:
    result = runner.invoke(app, ["list", "--db", database_url])
    assert result.exit_code == 0 and "no runs stored in" in result.output

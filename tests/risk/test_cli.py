"""``colin risk report`` and ``colin risk check`` end to end."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from colin.backtest.engine import BacktestEngine
from colin.cli.risk import app
from colin.model.instrument import Instrument
from colin.persistence.sql import RunRepository, create_store
from colin.risk import RiskConfig

from .test_drawdown_backtest import BTC, DATA, BuyAndHold

CLOSES = Path(__file__).parent.parent / "data" / "risk" / "daily_closes.csv"
runner = CliRunner()


def test_report_on_a_portfolio_prints_every_section() -> None:
    result = runner.invoke(
        app,
        [
            "report",
            "--closes",
            str(CLOSES),
            "--position",
            "BTC=100000",
            "--position",
            "ETH=-30000",
            "--position",
            "SOL=10000",
        ],
    )
    assert result.exit_code == 0, result.output
    for heading in ("Value at Risk", "GARCH", "Correlation", "HHI", "Stress tests", "ftx-collapse"):
        assert heading in result.output
    assert "SOL: no closes" in result.output


def test_report_json_is_consistent_with_the_library() -> None:
    result = runner.invoke(
        app, ["report", "--closes", str(CLOSES), "--position", "BTC=50000", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    historical_95 = next(
        r for r in payload["var"] if r["method"] == "historical" and r["level"] == 0.95
    )
    assert historical_95["var"] == 50_000 * 0.05233166911352099
    assert {g["model"] for g in payload["garch"]} == {"GARCH", "EGARCH", "GJR-GARCH"}


def test_report_refuses_bad_input_with_a_reason(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--closes", str(CLOSES), "--position", "BTC=lots"])
    assert result.exit_code == 2 and "expected ASSET=NOTIONAL" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("date,BTC\n2020-01-01,100\n2020-01-02,-5\n")
    result = runner.invoke(app, ["report", "--closes", str(bad), "--position", "BTC=1"])
    assert result.exit_code == 2 and "non-positive closes" in result.output
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 2 and "give --closes" in result.output


def test_report_on_a_stored_backtest_run_lists_denials_and_trips(tmp_path: Path) -> None:
    bars = pd.read_csv(DATA)
    ts = pd.to_datetime(bars["open_time"], utc=True)
    bars = bars[(ts >= "2020-03-01") & (ts < "2020-04-01")].copy()
    bars["ts_open"] = pd.to_datetime(bars["open_time"], utc=True).dt.as_unit("ns").astype("int64")
    engine = BacktestEngine({"USDT": Decimal(100_000)}, risk_config=RiskConfig(), run_id="crash")
    engine.add_instrument(
        Instrument(
            id=BTC, base="BTC", quote="USDT", tick_size=Decimal("0.01"), lot_size=Decimal("0.00001")
        )
    )
    engine.add_bars(BTC, "1h", bars[["ts_open", "open", "high", "low", "close", "volume"]])
    engine.add_strategy(BuyAndHold())
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    with create_store(url) as store:
        RunRepository(store).save(engine.run())
    result = runner.invoke(
        app, ["report", "--run", "crash", "--db", url, "--periods-per-year", "8760"]
    )
    assert result.exit_code == 0, result.output
    assert "Denied orders" in result.output and "HALTED" in result.output
    assert "Breaker trips" in result.output and "BreakerTripped" in result.output


def test_check_approves_and_denies_hypothetical_orders(tmp_path: Path) -> None:
    common = [
        "check",
        "--instrument",
        "BTC/USDT.BINANCE",
        "--last-price",
        "50000",
        "--at",
        "2024-01-01",
    ]
    approved = runner.invoke(app, [*common, "--side", "buy", "--quantity", "1", "--price", "50000"])
    assert approved.exit_code == 0, approved.output
    assert "APPROVED" in approved.output
    config = tmp_path / "risk.yaml"
    config.write_text("risk:\n  max_position_notional: 20000\n")
    denied = runner.invoke(
        app,
        [
            *common,
            "--side",
            "buy",
            "--quantity",
            "1",
            "--price",
            "50000",
            "--config",
            str(config),
            "--json",
        ],
    )
    assert denied.exit_code == 1
    record = json.loads(denied.output)
    assert record["approved"] is False
    assert record["reasons"][0].startswith("max_position_notional")
    exit_short = runner.invoke(
        app, [*common, "--side", "sell", "--quantity", "0.5", "--position", "0.5", "--perpetual"]
    )
    assert exit_short.exit_code == 0, exit_short.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("max_leverage: -1\n")
    result = runner.invoke(app, [*common, "--side", "buy", "--quantity", "1", "--config", str(bad)])
    assert result.exit_code == 2 and "invalid risk config" in result.output

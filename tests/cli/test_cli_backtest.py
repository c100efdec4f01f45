from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from colin.cli.main import app
from colin.persistence.sql import RunRepository, create_store

runner = CliRunner()


def test_backtest_on_the_bundled_sample_writes_report_json_and_stores_the_run(
    workdir: Path,
) -> None:
    result = runner.invoke(
        app,
        [
            "backtest",
            "--strategy",
            "rsi_reversion",
            "--symbol",
            "ETH/USDT",
            "--timeframe",
            "1h",
            "--start",
            "2024-03-01",
            "--end",
            "2024-05-01",
            "-p",
            "period=6",
            "--out",
            "out",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Total return" in result.output
    report = (workdir / "out" / "report.html").read_text()
    assert "ETH/USDT.BINANCE" in report
    data = json.loads((workdir / "out" / "result.json").read_text())
    assert data["config"]["strategy"] == "rsi_reversion"
    assert data["config"]["parameters"]["period"] == 6
    assert data["config"]["start"].startswith("2024-03-01")
    runs = RunRepository(create_store(f"sqlite:///{workdir / 'colin.db'}")).list()
    assert [run.run_id for run in runs] == [data["run_id"]]

    rendered = runner.invoke(app, ["report", data["run_id"], "--out", "again.html"])
    assert rendered.exit_code == 0, rendered.output
    assert "ETH/USDT.BINANCE" in (workdir / "again.html").read_text()
    unknown = runner.invoke(app, ["report", "nosuchrun"])
    assert unknown.exit_code == 1
    assert "run 'nosuchrun' is not in the store" in " ".join(unknown.output.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strategy", "nope"], "unknown strategy 'nope'; available:"),
        (["--timeframe", "7x"], "invalid timeframe '7x'"),
        (["-p", "fast=60"], "fast (60) must be smaller than slow (50)"),
        (["--symbol", "DOGE/USDT"], "DOGE/USDT.BINANCE"),
        (["--start", "2030-01-01"], "no 1h bars for BTC/USDT.BINANCE"),
        (["-p", "fast"], "expected KEY=VALUE"),
    ],
)
def test_bad_input_gets_a_clear_error_and_no_traceback(
    workdir: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["backtest", "--no-store", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_strategies_list_and_show() -> None:
    listed = runner.invoke(app, ["strategies", "list"])
    assert listed.exit_code == 0
    assert "sma_cross" in listed.output and "rsi_reversion" in listed.output
    shown = runner.invoke(app, ["strategies", "show", "sma_cross"])
    assert shown.exit_code == 0
    assert "Bars in the fast moving average" in shown.output
    missing = runner.invoke(app, ["strategies", "show", "nope"])
    assert missing.exit_code == 2

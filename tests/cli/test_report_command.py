"""``colin report``: re-render a saved result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from colin.backtest.result import BacktestResult
from colin.backtest.serialization import read_result_json, write_result_json
from colin.cli.report import app

_DAY = 86_400 * 10**9


def _saved_result(tmp_path: Path) -> Path:
    ts = 1_704_067_200 * 10**9 + np.arange(1, 31, dtype=np.int64) * _DAY
    result = BacktestResult(
        run_id="cli-run-1",
        config={"strategy": "buy-and-hold", "fees": "0.1%"},
        base_currency="USDT",
        starting_equity=1_000.0,
        equity_ts=ts,
        equity=np.linspace(1_000.0, 1_100.0, 30),
        fills=[],
        orders=[],
    )
    return write_result_json(result, tmp_path / "result.json")


def test_report_prints_metrics_and_writes_html_next_to_the_json(tmp_path: Path) -> None:
    path = _saved_result(tmp_path)
    outcome = CliRunner().invoke(app, [str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert "Total return" in outcome.output and "10.00%" in outcome.output
    html = tmp_path / "result.html"
    assert "Backtest report: buy-and-hold" in html.read_text(encoding="utf-8")
    assert read_result_json(path).metrics == {}  # the JSON itself is left as it was


def test_report_to_a_chosen_file(tmp_path: Path) -> None:
    path = _saved_result(tmp_path)
    target = tmp_path / "reports" / "x.html"
    outcome = CliRunner().invoke(app, [str(path), "--out", str(target), "--trades", "5"])
    assert outcome.exit_code == 0, outcome.output
    assert target.exists()


def test_a_file_that_is_not_a_result_fails_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}', encoding="utf-8")
    outcome = CliRunner().invoke(app, [str(path)])
    assert outcome.exit_code == 1
    assert "not a colin.backtest-result" in " ".join(outcome.output.split())
    assert not (tmp_path / "other.html").exists()


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(app, [str(tmp_path / "absent.json")])
    assert outcome.exit_code == 2

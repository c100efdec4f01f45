"""Metric formatting by unit and the rich metrics table."""

from __future__ import annotations

from rich.console import Console

from colin.backtest.metrics_table import format_metric, metrics_table


def test_values_are_formatted_by_unit() -> None:
    assert format_metric("total_return", 0.1234) == "12.34%"
    assert format_metric("fees", 1234.5, "USDT") == "1,234.50 USDT"
    assert format_metric("max_drawdown_duration_days", 3.25) == "3.2 d"
    assert format_metric("max_drawdown_peak_ts", 1_704_067_200_000_000_000) == (
        "2024-01-01T00:00:00Z"
    )
    assert format_metric("trade_count", 1200) == "1,200"
    assert format_metric("sharpe", 1.23456) == "1.235"
    assert format_metric("sharpe", float("nan")) == "n/a"
    assert format_metric("profit_factor", float("inf")) == "∞"


def test_table_lists_the_chosen_metrics_in_order() -> None:
    metrics = {"sharpe": 1.5, "total_return": 0.2, "fees": 3.0, "unlisted": 7.0}
    table = metrics_table(metrics, "USDT", keys=("total_return", "sharpe", "cagr", "unlisted"))
    console = Console(width=80, record=True)
    console.print(table)
    lines = [line for line in console.export_text().splitlines() if "│" in line]
    assert [line.split("│")[1].strip() for line in lines] == [
        "Total return",
        "Sharpe ratio",
        "unlisted",
    ]
    assert "20.00%" in lines[0] and "1.500" in lines[1]


def test_table_without_keys_shows_every_known_metric() -> None:
    table = metrics_table({"fees": 3.0, "sharpe": 1.0}, "USDT", keys=None)
    assert table.row_count == 2

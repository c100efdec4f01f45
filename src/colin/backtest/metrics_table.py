"""Metric formatting and the rich metrics table of ``colin backtest`` and ``colin report``."""

from __future__ import annotations

import math
from collections.abc import Mapping

from rich.table import Table

from colin.backtest.metrics import METRIC_BY_KEY, METRICS
from colin.core.time import ns_to_iso

# metrics shown in the compact table; the HTML report shows all of them
SUMMARY_KEYS: tuple[str, ...] = (
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "calmar",
    "max_drawdown",
    "max_drawdown_duration_days",
    "win_rate",
    "profit_factor",
    "expectancy",
    "average_trade_return",
    "exposure",
    "turnover",
    "fees",
    "trade_count",
    "final_equity",
    "ruin_ts",
)


def format_metric(key: str, value: float, currency: str = "") -> str:
    """Format one metric value for display according to its unit.

    Parameters
    ----------
    key
        A key of :data:`colin.backtest.metrics.METRICS` (unknown keys are shown as plain numbers).
    value
        The value as returned by :func:`colin.backtest.metrics.compute_metrics`.
    currency
        Appended to money values.
    """
    unit = METRIC_BY_KEY[key].unit if key in METRIC_BY_KEY else "ratio"
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if unit == "fraction":
        return f"{value:.2%}"
    if unit == "money":
        return f"{value:,.2f} {currency}".rstrip()
    if unit == "days":
        return f"{value:,.1f} d"
    if unit == "timestamp":
        return ns_to_iso(int(value))
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    if unit == "bars":
        return f"{value:,.1f}"
    return f"{value:,.3f}"


def metrics_table(
    metrics: Mapping[str, float],
    currency: str = "",
    keys: tuple[str, ...] | None = SUMMARY_KEYS,
    title: str = "Backtest metrics",
) -> Table:
    """Build a two-column rich table of ``metrics``.

    Parameters
    ----------
    metrics
        Output of :func:`colin.backtest.metrics.compute_metrics`.
    currency
        The base currency, appended to money values.
    keys
        Which metrics to show, in order; ``None`` shows every metric present, in the order of
        :data:`colin.backtest.metrics.METRICS`. Keys absent from ``metrics`` are skipped.
    title
        The table title.
    """
    order = keys if keys is not None else tuple(metric.key for metric in METRICS)
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("Metric")
    table.add_column("Value", justify="right")
    for key in order:
        if key in metrics:
            label = METRIC_BY_KEY[key].label if key in METRIC_BY_KEY else key
            table.add_row(label, format_metric(key, metrics[key], currency))
    return table

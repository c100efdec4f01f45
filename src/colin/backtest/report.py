"""The self-contained HTML report of a backtest run.

One file with plotly.js inlined (it opens without network access), in this order: header
(strategy, instruments, period), the assumptions the numbers rest on (fees, slippage, latency, bar
fill path and every other config value; a core assumption the run did not state is flagged), the
metrics with their formulas, a price chart per instrument with entries and exits, equity, drawdown,
monthly returns, the round-trip trades (first and last ``trade_rows``), and denied orders and
risk events when there are any.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import plotly.graph_objects as go
import plotly.offline

from colin.backtest.metrics import METRICS, compute_metrics
from colin.backtest.metrics_table import format_metric
from colin.backtest.report_charts import (
    drawdown_figure,
    equity_figure,
    monthly_returns,
    monthly_returns_figure,
    price_figure,
)
from colin.backtest.result import BacktestResult
from colin.backtest.trades import RoundTrip, build_round_trips
from colin.core.time import NANOS_PER_DAY, NANOS_PER_SECOND, ns_to_iso
from colin.model.events import OrderDenied

_T = TypeVar("_T")

ASSUMPTIONS: tuple[tuple[str, ...], ...] = (
    ("fees",),
    ("slippage",),
    ("latency", "latency_ns"),
    ("bar_path",),
)
"""What every honest report states, each as its accepted config keys; a config with none of a
group's keys gets that group flagged "not stated by the run"."""

_CSS = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1280px; color: #111827; }
h1 { margin-bottom: 4px; } h2 { margin-top: 32px; border-bottom: 1px solid #e5e7eb; }
.sub { color: #6b7280; margin-top: 0; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e5e7eb; text-align: left; }
th, td { vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.metrics table { width: 100%; }
.metrics { display: grid; gap: 0 32px; }
.metrics { grid-template-columns: repeat(2, minmax(0, 1fr)); }
.missing { color: #b91c1c; font-weight: 600; }
.gap td { text-align: center; color: #6b7280; font-style: italic; }
"""


def write_html_report(
    result: BacktestResult, path: Path, trade_rows: int = 25, title: str | None = None
) -> Path:
    """Write the HTML report of ``result`` to ``path`` and return the path.

    Parameters
    ----------
    result
        A finished run; its metrics are computed if ``result.metrics`` is empty.
    path
        The output file; parent folders are created.
    trade_rows
        How many of the first and of the last rows the trades, denied-orders and risk-events
        tables list.
    title
        Page title; defaults to "Backtest report: <strategy>".
    """
    metrics = result.metrics or compute_metrics(result)
    trips = build_round_trips(result.fills, result.equity_ts)
    strategy = str(result.config.get("strategy", "unnamed strategy"))
    heading = title or f"Backtest report: {strategy}"
    figures = [
        price_figure(instrument, series["ts"], series["close"], _trips_of(trips, instrument))
        for instrument, series in result.prices.items()
    ]
    figures.append(equity_figure(result.equity_ts, result.equity, result.base_currency))
    figures.append(drawdown_figure(result.equity_ts, result.equity, result.starting_equity))
    monthly = monthly_returns(result.equity_ts, result.equity, result.starting_equity)
    figures.append(monthly_returns_figure(monthly))
    sections = [
        _header(result, heading),
        _section("Assumptions", _assumptions(result.config)),
        _section("Metrics", _metrics(metrics, result.base_currency)),
        _section("Charts", "".join(_figure_html(figure) for figure in figures)),
        _section(f"Trades ({len(trips)})", _trades(trips, trade_rows)),
    ]
    if result.denied:
        sections.append(
            _section(f"Denied orders ({len(result.denied)})", _denied(result, trade_rows))
        )
    if result.risk_events:
        sections.append(
            _section(f"Risk events ({len(result.risk_events)})", _risk(result, trade_rows))
        )
    sections.append(_footer(result))
    document = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(heading)}</title><style>{_CSS}</style>"
        f"<script>{plotly.offline.get_plotlyjs()}</script></head><body>"
        + "".join(sections)
        + "</body></html>"
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document, encoding="utf-8")
    return path


def _e(value: object) -> str:
    return html.escape(str(value))


def _section(title: str, body: str) -> str:
    slug = title.split(" (", maxsplit=1)[0].lower().replace(" ", "-")
    return f"<section id='{slug}'><h2>{_e(title)}</h2>{body}</section>"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = []
    for row in rows:
        if len(row) == 1:  # a note spanning the table
            body.append(f"<tr class='gap'><td colspan='{len(header)}'>{_e(row[0])}</td></tr>")
            continue
        cells = (
            f"<td class='num'>{_e(cell)}</td>" if i in numeric else f"<td>{_e(cell)}</td>"
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _trips_of(trips: list[RoundTrip], instrument: str) -> list[RoundTrip]:
    return [trip for trip in trips if trip.instrument_id == instrument]


def _header(result: BacktestResult, heading: str) -> str:
    config = result.config
    instruments = config.get("instruments") or sorted(result.prices) or ["none"]
    if isinstance(instruments, str):
        instruments = [instruments]
    start, end = int(result.equity_ts[0]), int(result.equity_ts[-1])
    facts = [
        ("Run", result.run_id),
        ("Instruments", ", ".join(str(item) for item in instruments)),
        ("Timeframe", config.get("timeframe", "not stated")),
        (
            "Period",
            f"{ns_to_iso(start)} → {ns_to_iso(end)} ({(end - start) / NANOS_PER_DAY:.1f} d)",
        ),
        ("Starting equity", f"{result.starting_equity:,.2f} {result.base_currency}"),
    ]
    rows = "".join(f"<tr><th>{_e(key)}</th><td>{_e(value)}</td></tr>" for key, value in facts)
    return f"<header><h1>{_e(heading)}</h1><table>{rows}</table></header>"


def _render_value(value: Any, key: str = "") -> str:
    if key.endswith("_ns") and isinstance(value, int) and not isinstance(value, bool):
        return f"{value} ns ({value / 1e6:g} ms)"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


def _assumptions(config: dict[str, Any]) -> str:
    def row(key: str) -> str:
        return f"<tr><th>{_e(key)}</th><td>{_e(_render_value(config[key], key))}</td></tr>"

    rows = []
    for keys in ASSUMPTIONS:
        present = [key for key in keys if key in config]
        rows += [row(key) for key in present]
        if not present:
            rows.append(
                f"<tr><th>{_e(keys[0])}</th><td class='missing'>not stated by the run</td></tr>"
            )
    stated = {key for keys in ASSUMPTIONS for key in keys}
    rows += [row(key) for key in sorted(config) if key not in stated]
    return f"<table>{''.join(rows)}</table>"


def _metrics(metrics: dict[str, float], currency: str) -> str:
    rows = [
        (metric.label, format_metric(metric.key, metrics[metric.key], currency), metric.formula)
        for metric in METRICS
        if metric.key in metrics
    ]
    half = (len(rows) + 1) // 2
    header = ("Metric", "Value", "Definition")
    periods = metrics.get("periods_per_year")
    basis = (
        f"Annualised over a 365-day year with P = {periods:,.0f} periods per year"
        if periods
        else "Annualised over a 365-day year"
    )
    note = (
        f"<p class='sub'>{_e(basis)}; risk-free rate 0; money in {_e(currency)}; trade "
        "statistics over closed round trips, net of fees.</p>"
    )
    return (
        note
        + "<div class='metrics'>"
        + _table(header, rows[:half], {1})
        + _table(header, rows[half:], {1})
        + "</div>"
    )


def _figure_html(figure: go.Figure) -> str:
    return str(figure.to_html(full_html=False, include_plotlyjs=False, config={"responsive": True}))


def _trade_row(number: int, trip: RoundTrip) -> list[str]:
    duration = trip.duration_ns
    return [
        str(number),
        trip.instrument_id,
        trip.side.value,
        ns_to_iso(trip.entry_ts),
        "open" if trip.exit_ts is None else ns_to_iso(trip.exit_ts),
        f"{trip.quantity}",
        f"{trip.avg_entry_price:.8g}",
        "" if trip.avg_exit_price is None else f"{trip.avg_exit_price:.8g}",
        f"{trip.gross_pnl:,.2f}",
        f"{trip.fees:,.2f}",
        f"{trip.net_pnl:,.2f}",
        f"{trip.net_return:.2%}",
        "" if trip.bars_held is None else str(trip.bars_held),
        "" if duration is None else f"{duration / NANOS_PER_DAY:.2f}",
    ]


def _head_tail(
    items: Sequence[_T], rows: int, render: Callable[[int, _T], Sequence[str]], noun: str
) -> list[Sequence[str]]:
    """Render the first and last ``rows`` items (numbered from 1) with a note for the rest."""
    numbered = list(enumerate(items, start=1))
    if len(items) <= 2 * rows:
        return [render(number, item) for number, item in numbered]
    hidden = len(items) - 2 * rows
    return [
        *(render(number, item) for number, item in numbered[:rows]),
        [f"… {hidden} {noun} not listed …"],
        *(render(number, item) for number, item in numbered[-rows:]),
    ]


def _trades(trips: list[RoundTrip], rows: int) -> str:
    if not trips:
        return "<p>No trades.</p>"
    header = (
        "#", "Instrument", "Side", "Entry", "Exit", "Qty", "Avg entry", "Avg exit",
        "Gross PnL", "Fees", "Net PnL", "Return", "Bars", "Days",
    )  # fmt: skip
    body = _head_tail(trips, rows, _trade_row, "trades")
    return _table(header, body, {0, 5, 6, 7, 8, 9, 10, 11, 12, 13})


def _denied_row(number: int, event: OrderDenied) -> list[str]:
    when = ns_to_iso(event.ts_event)
    return [str(number), when, event.instrument_id, event.client_order_id, event.reason]


def _risk_row(number: int, event: dict[str, Any]) -> list[str]:
    ts = event.get("ts")
    when = ns_to_iso(ts) if isinstance(ts, int) else str(ts)
    return [str(number), when, str(event.get("kind", "")), _render_value(event.get("detail", ""))]


def _denied(result: BacktestResult, rows: int) -> str:
    body = _head_tail(result.denied, rows, _denied_row, "denied orders")
    return _table(("#", "Time", "Instrument", "Order", "Reason"), body, {0})


def _risk(result: BacktestResult, rows: int) -> str:
    body = _head_tail(result.risk_events, rows, _risk_row, "risk events")
    return _table(("#", "Time", "Kind", "Detail"), body, {0})


def _footer(result: BacktestResult) -> str:
    parts = [f"{result.events_processed:,} market-data events replayed"]
    elapsed = result.finished_at_ns - result.started_at_ns
    if result.started_at_ns and elapsed > 0:
        rate = result.events_processed / (elapsed / NANOS_PER_SECOND)
        parts.append(f"in {elapsed / NANOS_PER_SECOND:.2f} s ({rate:,.0f} events/s)")
    return f"<footer><p class='sub'>{_e(' '.join(parts))}. Times are UTC.</p></footer>"

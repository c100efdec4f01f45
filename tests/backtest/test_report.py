"""The HTML report: sections, series, assumptions, monthly returns and bounded size."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from colin.backtest.report import write_html_report
from colin.backtest.report_charts import monthly_returns, price_figure
from colin.backtest.trades import build_round_trips
from colin.core.ids import ClientOrderId
from colin.core.time import NANOS_PER_MINUTE, parse_time
from colin.model.events import OrderDenied

from .builders import BTC, STRATEGY, daily_result, day, fill


def _result_with_trades(**kwargs: object):  # type: ignore[no-untyped-def]
    closes = np.linspace(100.0, 140.0, 60)
    ts = np.array([day(i + 1) for i in range(60)], dtype=np.int64)
    fills = [
        fill("BUY", 1, 101, day(3), fee="0.1"),
        fill("SELL", 1, 120, day(30), fee="0.12"),
        fill("SELL", 1, 125, day(40)),
    ]
    return daily_result(
        100.0 + (closes - 100.0) / 2,
        fills=fills,
        prices={BTC: {"ts": ts, "close": closes}},
        **kwargs,
    )


def test_report_has_every_section_and_inlines_plotly(tmp_path: Path) -> None:
    config = {
        "strategy": "sma-cross",
        "fees": {"taker": "0.001"},
        "slippage": "5 bps",
        "latency_ns": 50_000_000,
        "bar_path": "OHLC",
        "parameters": {"fast": 10},
    }
    path = write_html_report(_result_with_trades(config=config), tmp_path / "out" / "r.html")
    text = path.read_text(encoding="utf-8")
    for section in ("assumptions", "metrics", "charts", "trades"):
        assert f"<section id='{section}'>" in text
    assert "Backtest report: sma-cross" in text
    assert "BTC\\u002fUSDT.BINANCE: price, entries and exits" in text  # JSON-escaped "/"
    for trace in ('"name":"close"', '"name":"long entry"', '"name":"exit"', '"name":"equity"'):
        assert trace in text
    assert "Drawdown (%)" in text and "Monthly returns" in text
    assert "P = 365 periods per year; risk-free rate 0; money in USDT" in text
    assert "50000000 ns (50 ms)" in text
    assert "not stated by the run" not in text
    assert not re.search(r"<script[^>]*\bsrc=", text)  # nothing loaded from the network
    assert "Plotly.newPlot" in text
    assert "open" in text  # the short opened on day 40 is still open
    assert "<section id='denied-orders'>" not in text
    assert "<section id='risk-events'>" not in text


def test_missing_assumptions_are_flagged(tmp_path: Path) -> None:
    text = write_html_report(
        _result_with_trades(config={"fees": "0.1%"}), tmp_path / "r.html"
    ).read_text(encoding="utf-8")
    flagged = re.findall(r"<th>(\w+)</th><td class='missing'>not stated by the run", text)
    assert flagged == ["slippage", "latency", "bar_path"]


def test_latency_may_be_stated_as_a_model(tmp_path: Path) -> None:
    config = {"fees": "x", "slippage": "y", "bar_path": "z", "latency": {"fixed_ns": 0}}
    text = write_html_report(_result_with_trades(config=config), tmp_path / "r.html").read_text(
        "utf-8"
    )
    assert "not stated by the run" not in text
    assert "<th>latency</th><td>{&quot;fixed_ns&quot;: 0}</td>" in text


def test_denied_orders_and_risk_events_are_listed(tmp_path: Path) -> None:
    denied = OrderDenied(
        client_order_id=ClientOrderId("O-denied-7"),
        instrument_id=BTC,
        strategy_id=STRATEGY,
        ts_event=day(5),
        ts_init=day(5),
        reason="exposure <limit> exceeded",
    )
    result = _result_with_trades(
        denied=[denied],
        risk_events=[{"ts": day(6), "kind": "drawdown_breaker", "detail": {"state": "HALTED"}}],
    )
    text = write_html_report(result, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<section id='denied-orders'>" in text
    assert "O-denied-7" in text and "exposure &lt;limit&gt; exceeded" in text
    assert "<section id='risk-events'>" in text and "drawdown_breaker" in text


def test_trades_table_lists_first_and_last_rows(tmp_path: Path) -> None:
    fills = []
    for i in range(30):
        fills += [fill("BUY", 1, 100, day(2 * i + 1)), fill("SELL", 1, 101, day(2 * i + 2))]
    result = daily_result([100.0] * 61, fills=fills)
    text = write_html_report(result, tmp_path / "r.html", trade_rows=5).read_text("utf-8")
    assert "Trades (30)" in text
    assert "… 20 trades not listed …" in text
    rows = re.findall(r"<tr><td class='num'>(\d+)</td>", text)
    assert rows == ["1", "2", "3", "4", "5", "26", "27", "28", "29", "30"]


def test_monthly_returns_compound_from_month_ends() -> None:
    ts = np.array(
        [parse_time(d) for d in ("2024-01-15", "2024-01-31", "2024-02-10", "2024-04-01")],
        dtype=np.int64,
    )
    table = monthly_returns(ts, np.array([105.0, 110.0, 99.0, 108.9]), starting_equity=100.0)
    assert list(table.index) == [2024]
    row = table.loc[2024]
    assert row[1] == pytest.approx(0.10)
    assert row[2] == pytest.approx(99 / 110 - 1)
    assert row[3] == pytest.approx(0.0)  # no data in March: equity carried over
    assert row[4] == pytest.approx(0.10)
    assert np.isnan(row[5]) and np.isnan(row[12])


def test_a_million_bar_run_gives_a_small_file(tmp_path: Path) -> None:
    count = 1_000_000
    rng = np.random.default_rng(7)
    ts = parse_time("2023-01-01") + np.arange(count, dtype=np.int64) * NANOS_PER_MINUTE
    closes = 20_000.0 * np.exp(np.cumsum(rng.normal(0.0, 5e-4, count)))
    result = daily_result(10_000.0 * closes / closes[0], starting_equity=10_000.0)
    result.equity_ts = ts
    result.prices = {BTC: {"ts": ts, "close": closes}}
    size = write_html_report(result, tmp_path / "big.html").stat().st_size
    # plotly.js alone is ~4.7 MB; the four charts of a million points add well under 1 MB
    assert size < 6_000_000


def test_long_denied_and_risk_lists_are_cut_in_the_middle(tmp_path: Path) -> None:
    denied = [
        OrderDenied(
            client_order_id=ClientOrderId(f"O-denied-{i}"),
            instrument_id=BTC,
            strategy_id=STRATEGY,
            ts_event=day(1),
            ts_init=day(1),
            reason="halted",
        )
        for i in range(12)
    ]
    risk = [{"ts": day(1), "kind": "kill_switch", "detail": {}} for _ in range(11)]
    result = _result_with_trades(denied=denied, risk_events=risk)
    text = write_html_report(result, tmp_path / "r.html", trade_rows=5).read_text("utf-8")
    assert "… 2 denied orders not listed …" in text
    assert "… 1 risk events not listed …" in text
    assert "O-denied-4<" in text and "O-denied-7<" in text and "O-denied-5<" not in text


def test_many_trades_mark_only_the_largest() -> None:
    fills = []
    for i in range(10):  # trip i gains i
        fills += [fill("BUY", 1, 100, day(2 * i + 1)), fill("SELL", 1, 100 + i, day(2 * i + 2))]
    trips = build_round_trips(fills)
    ts = np.array([day(i) for i in range(25)], dtype=np.int64)
    figure = price_figure("BTC/USDT.BINANCE", ts, np.full(25, 100.0), trips, max_trips=3)
    assert "the 3 largest of 10 trades marked" in figure.layout.title.text
    entries, exits = figure.data[1], figure.data[2]
    assert len(entries.y) == len(exits.y) == 3
    assert sorted(exits.y) == [107.0, 108.0, 109.0]

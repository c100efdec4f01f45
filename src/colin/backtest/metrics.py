"""Performance metrics of a backtest, computed once from the equity curve and the round trips.

The curve is ``V_0 = starting_equity`` followed by the recorded equity ``V_1..V_N``; ``V_0`` is
placed one median spacing before the first timestamp. Period returns are
``r_i = V_i / V_{i-1} - 1`` (N of them), so ``prod(1 + r_i) = V_N / V_0``. Crypto trades every
day: annualisation uses 365 days, with ``P`` periods per year inferred from the median timestamp
spacing unless given. Risk-free rate and minimum acceptable return are 0.

Money metrics are in the result's base currency; trade metrics use closed round trips only
(see :mod:`colin.backtest.trades`). Undefined values (a ratio over zero) are ``nan``; a profit
factor with winners and no losers is ``inf``. Timestamp metrics are int UTC ns.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from colin.backtest.result import BacktestResult
from colin.backtest.trades import RoundTrip, build_round_trips, fee_in_settlement
from colin.backtest.trades import settlement_currency as _settlement_currency
from colin.core.errors import DataError
from colin.core.time import NANOS_PER_DAY

DAYS_PER_YEAR = 365.0
_NS_PER_YEAR = DAYS_PER_YEAR * NANOS_PER_DAY
_NAN = float("nan")


@dataclass(frozen=True, slots=True)
class MetricDefinition:
    """What a metric means: its key, display label, unit and formula."""

    key: str
    label: str
    unit: str
    formula: str


METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition("starting_equity", "Starting equity", "money", "V_0"),
    MetricDefinition("final_equity", "Final equity", "money", "V_N"),
    MetricDefinition("net_profit", "Net profit", "money", "V_N - V_0"),
    MetricDefinition("total_return", "Total return", "fraction", "V_N / V_0 - 1"),
    MetricDefinition("cagr", "CAGR", "fraction", "(V_N / V_0)^(P / N) - 1 (-100% if V_N <= 0)"),
    MetricDefinition(
        "ruin_ts",
        "Equity reached zero",
        "timestamp",
        "first V_i <= 0 (absent if never); return statistics are then undefined",
    ),
    MetricDefinition("volatility", "Volatility (ann.)", "fraction", "std(r, ddof=1) * sqrt(P)"),
    MetricDefinition("sharpe", "Sharpe ratio", "ratio", "mean(r) / std(r, ddof=1) * sqrt(P)"),
    MetricDefinition(
        "sortino", "Sortino ratio", "ratio", "mean(r) / sqrt(mean(min(r, 0)^2)) * sqrt(P)"
    ),
    MetricDefinition(
        "calmar", "Calmar ratio", "ratio", "cagr / max_drawdown (undefined after ruin)"
    ),
    MetricDefinition("max_drawdown", "Max drawdown", "fraction", "max_i(1 - V_i / max_{j<=i} V_j)"),
    MetricDefinition(
        "max_drawdown_duration_days",
        "Max drawdown duration",
        "days",
        "peak before the max drawdown to recovery (or to the end if not recovered)",
    ),
    MetricDefinition(
        "max_drawdown_peak_ts", "Max drawdown peak", "timestamp", "last peak before the trough"
    ),
    MetricDefinition(
        "max_drawdown_trough_ts", "Max drawdown trough", "timestamp", "lowest point below it"
    ),
    MetricDefinition(
        "max_drawdown_recovery_ts",
        "Max drawdown recovery",
        "timestamp",
        "first V_i >= peak after the trough (absent if never recovered)",
    ),
    MetricDefinition(
        "longest_drawdown_days", "Longest drawdown", "days", "longest time from a peak to recovery"
    ),
    MetricDefinition(
        "exposure", "Exposure", "fraction", "time with any open position / total time"
    ),
    MetricDefinition(
        "turnover", "Turnover", "ratio", "sum(|qty * price|) / mean(V_1..V_N) (if positive)"
    ),
    MetricDefinition("fees", "Fees", "money", "sum of commissions"),
    MetricDefinition("fill_count", "Fills", "count", "number of fills"),
    MetricDefinition("trade_count", "Trades (closed)", "count", "closed round trips"),
    MetricDefinition("open_trade_count", "Trades still open", "count", "round trips not closed"),
    MetricDefinition("win_rate", "Win rate", "fraction", "trades with net PnL > 0 / trades"),
    MetricDefinition(
        "profit_factor", "Profit factor", "ratio", "sum(winning net PnL) / |sum(losing net PnL)|"
    ),
    MetricDefinition(
        "expectancy",
        "Expectancy",
        "money",
        "mean net PnL per trade = win_rate * average_win + (1 - win_rate) * average_loss",
    ),
    MetricDefinition(
        "average_trade_return", "Average trade", "fraction", "mean(net PnL / entry notional)"
    ),
    MetricDefinition("average_win", "Average win", "money", "mean net PnL of winners"),
    MetricDefinition("average_loss", "Average loss", "money", "mean net PnL of the others"),
    MetricDefinition("best_trade", "Best trade", "money", "max net PnL"),
    MetricDefinition("worst_trade", "Worst trade", "money", "min net PnL"),
    MetricDefinition("average_bars_held", "Average bars held", "bars", "mean bars per trade"),
    MetricDefinition("average_holding_days", "Average holding time", "days", "mean(exit - entry)"),
    MetricDefinition("periods_per_year", "Periods per year", "count", "P"),
    MetricDefinition("periods", "Periods", "count", "N"),
)
"""Every metric :func:`compute_metrics` returns, in display order."""

METRIC_BY_KEY: dict[str, MetricDefinition] = {metric.key: metric for metric in METRICS}


def compute_metrics(
    result: BacktestResult, periods_per_year: float | None = None
) -> dict[str, float]:
    """Compute every metric in :data:`METRICS` for ``result``.

    Parameters
    ----------
    result
        A finished run with at least two equity points.
    periods_per_year
        Equity points per year; inferred as 365 days over the median timestamp spacing if omitted.

    Returns
    -------
    dict[str, float]
        Metric key to value (counts and timestamps as ``int``).

    Raises
    ------
    DataError
        If the equity curve is malformed, or a traded instrument settles in a currency other than
        ``result.base_currency``.
    """
    ts, values = _validated_curve(result)
    spacing = int(np.median(np.diff(ts)))
    if periods_per_year is None:
        periods_per_year = _NS_PER_YEAR / spacing
    elif not periods_per_year > 0:
        raise DataError(f"periods_per_year must be positive, got {periods_per_year}")
    curve_ts = np.concatenate(([ts[0] - spacing], ts))
    metrics: dict[str, float] = {}
    metrics.update(_return_metrics(curve_ts, values, periods_per_year))
    metrics.update(_drawdown_metrics(curve_ts, values))
    ruined = "ruin_ts" in metrics
    metrics["calmar"] = _NAN if ruined else _ratio(metrics["cagr"], metrics["max_drawdown"])
    for instrument_id in {fill.instrument_id for fill in result.fills}:
        settle = _settlement_currency(instrument_id)
        if settle != result.base_currency:
            raise DataError(
                f"instrument {instrument_id} settles in {settle}, but the result's base "
                f"currency is {result.base_currency}: trade metrics would mix currencies"
            )
    trips = build_round_trips(result.fills, ts)
    metrics.update(_trade_metrics(trips))
    metrics["exposure"] = _exposure(trips, int(curve_ts[0]), int(curve_ts[-1]))
    notional = sum((fill.last_qty * fill.last_px for fill in result.fills), Decimal(0))
    fees = sum((fee_in_settlement(fill) for fill in result.fills), Decimal(0))
    mean_equity = float(np.mean(values[1:]))
    metrics["turnover"] = float(notional) / mean_equity if mean_equity > 0 else _NAN
    metrics["fees"] = float(fees)
    metrics["fill_count"] = len(result.fills)
    metrics["periods_per_year"] = float(periods_per_year)
    metrics["periods"] = len(values) - 1
    return {metric.key: metrics[metric.key] for metric in METRICS if metric.key in metrics}


def _validated_curve(result: BacktestResult) -> tuple[np.ndarray, np.ndarray]:
    ts = np.asarray(result.equity_ts, dtype=np.int64)
    equity = np.asarray(result.equity, dtype=np.float64)
    if ts.ndim != 1 or ts.shape != equity.shape:
        raise DataError(
            f"result {result.run_id}: equity_ts {ts.shape} and equity {equity.shape} must be "
            "one-dimensional arrays of the same length"
        )
    if len(ts) < 2:
        raise DataError(f"result {result.run_id}: the equity curve needs at least 2 points")
    if not np.all(np.diff(ts) > 0):
        row = int(np.argmin(np.diff(ts) > 0)) + 1
        raise DataError(f"result {result.run_id}: equity_ts is not increasing at index {row}")
    if not np.all(np.isfinite(equity)):
        row = int(np.argmin(np.isfinite(equity)))
        raise DataError(f"result {result.run_id}: equity is not finite at index {row}")
    if not result.starting_equity > 0:
        raise DataError(
            f"result {result.run_id}: starting_equity must be positive, got "
            f"{result.starting_equity}"
        )
    return ts, np.concatenate(([float(result.starting_equity)], equity))


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator != 0 else _NAN


def _return_metrics(
    curve_ts: np.ndarray, values: np.ndarray, periods_per_year: float
) -> dict[str, float]:
    growth = values[-1] / values[0]
    metrics: dict[str, float] = {
        "starting_equity": float(values[0]),
        "final_equity": float(values[-1]),
        "net_profit": float(values[-1] - values[0]),
        "total_return": float(growth - 1.0),
        "cagr": _cagr(float(growth), (len(values) - 1) / periods_per_year),
    }
    ruined = np.flatnonzero(values <= 0.0)
    if len(ruined):
        # returns of an account at or below zero mean nothing: leave their statistics undefined
        metrics["ruin_ts"] = int(curve_ts[ruined[0]])
        metrics.update(volatility=_NAN, sharpe=_NAN, sortino=_NAN)
        return metrics
    returns = values[1:] / values[:-1] - 1.0
    std = float(np.std(returns, ddof=1)) if len(returns) > 1 else _NAN
    downside = float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2)))
    mean = float(np.mean(returns))
    root = float(np.sqrt(periods_per_year))
    metrics["volatility"] = std * root
    metrics["sharpe"] = _ratio(mean, std) * root
    metrics["sortino"] = _ratio(mean, downside) * root
    return metrics


def _cagr(growth: float, years: float) -> float:
    if growth <= 0:
        return -1.0
    try:
        return float(growth ** (1.0 / years) - 1.0)
    except OverflowError:  # a large gain over a short span: the annual rate is unbounded
        return float("inf")


def _drawdown_metrics(curve_ts: np.ndarray, values: np.ndarray) -> dict[str, float]:
    peaks = np.maximum.accumulate(values)
    drawdown = 1.0 - values / peaks
    trough = int(np.argmax(drawdown))
    at_peak = np.flatnonzero(drawdown == 0.0)  # index 0 is always a peak
    # underwater stretches: between consecutive peaks with points below them, and after the last
    gaps = np.diff(at_peak) > 1
    spans = (curve_ts[at_peak[1:]] - curve_ts[at_peak[:-1]])[gaps]
    tail = int(curve_ts[-1] - curve_ts[at_peak[-1]])
    metrics: dict[str, float] = {
        "max_drawdown": float(drawdown[trough]),
        "longest_drawdown_days": max(tail, int(spans.max(initial=0))) / NANOS_PER_DAY,
    }
    if drawdown[trough] == 0.0:
        metrics["max_drawdown_duration_days"] = 0.0
        return metrics
    position = int(np.searchsorted(at_peak, trough))
    peak = int(at_peak[position - 1])
    recovered = position < len(at_peak)
    end = int(at_peak[position]) if recovered else len(values) - 1
    metrics["max_drawdown_duration_days"] = float(curve_ts[end] - curve_ts[peak]) / NANOS_PER_DAY
    metrics["max_drawdown_peak_ts"] = int(curve_ts[peak])
    metrics["max_drawdown_trough_ts"] = int(curve_ts[trough])
    if recovered:
        metrics["max_drawdown_recovery_ts"] = int(curve_ts[end])
    return metrics


def _trade_metrics(trips: list[RoundTrip]) -> dict[str, float]:
    closed = [trip for trip in trips if trip.is_closed]
    metrics: dict[str, float] = {
        "trade_count": len(closed),
        "open_trade_count": len(trips) - len(closed),
    }
    if not closed:
        for key in ("win_rate", "profit_factor", "expectancy", "average_trade_return"):
            metrics[key] = _NAN
        return metrics
    pnl = np.array([float(trip.net_pnl) for trip in closed])
    wins, losses = pnl[pnl > 0], pnl[pnl <= 0]
    gross_win, gross_loss = float(wins.sum()), float(-losses.sum())
    if gross_loss > 0:
        profit_factor = gross_win / gross_loss
    else:
        profit_factor = float("inf") if gross_win > 0 else _NAN
    durations = np.array([trip.duration_ns or 0 for trip in closed], dtype=np.float64)
    metrics.update(
        {
            "win_rate": len(wins) / len(pnl),
            "profit_factor": profit_factor,
            "expectancy": float(pnl.mean()),
            "average_trade_return": float(np.mean([trip.net_return for trip in closed])),
            "average_win": float(wins.mean()) if len(wins) else _NAN,
            "average_loss": float(losses.mean()) if len(losses) else _NAN,
            "best_trade": float(pnl.max()),
            "worst_trade": float(pnl.min()),
            "average_holding_days": float(durations.mean()) / NANOS_PER_DAY,
        }
    )
    bars = [trip.bars_held for trip in closed if trip.bars_held is not None]
    if bars:
        metrics["average_bars_held"] = float(np.mean(bars))
    return metrics


def _exposure(trips: list[RoundTrip], start_ts: int, end_ts: int) -> float:
    if not trips:
        return 0.0
    starts = np.clip([trip.entry_ts for trip in trips], start_ts, end_ts)
    ends = np.clip(
        [end_ts if trip.exit_ts is None else trip.exit_ts for trip in trips], start_ts, end_ts
    )
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], np.maximum.accumulate(ends[order])
    # an interval starts a new covered block when it begins after every earlier one has ended
    new_block = np.concatenate(([True], starts[1:] > ends[:-1]))
    block_starts = starts[new_block]
    block_ends = ends[np.append(np.flatnonzero(new_block)[1:] - 1, len(ends) - 1)]
    return float((block_ends - block_starts).sum()) / (end_ts - start_ts)

"""Each metric against a hand computation on small constructed curves and trades."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.backtest.metrics import METRICS, compute_metrics
from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_HOUR

from .builders import BTC, ETH, daily_result, day, fill

_RETURNS = [0.01, -0.005, 0.02, 0.0, -0.015, 0.012, 0.003, -0.002]


def _curve(returns: list[float], start: float = 1000.0) -> list[float]:
    values, value = [], start
    for r in returns:
        value *= 1 + r
        values.append(value)
    return values


def test_return_and_risk_metrics_match_hand_computation() -> None:
    metrics = compute_metrics(daily_result(_curve(_RETURNS), starting_equity=1000.0))
    mean, stdev = statistics.mean(_RETURNS), statistics.stdev(_RETURNS)
    downside = math.sqrt(sum(min(r, 0.0) ** 2 for r in _RETURNS) / len(_RETURNS))
    growth = math.prod(1 + r for r in _RETURNS)
    assert metrics["periods_per_year"] == 365.0
    assert metrics["periods"] == len(_RETURNS)
    assert metrics["total_return"] == pytest.approx(growth - 1)
    assert metrics["final_equity"] == pytest.approx(1000 * growth)
    assert metrics["net_profit"] == pytest.approx(1000 * (growth - 1))
    assert metrics["volatility"] == pytest.approx(stdev * math.sqrt(365))
    assert metrics["sharpe"] == pytest.approx(mean / stdev * math.sqrt(365))
    assert metrics["sortino"] == pytest.approx(mean / downside * math.sqrt(365))
    assert metrics["cagr"] == pytest.approx(growth ** (365 / len(_RETURNS)) - 1)


def test_cagr_of_a_doubling_over_one_year_is_one() -> None:
    equity = 100.0 * 2.0 ** (np.arange(1, 366) / 365)
    metrics = compute_metrics(daily_result(equity, starting_equity=100.0))
    assert metrics["cagr"] == pytest.approx(1.0)
    assert metrics["total_return"] == pytest.approx(1.0)


def test_explicit_periods_per_year_overrides_the_inferred_one() -> None:
    metrics = compute_metrics(daily_result(_curve(_RETURNS), 1000.0), periods_per_year=252)
    assert metrics["sharpe"] == pytest.approx(
        statistics.mean(_RETURNS) / statistics.stdev(_RETURNS) * math.sqrt(252)
    )


def test_hourly_spacing_gives_8760_periods_per_year() -> None:
    result = daily_result([100.0, 101.0, 102.0])
    result.equity_ts = result.equity_ts[0] + np.arange(3, dtype=np.int64) * NANOS_PER_HOUR
    assert compute_metrics(result)["periods_per_year"] == 8760.0


def test_max_drawdown_its_duration_and_recovery() -> None:
    # day 0 is the start (100); the fall is from 120 (day 2) to 90 (day 3), regained on day 5
    metrics = compute_metrics(daily_result([110, 120, 90, 100, 130, 125, 140]))
    assert metrics["max_drawdown"] == pytest.approx(0.25)
    assert metrics["max_drawdown_peak_ts"] == day(2)
    assert metrics["max_drawdown_trough_ts"] == day(3)
    assert metrics["max_drawdown_recovery_ts"] == day(5)
    assert metrics["max_drawdown_duration_days"] == pytest.approx(3.0)
    assert metrics["longest_drawdown_days"] == pytest.approx(3.0)
    assert metrics["calmar"] == pytest.approx(metrics["cagr"] / 0.25)


def test_longest_drawdown_can_differ_from_the_deepest() -> None:
    # shallow 5-day drawdown from the start, then a deep 2-day one from 150 to 100
    metrics = compute_metrics(daily_result([99, 98, 97, 96, 101, 150, 100, 160]))
    assert metrics["max_drawdown"] == pytest.approx(1 - 100 / 150)
    assert metrics["max_drawdown_duration_days"] == pytest.approx(2.0)
    assert metrics["longest_drawdown_days"] == pytest.approx(5.0)


def test_unrecovered_drawdown_lasts_to_the_end() -> None:
    metrics = compute_metrics(daily_result([120, 80, 90]))
    assert metrics["max_drawdown"] == pytest.approx(1 / 3)
    assert metrics["max_drawdown_duration_days"] == pytest.approx(2.0)
    assert metrics["longest_drawdown_days"] == pytest.approx(2.0)
    assert "max_drawdown_recovery_ts" not in metrics


def test_a_curve_that_never_falls_has_no_drawdown() -> None:
    metrics = compute_metrics(daily_result([101, 102, 103]))
    assert metrics["max_drawdown"] == 0.0
    assert metrics["max_drawdown_duration_days"] == 0.0
    assert math.isnan(metrics["calmar"])
    assert "max_drawdown_peak_ts" not in metrics


def test_trade_statistics_on_listed_trades() -> None:
    # net PnL per trip: +10, -5, +20, -5, 0 (no fees)
    fills = []
    for i, (entry, exit_) in enumerate([(100, 110), (100, 95), (100, 120), (100, 95), (50, 50)]):
        fills += [fill("BUY", 1, entry, day(2 * i + 1)), fill("SELL", 1, exit_, day(2 * i + 2))]
    metrics = compute_metrics(daily_result([100.0] * 12, fills=fills))
    assert metrics["trade_count"] == 5
    assert metrics["open_trade_count"] == 0
    assert metrics["win_rate"] == pytest.approx(2 / 5)
    assert metrics["profit_factor"] == pytest.approx(30 / 10)
    assert metrics["expectancy"] == pytest.approx(20 / 5)
    assert metrics["average_win"] == pytest.approx(15.0)
    assert metrics["average_loss"] == pytest.approx(-10 / 3)
    assert metrics["best_trade"] == 20
    assert metrics["worst_trade"] == -5
    assert metrics["average_trade_return"] == pytest.approx((0.1 - 0.05 + 0.2 - 0.05 + 0) / 5)
    assert metrics["average_holding_days"] == pytest.approx(1.0)
    assert metrics["average_bars_held"] == pytest.approx(1.0)
    # expectancy is consistent with its decomposition
    win_rate = metrics["win_rate"]
    assert metrics["expectancy"] == pytest.approx(
        win_rate * metrics["average_win"] + (1 - win_rate) * metrics["average_loss"]
    )


def test_profit_factor_without_losers_is_infinite() -> None:
    fills = [fill("BUY", 1, 100, day(1)), fill("SELL", 1, 110, day(2))]
    assert compute_metrics(daily_result([100, 110, 110], fills=fills))["profit_factor"] == math.inf


def test_no_trades_gives_undefined_trade_statistics_and_zero_exposure() -> None:
    metrics = compute_metrics(daily_result([100, 100, 100]))
    assert metrics["trade_count"] == 0
    assert metrics["exposure"] == 0.0
    assert metrics["turnover"] == 0.0
    assert all(math.isnan(metrics[key]) for key in ("win_rate", "profit_factor", "expectancy"))
    assert math.isnan(metrics["sharpe"])  # zero volatility


def test_exposure_is_the_union_of_position_time() -> None:
    # span day 0 .. day 10; BTC held days 2-5 and ETH days 4-7: covered 2..7 = 5 of 10 days
    fills = [
        fill("BUY", 1, 100, day(2), instrument=BTC),
        fill("BUY", 1, 10, day(4), instrument=ETH),
        fill("SELL", 1, 100, day(5), instrument=BTC),
        fill("SELL", 1, 10, day(7), instrument=ETH),
    ]
    assert compute_metrics(daily_result([100.0] * 10, fills=fills))["exposure"] == pytest.approx(
        0.5
    )


def test_open_position_counts_as_exposure_until_the_end() -> None:
    fills = [fill("BUY", 1, 100, day(6))]
    metrics = compute_metrics(daily_result([100.0] * 10, fills=fills))
    assert metrics["exposure"] == pytest.approx(0.4)
    assert metrics["open_trade_count"] == 1


def test_turnover_and_fees() -> None:
    fills = [
        fill("BUY", 2, 100, day(1), fee="0.2"),
        fill("SELL", 2, 110, day(3), fee="0.002", fee_currency="BTC"),  # 0.22 USDT
    ]
    equity = [1000.0, 1010.0, 1020.0, 1030.0]
    metrics = compute_metrics(daily_result(equity, starting_equity=1000.0, fills=fills))
    assert metrics["fees"] == pytest.approx(0.42)
    assert metrics["turnover"] == pytest.approx((200 + 220) / statistics.mean(equity))
    assert metrics["fill_count"] == 2


def test_metrics_come_in_definition_order() -> None:
    metrics = compute_metrics(daily_result([110, 120, 90, 100, 130]))
    order = [metric.key for metric in METRICS]
    assert list(metrics) == [key for key in order if key in metrics]


@pytest.mark.parametrize(
    ("equity", "message"),
    [([100.0], "at least 2 points"), ([100.0, float("nan"), 100.0], "not finite at index 1")],
)
def test_malformed_equity_is_refused(equity: list[float], message: str) -> None:
    with pytest.raises(DataError, match=message):
        compute_metrics(daily_result(equity))


def test_unordered_timestamps_are_refused() -> None:
    result = daily_result([100.0, 101.0, 102.0])
    result.equity_ts = result.equity_ts[[0, 2, 1]]
    with pytest.raises(DataError, match="not increasing at index 2"):
        compute_metrics(result)


def test_instrument_in_another_currency_is_refused() -> None:
    eth_btc = InstrumentId("ETH/BTC.BINANCE")
    fills = [fill("BUY", 1, "0.05", day(1), fee_currency="BTC", instrument=eth_btc)]
    with pytest.raises(DataError, match="settles in BTC"):
        compute_metrics(daily_result([100.0, 100.0], fills=fills))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=1.0, max_value=1e6), min_size=2, max_size=60))
def test_max_drawdown_matches_brute_force(equity: list[float]) -> None:
    metrics = compute_metrics(daily_result(equity, starting_equity=equity[0]))
    values = [equity[0], *equity]
    expected = max(
        (1 - values[j] / values[i] for i in range(len(values)) for j in range(i, len(values))),
        default=0.0,
    )
    assert metrics["max_drawdown"] == pytest.approx(expected, abs=1e-12)
    assert 0.0 <= metrics["max_drawdown"] < 1.0
    assert metrics["longest_drawdown_days"] >= metrics["max_drawdown_duration_days"] - 1e-9


def test_equity_at_or_below_zero_leaves_return_statistics_undefined() -> None:
    metrics = compute_metrics(daily_result([50.0, -20.0, 10.0], starting_equity=100.0))
    assert metrics["ruin_ts"] == day(2)
    assert metrics["total_return"] == pytest.approx(-0.9)
    assert metrics["cagr"] == pytest.approx((0.1) ** (365 / 3) - 1)
    assert all(math.isnan(metrics[key]) for key in ("volatility", "sharpe", "sortino", "calmar"))
    assert metrics["max_drawdown"] == pytest.approx(1.2)  # lost more than the peak equity
    assert "ruin_ts" not in compute_metrics(daily_result([50.0, 10.0]))
    assert math.isnan(compute_metrics(daily_result([-50.0, -10.0]))["turnover"])

"""VaR/CVaR, GARCH, correlation, liquidation and stress tests against closed forms and real data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from arch import arch_model
from hypothesis import given
from hypothesis import strategies as st

from colin.risk.analytics import correlation, garch, liquidation, stress, var

DATA = Path(__file__).parent.parent / "data" / "risk"


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    return pd.read_csv(DATA / "daily_closes.csv", index_col="date")


@pytest.fixture(scope="module")
def daily(closes: pd.DataFrame) -> pd.DataFrame:
    return closes.pct_change().dropna()


@pytest.fixture(scope="module")
def hourly() -> np.ndarray:
    bars = pd.read_csv(DATA / "btc_usdt_1h_crises.csv.gz")
    return np.log(bars["close"]).diff().dropna().to_numpy()


# -- VaR / CVaR ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "expected_var", "expected_cvar"),
    [(0.95, 1.6448536, 2.0627128), (0.99, 2.3263479, 2.6652142)],
)
def test_normal_var_matches_the_closed_form(
    level: float, expected_var: float, expected_cvar: float
) -> None:
    result = var.normal(level=level, mean=0.0, std=1.0)
    assert result.var == pytest.approx(expected_var, rel=1e-6)
    assert result.cvar == pytest.approx(expected_cvar, rel=1e-6)
    scaled = var.normal(level=level, mean=0.001, std=0.02, horizon=4)
    assert scaled.var == pytest.approx(-(0.004 - 0.04 * expected_var), rel=1e-6)


@pytest.mark.parametrize("level", [0.95, 0.99])
def test_every_method_agrees_with_the_closed_form_on_normal_returns(level: float) -> None:
    rng = np.random.default_rng(42)
    returns = rng.normal(0.0005, 0.02, 400_000)
    exact = var.normal(level=level, mean=0.0005, std=0.02)
    for result in (
        var.historical(returns, level),
        var.normal(returns, level),
        var.cornish_fisher(returns, level),
        var.monte_carlo(returns, level=level, simulations=400_000),
    ):
        assert result.var == pytest.approx(exact.var, rel=0.02), result
        assert result.cvar == pytest.approx(exact.cvar, rel=0.02), result


def test_monte_carlo_portfolio_matches_the_two_asset_closed_form() -> None:
    rng = np.random.default_rng(7)
    cov = np.array([[0.03**2, 0.6 * 0.03 * 0.04], [0.6 * 0.03 * 0.04, 0.04**2]])
    returns = rng.multivariate_normal([0.0, 0.0], cov, size=300_000)
    weights = np.array([0.7, -0.3])
    sigma = math.sqrt(weights @ cov @ weights)
    result = var.monte_carlo(returns, weights, level=0.99, simulations=300_000)
    assert result.var == pytest.approx(2.3263479 * sigma, rel=0.02)


def test_reference_values_on_real_btc_daily_returns(daily: pd.DataFrame) -> None:
    btc = daily["BTC"].to_numpy()
    # independent computation of the empirical quantile and tail mean
    cutoff = daily["BTC"].quantile(0.05)
    assert var.historical(btc, 0.95).var == pytest.approx(-cutoff, rel=1e-12)
    assert var.historical(btc, 0.95).cvar == pytest.approx(
        -daily["BTC"][daily["BTC"] <= cutoff].mean()
    )
    # reference values for Binance BTC/USDT, 2019-2023 daily closes
    assert var.historical(btc, 0.95).var == pytest.approx(0.052332, abs=1e-6)
    assert var.historical(btc, 0.99).var == pytest.approx(0.096503, abs=1e-6)
    assert var.normal(btc, 0.99).var == pytest.approx(0.080698, abs=1e-6)
    # fat tails: at 99% the normal model understates both empirical and Cornish-Fisher VaR
    assert var.historical(btc, 0.99).var > var.normal(btc, 0.99).var
    assert var.cornish_fisher(btc, 0.99).var > var.normal(btc, 0.99).var
    # a week is riskier than a day, less than 7 days' worth
    weekly = var.historical(btc, 0.95, horizon=7).var
    assert var.historical(btc, 0.95).var < weekly < 7 * var.historical(btc, 0.95).var


def test_intraday_var_is_smaller_than_daily(hourly: np.ndarray, daily: pd.DataFrame) -> None:
    intraday = var.historical(hourly, 0.99)
    assert 0.0 < intraday.var < var.historical(daily["BTC"].to_numpy(), 0.99).var


def test_incremental_var_of_a_proposed_order(daily: pd.DataFrame) -> None:
    returns = daily[["BTC", "ETH"]].to_numpy()
    weights = [0.5, 0.0]
    assert var.incremental_var(returns, weights, [0.2, 0.0]) > 0  # more BTC: more risk
    assert var.incremental_var(returns, weights, [0.0, -0.3]) < 0  # short ETH hedges BTC
    table = var.var_table(returns, weights)
    assert {(r.method, r.level) for r in table} == {
        (m, lvl) for m in var.METHODS for lvl in (0.95, 0.99)
    }


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: var.historical([0.1, float("nan"), 0.2]), "1 non-finite values"),
        (lambda: var.historical([0.1, 0.2], level=1.5), "confidence level"),
        (lambda: var.normal(level=0.95), "give either returns"),
        (lambda: var.monte_carlo(np.zeros((10, 2)), [1.0]), "weights must be 2"),
        (lambda: var.var_of("magic", np.zeros((10, 1)), [1.0]), "unknown VaR method"),  # type: ignore[arg-type]
    ],
)
def test_bad_inputs_are_refused_with_a_reason(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        call()


# -- GARCH -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "vol", "o"),
    [("GARCH", "GARCH", 0), ("EGARCH", "EGARCH", 1), ("GJR-GARCH", "GARCH", 1)],
)
def test_garch_parameters_match_the_arch_fit(
    daily: pd.DataFrame, model: str, vol: str, o: int
) -> None:
    btc = daily["BTC"].to_numpy()
    ours = garch.fit(btc, model)  # type: ignore[arg-type]
    reference = arch_model(btc * 100, mean="Constant", vol=vol, p=1, o=o, q=1).fit(disp="off")
    for name, value in reference.params.items():
        assert ours.params[name] == pytest.approx(value, rel=1e-6)
    assert ours.log_likelihood == pytest.approx(reference.loglikelihood)
    expected = math.sqrt(reference.forecast(horizon=1, reindex=False).variance.iloc[-1, 0]) / 100
    assert ours.forecast_volatility[0] == pytest.approx(expected, rel=1e-6)
    assert 0.0 < ours.persistence < 1.0
    assert 0.2 < ours.annualised_volatility < 2.0


def test_gjr_finds_the_leverage_effect_and_forecasts_a_horizon(hourly: np.ndarray) -> None:
    result = garch.fit(hourly, "GJR-GARCH", horizon=24, periods_per_year=24 * 365)
    assert len(result.forecast_volatility) == 24
    assert all(v > 0 for v in result.forecast_volatility)
    with pytest.raises(ValueError, match="at least 100 returns"):
        garch.fit(hourly[:50])


# -- correlation and concentration -------------------------------------------------------------


def test_correlation_matrix_and_concentration(daily: pd.DataFrame) -> None:
    matrix = correlation.correlation_matrix(daily)
    assert matrix.loc["BTC", "BTC"] == 1.0
    assert matrix.loc["BTC", "ETH"] == pytest.approx(np.corrcoef(daily["BTC"], daily["ETH"])[0, 1])
    assert 0.7 < matrix.loc["BTC", "ETH"] < 0.95
    assert correlation.herfindahl({"BTC": 50, "ETH": -50}) == 0.5
    assert correlation.herfindahl({"BTC": 10}) == 1.0
    assert correlation.effective_assets({"A": 1, "B": 1, "C": 1, "D": 1}) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="constant"):
        correlation.correlation_matrix(pd.DataFrame({"A": [1.0, 1.0, 1.0], "B": [1.0, 2.0, 3.0]}))


# -- liquidation -------------------------------------------------------------------------------


def test_liquidation_price_on_hand_computed_cases() -> None:
    margin = liquidation.isolated_margin(1.0, 50_000, 10)
    assert liquidation.liquidation_price(1.0, 50_000, margin, 0.005) == pytest.approx(
        45_000 / 0.995
    )
    assert liquidation.liquidation_price(-1.0, 50_000, margin, 0.005) == pytest.approx(
        55_000 / 1.005
    )
    result = liquidation.liquidation(1.0, 50_000, 48_000, margin, 0.005)
    assert result.distance == pytest.approx((48_000 - 45_000 / 0.995) / 48_000)
    assert liquidation.liquidation_price(1.0, 50_000, 60_000, 0.005) == 0.0  # over-collateralised
    with pytest.raises(ValueError, match="flat position"):
        liquidation.liquidation_price(0.0, 50_000, 100, 0.005)


@given(
    quantity=st.floats(0.001, 1_000).flatmap(lambda q: st.sampled_from([q, -q])),
    entry=st.floats(1, 100_000),
    leverage=st.floats(1, 125),
    rate=st.floats(0, 0.05),
)
def test_at_the_liquidation_price_equity_equals_maintenance_margin(
    quantity: float, entry: float, leverage: float, rate: float
) -> None:
    margin = liquidation.isolated_margin(quantity, entry, leverage)
    price = liquidation.liquidation_price(quantity, entry, margin, rate)
    if price == 0.0:
        return
    equity = margin + quantity * (price - entry)
    assert equity == pytest.approx(
        rate * abs(quantity) * price, rel=1e-6, abs=1e-6 * entry * abs(quantity)
    )


# -- stress --------------------------------------------------------------------------------------


def test_historical_crisis_replays_on_real_closes(closes: pd.DataFrame) -> None:
    exposures = {"BTC": 100_000.0, "ETH": 50_000.0, "SOL": 20_000.0}
    results = {r.scenario: r for r in stress.historical_scenarios(exposures, closes)}
    assert set(results) == set(stress.CRISES)
    covid = results["covid-crash-2020-03-12"]
    btc_move = closes.loc["2020-03-16", "BTC"] / closes.loc["2020-03-07", "BTC"] - 1
    assert covid.by_asset["BTC"] == pytest.approx(100_000 * btc_move)
    assert covid.by_asset["SOL"] == pytest.approx(20_000 * btc_move * stress.DEFAULT_ALT_BETA)
    assert covid.pnl < -50_000  # BTC fell about 40% that week
    assert all(r.worst_pnl <= min(r.pnl, 0.0) for r in results.values())
    ftx = results["ftx-collapse-2022-11"]
    assert ftx.pnl < 0


def test_hypothetical_shocks(closes: pd.DataFrame, daily: pd.DataFrame) -> None:
    exposures = {"BTC": 100_000.0, "ETH": -40_000.0, "DOGE": 10_000.0}
    betas = stress.betas(closes)
    assert betas["BTC"] == pytest.approx(1.0)
    shock = stress.benchmark_shock(exposures, -0.30, betas)
    expected = -30_000 + 40_000 * 0.30 * betas["ETH"] - 10_000 * 0.30 * stress.DEFAULT_ALT_BETA
    assert shock.pnl == pytest.approx(expected)
    vols = daily.std().to_dict() | {"DOGE": 0.06}
    one = stress.correlation_one(exposures, vols)
    moves = 100_000 * vols["BTC"] - 40_000 * vols["ETH"] + 10_000 * 0.06
    assert one.pnl == pytest.approx(-2.326 * abs(moves))
    cost = stress.liquidity_haircut(exposures)
    assert cost.pnl == pytest.approx(-(100_000 * 0.005 + 40_000 * 0.0075 + 10_000 * 0.02))
    with pytest.raises(ValueError, match="no volatility for DOGE"):
        stress.correlation_one(exposures, daily.std().to_dict())

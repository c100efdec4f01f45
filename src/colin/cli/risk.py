"""``colin risk``: portfolio risk reports and what-if checks of hypothetical orders
(``colin risk check``, in :mod:`colin.cli.risk_check`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from colin.cli.errors import user_error
from colin.cli.risk_check import check
from colin.core.errors import ColinError
from colin.core.time import ns_to_iso
from colin.persistence.sql import DATABASE_URL_ENV, RunRepository, create_store
from colin.risk.analytics import correlation, garch, stress, var

app = typer.Typer(help="Risk reports and pre-trade what-if checks.", no_args_is_help=True)
app.command("check")(check)
console = Console()


def read_closes(path: Path) -> pd.DataFrame:
    """Read closes: a ``date``/``ts`` column (or index) and one numeric column per asset."""
    if not path.exists():
        raise user_error(f"{path}: no such file")
    suffix = "".join(path.suffixes)
    if suffix.endswith((".parquet",)):
        frame = pd.read_parquet(path)
    elif suffix.endswith(".feather"):
        frame = pd.read_feather(path)
    else:
        frame = pd.read_csv(path)
    index = next((c for c in ("date", "ts", "timestamp", "open_time") if c in frame.columns), None)
    if index is None:
        raise user_error(f"{path}: needs a date, ts, timestamp or open_time column")
    frame = frame.set_index(index)
    bad = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise user_error(f"{path}: columns {', '.join(bad)} are not numeric closes")
    if (frame <= 0).any().any():
        column = str(frame.columns[(frame <= 0).any()][0])
        raise user_error(f"{path}: column {column} has non-positive closes")
    return frame.sort_index()


def parse_exposures(values: list[str]) -> dict[str, float]:
    """Parse ``ASSET=NOTIONAL`` pairs (signed, in the quote currency)."""
    exposures: dict[str, float] = {}
    for item in values:
        asset, sep, raw = item.partition("=")
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not sep or not asset or not np.isfinite(value):
            raise typer.BadParameter(
                f"expected ASSET=NOTIONAL, got {item!r}", param_hint="--position"
            )
        exposures[asset.strip()] = value
    return exposures


@app.command("report")
def report(
    closes: Annotated[
        Path | None,
        typer.Option(help="Closes file (CSV/Parquet/Feather): date + one column per asset."),
    ] = None,
    position: Annotated[
        list[str] | None, typer.Option(help="ASSET=NOTIONAL, signed (repeat).")
    ] = None,
    run: Annotated[
        str | None, typer.Option(help="A stored backtest run id instead of a portfolio.")
    ] = None,
    db: Annotated[
        str | None, typer.Option(envvar=DATABASE_URL_ENV, help="SQL store URL for --run.")
    ] = None,
    horizon: Annotated[int, typer.Option(min=1, help="VaR horizon in periods of the data.")] = 1,
    periods_per_year: Annotated[
        int, typer.Option(min=1, help="Periods per year, to annualise.")
    ] = 365,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """VaR/CVaR, GARCH, correlation, concentration and stress tests of a portfolio or a run."""
    if run is not None:
        payload = _run_payload(run, db, horizon, periods_per_year)
    elif closes is not None and position:
        payload = _portfolio_payload(
            read_closes(closes), parse_exposures(position), horizon, periods_per_year
        )
    else:
        raise user_error("give --closes with --position (a portfolio), or --run (a backtest run)")
    if as_json:
        console.print_json(json.dumps(payload, default=str))
        return
    _print_report(payload)


def _portfolio_payload(
    prices: pd.DataFrame, exposures: dict[str, float], horizon: int, periods_per_year: int
) -> dict[str, Any]:
    known = [a for a in exposures if a in prices.columns]
    if not known:
        raise user_error(f"none of {', '.join(exposures)} is a column of the closes")
    returns = prices[known].pct_change().dropna()
    gross = sum(abs(v) for v in exposures.values())
    weights = np.array([exposures[a] / gross for a in known])
    series = returns.to_numpy() @ weights
    shocks = [
        *stress.historical_scenarios(exposures, prices),
        stress.liquidity_haircut(exposures),
    ]
    if "BTC" in prices.columns:
        shocks.append(stress.benchmark_shock(exposures, -0.30, stress.betas(prices)))
    if len(known) == len(exposures):
        volatilities = {str(asset): float(vol) for asset, vol in returns.std().items()}
        shocks.append(stress.correlation_one(exposures, volatilities))
    return {
        "title": f"portfolio, gross {gross:,.2f}, {len(returns)} return periods",
        "missing": [a for a in exposures if a not in known],
        "var": _var_rows(var.var_table(returns.to_numpy(), weights, horizon=horizon), gross),
        "garch": _garch_rows(series, periods_per_year),
        "correlation": correlation.correlation_matrix(returns).round(4).to_dict()
        if len(known) > 1
        else {},
        "hhi": correlation.herfindahl(exposures),
        "stress": [
            {"scenario": s.scenario, "pnl": s.pnl, "worst_pnl": s.worst_pnl} for s in shocks
        ],
    }


def _run_payload(
    run_id: str, db: str | None, horizon: int, periods_per_year: int
) -> dict[str, Any]:
    try:
        with create_store(db) as store:
            stored = RunRepository(store).get(run_id)
    except ColinError as exc:
        raise user_error(str(exc)) from exc
    equity = np.asarray(stored.equity, dtype=np.float64)
    if equity.size < 3:
        raise user_error(f"run {run_id} has too short an equity curve ({equity.size} points)")
    returns = np.diff(equity) / equity[:-1]
    final = float(equity[-1])
    table = (
        [var.historical(returns, level, horizon) for level in (0.95, 0.99)]
        + [var.normal(returns, level, horizon) for level in (0.95, 0.99)]
        + [var.cornish_fisher(returns, level, horizon) for level in (0.95, 0.99)]
    )
    return {
        "title": (
            f"run {run_id} ({stored.strategy}), final equity {final:,.2f}, {returns.size} periods"
        ),
        "missing": [],
        "var": _var_rows(table, final),
        "garch": _garch_rows(returns, periods_per_year) if returns.size >= 100 else [],
        "correlation": {},
        "hhi": None,
        "stress": [],
        "denied": [
            {"ts": ns_to_iso(d.ts_event), "order": d.client_order_id, "reason": d.reason}
            for d in stored.denied
        ],
        "risk_events": [
            {"ts": ns_to_iso(int(e["ts"])), "kind": e["kind"], "detail": e["detail"]}
            for e in stored.risk_events
        ],
    }


def _var_rows(results: list[var.VarResult], scale: float) -> list[dict[str, Any]]:
    return [
        {
            "method": r.method,
            "level": r.level,
            "horizon": r.horizon,
            "var": r.var * scale,
            "cvar": r.cvar * scale,
        }
        for r in results
    ]


def _garch_rows(returns: np.ndarray, periods_per_year: int) -> list[dict[str, Any]]:
    rows = []
    for model in garch.MODELS:
        fitted = garch.fit(returns, model, periods_per_year=periods_per_year)
        rows.append(
            {
                "model": model,
                "params": fitted.params,
                "annualised_volatility": fitted.annualised_volatility,
                "persistence": fitted.persistence,
                "converged": fitted.converged,
            }
        )
    return rows


def _print_report(payload: dict[str, Any]) -> None:
    console.print(f"[bold]{payload['title']}[/]", highlight=False)
    for asset in payload["missing"]:
        console.print(
            f"[yellow]{asset}: no closes; left out of VaR and GARCH, beta-mapped in stress[/]"
        )
    table = Table("method", "level", "horizon", "VaR", "CVaR", title="Value at Risk (loss)")
    for row in payload["var"]:
        table.add_row(
            row["method"],
            f"{row['level']:.0%}",
            str(row["horizon"]),
            f"{row['var']:,.2f}",
            f"{row['cvar']:,.2f}",
        )
    console.print(table)
    if payload["garch"]:
        table = Table("model", "annualised vol", "persistence", title="GARCH volatility forecast")
        for row in payload["garch"]:
            table.add_row(
                row["model"], f"{row['annualised_volatility']:.1%}", f"{row['persistence']:.3f}"
            )
        console.print(table)
    if payload["correlation"]:
        assets = list(payload["correlation"])
        table = Table("", *assets, title="Correlation")
        for asset in assets:
            table.add_row(
                asset, *(f"{payload['correlation'][other][asset]:.2f}" for other in assets)
            )
        console.print(table)
    if payload["hhi"] is not None:
        console.print(f"concentration (HHI) {payload['hhi']:.3f}", highlight=False)
    if payload["stress"]:
        table = Table("scenario", "PnL", "worst PnL", title="Stress tests")
        for row in payload["stress"]:
            table.add_row(row["scenario"], f"{row['pnl']:,.2f}", f"{row['worst_pnl']:,.2f}")
        console.print(table)
    for key, title in (
        ("denied", "Denied orders"),
        ("risk_events", "Breaker trips and state changes"),
    ):
        rows = payload.get(key)
        if rows:
            table = Table(*rows[0].keys(), title=f"{title} ({len(rows)})")
            for row in rows[:50]:
                table.add_row(*(str(v) for v in row.values()))
            console.print(table)

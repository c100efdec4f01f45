"""``colin runs``: list, show and delete backtest runs kept in the SQL store."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.json import JSON
from rich.table import Table

from colin.backtest.metrics_table import metrics_table
from colin.core.errors import ColinError
from colin.core.time import ns_to_iso
from colin.persistence.sql import (
    DATABASE_URL_ENV,
    RunRepository,
    RunSummary,
    SqlStore,
    StoredRun,
    create_store,
)

app = typer.Typer(help="Backtest runs kept in the SQL store.", no_args_is_help=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=DATABASE_URL_ENV,
        help="SQLAlchemy database URL (default: sqlite:///./colin-data/colin.db).",
        show_default=False,
    ),
]


@contextmanager
def _open(db: str | None) -> Iterator[SqlStore]:
    try:
        with create_store(db) as store:
            yield store
    except ColinError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(code=2) from exc


@app.command("list")
def list_runs(
    db: DbOption = None,
    limit: Annotated[int, typer.Option(min=1, help="How many runs, newest first.")] = 20,
) -> None:
    """List stored runs: strategy, symbols, period, return, Sharpe, max drawdown, trades."""
    console = Console()
    with _open(db) as store:
        summaries = RunRepository(store).list(limit=limit)
        if not summaries:
            console.print(f"no runs stored in {store.url}", highlight=False)
            return
    console.print(runs_table(summaries))


@app.command("show")
def show_run(
    run_id: Annotated[str, typer.Argument(help="The run id (see `colin runs list`).")],
    db: DbOption = None,
    fills: Annotated[int, typer.Option(min=0, help="How many of the last fills to show.")] = 10,
) -> None:
    """Show one run: its config, metrics, final positions and last fills."""
    console = Console()
    with _open(db) as store:
        run = RunRepository(store).get(run_id)
    console.print(f"[bold]run {run.run_id}[/]  {run.strategy}  {', '.join(run.symbols)}")
    console.print(
        _period(
            run.equity_ts[0] if len(run.equity_ts) else None,
            run.equity_ts[-1] if len(run.equity_ts) else None,
        ),
        highlight=False,
    )
    console.print(JSON(json.dumps(run.config, sort_keys=True)))
    console.print(
        metrics_table(run.metrics, run.base_currency, keys=None, title="Metrics")
        if run.metrics
        else "no metrics stored"
    )
    console.print(positions_table(run))
    console.print(fills_table(run, fills))


@app.command("delete")
def delete_run(
    run_id: Annotated[str, typer.Argument(help="The run id to delete.")],
    db: DbOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a run with its orders, fills, positions and equity curve."""
    if not yes:
        typer.confirm(f"delete run {run_id}?", abort=True)
    with _open(db) as store:
        RunRepository(store).delete(run_id)
    Console().print(f"deleted run {run_id}", highlight=False)


def runs_table(summaries: list[RunSummary]) -> Table:
    """Build the table of ``colin runs list``."""
    table = Table(title="Backtest runs", header_style="bold")
    for name in ("Run", "Strategy", "Symbols", "Period"):
        table.add_column(name)
    for name in ("Return", "Sharpe", "Max DD", "Trades"):
        table.add_column(name, justify="right")
    table.add_column("Created")
    for run in summaries:
        table.add_row(
            run.run_id,
            run.strategy or "-",
            ", ".join(run.symbols) or "-",
            _period(run.start_ns, run.end_ns),
            _number(run.total_return, "{:+.2%}"),
            _number(run.sharpe, "{:.2f}"),
            _number(run.max_drawdown, "{:.2%}"),
            str(run.trade_count) if run.trade_count is not None else str(run.fill_count) + " fills",
            ns_to_iso(run.created_at_ns)[:19].replace("T", " "),
        )
    return table


def positions_table(run: StoredRun) -> Table:
    """Build the table of a run's final positions."""
    table = Table(title="Final positions", header_style="bold")
    table.add_column("Instrument")
    for name in ("Quantity", "Avg entry", "Realised PnL", "Fees", "Fills"):
        table.add_column(name, justify="right")
    for position in run.positions:
        realized = position.realized_pnl
        table.add_row(
            position.instrument_id,
            str(position.quantity),
            str(position.avg_entry_price),
            "unknown" if realized is None else str(realized),
            str(position.commissions),
            str(position.trade_count),
        )
    return table


def fills_table(run: StoredRun, last: int) -> Table:
    """Build the table of a run's last ``last`` fills."""
    shown = run.fills[-last:] if last else []
    table = Table(title=f"Last {len(shown)} of {len(run.fills)} fills", header_style="bold")
    for name in ("Time", "Order", "Instrument", "Side"):
        table.add_column(name)
    for name in ("Quantity", "Price", "Fee"):
        table.add_column(name, justify="right")
    for fill in shown:
        table.add_row(
            ns_to_iso(fill.ts_event),
            fill.client_order_id,
            fill.instrument_id,
            fill.side.value,
            str(fill.last_qty),
            str(fill.last_px),
            f"{fill.commission} {fill.commission_currency}",
        )
    return table


def _period(start_ns: int | None, end_ns: int | None) -> str:
    if start_ns is None or end_ns is None:
        return "-"
    return f"{ns_to_iso(int(start_ns))[:10]} → {ns_to_iso(int(end_ns))[:10]}"


def _number(value: float | None, template: str) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return template.format(value)

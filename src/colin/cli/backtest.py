"""``colin backtest``: run a strategy on recorded data and report it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from colin.backtest.metrics_table import metrics_table
from colin.backtest.report import write_html_report
from colin.backtest.result import BacktestResult
from colin.backtest.serialization import write_result_json
from colin.cli.errors import parse_assignments, user_errors
from colin.cli.run_options import (
    ConfigOption,
    EndOption,
    ParamsOption,
    StartOption,
    StrategyOption,
    SymbolsOption,
    TimeframeOption,
    run_overrides,
)
from colin.node.backtest import Catalog, run_backtest
from colin.node.config import ColinConfig, load_config
from colin.persistence.catalog import default_catalog
from colin.persistence.sql import RunRepository, create_store

console = Console()


def backtest(
    config_file: ConfigOption = None,
    strategy: StrategyOption = None,
    symbols: SymbolsOption = None,
    timeframe: TimeframeOption = None,
    start: StartOption = None,
    end: EndOption = None,
    params: ParamsOption = None,
    balance: Annotated[
        list[str] | None, typer.Option(help="Starting balance CURRENCY=AMOUNT; repeatable")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: runs/<run id>)")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not save the run")] = False,
) -> None:
    """Backtest a strategy on the catalog's bars (the bundled Binance sample by default).

    Prints the metrics, writes an HTML report and a JSON result, and stores the run in the SQL
    store (list them with `colin runs list`).
    """
    with user_errors():
        overrides = run_overrides(strategy, symbols, timeframe, start, end, params)
        if balance:
            overrides["backtest.starting_balances"] = parse_assignments(balance, "--balance")
        config = load_config(config_file, overrides=overrides)
        catalog = default_catalog(config.catalog)
        result = _run_with_progress(config, catalog)
        _publish(config, result, out)
        if not no_store:
            instruments = {i.id: i for i in map(catalog.instrument, config.backtest.instruments)}
            RunRepository(create_store(config.database_url)).save(result, instruments=instruments)
            console.print(
                f"stored as run [bold]{result.run_id}[/] (colin runs show {result.run_id})"
            )


def _run_with_progress(config: ColinConfig, catalog: Catalog) -> BacktestResult:
    run = config.backtest
    label = f"{run.strategy} {', '.join(run.instruments)} {run.timeframe}"
    with Progress(
        TextColumn("[bold]backtest[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return run_backtest(run, catalog, progress=advance)


def _publish(config: ColinConfig, result: BacktestResult, out: Path | None) -> None:
    folder = out or config.output_dir / result.run_id
    folder.mkdir(parents=True, exist_ok=True)
    report = write_html_report(result, folder / "report.html")
    result_json = write_result_json(result, folder / "result.json")
    console.print(
        metrics_table(
            result.metrics,
            result.base_currency,
            title=f"{result.config['strategy']} — run {result.run_id}",
        )
    )
    console.print(
        f"{result.events_processed:,} events, {len(result.fills)} fills, "
        f"{len(result.denied)} orders denied by risk"
    )
    console.print(f"report: [link=file://{report.resolve()}]{report}[/link]")
    console.print(f"result: {result_json}")

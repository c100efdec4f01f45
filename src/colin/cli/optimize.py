"""``colin optimize``: search strategy parameters with Optuna, walk-forward out of sample."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from colin.backtest.metrics import METRIC_BY_KEY
from colin.backtest.optimize.study import SamplerName, study_storage_url
from colin.cli.errors import user_errors
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
from colin.core.time import ns_to_iso
from colin.node.config import load_config
from colin.node.optimize import OptimizeRequest, run_optimization
from colin.node.optimize_report import OptimizationReport, WindowOutcome
from colin.persistence.catalog import default_catalog
from colin.persistence.sql import resolve_database_url

console = Console()


def optimize(
    config_file: ConfigOption = None,
    strategy: StrategyOption = None,
    symbols: SymbolsOption = None,
    timeframe: TimeframeOption = None,
    start: StartOption = None,
    end: EndOption = None,
    params: ParamsOption = None,
    space: Annotated[
        list[str] | None,
        typer.Option(
            "--space",
            help="Searched parameter: NAME, NAME=LOW:HIGH[:log] or NAME=A,B,...; repeatable "
            "(default: every numeric parameter bounded on both sides)",
        ),
    ] = None,
    objective: Annotated[
        str, typer.Option(help="Objectives to maximise: sharpe, sortino, calmar, return (a,b)")
    ] = "sharpe",
    max_drawdown: Annotated[
        float | None, typer.Option(help="Reject trials whose max drawdown exceeds this fraction")
    ] = None,
    sampler: Annotated[
        str | None,
        typer.Option(help="tpe or nsga2 (default: tpe for one objective, nsga2 for several)"),
    ] = None,
    trials: Annotated[int, typer.Option(min=1, help="Trials per study (per window)")] = 50,
    train: Annotated[
        str | None, typer.Option(help="Walk-forward training span: duration (90d) or bar count")
    ] = None,
    test: Annotated[
        str | None, typer.Option(help="Walk-forward test span: duration (30d) or bar count")
    ] = None,
    step: Annotated[
        str | None, typer.Option(help="Walk-forward step (default: the test span)")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes sharing each study through the storage")
    ] = 1,
    storage: Annotated[
        str | None,
        typer.Option(help="Optuna storage URL (default: beside the SQL store, see docs)"),
    ] = None,
    study_name: Annotated[
        str | None, typer.Option(help="Study name; reuse it to add trials or join workers")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Sampler seed")] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Best-parameter config file (default: <output_dir>/<study>.yaml)"),
    ] = None,
) -> None:
    """Optimise a strategy's parameters on the catalog's bars with Optuna.

    With --train/--test, every rolling window is optimised on its training span only and its
    best parameters are run on the test span that follows; the headline metrics are those of the
    stitched test spans (out of sample). The best parameters of the latest window are written to
    a config file that `colin backtest --config` runs.
    """
    with user_errors():
        overrides = run_overrides(strategy, symbols, timeframe, start, end, params)
        config = load_config(config_file, overrides=overrides)
        if sampler not in (None, "tpe", "nsga2"):
            raise typer.BadParameter("choose tpe or nsga2", param_hint="--sampler")
        name = study_name or (
            f"{config.backtest.strategy}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}"
        )
        request = OptimizeRequest(
            base=config.backtest,
            storage=storage or study_storage_url(resolve_database_url(config.database_url)),
            study_name=name,
            space=tuple(space or ()),
            objectives=objective,
            max_drawdown=max_drawdown,
            sampler=_sampler(sampler),
            trials=trials,
            train=train,
            test=test,
            step=step,
            workers=workers,
            seed=seed,
            catalog_path=config.catalog,
        )
        report = _run_with_progress(request, config.catalog)
        _print_report(report)
        if report.best_params is None:
            console.print("[bold red]no feasible trial[/]: no config file written")
            raise typer.Exit(code=1)
        path = out or config.output_dir / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        header = (
            f"# colin optimize: study {name}, objectives {objective}; "
            f"best parameters of the {'latest walk-forward window' if train else 'whole range'}\n"
        )
        path.write_text(header + yaml.safe_dump(report.best_config(), sort_keys=False))
        console.print(f"best parameters: {report.best_params} -> {path}")
        console.print(f"run them: colin backtest --config {path}")


def _sampler(value: str | None) -> SamplerName | None:
    if value == "tpe":
        return "tpe"
    if value == "nsga2":
        return "nsga2"
    return None


def _run_with_progress(request: OptimizeRequest, catalog_path: Path | None) -> OptimizationReport:
    with Progress(
        TextColumn("[bold]optimize[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        tasks: dict[str, Any] = {}

        def advance(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = progress.add_task(label, total=total)
            progress.update(tasks[label], completed=done, total=total)

        return run_optimization(request, default_catalog(catalog_path), progress=advance)


def _print_report(report: OptimizationReport) -> None:
    spec = report.request.spec
    walk_forward = report.out_of_sample is not None or report.request.train is not None
    table = Table(title=f"study {report.request.study_name}: {', '.join(spec.names)}")
    table.add_column("window")
    table.add_column("train")
    if walk_forward:
        table.add_column("test")
    table.add_column("trials (pruned)", justify="right")
    table.add_column("best parameters")
    for name in spec.names:
        table.add_column(f"train {name}", justify="right")
    if walk_forward:
        for label in ("test return", "test sharpe", "test max DD", "test trades"):
            table.add_column(label, justify="right")
    for outcome in report.windows:
        table.add_row(*_row(outcome, spec.metric_keys, walk_forward, report))
    console.print(table)
    if report.out_of_sample is None:
        console.print(
            "[yellow]in sample[/]: these metrics are on the data the parameters were chosen on; "
            "use --train/--test for an out-of-sample result"
        )
        return
    summary = Table(title="out of sample", caption="the test windows stitched end to end")
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    for key, value in report.out_of_sample.items():
        metric = METRIC_BY_KEY.get(key)
        label = metric.label if metric else key.replace("_", " ").capitalize()
        percent = metric is not None and metric.unit == "fraction"
        summary.add_row(label, _number(value, percent=percent))
    console.print(summary)


def _row(
    outcome: WindowOutcome,
    metric_keys: tuple[str, ...],
    walk_forward: bool,
    report: OptimizationReport,
) -> list[str]:
    window = outcome.window
    if window is None:
        base = report.request.base
        cells = ["all", f"{base.start or 'start'}..{base.end or 'end'}"]
    else:
        cells = [
            str(window.index),
            f"{_day(window.train_start)}..{_day(window.train_end)}",
            f"{_day(window.test_start)}..{_day(window.test_end)}",
        ]
    cells.append(f"{outcome.completed + outcome.pruned} ({outcome.pruned})")
    best = outcome.best_params
    cells.append("—" if best is None else ", ".join(f"{k}={_param(v)}" for k, v in best.items()))
    cells.extend(_number(outcome.train_metrics.get(key)) for key in metric_keys)
    if walk_forward:
        test = outcome.test_metrics or {}
        cells.extend(
            [
                _number(test.get("total_return"), percent=True),
                _number(test.get("sharpe")),
                _number(test.get("max_drawdown"), percent=True),
                _number(test.get("trade_count")),
            ]
        )
    return cells


def _day(ts: int) -> str:
    return ns_to_iso(ts)[:10]


def _param(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _number(value: float | None, percent: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int):
        return str(value)
    return f"{value:.2%}" if percent else f"{value:.3f}"

"""``colin report``: re-render the HTML report and metrics of a saved result or a stored run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from colin.backtest.metrics import compute_metrics
from colin.backtest.metrics_table import metrics_table
from colin.backtest.report import write_html_report
from colin.backtest.result import BacktestResult
from colin.backtest.serialization import read_result_json
from colin.core.errors import DataError, NotFoundError
from colin.persistence.sql import RunRepository, create_store

app = typer.Typer(help="Render reports of saved backtest results.", add_completion=False)


@app.command("report")
def report(
    source: Annotated[
        str,
        typer.Argument(
            metavar="RESULT.json|RUN_ID",
            help="A result written by `colin backtest` (JSON), or a run id (`colin runs list`).",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="HTML file to write (default: the JSON path with .html, or runs/RUN_ID/).",
        ),
    ] = None,
    trades: Annotated[
        int,
        typer.Option(min=1, help="First and last round trips listed in the trades table."),
    ] = 25,
    recompute: Annotated[
        bool,
        typer.Option(help="Recompute the metrics instead of using the ones stored in the file."),
    ] = False,
    db: Annotated[
        str | None, typer.Option(help="SQL store URL for run ids (default: $COLIN_DATABASE_URL)")
    ] = None,
) -> None:
    """Print the metrics of a saved result or a stored run and write its HTML report."""
    console = Console()
    path = Path(source)
    try:
        if path.is_file():
            result, default_out = read_result_json(path), path.with_suffix(".html")
        elif path.suffix == ".json" or not source.isalnum():
            raise typer.BadParameter(f"no such result file: {source}", param_hint="RESULT.json")
        else:
            result, default_out = _stored(source, db), Path("runs") / source / "report.html"
        if recompute or not result.metrics:
            result.metrics = compute_metrics(result)
        target = write_html_report(result, out or default_out, trades)
    except (DataError, NotFoundError) as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=1) from exc
    console.print(metrics_table(result.metrics, result.base_currency, title=result.run_id))
    console.print(f"report written to {target}", highlight=False)


def _stored(run_id: str, db: str | None) -> BacktestResult:
    with create_store(db) as store:
        stored = RunRepository(store).get(run_id)
    return BacktestResult(**stored.result_fields())

"""``colin report``: re-render the HTML report and the metrics table of a saved backtest result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from colin.backtest.metrics import compute_metrics
from colin.backtest.metrics_table import metrics_table
from colin.backtest.report import write_html_report
from colin.backtest.serialization import read_result_json
from colin.core.errors import DataError

app = typer.Typer(help="Render reports of saved backtest results.", add_completion=False)


@app.command("report")
def report(
    result_path: Annotated[
        Path,
        typer.Argument(
            metavar="RESULT.json",
            exists=True,
            dir_okay=False,
            readable=True,
            help="A result written by `colin backtest` (JSON).",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="HTML file to write (default: the JSON path with .html)."),
    ] = None,
    trades: Annotated[
        int,
        typer.Option(min=1, help="First and last round trips listed in the trades table."),
    ] = 25,
    recompute: Annotated[
        bool,
        typer.Option(help="Recompute the metrics instead of using the ones stored in the file."),
    ] = False,
) -> None:
    """Print the metrics of a saved result and write its HTML report."""
    console = Console()
    try:
        result = read_result_json(result_path)
        if recompute or not result.metrics:
            result.metrics = compute_metrics(result)
        target = write_html_report(result, out or result_path.with_suffix(".html"), trades)
    except DataError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=1) from exc
    console.print(metrics_table(result.metrics, result.base_currency, title=result.run_id))
    console.print(f"report written to {target}", highlight=False)

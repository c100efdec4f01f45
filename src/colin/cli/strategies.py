"""``colin strategies``: what strategies exist and what their parameters mean."""

from __future__ import annotations

import inspect
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from colin.cli.errors import user_errors
from colin.strategy.registry import STRATEGIES, strategy_class

app = typer.Typer(
    help="List the built-in strategies and show their parameters.", no_args_is_help=True
)
console = Console()


@app.command("list")
def list_strategies() -> None:
    """List every registered strategy with a one-line summary."""
    table = Table(title="Strategies")
    table.add_column("Name", style="bold")
    table.add_column("Summary")
    for name, cls in sorted(STRATEGIES.items()):
        table.add_row(name, (inspect.getdoc(cls) or "").splitlines()[0])
    console.print(table)


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="Strategy name")]) -> None:
    """Show a strategy's rules and its parameters (type, default, meaning)."""
    with user_errors():
        cls = strategy_class(name)
    console.print(f"[bold]{name}[/]\n{inspect.getdoc(cls) or ''}\n")
    table = Table(title="Parameters")
    for column in ("Name", "Type", "Default", "Meaning"):
        table.add_column(column)
    for row in cls.Params.describe():
        default = "(required)" if row["required"] else repr(row["default"])
        table.add_row(row["name"], row["type"], default, row["description"])
    console.print(table)

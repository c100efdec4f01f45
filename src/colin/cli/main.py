"""The ``colin`` command.

Each subcommand lives in its own module, imported only when that subcommand runs (or when help
lists it): ``colin signal`` does not pay for importing the backtester, the optimiser or plotly.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import typer
from typer.core import TyperGroup

# subcommand -> "module:attribute"; the attribute is a command function or a Typer sub-app
SUBCOMMANDS = {
    "backtest": "colin.cli.backtest:backtest",
    "report": "colin.cli.report:report",
    "strategies": "colin.cli.strategies:app",
    "runs": "colin.cli.runs:app",
    "data": "colin.cli.data:app",
    "features": "colin.cli.features:app",
    "risk": "colin.cli.risk:app",
    "signal": "colin.cli.signal:signal",
    "optimize": "colin.cli.optimize:optimize",
    "run": "colin.cli.run:run",
    "exchange-sim": "colin.cli.exchange_sim:exchange_sim",
}
_COMPLETION_OPTIONS = {"install_completion", "show_completion"}


class LazyGroup(TyperGroup):
    """A command group that imports a subcommand's module on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        """Every subcommand, in the order of :data:`SUBCOMMANDS`."""
        return list(SUBCOMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """Import and build the subcommand ``cmd_name`` (``None`` if there is no such one)."""
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attribute = target.partition(":")
        obj = getattr(import_module(module_name), attribute)
        if not isinstance(obj, typer.Typer):
            single = typer.Typer()
            single.command(cmd_name)(obj)
            obj = single
        command = typer.main.get_command(obj)
        command.name = cmd_name
        # shell completion is installed once, by ``colin --install-completion``
        command.params = [p for p in command.params if p.name not in _COMPLETION_OPTIONS]
        return command


app = typer.Typer(
    name="colin",
    cls=LazyGroup,
    help="Colin: backtest, paper-trade and trade crypto strategies on one code path.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def main() -> None:
    """Colin: backtest, paper-trade and trade crypto strategies on one code path."""


if __name__ == "__main__":
    app()

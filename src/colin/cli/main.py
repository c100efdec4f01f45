"""The ``colin`` command."""

from __future__ import annotations

import typer

from colin.cli import backtest as backtest_cli
from colin.cli import data as data_cli
from colin.cli import features as features_cli
from colin.cli import optimize as optimize_cli
from colin.cli import report as report_cli
from colin.cli import risk as risk_cli
from colin.cli import runs as runs_cli
from colin.cli import signal as signal_cli
from colin.cli import strategies as strategies_cli

app = typer.Typer(
    name="colin",
    help="Colin: backtest, paper-trade and trade crypto strategies on one code path.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command("backtest")(backtest_cli.backtest)
app.add_typer(strategies_cli.app, name="strategies")
app.command("report")(report_cli.report)
app.add_typer(runs_cli.app, name="runs")
app.add_typer(data_cli.app, name="data")
app.add_typer(features_cli.app, name="features")
app.add_typer(risk_cli.app, name="risk")
app.command("signal")(signal_cli.signal)
app.command("optimize")(optimize_cli.optimize)


if __name__ == "__main__":
    app()

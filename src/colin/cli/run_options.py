"""The options that choose what to run on, shared by ``colin backtest``, ``optimize``, ``run`` and
``data download``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from colin.cli.errors import parse_assignments

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML config file (see docs/config.md)")
]
StrategyOption = Annotated[
    str | None, typer.Option("--strategy", "-s", help="Strategy name (colin strategies list)")
]
SymbolsOption = Annotated[
    list[str] | None,
    typer.Option("--symbol", help="Instrument id SYMBOL.VENUE or symbol (BINANCE); repeatable"),
]
TimeframeOption = Annotated[str | None, typer.Option("--timeframe", "-t", help="Bar timeframe")]
StartOption = Annotated[str | None, typer.Option(help="First bar, ISO date (UTC)")]
EndOption = Annotated[str | None, typer.Option(help="End, ISO date (UTC), exclusive")]
CcxtConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--ccxt-config",
        envvar="COLIN_CCXT_CONFIG",
        help="ccxt config JSON, e.g. the one `colin exchange-sim --config-out` writes",
    ),
]
ParamsOption = Annotated[
    list[str] | None, typer.Option("--param", "-p", help="Strategy parameter KEY=VALUE")
]


def run_overrides(
    strategy: str | None,
    symbols: list[str] | None,
    timeframe: str | None,
    start: str | None,
    end: str | None,
    params: list[str] | None,
) -> dict[str, Any]:
    """The config overrides (dotted keys) of the given run options; unset options are left out."""
    overrides: dict[str, Any] = {}
    if strategy:
        overrides["backtest.strategy"] = strategy
    if symbols:
        overrides["backtest.instruments"] = [s if "." in s else f"{s}.BINANCE" for s in symbols]
    if timeframe:
        overrides["backtest.timeframe"] = timeframe
    if start:
        overrides["backtest.start"] = start
    if end:
        overrides["backtest.end"] = end
    if params:
        overrides["backtest.parameters"] = parse_assignments(params, "--param")
    return overrides

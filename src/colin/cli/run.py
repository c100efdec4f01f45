"""``colin run``: start a paper or live trading node from the config file.

Live mode refuses to start — one line on stderr, exit status 2 — without the confirmation flag,
without API keys in the environment, or with a risk config that is invalid or lacks the limits
live trading requires (see ``docs/live-trading.md``). Logs are JSON lines on stderr. SIGINT and
SIGTERM stop the node cleanly with exit status 0.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer

from colin.cli.run_options import CcxtConfigOption, ConfigOption
from colin.core.errors import ColinError
from colin.node.ccxt_config import load_ccxt_config, market_overrides
from colin.node.config import ColinConfig, load_config
from colin.node.event_loop import run_on_loop
from colin.node.launch import build_trading_node
from colin.node.logging import configure_json_logging
from colin.node.safety import CONFIRM_FLAG, live_refusal


class RunMode(StrEnum):
    """How orders are executed."""

    PAPER = "paper"
    LIVE = "live"


def run(
    config_file: ConfigOption = None,
    mode: Annotated[
        RunMode | None,
        typer.Option("--mode", case_sensitive=False, help="paper (simulated fills) or live"),
    ] = None,
    confirm_live: Annotated[
        bool, typer.Option(CONFIRM_FLAG, help="Required to trade live with real money")
    ] = False,
    testnet: Annotated[
        bool, typer.Option("--testnet", help="Use the exchange's testnet (ccxt sandbox)")
    ] = False,
    ccxt_config: CcxtConfigOption = None,
) -> None:
    """Run a trading node (paper or live) until SIGINT/SIGTERM or the end of its feed.

    Everything else comes from the `trading:` section of the config file and `COLIN_*`
    variables; live API keys come only from the environment (see docs/live-trading.md).
    """
    overrides: dict[str, Any] = {}
    if mode is not None:
        overrides["trading.mode"] = mode.value
    if testnet:
        overrides["trading.testnet"] = True
    try:
        config = load_config(config_file, overrides=overrides)
        if ccxt_config is not None:
            config = _with_ccxt_config(config, load_ccxt_config(ccxt_config))
    except ColinError as exc:
        _refuse(_one_line(str(exc)))
    trading = config.trading
    if trading.mode == "live":
        refusal = live_refusal(trading, os.environ, confirm_live)
        if refusal is not None:
            _refuse(f"refusing to start live trading: {refusal}")
    configure_json_logging(trading.log_level)
    try:
        code = run_on_loop(lambda: _run_node(config), trading.event_loop)
    except ColinError as exc:
        _refuse(_one_line(str(exc)))
    raise typer.Exit(code=code)


async def _run_node(config: ColinConfig) -> int:
    node = await build_trading_node(config, os.environ)
    return await node.run()


def _with_ccxt_config(config: ColinConfig, ccxt_config: dict[str, Any]) -> ColinConfig:
    """``config`` with the ccxt config file's entry for its market type merged into
    ``trading.ccxt_overrides`` (the file wins)."""
    trading = config.trading
    extra = market_overrides(ccxt_config, trading.market_type) or {}
    merged = {**trading.ccxt_overrides, **extra}
    return config.model_copy(
        update={"trading": trading.model_copy(update={"ccxt_overrides": merged})}
    )


def _one_line(message: str) -> str:
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


def _refuse(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)

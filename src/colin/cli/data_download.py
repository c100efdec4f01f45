"""``colin data download``: bars, trades or funding rates from an exchange into the catalog."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Annotated

import typer
from rich.progress import TaskID
from rich.table import Table

from colin.cli.data_options import CatalogOption, console, option_time, progress_display
from colin.cli.errors import user_errors
from colin.cli.run_options import CcxtConfigOption
from colin.core.ids import InstrumentId
from colin.core.time import ns_to_iso, timeframe_to_ns
from colin.node.ccxt_config import load_ccxt_config
from colin.persistence.catalog import default_catalog


class DownloadKindChoice(StrEnum):
    """What ``colin data download`` fetches."""

    OHLCV = "ohlcv"
    TRADES = "trades"
    FUNDING = "funding"
    OPEN_INTEREST = "open_interest"


def download_command(
    symbols: Annotated[
        str,
        typer.Option(
            "--symbols",
            "-s",
            help="Comma-separated ccxt symbols: BTC/USDT (spot), BTC/USDT:USDT (USD-M perpetual)",
        ),
    ],
    since: Annotated[str, typer.Option(help="Start, ISO date/time UTC (inclusive)")],
    exchange: Annotated[
        str, typer.Option(help="binance, bybit, okx, deribit, kraken or hyperliquid")
    ] = "binance",
    timeframe: Annotated[
        str,
        typer.Option(
            "--timeframe", "-t", help="Bar timeframe; for open interest its period (5m or more)"
        ),
    ] = "1m",
    until: Annotated[
        str | None, typer.Option(help="End, ISO date/time UTC (exclusive; default: now)")
    ] = None,
    kind: Annotated[DownloadKindChoice, typer.Option(help="What to fetch")] = (
        DownloadKindChoice.OHLCV
    ),
    catalog_path: CatalogOption = None,
    ccxt_config: CcxtConfigOption = None,
    page_limit: Annotated[
        int | None, typer.Option("--page-limit", hidden=True, help="Rows per request")
    ] = None,
) -> None:
    """Download bars, trades, funding rates or open interest from an exchange into the catalog.

    Resumable: only what the catalog lacks in [--since, --until) is fetched, so an interrupted
    download continues where it stopped and holes in stored bars are repaired. Bars the venue
    itself lacks (outages) are reported as still missing.
    """
    from colin.node.download import DownloadRequest, download, parse_symbols  # noqa: PLC0415

    catalog = default_catalog(catalog_path).layers[0]
    with user_errors():
        request = DownloadRequest(
            exchange=exchange,
            symbols=parse_symbols(symbols),
            start_ns=_required_time(since, "--since"),
            end_ns=option_time(until, "--until"),
            kind=kind.value,
            timeframe=timeframe,
            ccxt_config=None if ccxt_config is None else load_ccxt_config(ccxt_config),
            page_limit=page_limit,
        )
        with progress_display() as progress:
            tasks: dict[InstrumentId, TaskID] = {}

            def show(instrument_id: InstrumentId, done: int, total: int) -> None:
                if instrument_id not in tasks:
                    tasks[instrument_id] = progress.add_task(f"{kind.value} {instrument_id}")
                progress.update(tasks[instrument_id], completed=done, total=max(total, 1))

            reports = asyncio.run(download(request, catalog, show))
    table = Table(title=f"downloaded into {catalog.root}")
    for column in ("instrument", "rows written", "requests", "still missing"):
        table.add_column(column, justify="left" if column == "instrument" else "right")
    for report in reports:
        missing = sum(end - start for start, end in report.missing)
        step = timeframe_to_ns(timeframe) if kind is DownloadKindChoice.OHLCV else 0
        gap = f"{missing // step:,} bars" if step and missing else "-"
        table.add_row(report.instrument_id, f"{report.rows_written:,}", f"{report.requests:,}", gap)
    console.print(table)
    for report in reports:
        for start, end in report.missing[:5]:
            console.print(
                f"[yellow]missing[/] {report.instrument_id}: {ns_to_iso(start)} .. "
                f"{ns_to_iso(end)} (the exchange has no bars there)"
            )


def _required_time(value: str, option: str) -> int:
    parsed = option_time(value, option)
    assert parsed is not None
    return parsed

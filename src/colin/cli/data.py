"""``colin data``: download, import, list, check and resample market data in the Parquet catalog."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, TaskID
from rich.table import Table

from colin.adapters.binance_capture import iter_capture
from colin.cli.data_download import download_command
from colin.cli.data_options import CatalogOption, console, option_time, progress_display
from colin.cli.errors import user_errors
from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.core.time import ns_to_iso
from colin.data.aggregation import PartialBars, resample_bars, trades_to_bars
from colin.data.quality import QualityReport, RepairPolicy, check_bars
from colin.model.enums import InstrumentKind
from colin.model.instrument import Instrument
from colin.persistence.catalog import DataKind, LayeredCatalog, default_catalog
from colin.persistence.importers import FileFormat, check_file, import_file

app = typer.Typer(
    help=(
        "Market data: download from an exchange or import files into the Parquet catalog, list "
        "what is stored, check bar quality and resample bars. The catalog is "
        "./colin-data/catalog (or $COLIN_CATALOG) layered over the sample data bundled with Colin."
    ),
    no_args_is_help=True,
)
app.command("download")(download_command)


@app.command("import")
def import_command(
    paths: Annotated[list[Path], typer.Argument(help="Files to import (format auto-detected)")],
    catalog_path: CatalogOption = None,
    instrument: Annotated[
        str | None,
        typer.Option(help="Instrument id SYMBOL.VENUE (inferred from freqtrade file names)"),
    ] = None,
    timeframe: Annotated[
        str | None, typer.Option("--timeframe", "-t", help="Bar timeframe (else inferred)")
    ] = None,
    venue: Annotated[str, typer.Option(help="Venue for inferred instrument ids")] = "BINANCE",
    on_bad: Annotated[
        RepairPolicy,
        typer.Option(
            "--on-bad",
            help="Bad rows: raise (stop with an error), drop (drop and log), "
            "fill (drop, then fill gaps with flagged zero-volume bars)",
        ),
    ] = RepairPolicy.RAISE,
    file_format: Annotated[
        FileFormat | None, typer.Option("--format", help="Skip format detection")
    ] = None,
    tick_size: Annotated[
        str | None, typer.Option(help="Store an instrument with this price tick (with --lot-size)")
    ] = None,
    lot_size: Annotated[str | None, typer.Option(help="Quantity step of the instrument")] = None,
    min_notional: Annotated[str, typer.Option(help="Minimum order value in quote")] = "0",
    fee: Annotated[str, typer.Option(help="Maker and taker fee as a fraction")] = "0.001",
) -> None:
    """Import candle, trade, funding or capture files into the catalog.

    Formats: freqtrade .feather/.json(.gz) candles and funding, CSV candle exports (incl.
    CryptoDataDownload), LEAN zips, Tardis trade CSVs, freqtrade trades parquet and raw Binance
    websocket captures (<local_ts> <JSON> per line).
    """
    catalog = default_catalog(catalog_path)
    imported: set[InstrumentId] = set()
    with user_errors(), progress_display() as progress:
        task = progress.add_task("importing", total=len(paths))
        for path in paths:
            progress.update(task, description=f"importing {path.name}")
            events_task = progress.add_task(f"  decoding {path.name}", total=None)
            result = import_file(
                catalog.layers[0],
                path,
                instrument_id=instrument,
                timeframe=timeframe,
                venue=venue,
                policy=on_bad,
                file_format=file_format,
                on_progress=partial(_show_count, progress, events_task),
                capture_reader=iter_capture,
            )
            progress.remove_task(events_task)
            for key, rows in result.written:
                progress.console.print(f"[green]stored[/] {rows:>9,} rows  {key.describe()}")
            for report in result.reports:
                for repair in report.repairs:
                    progress.console.print(f"[yellow]repaired[/] {path.name}: {repair}")
            progress.advance(task)
            imported.update(key.instrument_id for key, _ in result.written)
        _ensure_instruments(catalog, imported, tick_size, lot_size, min_notional, fee)
    console.print(f"catalog: {catalog.root}")


@app.command("list")
def list_command(
    catalog_path: CatalogOption = None,
    kind: Annotated[DataKind | None, typer.Option(help="Only this kind of dataset")] = None,
) -> None:
    """List the datasets in the catalog (yours first, then the bundled sample)."""
    catalog = default_catalog(catalog_path)
    with user_errors():
        infos = catalog.list_datasets(kind)
    table = Table(title=f"datasets in {catalog.root} (+ sample)")
    for column in ("kind", "instrument", "timeframe", "rows", "first", "last", "size", "source"):
        table.add_column(column, justify="right" if column in ("rows", "size") else "left")
    sample_root = catalog.layers[-1].root
    for info in infos:
        table.add_row(
            info.kind.value,
            info.instrument_id,
            info.timeframe or "-",
            f"{info.rows:,}",
            _iso(info.first_ts),
            _iso(info.last_ts),
            f"{info.size_bytes / 1e6:.2f} MB",
            "sample" if info.root == sample_root else "user",
        )
    console.print(table)


@app.command("check")
def check_command(
    instrument: Annotated[
        str | None, typer.Argument(help="Instrument id; all bar datasets when omitted")
    ] = None,
    timeframe: Annotated[str | None, typer.Option("--timeframe", "-t")] = None,
    files: Annotated[
        list[Path] | None,
        typer.Option("--file", help="Check candle files instead of the catalog; repeatable"),
    ] = None,
    catalog_path: CatalogOption = None,
) -> None:
    """Check bars for gaps, duplicates, order, OHLC errors and NaN; exit 1 on problems.

    Checks the catalog's bar datasets (all, or those of INSTRUMENT / --timeframe), or with
    --file candle files before importing them.
    """
    catalog = default_catalog(catalog_path)
    reports: list[QualityReport] = []
    if files:
        with user_errors():
            reports = [check_file(path, instrument, timeframe) for path in files]
        _print_reports(reports)
        return
    with user_errors():
        datasets = [
            info
            for info in catalog.list_datasets(DataKind.BARS)
            if (instrument is None or info.instrument_id == instrument)
            and (timeframe is None or info.timeframe == timeframe)
        ]
        if not datasets:
            raise DataError(f"no bars match instrument={instrument} timeframe={timeframe}")
        with progress_display() as progress:
            for info in progress.track(datasets, description="checking"):
                bar_timeframe = info.timeframe or ""
                bars = catalog.read_bars(info.instrument_id, bar_timeframe)
                name = f"{info.instrument_id} {bar_timeframe}"
                reports.append(check_bars(bars, bar_timeframe, name))
    _print_reports(reports)


def _print_reports(reports: list[QualityReport]) -> None:
    console.print(_report_table(reports))
    for report in reports:
        if not report.ok:
            console.print(report.describe(), highlight=False, markup=False)
    if any(not report.ok for report in reports):
        raise typer.Exit(code=1)


@app.command("resample")
def resample_command(
    instrument: Annotated[str, typer.Argument(help="Instrument id SYMBOL.VENUE")],
    source: Annotated[
        str, typer.Option("--from", help="Stored timeframe to aggregate, or 'trades'")
    ],
    target: Annotated[str, typer.Option("--to", help="New timeframe (a multiple of --from)")],
    start: Annotated[str | None, typer.Option(help="ISO date/time (UTC), inclusive")] = None,
    end: Annotated[str | None, typer.Option(help="ISO date/time (UTC), exclusive")] = None,
    keep_partial: Annotated[
        bool, typer.Option("--keep-partial", help="Keep incomplete first/last bars (flagged)")
    ] = False,
    catalog_path: CatalogOption = None,
) -> None:
    """Aggregate stored bars (or trades, with --from trades) into bars and store them.

    Bars are aligned to the UTC epoch; incomplete first/last bars are dropped unless
    --keep-partial. Trade bars count as complete only inside --start/--end.
    """
    catalog: LayeredCatalog = default_catalog(catalog_path)
    partial: PartialBars = "flag" if keep_partial else "drop"
    with user_errors():
        start_ns = option_time(start, "--start")
        end_ns = option_time(end, "--end")
        if source == "trades":
            trades = catalog.read_trades(instrument, start_ns, end_ns)
            out = trades_to_bars(trades, target, start_ns, end_ns, partial=partial)
            out = out.drop(columns=["trades"])
        else:
            bars = catalog.read_bars(instrument, source, start_ns, end_ns)
            out = resample_bars(bars, source, target, partial=partial).drop(columns=["bars"])
        rows = catalog.write_bars(instrument, target, out)
    console.print(f"[green]stored[/] {rows:,} {target} bars of {instrument} in {catalog.root}")


def _ensure_instruments(
    catalog: LayeredCatalog,
    instrument_ids: set[InstrumentId],
    tick_size: str | None,
    lot_size: str | None,
    min_notional: str,
    fee: str,
) -> None:
    known = {instrument.id for instrument in catalog.instruments()}
    missing = sorted(instrument_ids - known)
    if not missing:
        return
    if tick_size is None or lot_size is None:
        console.print(
            f"[yellow]no instrument definition for {', '.join(missing)}[/]: backtests need one; "
            "re-run the import with --tick-size and --lot-size (and --min-notional, --fee)"
        )
        return
    try:
        instruments = [
            Instrument(
                id=iid,
                base=iid.symbol.split("/")[0],
                quote=iid.symbol.split("/")[1].split(":")[0],
                tick_size=Decimal(tick_size),
                lot_size=Decimal(lot_size),
                kind=InstrumentKind.PERPETUAL if ":" in iid.symbol else InstrumentKind.SPOT,
                min_notional=Decimal(min_notional),
                maker_fee=Decimal(fee),
                taker_fee=Decimal(fee),
            )
            for iid in missing
        ]
    except (ArithmeticError, ValueError, IndexError) as exc:
        raise DataError(f"invalid instrument option: {exc}") from exc
    catalog.write_instruments(instruments)
    console.print(f"[green]stored[/] instrument(s) {', '.join(missing)}")


def _show_count(progress: Progress, task: TaskID, count: int) -> None:
    progress.update(task, completed=count)


def _report_table(reports: list[QualityReport]) -> Table:
    kinds = sorted({kind for report in reports for kind in report.issues})
    table = Table(title="bar quality")
    table.add_column("dataset")
    table.add_column("rows", justify="right")
    for kind in kinds:
        table.add_column(kind.value, justify="right")
    table.add_column("status")
    for report in reports:
        cells = [f"{report.count(kind):,}" for kind in kinds]
        status = "[green]ok[/]" if report.ok else "[red]problems[/]"
        table.add_row(report.source, f"{report.rows:,}", *cells, status)
    return table


def _iso(ts: int | None) -> str:
    return "-" if ts is None else ns_to_iso(ts)

"""``colin signal``: the institutional ("Colin") signal for one or more symbols.

Reads bars (and, where the catalog has them, trades and order book) from the default catalog,
scores them with :class:`colin.strategy.scorer.InstitutionalScorer` and prints a text report or
JSON. ``--continuous`` repeats every ``--interval`` seconds, rereading the catalog each time.
"""

from __future__ import annotations

import json
import os
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from colin.cli.errors import user_errors
from colin.core.errors import ConfigError, NotFoundError
from colin.core.ids import InstrumentId
from colin.core.time import timeframe_to_ns
from colin.persistence.catalog import default_catalog
from colin.persistence.catalog.layered import LayeredCatalog
from colin.persistence.catalog.layout import DataKind, DatasetKey
from colin.strategy.scorer import InstitutionalScorer, ScorerConfig, SignalReport, render_text

DEFAULT_VENUE = "BINANCE"


class OutputFormat(StrEnum):
    """How reports are printed."""

    TEXT = "text"
    JSON = "json"


def _compact(symbol: str) -> str:
    return symbol.replace("/", "").replace(":", "").replace("-", "").upper()


def resolve_symbols(
    values: list[str], catalog: LayeredCatalog, timeframe: str
) -> list[InstrumentId]:
    """Return the instrument ids of symbols spelt ``ETHUSDT``, ``ETH/USDT`` or ``ETH/USDT.BINANCE``.

    A compact symbol is matched against the catalog's bar datasets of ``timeframe`` (Binance
    first when several venues list it); the catalog is listed once, and only if needed.

    Raises
    ------
    NotFoundError
        If a compact symbol matches no dataset (the message lists those there are).
    """
    by_compact: dict[str, list[InstrumentId]] | None = None
    resolved = []
    for value in values:
        text = value.strip()
        if "." in text:
            resolved.append(InstrumentId(text))
            continue
        if "/" in text:
            resolved.append(InstrumentId.of(text.upper(), DEFAULT_VENUE))
            continue
        if by_compact is None:
            by_compact = {}
            for info in catalog.list_datasets(DataKind.BARS):
                if info.timeframe == timeframe:
                    iid = InstrumentId(info.instrument_id)
                    by_compact.setdefault(_compact(iid.symbol), []).append(iid)
        matches = sorted(
            set(by_compact.get(_compact(text), [])),
            key=lambda i: (i.venue != DEFAULT_VENUE, str(i)),
        )
        if not matches:
            raise NotFoundError(
                f"symbol {value!r}: no {timeframe} bars in the catalog; symbols with "
                f"{timeframe} bars: {sorted(by_compact) or 'none'}"
            )
        resolved.append(matches[0])
    return resolved


def _optional(catalog: LayeredCatalog, kind: DataKind, instrument_id: InstrumentId) -> bool:
    key = DatasetKey(kind, instrument_id)
    return any(layer.has_dataset(key) for layer in catalog.layers)


def score_symbol(
    scorer: InstitutionalScorer,
    catalog: LayeredCatalog,
    instrument_id: InstrumentId,
    timeframe: str,
) -> SignalReport:
    """Score ``instrument_id`` on the catalog's latest closed bars of ``timeframe``.

    Trades and book are read only for the order-flow window before the scoring time, and only
    when the catalog has them; the book is replayed from its start when the window has updates.
    """
    bars = catalog.read_bars(instrument_id, timeframe)
    if bars.empty:
        raise NotFoundError(f"{instrument_id}: the catalog has no {timeframe} bars")
    step = timeframe_to_ns(timeframe)
    when = int(bars["ts_open"].iloc[-1]) + step
    start = when - scorer.config.order_flow_window_ns
    trades = book = None
    if _optional(catalog, DataKind.TRADES, instrument_id):
        trades = catalog.read_trades(instrument_id, start, when + 1)
    if _optional(catalog, DataKind.BOOK, instrument_id):
        recent = catalog.read_book(instrument_id, start, when + 1)
        book = catalog.read_book(instrument_id, None, when + 1) if len(recent) else None
    return scorer.score(
        bars,
        symbol=str(instrument_id),
        timeframe=timeframe,
        trades=trades,
        book=book,
        ts_ns=when,
    )


def _render(reports: list[SignalReport], output_format: OutputFormat, compact: bool) -> str:
    if output_format is OutputFormat.JSON:
        payload = [r.to_json_dict() for r in reports]
        return json.dumps(payload, indent=None if compact else 2, allow_nan=False)
    return "\n\n".join(render_text(r) for r in reports)


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text + "\n")
    os.replace(partial, path)


def signal(
    symbols: Annotated[
        list[str], typer.Argument(help="Symbols: ETHUSDT, ETH/USDT or ETH/USDT.BINANCE")
    ],
    continuous: Annotated[
        bool, typer.Option("--continuous", help="Repeat every --interval seconds")
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0.0, help="Seconds between runs with --continuous")
    ] = 30.0,
    iterations: Annotated[
        int | None,
        typer.Option(min=1, help="Stop after this many runs with --continuous (default: never)"),
    ] = None,
    time_horizon: Annotated[
        str, typer.Option("--time-horizon", help="Bar timeframe the signal is scored on")
    ] = "1h",
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text or json")
    ] = OutputFormat.TEXT,
    output: Annotated[
        Path | None, typer.Option(help="Also write the latest output to this file")
    ] = None,
    config_file: Annotated[
        Path | None, typer.Option("--config", "-c", help="Scorer config YAML (docs/signal.md)")
    ] = None,
    catalog_dir: Annotated[
        Path | None, typer.Option("--catalog", help="Catalog folder (default: colin-data/catalog)")
    ] = None,
) -> None:
    """Print the institutional signal: direction, confidence, entry/stop/target, size, factors.

    With --continuous and --format json, each run prints one line holding a JSON array.
    """
    with user_errors():
        try:
            timeframe_to_ns(time_horizon)
        except ValueError as exc:
            raise ConfigError(f"--time-horizon: {exc}") from exc
        config = ScorerConfig.from_yaml(config_file) if config_file else ScorerConfig()
        scorer = InstitutionalScorer(config)
        runs = (iterations or -1) if continuous else 1
        done = 0
        while True:
            catalog = default_catalog(catalog_dir)
            ids = resolve_symbols(symbols, catalog, time_horizon)
            reports = [score_symbol(scorer, catalog, i, time_horizon) for i in ids]
            text = _render(reports, output_format, compact=continuous)
            typer.echo(text)
            if output is not None:
                _write_atomically(output, text)
            done += 1
            if done == runs:
                return
            time.sleep(interval)

"""``colin features``: list the indicator library and compute feature frames to Parquet."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.parquet as pq
import typer
from rich.console import Console
from rich.table import Table

from colin.cli.errors import user_errors
from colin.core.time import ns_to_iso, parse_time
from colin.indicators.features.builtin import builtin_sets, load_feature_set
from colin.indicators.features.frame import compute_features
from colin.indicators.features.registry import REGISTRY
from colin.persistence.catalog import default_catalog

app = typer.Typer(
    help=(
        "Features: list the indicators and bundled feature sets, and compute a feature set over "
        "bars from the Parquet catalog into a Parquet file."
    ),
    no_args_is_help=True,
)
console = Console()


def _parameters(indicator: str) -> str:
    signature = inspect.signature(REGISTRY[indicator].streaming.__init__)
    return ", ".join(
        f"{name}={p.default!r}" for name, p in signature.parameters.items() if name != "self"
    )


@app.command("list")
def list_command(
    feature_set: Annotated[
        str | None,
        typer.Option("--set", help="Show the columns of this feature set (bundled name or YAML)"),
    ] = None,
) -> None:
    """List indicators (parameters, outputs) and bundled feature sets, or one set's columns."""
    with user_errors():
        if feature_set is not None:
            spec = load_feature_set(feature_set)
            table = Table(title=f"feature set {spec.name} ({spec.timeframe} bars)")
            table.add_column("column")
            table.add_column("indicator")
            table.add_column("timeframe")
            for feature in spec.features:
                for column in feature.columns(spec.timeframe):
                    table.add_row(column, feature.indicator, feature.timeframe or spec.timeframe)
            console.print(table)
            return
        table = Table(title="indicators")
        for header in ("name", "description", "inputs", "outputs", "parameters"):
            table.add_column(header)
        for name, entry in REGISTRY.items():
            table.add_row(
                name,
                entry.description,
                ", ".join(entry.inputs),
                ", ".join(entry.outputs),
                _parameters(name),
            )
        console.print(table)
        sets = Table(title="bundled feature sets")
        sets.add_column("name")
        sets.add_column("timeframe")
        sets.add_column("columns", justify="right")
        for name, path in builtin_sets().items():
            spec = load_feature_set(path)
            sets.add_row(name, spec.timeframe, str(len(spec.columns())))
        console.print(sets)


@app.command("compute")
def compute_command(
    symbol: Annotated[str, typer.Option("--symbol", help="Instrument id, e.g. BTC/USDT.BINANCE")],
    feature_set: Annotated[
        str, typer.Option("--set", help="Bundled feature set name or a YAML file")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Parquet file (default: features_<set>_<symbol>.parquet)"
        ),
    ] = None,
    start: Annotated[str | None, typer.Option(help="First bar open time (ISO-8601 or ns)")] = None,
    end: Annotated[str | None, typer.Option(help="End of the range, exclusive")] = None,
    catalog_path: Annotated[
        Path | None,
        typer.Option(
            "--catalog", help="Catalog directory (default: $COLIN_CATALOG or ./colin-data/catalog)"
        ),
    ] = None,
) -> None:
    """Compute a feature set over stored bars and write it to Parquet (one row per bar)."""
    with user_errors():
        spec = load_feature_set(feature_set)
        catalog = default_catalog(catalog_path)
        bars = catalog.read_bars(
            symbol,
            spec.timeframe,
            parse_time(start) if start is not None else None,
            parse_time(end) if end is not None else None,
        )
        frame = compute_features(spec, bars).reset_index()
        target = output or Path(f"features_{spec.name}_{symbol.replace('/', '')}.parquet")
        target.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(
            {"colin.feature_set": spec.model_dump_json(), "colin.symbol": symbol}
        )
        pq.write_table(table, target)
        warm = frame.drop(columns="ts_open").isna().any(axis=1)
        ready_from = int(warm.to_numpy().argmin()) if not warm.all() else len(frame)
        console.print(
            f"wrote {len(frame):,} rows x {len(spec.columns())} features of {symbol} "
            f"{spec.timeframe} ({ns_to_iso(int(frame['ts_open'].iloc[0]))} .. "
            f"{ns_to_iso(int(frame['ts_open'].iloc[-1]))}) to {target}; every feature is "
            f"ready from row {ready_from:,}",
            highlight=False,
        )

"""``colin exchange-sim``: serve the local Binance exchange simulator from catalog data.

Each ccxt symbol (``BTC/USDT`` spot, ``BTC/USDT:USDT`` USD-M perpetual) replays the catalog's bars
of ``--timeframe`` (and its recorded trades and L2 book where they overlap the bars). A
perpetual the catalog has no instrument or bars for is derived from its spot pair (tick and lot
size of the pair, Binance USD-M fees 0.02%/0.05%, max leverage 20, min notional 100) and replays
the spot data. The command prints the ccxt configuration to use and serves until Ctrl-C (or
``--duration`` seconds).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from colin.adapters.exchange_sim import ExchangeSimulator, SimMarketData
from colin.cli.errors import user_errors
from colin.core.errors import ConfigError
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_MILLI, parse_time, timeframe_to_ns
from colin.model.book import BookSnapshot
from colin.model.enums import InstrumentKind
from colin.model.instrument import Instrument
from colin.persistence.catalog import default_catalog, iter_book_events, iter_trades
from colin.persistence.catalog.layered import LayeredCatalog
from colin.persistence.catalog.layout import DataKind, DatasetKey

if TYPE_CHECKING:
    import pandas as pd

VENUE = "BINANCE"
console = Console()


def perpetual_from_spot(spot: Instrument, perpetual_id: InstrumentId) -> Instrument:
    """Derive a linear perpetual from its spot pair (Binance USD-M defaults)."""
    return replace(
        spot,
        id=perpetual_id,
        kind=InstrumentKind.PERPETUAL,
        maker_fee=Decimal("0.0002"),
        taker_fee=Decimal("0.0005"),
        min_notional=Decimal(100),
        max_leverage=Decimal(20),
    )


def _market_data(catalog: LayeredCatalog, source: InstrumentId, timeframe: str) -> SimMarketData:
    """Bars of ``source``, plus its recorded trades and book when they lie within the bars."""
    bars = catalog.read_bars(source, timeframe)
    if len(bars) == 0:
        raise ConfigError(f"the catalog has no {timeframe} bars of {source}")
    first = int(bars["ts_open"].iloc[0])
    last = int(bars["ts_open"].iloc[-1]) + timeframe_to_ns(timeframe)
    trades = book = None
    if catalog.has_dataset(DatasetKey(DataKind.TRADES, source)):
        frame = catalog.read_trades(source, first, last)
        trades = list(iter_trades(frame, source)) or None
    if catalog.has_dataset(DatasetKey(DataKind.BOOK, source)):
        frame = catalog.read_book(source, first, last)
        events = list(iter_book_events(frame))
        book = events if events and isinstance(events[0], BookSnapshot) else None
    return SimMarketData(bars=bars, timeframe=timeframe, trades=trades, book=book)


def _with_history(data: SimMarketData, catalog: LayeredCatalog, iid: InstrumentId) -> SimMarketData:
    """``data`` with the funding and open-interest history the catalog holds for ``iid``."""
    funding: pd.DataFrame | None = None
    interest: pd.DataFrame | None = None
    if catalog.has_dataset(DatasetKey(DataKind.FUNDING, iid)):
        funding = catalog.read_funding(iid)
    periods = [
        info.timeframe
        for info in catalog.list_datasets(DataKind.OPEN_INTEREST)
        if info.instrument_id == iid and info.timeframe
    ]
    if periods:  # the finest period: the simulator serves every coarser one from it
        interest = catalog.read_open_interest(iid, min(periods, key=timeframe_to_ns))
    return replace(data, funding=funding, open_interest=interest)


def resolve_markets(
    catalog: LayeredCatalog, symbols: list[str], timeframe: str
) -> tuple[list[Instrument], dict[str, SimMarketData]]:
    """Return the instruments of ccxt ``symbols`` and the catalog data each replays.

    Raises
    ------
    ConfigError
        If a symbol has neither an instrument nor a spot pair in the catalog, or no bars.
    """
    known = {str(i.id): i for i in catalog.instruments()}
    instruments: list[Instrument] = []
    market: dict[str, SimMarketData] = {}
    for symbol in symbols:
        iid = InstrumentId(f"{symbol}.{VENUE}")
        spot_id = InstrumentId(f"{symbol.split(':', 1)[0]}.{VENUE}")
        if str(iid) in known:
            instrument = known[str(iid)]
        elif ":" in symbol and str(spot_id) in known:
            instrument = perpetual_from_spot(known[str(spot_id)], iid)
        else:
            raise ConfigError(
                f"the catalog has no instrument {iid}; it has: {', '.join(sorted(known))}"
            )
        has_bars = catalog.has_dataset(DatasetKey(DataKind.BARS, iid, timeframe))
        data = _market_data(catalog, iid if has_bars else spot_id, timeframe)
        market[str(iid)] = _with_history(data, catalog, iid)
        instruments.append(instrument)
    return instruments, market


def parse_balances(values: list[str]) -> dict[str, dict[str, Decimal]]:
    """Parse ``spot:USDT=10000`` / ``usdm:USDT=5000`` items into per-account balances."""
    balances: dict[str, dict[str, Decimal]] = {"spot": {}, "usdm": {}}
    for value in values:
        account, _, rest = value.partition(":")
        asset, _, amount = rest.partition("=")
        if account not in balances or not asset or not amount:
            raise typer.BadParameter(
                f"expected spot:ASSET=AMOUNT or usdm:ASSET=AMOUNT, got {value!r}",
                param_hint="--balance",
            )
        try:
            balances[account][asset.upper()] = Decimal(amount)
        except InvalidOperation:
            raise typer.BadParameter(f"not a number: {amount!r}", param_hint="--balance") from None
    return balances


async def _serve(
    simulator: ExchangeSimulator, port: int, duration: float | None, config_out: Path | None
) -> None:
    await simulator.start(port)
    try:
        _print_config(simulator, config_out)
        deadline = None if duration is None else time.monotonic() + duration
        while deadline is None or time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        await simulator.stop()


def _print_config(simulator: ExchangeSimulator, config_out: Path | None) -> None:
    configs: dict[str, Any] = {
        "base_url": simulator.base_url,
        "spot": simulator.ccxt_config("spot"),
        "usdm": simulator.ccxt_config("usdm"),
    }
    console.print(f"exchange simulator listening on {simulator.base_url}", highlight=False)
    if config_out is not None:
        config_out.write_text(json.dumps(configs, indent=2))
        console.print(f"ccxt configuration written to {config_out} (use it with --ccxt-config)")
    console.print("ccxt configuration (ccxt.binance(config) / ccxt.pro.binance(config)):")
    console.print_json(json.dumps(configs))


def exchange_sim(
    symbols: Annotated[
        str, typer.Option(help="Comma-separated ccxt symbols, e.g. BTC/USDT,BTC/USDT:USDT.")
    ] = "BTC/USDT,BTC/USDT:USDT",
    timeframe: Annotated[str, typer.Option(help="Timeframe of the replayed bars.")] = "1m",
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 8900,
    speed: Annotated[float, typer.Option(help="Simulated seconds per wall second.")] = 1.0,
    start: Annotated[
        str | None, typer.Option(help="Simulated start time (ISO); default: the data's start.")
    ] = None,
    stepped: Annotated[
        bool, typer.Option(help="Stepped clock: time moves only by POST /__sim/advance.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the synthesized books and faults.")] = 0,
    balance: Annotated[
        list[str] | None,
        typer.Option(help="Starting balance, repeatable: spot:USDT=10000, usdm:USDT=10000."),
    ] = None,
    api_key: Annotated[str, typer.Option(help="API key clients must send.")] = "test-key",
    api_secret: Annotated[str, typer.Option(help="API secret clients sign with.")] = "test-secret",
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many wall seconds (default: Ctrl-C).")
    ] = None,
    config_out: Annotated[
        Path | None,
        typer.Option(help="Also write the ccxt configuration to this JSON file (--ccxt-config)."),
    ] = None,
) -> None:
    """Serve a local Binance (spot + USD-M) exchange that ccxt trades against."""
    with user_errors():
        names = [s.strip() for s in symbols.split(",") if s.strip()]
        instruments, market = resolve_markets(default_catalog(), names, timeframe)
        balances = parse_balances(balance or ["spot:USDT=10000", "usdm:USDT=10000"])
        start_ms = None if start is None else parse_time(start) // NANOS_PER_MILLI
        simulator = ExchangeSimulator(
            instruments,
            market,
            balances,
            api_key=api_key,
            api_secret=api_secret,
            seed=seed,
            clock="stepped" if stepped else "realtime",
            speed=speed,
            start_ms=start_ms,
        )
        try:
            asyncio.run(_serve(simulator, port, duration, config_out))
        except KeyboardInterrupt:
            console.print("exchange simulator stopped")

"""Build and run a backtest from a :class:`BacktestRunConfig` and a catalog."""

from __future__ import annotations

from math import isfinite
from typing import Any

from colin.backtest.engine import BacktestEngine, ProgressCallback
from colin.backtest.metrics import compute_metrics
from colin.backtest.result import BacktestResult
from colin.core.errors import ConfigError, NotFoundError
from colin.core.ids import InstrumentId
from colin.core.time import ns_to_iso
from colin.model.data import FundingRate
from colin.model.enums import LiquiditySide
from colin.model.instrument import Instrument
from colin.node.config import BacktestRunConfig
from colin.persistence.catalog import (
    LayeredCatalog,
    ParquetCatalog,
    iter_book_events,
    iter_quotes,
    iter_trades,
)
from colin.strategy.registry import strategy_class
from colin.strategy.strategy import Strategy

Catalog = LayeredCatalog | ParquetCatalog


def build_strategy(config: BacktestRunConfig) -> Strategy:
    """Instantiate the configured strategy, filling ``instrument_id``/``timeframe`` defaults."""
    cls = strategy_class(config.strategy)
    params: dict[str, Any] = dict(config.parameters)
    fields = cls.Params.model_fields
    if "instrument_id" in fields:
        params.setdefault("instrument_id", config.instruments[0])
    if "instrument_ids" in fields:
        params.setdefault("instrument_ids", list(config.instruments))
    if "timeframe" in fields:
        params.setdefault("timeframe", config.timeframe)
    try:
        return cls(params)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise ConfigError(f"strategy {config.strategy}: {exc}") from exc


def build_engine(
    config: BacktestRunConfig, catalog: Catalog, run_id: str | None = None
) -> BacktestEngine:
    """Create the engine and load instruments, bars and (for perpetuals) funding."""
    engine = BacktestEngine(
        starting_balances=config.starting_balances,
        base_currency=config.base_currency,
        venue_config=config.venue,
        risk_config=config.risk,
        run_id=run_id,
    )
    for instrument_id in config.instruments:
        instrument = catalog.instrument(instrument_id)
        engine.add_instrument(instrument)
        for kind in config.data:
            _add_data(engine, catalog, instrument_id, kind, config)
        if instrument.is_derivative:
            _add_funding(engine, catalog, instrument_id, config)
    engine.add_strategy(build_strategy(config))
    return engine


def _add_data(
    engine: BacktestEngine,
    catalog: Catalog,
    instrument_id: str,
    kind: str,
    config: BacktestRunConfig,
) -> None:
    start, end = config.start_ns, config.end_ns
    if kind == "bars":
        frame = catalog.read_bars(instrument_id, config.timeframe, start, end)
    elif kind == "trades":
        frame = catalog.read_trades(instrument_id, start, end)
    elif kind == "quotes":
        frame = catalog.read_quotes(instrument_id, start, end)
    else:
        frame = catalog.read_book(instrument_id, start, end)
    if frame.empty:
        what = f"{config.timeframe} bars" if kind == "bars" else kind
        raise NotFoundError(
            f"no {what} for {instrument_id} between "
            f"{config.start or 'the start'} and {config.end or 'the end'}"
        )
    if kind == "bars":
        engine.add_bars(instrument_id, config.timeframe, frame)
    elif kind == "trades":
        engine.add_trades(instrument_id, iter_trades(frame, instrument_id))
    elif kind == "quotes":
        engine.add_quotes(instrument_id, iter_quotes(frame, instrument_id))
    else:
        engine.add_book_events(instrument_id, iter_book_events(frame))


def _add_funding(
    engine: BacktestEngine, catalog: Catalog, instrument_id: str, config: BacktestRunConfig
) -> None:
    try:
        frame = catalog.read_funding(instrument_id, config.start_ns, config.end_ns)
    except NotFoundError:
        return
    marks = frame["mark_price"] if "mark_price" in frame.columns else None
    iid = engine.cache.instrument_or_raise(InstrumentId(instrument_id)).id
    rates = []
    for i, (ts, rate) in enumerate(zip(frame["ts_event"], frame["rate"], strict=True)):
        mark = None if marks is None else float(marks.iloc[i])
        rates.append(
            FundingRate(iid, float(rate), int(ts), mark if mark and isfinite(mark) else None)
        )
    engine.add_funding(instrument_id, rates)


def run_backtest(
    config: BacktestRunConfig,
    catalog: Catalog,
    progress: ProgressCallback | None = None,
    run_id: str | None = None,
) -> BacktestResult:
    """Run the configured backtest; the result carries its assumptions and metrics."""
    engine = build_engine(config, catalog, run_id)
    result = engine.run(progress)
    instruments = [engine.cache.instrument_or_raise(InstrumentId(i)) for i in config.instruments]
    result.config = describe_run(config, result, instruments)
    result.metrics = compute_metrics(result)
    return result


def describe_run(
    config: BacktestRunConfig, result: BacktestResult, instruments: list[Instrument]
) -> dict[str, Any]:
    """The resolved configuration and every modelling assumption, for reports and the store."""
    venue = config.venue
    fees = {
        str(i.id): {
            "maker": str(venue.fees.rate(i, LiquiditySide.MAKER)),
            "taker": str(venue.fees.rate(i, LiquiditySide.TAKER)),
        }
        for i in instruments
    }
    return {
        "strategy": config.strategy,
        "parameters": build_strategy(config).params.model_dump(mode="json"),
        "instruments": list(config.instruments),
        "timeframe": config.timeframe,
        "data": list(config.data),
        "start": ns_to_iso(int(result.equity_ts[0])) if len(result.equity_ts) else config.start,
        "end": ns_to_iso(int(result.equity_ts[-1])) if len(result.equity_ts) else config.end,
        "starting_balances": {c: str(v) for c, v in config.starting_balances.items()},
        "base_currency": config.base_currency,
        "fees": fees,
        "slippage": venue.slippage.model_dump(mode="json"),
        "latency": venue.latency.model_dump(mode="json"),
        "bar_path": venue.bar_path,
        "max_volume_participation": venue.max_volume_participation,
        "leverage": str(venue.leverage),
        "fills": "market: next price reached after arrival; limit/stop: when traded through",
    }

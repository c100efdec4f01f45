"""The event-driven backtest engine: recorded market data replayed through the live engines.

Nothing here re-implements trading logic. The engine builds the same components a live node
runs — message bus, cache, data engine, risk engine, execution engine, portfolio, strategies —
puts a :class:`~colin.core.clock.SimClock` where the live clock would be and a
:class:`~colin.matching.venue.SimulatedVenue` where the exchange would be, and replays the data in
timestamp order. For every event the venue sees the data first (resting orders match against it),
then the data engine caches and publishes it to the strategies. Once all events of one timestamp
are processed, equity is recorded and handed to the risk engine's drawdown controller.
"""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from colin.backtest.replay import ProgressCallback, TimeStep, replay_bar_series, replay_streams
from colin.backtest.result import BacktestResult
from colin.backtest.streams import (
    PRIORITY_BOOK,
    PRIORITY_FUNDING,
    PRIORITY_QUOTE,
    PRIORITY_TRADE,
    BarColumns,
    Stream,
    bar_stream,
    object_stream,
)
from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import SimClock
from colin.core.errors import ConfigError, DataError
from colin.core.ids import InstrumentId
from colin.core.topics import FILLS_TOPIC, RISK_EVENTS_TOPIC
from colin.data.engine import DataEngine
from colin.execution.engine import ExecutionEngine
from colin.execution.journal import Journal
from colin.matching.config import SimulatedVenueConfig
from colin.matching.venue import SimulatedVenue
from colin.model.book import BookDeltas, BookSnapshot
from colin.model.data import FundingRate, QuoteTick, TradeTick
from colin.model.enums import OrderStatus
from colin.model.events import OrderDenied, OrderFilled
from colin.model.instrument import Instrument
from colin.portfolio.portfolio import Portfolio
from colin.risk.config import RiskConfig
from colin.risk.engine import RiskEngine
from colin.strategy.strategy import Strategy

__all__ = ["BacktestEngine", "ProgressCallback", "default_backtest_risk"]


def default_backtest_risk() -> RiskConfig:
    """The risk limits of a backtest: the live defaults without the drawdown hard stops.

    A research run measures the strategy over its whole period, so the drawdown controller (which
    halts and flattens) is off unless configured; every pre-trade check stays on.
    """
    return RiskConfig.model_validate({"drawdown": {"enabled": False}})


_BAR_COLUMNS = ("ts_open", "open", "high", "low", "close", "volume")


class BacktestEngine:
    """Replay recorded data through strategies, risk, the OMS and a simulated venue."""

    def __init__(
        self,
        starting_balances: Mapping[str, Decimal | str | int],
        base_currency: str = "USDT",
        venue_config: SimulatedVenueConfig | None = None,
        risk_config: RiskConfig | None = None,
        journal: Journal | None = None,
        trader_id: str = "BT",
        run_id: str | None = None,
    ) -> None:
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.trader_id = trader_id
        self.starting_balances = {c: Decimal(str(v)) for c, v in starting_balances.items()}
        self.base_currency = base_currency
        self.venue_config = venue_config or SimulatedVenueConfig()
        self.clock = SimClock()
        self.bus = MessageBus()
        self.cache = Cache()
        self.data_engine = DataEngine(self.bus, self.cache)
        self.exec_engine = ExecutionEngine(self.bus, self.clock, self.cache, journal)
        self.portfolio = Portfolio(
            self.bus, self.clock, self.cache, self.starting_balances, base_currency
        )
        self.risk_engine = RiskEngine(
            self.bus, self.clock, self.cache, self.portfolio, risk_config or default_backtest_risk()
        )
        self.risk_engine.name_orders(trader_id)
        self.venues: dict[str, SimulatedVenue] = {}
        self.strategies: list[Strategy] = []
        self._bars: list[BarColumns] = []
        self._objects: list[tuple[str, list[Any], np.ndarray, int, str]] = []
        self._fills: list[OrderFilled] = []
        self._risk_events: list[dict[str, Any]] = []
        self.bus.subscribe(FILLS_TOPIC, self._fills.append, priority=-100)
        self.bus.subscribe(RISK_EVENTS_TOPIC, self._record_risk_event)

    # -- setup -----------------------------------------------------------------------------------

    def add_instrument(self, instrument: Instrument) -> None:
        """Make an instrument known to the cache (and so to its venue)."""
        self.cache.add_instrument(instrument)

    def add_bars(self, instrument_id: str, timeframe: str, bars: pd.DataFrame) -> None:
        """Add bars (columns ``ts_open`` ns, ``open, high, low, close, volume``) for replay.

        Raises
        ------
        DataError
            If columns are missing, values are NaN, timestamps are not strictly increasing or
            OHLC values are inconsistent.
        """
        iid = self._known(instrument_id)
        missing = [c for c in _BAR_COLUMNS if c not in bars.columns]
        if missing:
            raise DataError(f"bars {iid} {timeframe}: missing columns {missing}")
        columns = BarColumns(
            iid,
            timeframe,
            bars["ts_open"].to_numpy(dtype=np.int64),
            *(bars[c].to_numpy(dtype=np.float64) for c in _BAR_COLUMNS[1:]),
        )
        columns.validate()
        self._bars.append(columns)

    def add_trades(self, instrument_id: str, trades: Iterable[TradeTick]) -> None:
        """Add public trades for replay."""
        self._add_objects(instrument_id, "trades", list(trades), PRIORITY_TRADE, "trade")

    def add_quotes(self, instrument_id: str, quotes: Iterable[QuoteTick]) -> None:
        """Add quotes for replay."""
        self._add_objects(instrument_id, "quotes", list(quotes), PRIORITY_QUOTE, "quote")

    def add_book_events(
        self, instrument_id: str, events: Iterable[BookSnapshot | BookDeltas]
    ) -> None:
        """Add L2 book snapshots and delta batches for replay."""
        self._add_objects(instrument_id, "book", list(events), PRIORITY_BOOK, "book")

    def add_funding(self, instrument_id: str, rates: Iterable[FundingRate]) -> None:
        """Add funding rates (perpetuals) for replay."""
        self._add_objects(instrument_id, "funding", list(rates), PRIORITY_FUNDING, "funding")

    def _add_objects(
        self, instrument_id: str, kind: str, items: list[Any], priority: int, handler: str
    ) -> None:
        iid = self._known(instrument_id)
        ts = np.fromiter((item.ts_event for item in items), dtype=np.int64, count=len(items))
        self._objects.append((f"{kind} {iid}", items, ts, priority, handler))

    def add_strategy(self, strategy: Strategy) -> None:
        """Add a strategy; it is registered and started when the run begins."""
        if any(s.id == strategy.id for s in self.strategies):
            raise ConfigError(f"two strategies share the id {strategy.id!r}")
        self.strategies.append(strategy)

    def _known(self, instrument_id: str) -> InstrumentId:
        iid = InstrumentId(instrument_id)
        if self.cache.instrument(iid) is None:
            raise ConfigError(f"add the instrument {iid} before its data")
        return iid

    # -- run -------------------------------------------------------------------------------------

    def run(self, progress: ProgressCallback | None = None) -> BacktestResult:
        """Replay every added event and return the result."""
        started = time.time_ns()
        self._build_venues()
        streams = self._streams()
        total = sum(len(s.ts) for s in streams)
        if total == 0:
            raise DataError("nothing to replay: add bars, trades, quotes or book data first")
        first_ts = int(min(int(s.ts[0]) for s in streams if len(s.ts)))
        self.clock.set_time(first_ts)
        for strategy in self.strategies:
            strategy.register(self.trader_id, self.bus, self.clock, self.cache, self.portfolio)
            strategy.start()
        self._seed_prices()
        starting_equity = self.portfolio.equity()
        # The replay allocates millions of short-lived objects that reference counting frees;
        # cyclic collection passes over them are pure overhead, so they run once at the end.
        # With the collector off, everything the replay allocated is still in the youngest
        # generation, so collecting that generation finds every cycle the replay left behind
        # without walking the (older) objects that existed before the run.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            equity_ts, equity = self._replay(streams, total, progress)
        finally:
            if gc_was_enabled:
                gc.enable()
            gc.collect(0)
        for strategy in self.strategies:
            strategy.stop()
        return self._result(starting_equity, equity_ts, equity, total, started)

    def _seed_prices(self) -> None:
        """Give every instrument its first open as the last price, so that starting balances in
        other currencies are valued at the start (the open is known before the first close)."""
        for columns in self._bars:
            if columns.instrument_id not in self.cache.last_prices and len(columns):
                self.cache.last_prices[columns.instrument_id] = float(columns.open[0])
                self.cache.last_price_times[columns.instrument_id] = int(columns.ts_open[0])

    def _replay(
        self, streams: list[Stream], total: int, progress: ProgressCallback | None
    ) -> tuple[np.ndarray, np.ndarray]:
        step = TimeStep(
            self.clock.advance_to,
            list(self.venues.values()),
            self.portfolio,
            self.risk_engine.handle_equity,
        )
        columns = self._single_bar_series(streams)
        if columns is not None:
            handler = self.data_engine.bar_handler(columns.instrument_id, columns.timeframe)
            return replay_bar_series(columns, step.venues[0], handler, step, progress)
        return replay_streams(streams, total, step, progress)

    def _single_bar_series(self, streams: list[Stream]) -> BarColumns | None:
        """The bar series when it is all there is to replay (at the only venue), else ``None``."""
        if len(self._bars) == 1 and len(streams) == 1 and len(self.venues) == 1:
            return self._bars[0]
        return None

    def _build_venues(self) -> None:
        by_venue: dict[str, list[Instrument]] = {}
        for instrument in self.cache.instruments():
            by_venue.setdefault(instrument.venue, []).append(instrument)
        for venue, instruments in by_venue.items():
            if venue in self.venues:
                continue
            simulated = SimulatedVenue(
                venue,
                self.bus,
                self.clock,
                instruments,
                self.starting_balances,
                self.venue_config,
            )
            self.venues[venue] = simulated
            self.exec_engine.register_client(simulated)

    def _streams(self) -> list[Stream]:
        streams = []
        for columns in self._bars:
            venue = self.venues[columns.instrument_id.venue]
            handler = self.data_engine.bar_handler(columns.instrument_id, columns.timeframe)
            streams.append(bar_stream(columns, venue.process_bar, handler))
        for name, items, ts, priority, kind in self._objects:
            if not items:
                continue
            venue = self.venues[items[0].instrument_id.venue]
            table: dict[str, tuple[Callable[[Any], Any], ...]] = {
                "trade": (venue.process_trade, self.data_engine.handle_trade),
                "quote": (venue.process_quote, self.data_engine.handle_quote),
                "book": (venue.process_book, self.data_engine.handle_book),
                "funding": (venue.process_funding, self.data_engine.handle_funding),
            }
            streams.append(object_stream(name, items, ts, priority, table[kind]))
        return streams

    def _record_risk_event(self, event: Any) -> None:
        detail = {k: _plain(getattr(event, k)) for k in getattr(event, "__dataclass_fields__", {})}
        self._risk_events.append(
            {
                "ts": int(detail.pop("ts_event", self.clock.timestamp_ns())),
                "kind": type(event).__name__,
                "detail": detail,
            }
        )

    def _result(
        self,
        starting_equity: float,
        equity_ts: np.ndarray,
        equity: np.ndarray,
        events: int,
        started: int,
    ) -> BacktestResult:
        orders = self.cache.orders()
        denied = [
            event
            for order in orders
            if order.status is OrderStatus.DENIED
            for event in order.events
            if isinstance(event, OrderDenied)
        ]
        prices = {}
        for columns in self._bars:
            if str(columns.instrument_id) not in prices:
                prices[str(columns.instrument_id)] = {
                    "ts": columns.ts_event,
                    "close": columns.close,
                }
        return BacktestResult(
            run_id=self.run_id,
            config={},
            base_currency=self.base_currency,
            starting_equity=starting_equity,
            equity_ts=equity_ts,
            equity=equity,
            fills=list(self._fills),
            orders=orders,
            denied=denied,
            prices=prices,
            risk_events=list(self._risk_events),
            started_at_ns=started,
            finished_at_ns=time.time_ns(),
            events_processed=events,
        )


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value") and not isinstance(value, int | float | str):
        return value.value
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)

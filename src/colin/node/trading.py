"""The trading node: strategies, risk, the OMS and a venue, live on one asyncio loop.

A :class:`TradingNode` builds exactly the engines a backtest builds — message bus, cache, data
engine, risk engine, execution engine, portfolio, strategies — and swaps only the clock and the
venue side:

- **paper**: orders are matched by :class:`~colin.matching.venue.SimulatedVenue` with the
  configured latency, slippage and fees; like in a backtest the venue sees each market event
  before the data engine publishes it, and ``process_time`` runs on a timer;
- **live**: orders go to the exchange through the ccxt execution client, after the risk engine.

Time is the system clock (:class:`~colin.core.clock.LiveClock`), or in paper mode optionally the
*event-time* clock: a :class:`~colin.core.clock.SimClock` moved to each market event's
``ts_event``, with equity recorded per timestamp exactly as the backtest does. Paper trading
over recorded data is then deterministic and produces the trades of a backtest over the same
data.

Every order intent and event is journaled to the SQL store before it is acted on. In live mode
the node replays the journal on start and reconciles with the venue before any strategy starts
(see :mod:`colin.node.recovery`). SIGINT and SIGTERM stop it cleanly: strategies stop, open
orders are canceled or left per ``on_shutdown``, the store is closed, connections too.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import Clock, LiveClock, SimClock
from colin.core.errors import ConfigError
from colin.core.ids import InstrumentId
from colin.core.topics import FILLS_TOPIC, RISK_EVENTS_TOPIC, RISK_EXECUTE
from colin.data.engine import DataEngine
from colin.execution.engine import ExecutionEngine
from colin.matching.venue import SimulatedVenue
from colin.model.book import BookDeltas, BookSnapshot
from colin.model.commands import CancelAllOrders
from colin.model.data import Bar, TradeTick
from colin.model.events import OrderFilled
from colin.model.instrument import Instrument
from colin.node.backtest import build_strategy
from colin.node.config import BacktestRunConfig
from colin.node.feeds import MarketFeed
from colin.node.gc_policy import IdleCollector
from colin.node.live_config import TradingNodeConfig
from colin.node.live_execution import LiveExecution
from colin.node.logging import final_state, log_trading_events
from colin.node.recovery import RestoredState, deny_unsent, restore_from_journal
from colin.node.staleness import StaleFeedMonitor, warn_if_replayed
from colin.persistence.sql import SqlJournal, SqlStore
from colin.portfolio.portfolio import Portfolio
from colin.risk.engine import RiskEngine
from colin.strategy.strategy import Strategy

log = logging.getLogger(__name__)

_TICK_S = 0.05
_SHUTDOWN_CANCEL_WAIT_S = 5.0


class TradingNode:
    """One trading node: build it, then ``await node.run()`` until stopped.

    Parameters
    ----------
    config
        The node's configuration.
    instruments
        The traded instruments (from the catalog or the exchange's markets).
    feed
        Where market data comes from.
    store
        The open SQL store holding the order journal; the node closes it on shutdown.
    exchange
        Live mode: the ``ccxt.pro`` exchange with credentials that orders go to (the node
        closes it on shutdown). Paper mode builds its simulated venue itself.
    strategies
        The strategies to run (default: the one named in ``config``).
    """

    def __init__(
        self,
        config: TradingNodeConfig,
        instruments: Sequence[Instrument],
        feed: MarketFeed,
        store: SqlStore,
        exchange: Any | None = None,
        strategies: Sequence[Strategy] | None = None,
    ) -> None:
        if config.mode == "live" and exchange is None:
            raise ConfigError("live mode needs an exchange connection")
        venues = {i.venue for i in instruments}
        if len(venues) != 1:
            raise ConfigError(f"a node trades on one venue, got {sorted(venues)}")
        venue = venues.pop()
        self.config = config
        self.feed = feed
        self.store = store
        self.event_clock = config.clock == "event"
        self._collector = IdleCollector()
        self.clock: Clock = SimClock() if self.event_clock else LiveClock()
        self.bus = MessageBus()
        self.cache = Cache()
        for instrument in instruments:
            self.cache.add_instrument(instrument)
        self.data_engine = DataEngine(self.bus, self.cache)
        stream = config.journal_stream
        if config.mode == "paper":
            # the simulated account does not outlive the process: each paper run is its own stream
            stream = f"{stream}.{uuid.uuid4().hex[:8]}"
        self.journal = SqlJournal(store, stream)
        self.exec_engine = ExecutionEngine(self.bus, self.clock, self.cache, self.journal)
        # live balances come from the venue at the first reconciliation
        balances = config.starting_balances if config.mode == "paper" else {}
        self.portfolio = Portfolio(self.bus, self.clock, self.cache, balances, config.base_currency)
        self.restored = RestoredState()
        if config.mode == "live":
            # before the risk engine is built: it indexes the open orders it finds in the cache
            self.restored = restore_from_journal(self.journal, self.cache, self.portfolio)
        self.risk_engine = RiskEngine(self.bus, self.clock, self.cache, self.portfolio, config.risk)
        self.risk_engine.name_orders(config.trader_id, self.restored.order_ids)
        self.paper_venue: SimulatedVenue | None = None
        self.live: LiveExecution | None = None
        if exchange is None:
            self.paper_venue = SimulatedVenue(
                venue, self.bus, self.clock, instruments, config.starting_balances, config.venue
            )
            self.exec_engine.register_client(self.paper_venue)
        else:
            self.live = LiveExecution(
                exchange,
                venue,
                config.reconcile,
                self.bus,
                self.clock,
                self.cache,
                self.exec_engine,
                self.portfolio,
            )
        deny_unsent(self.restored, self.bus, self.clock.timestamp_ns())
        self.strategies = list(strategies) if strategies is not None else [_strategy(config)]
        self.stale_feed = StaleFeedMonitor(config.stale_feed, self.risk_engine)
        self.fills: list[OrderFilled] = []
        self.risk_events: list[Any] = []
        self.bus.subscribe(FILLS_TOPIC, self.fills.append, priority=-100)
        self.bus.subscribe(RISK_EVENTS_TOPIC, self.risk_events.append)
        log_trading_events(self.bus)
        self._reconciling: asyncio.Task[Any] | None = None
        self._bar_handlers: dict[tuple[InstrumentId, str], Callable[[Bar], None]] = {}
        self._strategies_started = False
        self._last_ts = -1
        self._stop = asyncio.Event()
        self.stop_reason = ""

    # -- lifecycle -------------------------------------------------------------------------------

    def request_stop(self, reason: str = "stop requested") -> None:
        """Ask the node to shut down (safe from signal handlers and other tasks)."""
        if not self._stop.is_set():
            self.stop_reason = reason
            log.info("stopping", extra={"reason": reason})
            self._stop.set()

    async def run(self, install_signal_handlers: bool = True) -> int:
        """Start, trade until the feed ends or a stop is requested, shut down.

        Returns the exit status: 0, or 1 when the market-data feed failed.
        """
        code = 0
        loop = asyncio.get_running_loop()
        signals = (signal.SIGINT, signal.SIGTERM) if install_signal_handlers else ()
        for sig in signals:
            loop.add_signal_handler(sig, self.request_stop, f"signal {sig.name}")
        try:
            if self.live is not None and not await self._connect():
                return 1
            if not self.event_clock:
                self._start_strategies()
            log.info(
                "node started",
                extra={
                    "mode": self.config.mode,
                    "clock": self.config.clock,
                    "instruments": [str(i.id) for i in self.cache.instruments()],
                    "strategies": [s.id for s in self.strategies],
                    "journal": self.journal.stream,
                },
            )
            self._collector.start(time.monotonic())
            feed_task = asyncio.create_task(self.feed.run(self), name="feed")
            ticker = asyncio.create_task(self._tick(), name="ticker")
            stop_task = asyncio.create_task(self._stop.wait(), name="stop")
            done, _ = await asyncio.wait(
                {feed_task, stop_task}, return_when=asyncio.FIRST_COMPLETED
            )
            if feed_task in done:
                error = feed_task.exception()
                if error is not None:
                    log.error("market data feed failed", exc_info=error)
                    code = 1
                self.request_stop("market data feed failed" if error else "market data feed ended")
            for task in (feed_task, ticker, stop_task):
                task.cancel()
            await asyncio.gather(feed_task, ticker, stop_task, return_exceptions=True)
            await self._shutdown()
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
            await self.feed.close()
            self.store.close()
            self._collector.stop()
        last = self.live.reports[-1] if self.live is not None and self.live.reports else None
        state = final_state(last, len(self.fills), self.cache, self.portfolio)
        log.info("node stopped", extra={"reason": self.stop_reason, **state})
        return code

    async def _connect(self) -> bool:
        """Connect the live venue and reconcile; on failure close it and return ``False``."""
        assert self.live is not None
        try:
            await self.live.start()
        except Exception:
            log.exception("cannot connect to the exchange; the node does not start")
            self.stop_reason = "connection failed"
            await self.live.close()
            return False
        return True

    def _start_strategies(self) -> None:
        # every id already taken: journaled orders and those the first reconciliation adopted
        # (an order the journal lost in a power cut comes back that way; its id is not reused)
        used_order_ids = [order.client_order_id for order in self.cache.orders()]
        for strategy in self.strategies:
            strategy.register(
                self.config.trader_id,
                self.bus,
                self.clock,
                self.cache,
                self.portfolio,
                used_order_ids=used_order_ids,
            )
            strategy.start()
        self._strategies_started = True

    async def _shutdown(self) -> None:
        """Stop strategies, settle requests in flight, cancel or leave orders, reconcile."""
        if self._strategies_started:
            for strategy in self.strategies:
                if strategy.is_running:
                    strategy.stop()
        if self._reconciling is not None:
            self._reconciling.cancel()
            await asyncio.gather(self._reconciling, return_exceptions=True)
        if self.live is not None:
            # a cancel must not overtake the submit of its order
            await self.live.wait_idle()
        if self.config.on_shutdown == "cancel_orders":
            await self._cancel_open_orders()
        if self.live is not None:
            try:
                await self.live.wait_idle()
                await self.live.reconcile()
            except Exception:
                log.exception("final reconciliation failed")
            finally:
                await self.live.close()
        open_orders = self.cache.orders_open()
        if open_orders:
            log.warning(
                "open orders left at shutdown",
                extra={"orders": [o.client_order_id for o in open_orders]},
            )

    async def _cancel_open_orders(self) -> None:
        instruments = {o.instrument_id for o in self.cache.orders_open()}
        now = self.clock.timestamp_ns()
        for instrument_id in sorted(instruments):
            self.bus.send(RISK_EXECUTE, CancelAllOrders(instrument_id=instrument_id, ts_init=now))
        if self.paper_venue is not None:
            # the simulated venue applies the cancels once their latency has passed; a command
            # still waiting for the next bar (and the cancel behind it) is reported as left open
            self.paper_venue.process_time(self.clock.timestamp_ns() + self._max_latency_ns())
            return
        deadline = time.monotonic() + _SHUTDOWN_CANCEL_WAIT_S
        while self.cache.orders_open() and time.monotonic() < deadline:
            await asyncio.sleep(_TICK_S)

    def _max_latency_ns(self) -> int:
        latency = self.config.venue.latency
        return latency.fixed_ns + latency.jitter_ns

    async def _tick(self) -> None:
        """Timers, the paper venue's clock, equity, the stale-feed check, reconciliation."""
        next_equity = time.monotonic()
        next_stale = time.monotonic()
        next_reconcile = time.monotonic() + self.config.reconcile.interval_s
        while True:
            await asyncio.sleep(_TICK_S)
            now = time.monotonic()
            self._collector.tick(now)
            if not self.event_clock:
                assert isinstance(self.clock, LiveClock)
                self.clock.fire_due()
                if self.paper_venue is not None:
                    self.paper_venue.process_time(self.clock.timestamp_ns())
                if now >= next_equity:
                    next_equity = now + self.config.equity_interval_s
                    self.risk_engine.handle_equity(
                        self.clock.timestamp_ns(), self.portfolio.equity()
                    )
            if self.config.stale_feed.enabled and now >= next_stale:
                next_stale = now + 0.25
                self.stale_feed.check(self.feed.silence_s())
            if self.live is not None and now >= next_reconcile:
                next_reconcile = now + self.config.reconcile.interval_s
                if self._reconciling is None or self._reconciling.done():
                    self._reconciling = asyncio.create_task(self._reconcile())

    async def _reconcile(self) -> None:
        assert self.live is not None
        try:
            await self.live.reconcile()
        except Exception:
            log.exception("periodic reconciliation failed")

    # -- market data (MarketDataSink) ------------------------------------------------------------

    def handle_bar(self, bar: Bar) -> None:
        """Take a closed bar: the venue matches against it first, then strategies see it."""
        if bar.instrument_id not in self.cache.last_prices:
            # value balances from the first open, as a backtest does before its first bar
            self.cache.last_prices[bar.instrument_id] = bar.open
            self.cache.last_price_times[bar.instrument_id] = bar.ts_open
            if not self.event_clock:
                warn_if_replayed(bar, self.clock.timestamp_ns())
        if self.event_clock:
            self._advance(bar.ts_event)
        if self.paper_venue is not None:
            self.paper_venue.process_bar(bar)
        key = (bar.instrument_id, bar.timeframe)
        handler = self._bar_handlers.get(key)
        if handler is None:
            handler = self._bar_handlers[key] = self.data_engine.bar_handler(*key)
        handler(bar)

    def handle_trade(self, trade: TradeTick) -> None:
        """Take a public trade."""
        if self.event_clock:
            self._advance(trade.ts_event)
        if self.paper_venue is not None:
            self.paper_venue.process_trade(trade)
        self.data_engine.handle_trade(trade)

    def handle_book(self, event: BookSnapshot | BookDeltas) -> None:
        """Take an L2 snapshot or delta batch."""
        if self.event_clock:
            self._advance(event.ts_event)
        if self.paper_venue is not None:
            self.paper_venue.process_book(event)
        self.data_engine.handle_book(event)

    def _advance(self, ts: int) -> None:
        """Event-time clock: move to ``ts`` as the backtest replay does at a new timestamp."""
        if ts == self._last_ts:
            return
        clock = self.clock
        assert isinstance(clock, SimClock)
        if not self._strategies_started:
            clock.set_time(ts)
            self._start_strategies()
        elif ts < clock.timestamp_ns():
            return  # a late event (another stream) does not move time backwards
        elif self._last_ts >= 0:
            self.risk_engine.handle_equity(self._last_ts, self.portfolio.equity())
        clock.advance_to(ts)
        if self.paper_venue is not None:
            self.paper_venue.process_time(ts)
        self._last_ts = ts


def _strategy(config: TradingNodeConfig) -> Strategy:
    return build_strategy(
        BacktestRunConfig(
            strategy=config.strategy,
            parameters=config.parameters,
            instruments=config.instruments,
            timeframe=config.timeframe,
        )
    )

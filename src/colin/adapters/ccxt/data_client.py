"""Streaming market data through ccxt's ``watch_*`` methods, delivered as Colin objects.

:class:`CcxtDataClient` runs one asyncio task per subscription. Each task awaits its ``watch_*``
call in a loop, decodes what comes back at the edge and hands domain objects to the callbacks it
was built with (the node wires them to the ``DataEngine``):

bars
    Only *closed* bars: a kline is final once a later kline of the same stream has arrived
    (ccxt drops Binance's "closed" flag, and the venue's last update of a bar comes at its close).
    After a reconnect, or when a kline was skipped (frames lost), the bars not yet delivered are
    re-read over REST, so every bar is delivered once, in order, with the venue's final values.
    A lost *last* update of a bar whose successor did arrive cannot be told from the stream alone;
    such a bar carries the values of its latest update.
trades
    Each trade once, in venue order (trades at or before the last delivered millisecond whose id
    was already delivered are dropped).
book
    A :class:`BookSnapshot` of the best ``book_depth`` levels when the stream (re)starts, then the
    :class:`BookDeltas` between successive states of ccxt's synchronised book; a consumer that
    applies them holds exactly the venue's top ``book_depth`` levels.
quotes
    A :class:`QuoteTick` per best bid/ask update (``watch_bids_asks`` where the venue has it,
    ``watch_ticker`` otherwise).

ccxt does not reconnect by itself: a dropped socket makes the pending ``watch_*`` raise
``NetworkError`` and a depth sequence gap ``ChecksumError``. The task catches both (any ccxt
``OperationFailed``), waits a capped exponential backoff and watches again; ccxt then reconnects
and re-syncs the book from a fresh snapshot (until that lands it may raise the same error object
again, which counts as one reconnect). Other ccxt errors (a bad symbol) end that stream and
are recorded on it. :meth:`CcxtDataClient.staleness` reports the seconds since each stream's last
message, which the node uses to switch risk to REDUCING or HALTED on a stale feed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import ccxt

from colin.adapters.ccxt.capabilities import VenueCapabilities
from colin.adapters.ccxt.decode import (
    bars_from_ohlcv,
    book_deltas,
    book_snapshot,
    quote_from_ticker,
    trade_from_ccxt,
)
from colin.adapters.ccxt.rate_limit import RetryPolicy, Sleep, TokenBucket
from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_MILLI, NANOS_PER_SECOND, timeframe_to_ns
from colin.model.book import BookDeltas, BookSnapshot
from colin.model.data import Bar, QuoteTick, TradeTick

logger = logging.getLogger(__name__)

STREAM_BACKOFF = RetryPolicy(max_attempts=1, base_s=0.1, factor=2.0, cap_s=5.0)
"""Re-watch delays after a stream error (``max_attempts`` is not used: streams never give up)."""


@dataclass(slots=True)
class StreamState:
    """Health of one subscription."""

    key: str
    subscribed_ns: int
    last_message_ns: int | None = None
    messages: int = 0
    reconnects: int = 0
    decode_errors: int = 0
    handler_errors: int = 0
    error: str | None = None
    """Why the stream stopped for good (a non-retryable ccxt error), else ``None``."""
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class CcxtDataClient:
    """Stream bars, trades, books and quotes of one venue (see the module docstring).

    Parameters
    ----------
    exchange
        A ``ccxt.pro`` exchange (see :func:`colin.adapters.ccxt.exchange_factory.create_exchange`).
    capabilities
        The venue's capabilities (which ``watch_*`` exist).
    on_bar, on_trade, on_book, on_quote
        Callbacks receiving the decoded objects, called on the event loop.
    book_depth
        Levels per side kept in book snapshots and deltas.
    backoff
        Delays between re-watch attempts.
    clock_ns
        Local receive time in ns (``ts_init``; staleness).
    sleep
        The backoff sleep (injectable for tests).
    owns_exchange
        Close the exchange in :meth:`close` (``False`` when an execution client shares it).
    bucket
        Rate limiter for the REST calls the streams make (bar repair); share the venue's.
    """

    def __init__(
        self,
        exchange: Any,
        capabilities: VenueCapabilities,
        *,
        on_bar: Callable[[Bar], None] | None = None,
        on_trade: Callable[[TradeTick], None] | None = None,
        on_book: Callable[[BookSnapshot | BookDeltas], None] | None = None,
        on_quote: Callable[[QuoteTick], None] | None = None,
        book_depth: int = 20,
        backoff: RetryPolicy = STREAM_BACKOFF,
        clock_ns: Callable[[], int] = time.time_ns,
        sleep: Sleep = asyncio.sleep,
        owns_exchange: bool = True,
        bucket: TokenBucket | None = None,
    ) -> None:
        self.exchange = exchange
        self.capabilities = capabilities
        self._on_bar = on_bar
        self._on_trade = on_trade
        self._on_book = on_book
        self._on_quote = on_quote
        self.book_depth = book_depth
        self._backoff = backoff
        self._clock_ns = clock_ns
        self._sleep = sleep
        self._owns_exchange = owns_exchange
        self._bucket = bucket or TokenBucket.from_budget(capabilities.rate_budget)
        self._streams: dict[str, StreamState] = {}

    # -- subscriptions ---------------------------------------------------------------------------

    def subscribe_bars(self, instrument_id: InstrumentId, timeframe: str) -> str:
        """Stream closed ``timeframe`` bars of an instrument; return the stream key."""
        self._require("ohlcv", self._on_bar, "on_bar")
        return self._start(
            f"bars:{instrument_id}:{timeframe}", _BarStream(self, instrument_id, timeframe)
        )

    def subscribe_trades(self, instrument_id: InstrumentId) -> str:
        """Stream public trades of an instrument; return the stream key."""
        self._require("trades", self._on_trade, "on_trade")
        return self._start(f"trades:{instrument_id}", _TradeStream(self, instrument_id))

    def subscribe_book(self, instrument_id: InstrumentId) -> str:
        """Stream the L2 book of an instrument; return the stream key."""
        self._require("order_book", self._on_book, "on_book")
        return self._start(f"book:{instrument_id}", _BookStream(self, instrument_id))

    def subscribe_quotes(self, instrument_id: InstrumentId) -> str:
        """Stream best bid/ask quotes of an instrument; return the stream key."""
        stream = "bids_asks" if self.capabilities.supports_watch("bids_asks") else "ticker"
        self._require(stream, self._on_quote, "on_quote")
        return self._start(f"quotes:{instrument_id}", _QuoteStream(self, instrument_id, stream))

    # -- health ----------------------------------------------------------------------------------

    @property
    def streams(self) -> dict[str, StreamState]:
        """Every subscription's state, by key."""
        return dict(self._streams)

    def staleness(self, now_ns: int | None = None) -> dict[str, float]:
        """Return seconds since each stream's last message (since it subscribed, if none yet)."""
        now = self._clock_ns() if now_ns is None else now_ns
        return {
            key: (now - (state.last_message_ns or state.subscribed_ns)) / NANOS_PER_SECOND
            for key, state in self._streams.items()
        }

    async def close(self) -> None:
        """Stop every stream and, if owned, close the exchange's connections."""
        tasks = [state.task for state in self._streams.values() if state.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._owns_exchange:
            await self.exchange.close()

    # -- stream loops ----------------------------------------------------------------------------

    async def _rest(
        self, endpoint: str, limit: int, call: Callable[..., Awaitable[Any]], *args: Any
    ) -> Any:
        """One paced REST call for a stream's repair; ``None`` (logged) if it fails."""
        await self._bucket.acquire(self.capabilities.weight(endpoint, limit))
        try:
            return await call(*args)
        except ccxt.BaseError as exc:
            logger.warning("%s %s repair failed: %s", self.capabilities.venue, endpoint, exc)
            return None

    def _require(self, stream: str, callback: object, name: str) -> None:
        if callback is None:
            raise ValueError(f"{name} was not given: nothing would receive the stream")
        if not self.capabilities.supports_watch(stream):
            raise DataError(f"{self.capabilities.venue} has no watch_{stream}")

    def _start(self, key: str, handler: _Handler) -> str:
        if key in self._streams:
            return key
        state = StreamState(key, self._clock_ns())
        state.task = asyncio.get_running_loop().create_task(self._run(state, handler), name=key)
        self._streams[key] = state
        return key

    async def _run(self, state: StreamState, handler: _Handler) -> None:
        attempt = 0
        failure: BaseException | None = None
        while True:
            try:
                message = await handler.watch()
            except ccxt.OperationFailed as exc:  # network, checksum (depth gap), 5xx
                # until its resubscription lands ccxt raises the same error object again
                if exc is not failure:
                    state.reconnects += 1
                    handler.reset()
                failure = exc
                delay = self._backoff.delay(attempt)
                attempt += 1
                logger.warning("%s: %s: %s; watching again in %.2fs", state.key,
                               type(exc).__name__, exc, delay)  # fmt: skip
                await self._sleep(delay)
                continue
            except ccxt.BaseError as exc:
                state.error = f"{type(exc).__name__}: {exc}"
                logger.error("%s stopped: %s", state.key, state.error)
                return
            attempt, failure = 0, None
            now = self._clock_ns()
            state.last_message_ns = now
            state.messages += 1
            try:
                await handler.handle(message, now)
            except DataError as exc:
                state.decode_errors += 1
                logger.warning("%s: dropped a malformed message: %s", state.key, exc)
            except Exception:  # a failing consumer must not end the stream silently
                state.handler_errors += 1
                logger.exception("%s: a callback failed", state.key)


class _Handler:
    """One subscription: how to watch, how to handle a result, what to forget on reconnect."""

    def __init__(self, client: CcxtDataClient, instrument_id: InstrumentId) -> None:
        self.client = client
        self.exchange = client.exchange
        self.instrument_id = instrument_id
        self.symbol = instrument_id.symbol

    def watch(self) -> Any:
        raise NotImplementedError

    async def handle(self, message: Any, ts_init: int) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget stream state that a reconnect invalidates (default: nothing)."""


class _BarStream(_Handler):
    def __init__(self, client: CcxtDataClient, instrument_id: InstrumentId, timeframe: str) -> None:
        super().__init__(client, instrument_id)
        self.timeframe = timeframe
        self.step_ms = timeframe_to_ns(timeframe) // NANOS_PER_MILLI
        self.pending: dict[int, Any] = {}  # open ms -> latest row, not yet delivered
        self.last_delivered: int | None = None
        self.resync = False

    def watch(self) -> Any:
        return self.exchange.watch_ohlcv(self.symbol, self.timeframe)

    def reset(self) -> None:
        self.resync = True

    async def handle(self, message: Any, ts_init: int) -> None:
        floor = -1 if self.last_delivered is None else self.last_delivered
        for row in message:
            if isinstance(row, list | tuple) and row and isinstance(row[0], int) and row[0] > floor:
                self.pending[row[0]] = row
        if not self.pending:
            return
        newest = max(self.pending)
        first = min(self.pending) if self.last_delivered is None else floor + self.step_ms
        hole = any(ts not in self.pending for ts in range(first, newest, self.step_ms))
        if self.resync or hole:
            await self._fill_from_rest(first, newest)
        self.resync = False
        closed = sorted(ts for ts in self.pending if ts < newest)
        if not closed:
            return
        rows = [self.pending.pop(ts) for ts in closed]
        self.last_delivered = closed[-1]
        deliver = self.client._on_bar
        assert deliver is not None
        for bar in bars_from_ohlcv(rows, self.instrument_id, self.timeframe, ts_init):
            deliver(bar)

    async def _fill_from_rest(self, since: int, newest: int) -> None:
        """Replace what the stream holds for ``[since, newest)`` with the venue's REST bars:
        after a reconnect or a skipped kline, the held values may miss the bar's last updates."""
        count = min((newest - since) // self.step_ms, self.client.capabilities.history.candles)
        if count <= 0:
            return
        rows = await self.client._rest(
            "ohlcv", count, self.exchange.fetch_ohlcv, self.symbol, self.timeframe, since, count
        )
        for row in rows or ():
            if isinstance(row, list | tuple) and row and since <= row[0] < newest:
                self.pending[row[0]] = row


class _TradeStream(_Handler):
    def __init__(self, client: CcxtDataClient, instrument_id: InstrumentId) -> None:
        super().__init__(client, instrument_id)
        self.last_ts = -1
        self.ids_at_last_ts: set[str] = set()

    def watch(self) -> Any:
        return self.exchange.watch_trades(self.symbol)

    async def handle(self, message: Any, ts_init: int) -> None:
        deliver = self.client._on_trade
        assert deliver is not None
        for raw in message:
            trade = trade_from_ccxt(raw, self.instrument_id, ts_init)
            if trade.ts_event < self.last_ts:
                continue
            if trade.ts_event > self.last_ts:
                self.last_ts, self.ids_at_last_ts = trade.ts_event, set()
            elif trade.trade_id and trade.trade_id in self.ids_at_last_ts:
                continue
            if trade.trade_id:
                self.ids_at_last_ts.add(trade.trade_id)
            deliver(trade)


class _BookStream(_Handler):
    def __init__(self, client: CcxtDataClient, instrument_id: InstrumentId) -> None:
        super().__init__(client, instrument_id)
        self.previous: BookSnapshot | None = None
        self.sequence = 0  # stands in for update ids on venues whose books carry none

    def watch(self) -> Any:
        return self.exchange.watch_order_book(self.symbol)

    def reset(self) -> None:
        self.previous = None

    async def handle(self, message: Any, ts_init: int) -> None:
        self.sequence += 1
        depth = self.client.book_depth
        snapshot = book_snapshot(message, self.instrument_id, depth, ts_init, self.sequence)
        deliver = self.client._on_book
        assert deliver is not None
        previous = self.previous
        if previous is None:
            self.previous = snapshot
            deliver(snapshot)
            return
        if snapshot.last_update_id <= previous.last_update_id:
            return  # a state already delivered
        deltas = book_deltas(previous, snapshot)
        if deltas.deltas:  # else the top levels did not change: the next deltas chain from here
            self.previous = snapshot
            deliver(deltas)


class _QuoteStream(_Handler):
    def __init__(self, client: CcxtDataClient, instrument_id: InstrumentId, stream: str) -> None:
        super().__init__(client, instrument_id)
        self.bids_asks = stream == "bids_asks"

    def watch(self) -> Any:
        if self.bids_asks:
            return self.exchange.watch_bids_asks([self.symbol])
        return self.exchange.watch_ticker(self.symbol)

    async def handle(self, message: Any, ts_init: int) -> None:
        ticker = (
            message.get(self.symbol) if self.bids_asks and isinstance(message, dict) else message
        )
        if ticker is None:
            return
        deliver = self.client._on_quote
        assert deliver is not None
        deliver(quote_from_ticker(ticker, self.instrument_id, ts_init))

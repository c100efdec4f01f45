"""Streaming market data through ccxt.pro against the local exchange simulator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
from tests.adapters.conftest import PERP_ID, SIM_START_MS, SPOT_ID

from colin.adapters.ccxt.capabilities import capabilities_for
from colin.adapters.ccxt.data_client import CcxtDataClient, StreamState
from colin.adapters.ccxt.exchange_factory import create_exchange
from colin.adapters.ccxt.rate_limit import RetryPolicy
from colin.adapters.exchange_sim import ExchangeSimulator
from colin.adapters.exchange_sim.ws_faults import WsFaultRule
from colin.core.errors import DataError
from colin.core.time import NANOS_PER_MILLI, NANOS_PER_SECOND
from colin.model.book import BookDeltas, BookSnapshot, OrderBook
from colin.model.data import Bar, QuoteTick, TradeTick

FAST = RetryPolicy(max_attempts=1, base_s=0.05, cap_s=0.2)


class Received:
    def __init__(self) -> None:
        self.bars: list[Bar] = []
        self.trades: list[TradeTick] = []
        self.book: list[BookSnapshot | BookDeltas] = []
        self.quotes: list[QuoteTick] = []


@contextlib.asynccontextmanager
async def data_client(
    sim: ExchangeSimulator, market: str = "spot", **kwargs: Any
) -> AsyncIterator[tuple[CcxtDataClient, Received]]:
    """A data client on ``sim``'s ``market`` recording what it delivers; closed on exit."""
    market_type = "linear" if market == "usdm" else "spot"
    exchange = create_exchange("binance", market_type, overrides=sim.ccxt_config(market))
    got = Received()
    client = CcxtDataClient(
        exchange,
        capabilities_for("binance", market_type),
        on_bar=got.bars.append,
        on_trade=got.trades.append,
        on_book=got.book.append,
        on_quote=got.quotes.append,
        backoff=FAST,
        **kwargs,
    )
    try:
        yield client, got
    finally:
        await client.close()


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def subscribed(sim: ExchangeSimulator, client: CcxtDataClient, market: str = "spot") -> None:
    """Wait until the simulator has handled the SUBSCRIBE of every stream of ``client``: each
    event after that reaches it (a socket that is merely open may still miss the first ones)."""
    await until(lambda: len(sim.market_streams(market)) >= len(client.streams))


def advance(sim: ExchangeSimulator, ms: int, step_ms: int = 15_000) -> None:
    for _ in range(ms // step_ms):
        sim.advance(step_ms)


def run(coroutine, timeout: float = 60.0):
    async def bounded():
        return await asyncio.wait_for(coroutine, timeout)

    return asyncio.run(bounded())


def recorded(btc_bars: pd.DataFrame, first_ms: int, count: int) -> list[tuple]:
    start = first_ms * NANOS_PER_MILLI
    rows = btc_bars[btc_bars["ts_open"] >= start].head(count)
    return [
        (
            int(r.ts_open),
            r.open,
            r.high,
            r.low,
            r.close,
            r.volume,
            int(r.ts_open) + 60 * NANOS_PER_SECOND,
        )
        for r in rows.itertuples()
    ]


def bar_tuples(bars: list[Bar]) -> list[tuple]:
    return [(b.ts_open, b.open, b.high, b.low, b.close, b.volume, b.ts_event) for b in bars]


def test_closed_bars_equal_the_recorded_ones_and_come_once(sim, btc_bars) -> None:
    async def scenario() -> list[Bar]:
        async with data_client(sim) as (client, got):
            client.subscribe_bars(SPOT_ID, "1m")
            await subscribed(sim, client)
            for _ in range(5):
                advance(sim, 60_000)
                await asyncio.sleep(0.1)
            await until(lambda: len(got.bars) >= 5)
            await asyncio.sleep(0.3)
        return got.bars

    bars = run(scenario())
    # five minutes replayed: the kline opening at 00:05 closes the fifth bar, and no more
    assert bar_tuples(bars) == recorded(btc_bars, SIM_START_MS, 5)
    assert all(b.instrument_id == SPOT_ID and b.timeframe == "1m" for b in bars)


def test_each_trade_once_and_in_order(sim) -> None:
    async def scenario() -> list[TradeTick]:
        async with data_client(sim) as (client, got):
            client.subscribe_trades(SPOT_ID)
            await subscribed(sim, client)
            before = len(sim.exchange.trades("spot", "BTCUSDT", 1000))
            advance(sim, 120_000)
            tape = sim.exchange.trades("spot", "BTCUSDT", 1000)[before:]
            await until(lambda: len(got.trades) >= len(tape))
            await asyncio.sleep(0.2)
        return got.trades, tape

    trades, tape = run(scenario())
    assert len(trades) == len(tape) > 10
    assert [t.trade_id for t in trades] == [str(p.trade_id) for p in tape]
    assert [t.price for t in trades] == [float(p.price) for p in tape]
    assert [t.ts_event for t in trades] == [p.trade_ms * NANOS_PER_MILLI for p in tape]


def test_duplicated_trade_frames_are_delivered_once(sim) -> None:
    sim.ws_faults.add(WsFaultRule("duplicate", path="/stream", stream="@trade", count=5))

    async def scenario() -> tuple[list[TradeTick], int]:
        async with data_client(sim) as (client, got):
            client.subscribe_trades(SPOT_ID)
            await subscribed(sim, client)
            before = len(sim.exchange.trades("spot", "BTCUSDT", 1000))
            advance(sim, 60_000)
            printed = len(sim.exchange.trades("spot", "BTCUSDT", 1000)) - before
            await until(lambda: len(got.trades) >= printed)
            await asyncio.sleep(0.3)
        return got.trades, printed

    trades, printed = run(scenario())
    assert len(sim.ws_faults.log) == 5
    ids = [t.trade_id for t in trades]
    assert len(ids) == len(set(ids)) == printed


def _book_matches(
    book: OrderBook, sim: ExchangeSimulator, market: str, symbol: str, depth: int
) -> bool:
    last, bids, asks = sim.exchange.depth_snapshot(market, symbol, depth)
    return (
        book.last_update_id == last
        and book.bids(depth) == [(float(p), float(q)) for p, q in bids]
        and book.asks(depth) == [(float(p), float(q)) for p, q in asks]
    )


@pytest.mark.parametrize("market", ["spot", "usdm"])
def test_the_streamed_book_equals_the_simulators(sim, market) -> None:
    instrument = SPOT_ID if market == "spot" else PERP_ID

    async def scenario() -> tuple[BookReplica, list]:
        async with data_client(sim, market, book_depth=10) as (client, got):
            replica = BookReplica(instrument, got.book)
            client.subscribe_book(instrument)
            await subscribed(sim, client, market)
            for _ in range(3):
                advance(sim, 30_000)
                await until(lambda: replica.matches(sim, market, 10))
        return replica, got.book

    replica, events = run(scenario())
    assert isinstance(events[0], BookSnapshot)
    assert len(events) >= 3 and all(isinstance(e, BookDeltas) for e in events[1:])
    assert not replica.book.is_crossed()


class BookReplica:
    """A consumer's book: the events applied in order, as the DataEngine applies them."""

    def __init__(self, instrument, events: list) -> None:
        self.book = OrderBook(instrument)
        self.events = events
        self.applied = 0

    def matches(self, sim: ExchangeSimulator, market: str, depth: int) -> bool:
        for event in self.events[self.applied :]:
            if isinstance(event, BookSnapshot):
                self.book.apply_snapshot(event)
            else:
                self.book.apply_deltas(event)
        self.applied = len(self.events)
        return _book_matches(self.book, sim, market, "BTCUSDT", depth)


def test_a_server_close_reconnects_and_no_bar_is_lost_or_doubled(sim, btc_bars) -> None:
    async def scenario() -> tuple[list[Bar], StreamState]:
        async with data_client(sim) as (client, got):
            key = client.subscribe_bars(SPOT_ID, "1m")
            await subscribed(sim, client)
            advance(sim, 60_000)
            await until(lambda: client.streams[key].messages > 0)
            sim.ws_faults.add(
                WsFaultRule("close", path="/stream", stream="@kline", close_code=1001)
            )
            # the close fires on the next kline frame; the minutes below pass while reconnecting
            for _ in range(4):
                advance(sim, 60_000)
                await asyncio.sleep(0.3)
            await until(lambda: len(got.bars) >= 4)
            await asyncio.sleep(0.3)
            return got.bars, client.streams[key]

    bars, state = run(scenario())
    assert state.reconnects >= 1 and state.error is None
    assert bar_tuples(bars) == recorded(btc_bars, SIM_START_MS, len(bars))
    assert len(bars) >= 4


def test_lost_kline_frames_are_repaired_over_rest(sim, btc_bars) -> None:
    async def scenario() -> list[Bar]:
        async with data_client(sim) as (client, got):
            client.subscribe_bars(SPOT_ID, "1m")
            await subscribed(sim, client)
            advance(sim, 60_000)
            await until(lambda: client.streams[f"bars:{SPOT_ID}:1m"].messages > 0)
            # every kline frame of the next two and a half minutes is lost
            sim.ws_faults.add(WsFaultRule("drop", path="/stream", stream="@kline", sticky=True))
            advance(sim, 150_000)
            sim.ws_faults.clear()
            advance(sim, 90_000)
            await until(lambda: len(got.bars) >= 4)
            await asyncio.sleep(0.3)
        return got.bars

    bars = run(scenario())
    assert bar_tuples(bars) == recorded(btc_bars, SIM_START_MS, len(bars))
    assert len(bars) >= 4
    assert any(r.path == "/api/v3/klines" for r in sim.requests)


def test_quotes_follow_the_best_bid_and_ask(sim) -> None:
    async def scenario() -> list[QuoteTick]:
        async with data_client(sim) as (client, got):
            client.subscribe_quotes(SPOT_ID)
            await subscribed(sim, client)
            advance(sim, 30_000)

            def at_top() -> bool:
                _, bids, asks = sim.exchange.depth_snapshot("spot", "BTCUSDT", 1)
                last = got.quotes[-1] if got.quotes else None
                return last is not None and (last.bid_price, last.ask_price) == (
                    float(bids[0][0]),
                    float(asks[0][0]),
                )

            await until(at_top)
        return got.quotes

    quotes = run(scenario())
    assert all(q.bid_price < q.ask_price for q in quotes)


def test_staleness_grows_without_messages_and_resets_on_one(sim) -> None:
    now = [10 * NANOS_PER_SECOND]

    async def scenario() -> tuple[dict, dict]:
        async with data_client(sim, clock_ns=lambda: now[0]) as (client, _):
            key = client.subscribe_trades(SPOT_ID)
            await subscribed(sim, client)
            now[0] += 7 * NANOS_PER_SECOND
            quiet = client.staleness()
            advance(sim, 15_000)
            await until(lambda: client.streams[key].messages > 0)
            now[0] += 2 * NANOS_PER_SECOND
            return quiet, client.staleness()

    quiet, fresh = run(scenario())
    assert quiet == {f"trades:{SPOT_ID}": 7.0}
    assert fresh == {f"trades:{SPOT_ID}": 2.0}


def test_a_stream_the_venue_lacks_or_a_missing_callback_is_refused(sim) -> None:
    async def scenario() -> None:
        exchange = create_exchange("binance", "spot", overrides=sim.ccxt_config("spot"))
        trades_only = replace(capabilities_for("binance"), watch=frozenset({"trades", "ticker"}))
        client = CcxtDataClient(exchange, trades_only, on_bar=print, on_quote=print)
        try:
            with pytest.raises(ValueError, match="on_trade was not given"):
                client.subscribe_trades(SPOT_ID)
            with pytest.raises(DataError, match="BINANCE has no watch_ohlcv"):
                client.subscribe_bars(SPOT_ID, "1m")
            key = client.subscribe_quotes(SPOT_ID)  # no watch_bids_asks: watch_ticker instead
            assert client.subscribe_quotes(SPOT_ID) == key and list(client.streams) == [key]
        finally:
            await client.close()

    run(scenario())

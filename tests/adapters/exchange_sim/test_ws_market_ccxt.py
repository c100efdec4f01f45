"""The simulator's market streams against the real ``ccxt.pro.binance`` client (async).

The simulator runs in its own thread (fixture ``sim``: stepped clock, synthesized book around the
sample BTCUSDT 1m bars); each test drives ccxt on its own event loop and moves the simulator's
clock with ``sim.advance``. A watch only sees events that arrive after it is pending (research
note G7), so every watch is armed as a task before the clock moves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import ccxt
import pytest
from tests.adapters.exchange_sim.ws_ccxt import T, advance, run, subscribed

from colin.adapters.exchange_sim import ExchangeSimulator
from colin.adapters.exchange_sim.ws_faults import WsFaultRule

BAR_MS = 60_000


async def until(
    done: Callable[[], bool],
    watch: Callable[[], Awaitable[Any]],
    replayed: BaseException | None = None,
) -> None:
    """Watch until ``done()`` holds (checked on ccxt's caches, which also fill between watches).

    ``replayed``: an error already raised by an earlier watch that ccxt may raise again. ccxt
    4.5.90 keeps a rejection that came while no watch was pending, and every later watch of
    that stream re-raises the very same error object until the stream resolves again (here:
    until the resubscribed book has its new snapshot). Any other error fails the watch.
    """
    async with asyncio.timeout(T):
        while not done():
            try:
                await asyncio.wait_for(watch(), 0.5)
            except TimeoutError:
                continue
            except Exception as exc:
                if exc is not replayed:
                    raise
                await asyncio.sleep(0.05)


async def synced_to(
    exchange: Any, symbol: str, nonce: int, replayed: BaseException | None = None
) -> Any:
    """Watch the book until it has applied every diff up to ``nonce`` (``replayed``: see
    :func:`until`)."""

    def done() -> bool:
        book = exchange.orderbooks.get(symbol)
        return book is not None and book["nonce"] is not None and book["nonce"] >= nonce

    await until(done, lambda: exchange.watch_order_book(symbol), replayed)
    return exchange.orderbooks[symbol]


async def first_update(sim: ExchangeSimulator, pending: asyncio.Future[Any]) -> Any:
    """Advance in 5 s steps until ``pending`` (a fresh watch) resolves: its stream is then live."""
    for _ in range(24):
        if pending.done():
            break
        await advance(sim, 5_000)
        await asyncio.sleep(0.05)
    return await asyncio.wait_for(pending, T)


def levels(side: Any) -> list[tuple[float, float]]:
    return [(float(price), float(amount)) for price, amount in side]


@pytest.mark.parametrize(("market", "symbol"), [("spot", "BTC/USDT"), ("usdm", "BTC/USDT:USDT")])
def test_watch_order_book_stays_equal_to_the_simulator_book(
    sim: ExchangeSimulator, market: str, symbol: str
) -> None:
    async def body(exchange: Any) -> None:
        first = await asyncio.wait_for(exchange.watch_order_book(symbol), T)
        assert first["nonce"] is not None and first["bids"] and first["asks"]
        first_nonce = first["nonce"]
        for _ in range(5):
            await advance(sim, 20_000)
            truth = await asyncio.wait_for(exchange.fetch_order_book(symbol, 1000), T)
            book = await synced_to(exchange, symbol, truth["nonce"])
            assert book["nonce"] == truth["nonce"]
            assert levels(book["bids"]) == levels(truth["bids"])
            assert levels(book["asks"]) == levels(truth["asks"])
        assert book["nonce"] > first_nonce

    run(sim, market, body)


@pytest.mark.parametrize(("market", "symbol"), [("spot", "BTC/USDT"), ("usdm", "BTC/USDT:USDT")])
def test_watch_trades_delivers_the_tape(sim: ExchangeSimulator, market: str, symbol: str) -> None:
    async def body(exchange: Any) -> None:
        first = await first_update(sim, asyncio.ensure_future(exchange.watch_trades(symbol)))
        first_id = int(first[-1]["id"])
        await advance(sim, BAR_MS)
        tape = await asyncio.wait_for(exchange.fetch_trades(symbol, limit=1000), T)
        expected = {t["id"]: (t["price"], t["amount"]) for t in tape if int(t["id"]) > first_id}
        assert len(expected) >= 10  # a synthesized bar prints a dozen trades

        def seen() -> dict[str, tuple[float, float]]:
            return {t["id"]: (t["price"], t["amount"]) for t in exchange.trades[symbol]}

        await until(lambda: expected.keys() <= seen().keys(), lambda: exchange.watch_trades(symbol))
        assert {k: seen()[k] for k in expected} == expected

    run(sim, market, body)


@pytest.mark.parametrize(("market", "symbol"), [("spot", "BTC/USDT"), ("usdm", "BTC/USDT:USDT")])
def test_watch_ohlcv_closes_the_same_candle_as_rest(
    sim: ExchangeSimulator, market: str, symbol: str
) -> None:
    async def body(exchange: Any) -> None:
        await first_update(sim, asyncio.ensure_future(exchange.watch_ohlcv(symbol, "1m")))
        start = (sim.now_ms() // BAR_MS + 1) * BAR_MS
        await advance(sim, start + BAR_MS - sim.now_ms())
        rest = await asyncio.wait_for(exchange.fetch_ohlcv(symbol, "1m", since=start, limit=1), T)
        assert rest[0][0] == start and rest[0][5] > 0

        def closed() -> bool:  # every update of the bar, up to its close
            return bool({c[0]: c for c in exchange.ohlcvs[symbol]["1m"]}.get(start) == rest[0])

        await until(closed, lambda: exchange.watch_ohlcv(symbol, "1m"))

    run(sim, market, body)


# -- WebSocket faults, as ccxt experiences them ------------------------------------------------


async def assert_book_matches(
    sim: ExchangeSimulator, exchange: Any, symbol: str, replayed: BaseException | None = None
) -> None:
    """Advance, then the watched book must equal a fresh REST snapshot (``replayed``: see
    :func:`until`)."""
    await advance(sim, 20_000)
    truth = await asyncio.wait_for(exchange.fetch_order_book(symbol, 1000), T)
    book = await synced_to(exchange, symbol, truth["nonce"], replayed)
    assert (book["nonce"], levels(book["bids"]), levels(book["asks"])) == (
        truth["nonce"],
        levels(truth["bids"]),
        levels(truth["asks"]),
    )


@pytest.mark.parametrize(("market", "symbol"), [("spot", "BTC/USDT"), ("usdm", "BTC/USDT:USDT")])
def test_duplicated_and_late_acked_depth_frames_are_absorbed(
    sim: ExchangeSimulator, market: str, symbol: str
) -> None:
    sim.ws_faults.add(WsFaultRule("delay_ack", duration_s=0.3))
    sim.ws_faults.add(WsFaultRule("duplicate", stream="@depth", sticky=True))

    async def body(exchange: Any) -> None:
        pending = asyncio.ensure_future(exchange.watch_order_book(symbol))
        await subscribed(sim, market)
        await advance(sim, 5_000)  # diffs flow before the subscription is acknowledged
        await asyncio.wait_for(pending, T)
        for _ in range(3):
            await assert_book_matches(sim, exchange, symbol)

    run(sim, market, body)
    kinds = [record.kind for record in sim.ws_faults.log]
    assert kinds[0] == "delay_ack" and kinds.count("duplicate") >= 3


@pytest.mark.parametrize("kind", ["drop", "reorder"])
@pytest.mark.parametrize(("market", "symbol"), [("spot", "BTC/USDT"), ("usdm", "BTC/USDT:USDT")])
def test_a_depth_gap_raises_checksum_error_and_the_next_watch_resyncs(
    sim: ExchangeSimulator, market: str, symbol: str, kind: str
) -> None:
    async def body(exchange: Any) -> None:
        await asyncio.wait_for(exchange.watch_order_book(symbol), T)
        snapshots = sum("depth" in r.path for r in sim.requests)
        sim.ws_faults.add(WsFaultRule(kind, stream="@depth", after=2))  # type: ignore[arg-type]
        pending = asyncio.ensure_future(synced_to(exchange, symbol, 2**62))
        await advance(sim, BAR_MS)  # a dozen book changes: the third is lost
        with pytest.raises(ccxt.ChecksumError) as gap:
            await asyncio.wait_for(pending, T)
        # resubscribed from a new snapshot; until it lands, ccxt may replay the same error
        await assert_book_matches(sim, exchange, symbol, replayed=gap.value)
        assert sum("depth" in r.path for r in sim.requests) >= snapshots + 2

    run(sim, market, body)
    assert [record.kind for record in sim.ws_faults.log] == [kind]


@pytest.mark.parametrize(
    "rule",
    [
        WsFaultRule("close", path="/stream", close_code=1000),
        WsFaultRule("close", path="/stream", close_code=1001),
        WsFaultRule("close", path="/stream", close_code=None),
        WsFaultRule("shutdown", path="/stream", duration_s=0.5),
    ],
    ids=["close-1000", "close-1001", "tcp-reset", "server-shutdown"],
)
def test_a_closed_stream_raises_network_error_and_the_next_watch_reconnects(
    sim: ExchangeSimulator, rule: WsFaultRule
) -> None:
    async def follow(exchange: Any) -> None:
        """Keep a book watch pending, as a strategy loop does, until it fails."""
        while True:
            await exchange.watch_order_book("BTC/USDT")

    async def body(exchange: Any) -> None:
        await asyncio.wait_for(exchange.watch_order_book("BTC/USDT"), T)
        sim.ws_faults.add(rule)
        following = asyncio.ensure_future(follow(exchange))
        await asyncio.sleep(0.05)
        await advance(sim, 5_000)  # a shutdown still delivers these, then closes
        with pytest.raises(ccxt.NetworkError):
            await asyncio.wait_for(following, T)
        await assert_book_matches(sim, exchange, "BTC/USDT")

    run(sim, "spot", body)
    assert [record.kind for record in sim.ws_faults.log] == [rule.kind]


def test_a_stalled_stream_stays_open_but_silent(sim: ExchangeSimulator) -> None:
    async def body(exchange: Any) -> None:
        await first_update(sim, asyncio.ensure_future(exchange.watch_trades("BTC/USDT")))
        sim.ws_faults.add(WsFaultRule("stall", stream="@trade", duration_s=None))
        pending = asyncio.ensure_future(exchange.watch_trades("BTC/USDT"))
        await advance(sim, BAR_MS)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(pending), 1.0)
        client = next(iter(exchange.clients.values()))
        assert not client.closed()
        pending.cancel()

    run(sim, "spot", body)


def test_unanswered_pings_make_ccxt_time_out_the_connection(sim: ExchangeSimulator) -> None:
    sim.ws_faults.add(WsFaultRule("no_pong", path="/stream", sticky=True))

    async def body(exchange: Any) -> None:
        exchange.streaming = {**exchange.streaming, "keepAlive": 200}
        pending = asyncio.ensure_future(exchange.watch_trades("BTC/USDT"))
        with pytest.raises(ccxt.RequestTimeout):
            await asyncio.wait_for(pending, T)

    run(sim, "spot", body)


@pytest.mark.parametrize(("market", "symbol"), [("spot", "BTC/USDT"), ("usdm", "BTC/USDT:USDT")])
def test_watch_bids_asks_follows_the_top_of_the_book(
    sim: ExchangeSimulator, market: str, symbol: str
) -> None:
    async def body(exchange: Any) -> None:
        await first_update(sim, asyncio.ensure_future(exchange.watch_bids_asks([symbol])))
        await advance(sim, 20_000)
        book = await asyncio.wait_for(exchange.fetch_order_book(symbol, 5), T)
        top = (book["bids"][0][0], book["bids"][0][1], book["asks"][0][0], book["asks"][0][1])

        def streamed() -> tuple[Any, ...]:
            ticker = exchange.bidsasks.get(symbol, {})
            return tuple(ticker.get(k) for k in ("bid", "bidVolume", "ask", "askVolume"))

        await until(lambda: streamed() == top, lambda: exchange.watch_bids_asks([symbol]))

    run(sim, market, body)

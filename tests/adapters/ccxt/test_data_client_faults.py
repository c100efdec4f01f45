"""CcxtDataClient's stream loop on scripted watch results: errors, re-watch, repair, stop."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import ccxt

from colin.adapters.ccxt.capabilities import capabilities_for
from colin.adapters.ccxt.data_client import CcxtDataClient
from colin.adapters.ccxt.rate_limit import RetryPolicy
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_MILLI
from colin.model.book import BookDeltas, BookSnapshot

BTC = InstrumentId("BTC/USDT.BINANCE")
T0 = 1_704_067_200_000
MINUTE = 60_000


class ScriptedExchange:
    """Each ``watch_*`` call takes the next scripted result (raised if it is an exception)."""

    def __init__(self, script: list[Any], rest: list[list[Any]] | None = None) -> None:
        self.script = deque(script)
        self.rest = rest or []
        self.rest_calls: list[tuple[int, int]] = []
        self.closed = False
        self.done = asyncio.Event()

    async def _next(self) -> Any:
        if not self.script:
            self.done.set()
            await asyncio.sleep(3600)
        item = self.script.popleft()
        if isinstance(item, Exception):
            raise item
        return item

    async def watch_ohlcv(self, symbol: str, timeframe: str) -> Any:
        return await self._next()

    async def watch_trades(self, symbol: str) -> Any:
        return await self._next()

    async def watch_order_book(self, symbol: str) -> Any:
        return await self._next()

    async def fetch_ohlcv(self, symbol: str, timeframe: str, since: int, limit: int) -> Any:
        self.rest_calls.append((since, limit))
        return [row for row in self.rest if row[0] >= since][:limit]

    async def close(self) -> None:
        self.closed = True


def candle(minute: int, close: float) -> list[Any]:
    return [T0 + minute * MINUTE, close, close + 1.0, close / 2, close, 1.0]


def trade(ms: int, trade_id: str) -> dict[str, Any]:
    return {"timestamp": T0 + ms, "price": 100.0, "amount": 1.0, "side": "buy", "id": trade_id}


def stream(script: list[Any], subscribe: str, rest=None, **callbacks):
    sleeps: list[float] = []

    async def no_wait(seconds: float) -> None:
        sleeps.append(seconds)

    async def run():
        exchange = ScriptedExchange(script, rest)
        client = CcxtDataClient(
            exchange,
            capabilities_for("binance"),
            backoff=RetryPolicy(max_attempts=1, base_s=0.1, factor=2.0, cap_s=0.3),
            sleep=no_wait,
            **callbacks,
        )
        key = (
            getattr(client, subscribe)(BTC, "1m")
            if subscribe == "subscribe_bars"
            else getattr(client, subscribe)(BTC)
        )
        await asyncio.wait_for(
            asyncio.wait(
                [asyncio.ensure_future(exchange.done.wait()), client.streams[key].task],
                return_when=asyncio.FIRST_COMPLETED,
            ),
            10,
        )
        state = client.streams[key]
        await client.close()
        assert exchange.closed
        return state, exchange

    state, exchange = asyncio.run(run())
    return state, exchange, sleeps


def test_network_errors_are_rewatched_with_capped_backoff_and_reset_on_success() -> None:
    trades: list = []
    errors = [ccxt.NetworkError("closed"), ccxt.ChecksumError("gap"), ccxt.RequestTimeout("t")]
    script = [*errors, ccxt.ExchangeNotAvailable("502"), [trade(1, "1")], ccxt.NetworkError("x")]
    state, _, sleeps = stream(
        [*script, [trade(2, "2")]], "subscribe_trades", on_trade=trades.append
    )
    assert sleeps == [0.1, 0.2, 0.3, 0.3, 0.1]  # capped, and back to the start after a message
    assert state.reconnects == 5 and state.messages == 2 and state.error is None
    assert [t.trade_id for t in trades] == ["1", "2"]


def test_an_error_ccxt_replays_until_it_has_resubscribed_counts_once() -> None:
    trades: list = []
    gap = ccxt.ChecksumError("gap")
    script = [gap, gap, gap, [trade(1, "1")], ccxt.ChecksumError("gap"), [trade(2, "2")]]
    state, _, sleeps = stream(script, "subscribe_trades", on_trade=trades.append)
    assert state.reconnects == 2 and state.messages == 2
    assert sleeps == [0.1, 0.2, 0.3, 0.1]  # still backing off while the error is replayed
    assert [t.trade_id for t in trades] == ["1", "2"]


def test_a_non_retryable_error_stops_the_stream_and_is_recorded() -> None:
    state, _, _ = stream(
        [ccxt.BadSymbol("binance does not have market symbol")], "subscribe_trades", on_trade=print
    )
    assert state.error == "BadSymbol: binance does not have market symbol"
    assert state.task is not None and state.task.done()


def test_malformed_messages_and_failing_callbacks_do_not_end_the_stream() -> None:
    delivered: list = []

    def picky(tick) -> None:
        if tick.trade_id == "2":
            raise RuntimeError("consumer bug")
        delivered.append(tick.trade_id)

    script = [[trade(1, "1")], [{"timestamp": "soon"}], [trade(2, "2")], [trade(3, "3")]]
    state, _, _ = stream(script, "subscribe_trades", on_trade=picky)
    assert delivered == ["1", "3"]
    assert (state.decode_errors, state.handler_errors, state.messages) == (1, 1, 4)


def test_repeated_and_older_trades_are_dropped() -> None:
    trades: list = []
    script = [
        [trade(1, "1"), trade(5, "2"), trade(5, "3")],
        [trade(5, "3"), trade(5, "4"), trade(4, "0")],
        [trade(6, "5"), {**trade(6, "x"), "id": None}, {**trade(6, "x"), "id": None}],
    ]
    stream(script, "subscribe_trades", on_trade=trades.append)
    assert [t.trade_id for t in trades] == ["1", "2", "3", "4", "5", "", ""]


def test_bars_close_on_the_next_kline_and_a_reconnect_repairs_from_rest() -> None:
    bars: list = []
    rest = [candle(m, 200.0 + m) for m in range(10)]
    script = [
        [candle(0, 1.0)],
        [candle(0, 2.0)],  # an update of the open bar: nothing closes
        [candle(0, 3.0), candle(1, 4.0)],  # minute 1 opened: minute 0 closed with close 3
        ccxt.NetworkError("socket closed"),  # minutes 1..3 pass while reconnecting
        [candle(4, 5.0)],  # back: 1..3 come from REST, with the venue's final values
        [candle(5, 6.0)],
    ]
    state, exchange, _ = stream(script, "subscribe_bars", rest=rest, on_bar=bars.append)
    assert [(b.ts_open // NANOS_PER_MILLI - T0) // MINUTE for b in bars] == [0, 1, 2, 3, 4]
    assert [b.close for b in bars] == [3.0, 201.0, 202.0, 203.0, 5.0]
    assert exchange.rest_calls == [(T0 + MINUTE, 3)] and state.reconnects == 1
    assert all(b.ts_event == b.ts_open + MINUTE * NANOS_PER_MILLI for b in bars)


def test_a_skipped_kline_is_repaired_without_a_reconnect() -> None:
    bars: list = []
    rest = [candle(m, 300.0 + m) for m in range(10)]
    script = [[candle(0, 1.0)], [candle(1, 2.0)], [candle(3, 4.0)], [candle(4, 5.0)]]
    _, exchange, _ = stream(script, "subscribe_bars", rest=rest, on_bar=bars.append)
    # minute 2 never came: minutes 1 and 2 (1 was held from the stream) are read from REST
    assert [b.close for b in bars] == [1.0, 301.0, 302.0, 4.0]
    assert exchange.rest_calls == [(T0 + MINUTE, 2)]


def test_book_restarts_with_a_snapshot_after_a_resync() -> None:
    events: list = []

    def book(nonce: int, bid: float) -> dict[str, Any]:
        return {"bids": [[bid, 1.0]], "asks": [[101.0, 1.0]], "nonce": nonce, "timestamp": T0}

    script = [
        book(1, 99.0),
        book(2, 99.5),
        book(2, 99.5),
        book(3, 99.5),
        ccxt.ChecksumError("gap"),
        book(9, 98.0),
    ]
    stream(script, "subscribe_book", on_book=events.append)
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["BookSnapshot", "BookDeltas", "BookSnapshot"]
    assert isinstance(events[1], BookDeltas) and (
        events[1].first_update_id,
        events[1].last_update_id,
    ) == (2, 2)
    assert isinstance(events[2], BookSnapshot) and events[2].last_update_id == 9

"""REST backfill through the real ccxt client against the local exchange simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pytest
from tests.adapters.ccxt.virtual_time import VirtualTime
from tests.adapters.conftest import PERP_ID, SIM_START_MS, SPOT_ID

from colin.adapters.ccxt.backfill import Backfiller, missing_ranges
from colin.adapters.ccxt.capabilities import capabilities_for
from colin.adapters.ccxt.exchange_factory import create_exchange
from colin.adapters.ccxt.rate_limit import RetryPolicy, TokenBucket
from colin.adapters.exchange_sim import ExchangeSimulator, FaultRule
from colin.core.errors import RateLimitError
from colin.core.time import NANOS_PER_MILLI, NANOS_PER_MINUTE, parse_time

T = TypeVar("T")
DAY_START = parse_time("2024-04-02")
BAR_COLUMNS = ["ts_open", "open", "high", "low", "close", "volume"]


def run(coroutine: Awaitable[T], timeout: float = 60.0) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coroutine, timeout)

    return asyncio.run(bounded())


async def collect(sim: ExchangeSimulator, fetch, market: str = "spot", **kwargs: Any):
    exchange = create_exchange(
        "binance", "linear" if market == "usdm" else "spot", overrides=sim.ccxt_config(market)
    )
    capabilities = capabilities_for("binance", "linear" if market == "usdm" else "spot")
    backfiller = Backfiller(exchange, capabilities, **kwargs)
    try:
        frames = [frame async for frame in fetch(backfiller)]
    finally:
        await exchange.close()
    return backfiller, frames


def expected_bars(btc_bars: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    keep = (btc_bars["ts_open"] >= start) & (btc_bars["ts_open"] < end)
    return btc_bars.loc[keep, BAR_COLUMNS].reset_index(drop=True)


def test_ohlcv_paginates_and_returns_the_recorded_bars(sim, btc_bars) -> None:
    end = DAY_START + 300 * NANOS_PER_MINUTE
    backfiller, frames = run(
        collect(sim, lambda b: b.ohlcv(SPOT_ID, "1m", DAY_START, end), page_limit=120)
    )
    assert [len(frame) for frame in frames] == [120, 120, 60]
    klines = [r for r in sim.requests if r.path.endswith("/klines")]
    assert len(klines) == 3 and backfiller.requests == 4  # + one fetch_time
    assert [r.params["limit"] for r in klines] == ["120", "120", "60"]
    got = pd.concat(frames, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected_bars(btc_bars, DAY_START, end))


def test_ohlcv_of_the_perpetual_uses_the_futures_api(sim, btc_bars) -> None:
    end = DAY_START + 30 * NANOS_PER_MINUTE
    _, frames = run(collect(sim, lambda b: b.ohlcv(PERP_ID, "1m", DAY_START, end), market="usdm"))
    assert any(r.path == "/fapi/v1/klines" for r in sim.requests)
    pd.testing.assert_frame_equal(frames[0], expected_bars(btc_bars, DAY_START, end))


def test_ohlcv_stops_at_the_venue_clock_so_the_forming_bar_is_never_returned(sim) -> None:
    sim.advance(90_000)  # 1.5 minutes into the simulated day: one bar closed, one forming
    start = (SIM_START_MS - 10 * 60_000) * NANOS_PER_MILLI
    _, frames = run(collect(sim, lambda b: b.ohlcv(SPOT_ID, "1m", start, start + 10**15)))
    last = int(pd.concat(frames)["ts_open"].iloc[-1])
    assert last == SIM_START_MS * NANOS_PER_MILLI  # the bar 00:00-00:01 closed, 00:01 is forming


def test_interrupted_backfill_resumes_with_only_the_missing_pages(sim, btc_bars) -> None:
    end = DAY_START + 500 * NANOS_PER_MINUTE

    async def first_two_pages(backfiller: Backfiller) -> list[pd.DataFrame]:
        pages = []
        stream = backfiller.ohlcv(SPOT_ID, "1m", DAY_START, end)
        async for frame in stream:
            pages.append(frame)
            if len(pages) == 2:
                break
        await stream.aclose()
        return pages

    async def interrupted() -> list[pd.DataFrame]:
        exchange = create_exchange("binance", "spot", overrides=sim.ccxt_config("spot"))
        try:
            return await first_two_pages(
                Backfiller(exchange, capabilities_for("binance"), page_limit=100)
            )
        finally:
            await exchange.close()

    stored = pd.concat(run(interrupted()), ignore_index=True)
    gaps = missing_ranges(stored["ts_open"].to_numpy(), DAY_START, end, NANOS_PER_MINUTE)
    assert gaps == [(DAY_START + 200 * NANOS_PER_MINUTE, end)]

    async def resume(backfiller: Backfiller):
        for start, stop in gaps:
            async for frame in backfiller.ohlcv(SPOT_ID, "1m", start, stop):
                yield frame

    backfiller, rest = run(collect(sim, resume, page_limit=100))
    assert [len(frame) for frame in rest] == [100, 100, 100]
    assert backfiller.requests == 4
    everything = pd.concat([stored, *rest], ignore_index=True)
    assert not everything["ts_open"].duplicated().any()
    pd.testing.assert_frame_equal(everything, expected_bars(btc_bars, DAY_START, end))


def test_a_429_storm_backs_off_by_retry_after_and_completes(sim, btc_bars) -> None:
    sim.faults.add(FaultRule.rate_limited(path="*/klines", retry_after=3, count=4))
    time = VirtualTime()
    bucket = TokenBucket.from_budget(
        capabilities_for("binance").rate_budget, clock=time.clock, sleep=time.sleep
    )
    end = DAY_START + 250 * NANOS_PER_MINUTE
    backfiller, frames = run(
        collect(
            sim,
            lambda b: b.ohlcv(SPOT_ID, "1m", DAY_START, end),
            bucket=bucket,
            page_limit=100,
            sleep=time.sleep,
        )
    )
    assert len(sim.fault_log) == 4 and backfiller.retries == 4 and bucket.penalties == 4
    assert time.now >= 4 * 3.0  # nothing was sent before each Retry-After had passed
    pd.testing.assert_frame_equal(
        pd.concat(frames, ignore_index=True), expected_bars(btc_bars, DAY_START, end)
    )


def test_server_errors_are_retried_with_backoff_and_a_storm_that_never_ends_gives_up(sim) -> None:
    sim.faults.add(FaultRule.server_error(path="*/klines", count=2))
    sleeps: list[float] = []

    async def no_wait(seconds: float) -> None:
        sleeps.append(seconds)

    policy = RetryPolicy(max_attempts=3, base_s=0.25)
    end = DAY_START + 10 * NANOS_PER_MINUTE
    _, frames = run(
        collect(sim, lambda b: b.ohlcv(SPOT_ID, "1m", DAY_START, end), retry=policy, sleep=no_wait)
    )
    assert sleeps == [0.25, 0.5] and len(frames[0]) == 10
    sim.faults.add(FaultRule.rate_limited(path="*/klines", retry_after=0, count=None))
    with pytest.raises(RateLimitError, match="gave up after 3 attempts"):
        run(
            collect(
                sim, lambda b: b.ohlcv(SPOT_ID, "1m", DAY_START, end), retry=policy, sleep=no_wait
            )
        )


def test_trades_page_forward_and_each_trade_comes_once(sim_l2, btc_capture) -> None:
    _, recorded = btc_capture
    until_ms = recorded[700].ts_event // NANOS_PER_MILLI
    sim_l2.advance_to(until_ms)
    start = recorded[0].ts_event
    _, frames = run(
        collect(
            sim_l2,
            lambda b: b.trades(SPOT_ID, start, (until_ms + 1) * NANOS_PER_MILLI),
            page_limit=50,
        )
    )
    assert len(frames) > 10
    got = pd.concat(frames, ignore_index=True)
    expected = [t for t in recorded if t.ts_event <= until_ms * NANOS_PER_MILLI]
    assert len(got) == len(expected)
    assert not got["trade_id"].duplicated().any()
    assert got["ts_event"].tolist() == [t.ts_event for t in expected]
    assert np.allclose(got["price"], [t.price for t in expected])
    assert np.allclose(got["size"], [t.size for t in expected])


def test_missing_ranges() -> None:
    step = 60
    stored = np.array([0, 60, 180, 240, 480], dtype=np.int64)
    assert missing_ranges(stored, 0, 600, step) == [(120, 180), (300, 480), (540, 600)]
    assert missing_ranges(stored, 1, 200, step) == [(120, 180)]
    assert missing_ranges(np.array([], dtype=np.int64), 30, 150, step) == [(60, 150)]
    assert missing_ranges(stored, 0, 120, step) == []

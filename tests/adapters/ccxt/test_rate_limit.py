"""The weight-based token bucket and retry pacing, on a virtual clock."""

from __future__ import annotations

import asyncio

import pytest
from tests.adapters.ccxt.virtual_time import VirtualTime

from colin.adapters.ccxt.capabilities import capabilities_for
from colin.adapters.ccxt.rate_limit import RetryPolicy, TokenBucket, retry_after_s


def bucket(capacity: float, refill: float, time: VirtualTime) -> TokenBucket:
    return TokenBucket(capacity, refill, clock=time.clock, sleep=time.sleep)


def test_a_full_bucket_grants_its_capacity_then_paces_by_refill() -> None:
    time = VirtualTime()
    limiter = bucket(10, 2, time)

    async def run() -> list[float]:
        return [await limiter.acquire(w) for w in (10, 4, 1)]

    assert asyncio.run(run()) == [0.0, 2.0, 0.5]
    assert time.now == pytest.approx(2.5)
    assert limiter.waited_s == pytest.approx(2.5)


def test_idle_time_refills_up_to_capacity_only() -> None:
    time = VirtualTime()
    limiter = bucket(10, 1, time)

    async def run() -> float:
        await limiter.acquire(10)
        time.now += 1000.0
        assert limiter.available == 10.0
        await limiter.acquire(10)
        return await limiter.acquire(3)

    assert asyncio.run(run()) == pytest.approx(3.0)


def test_binance_spot_budget_sustains_exactly_its_documented_rate() -> None:
    time = VirtualTime()
    spot = capabilities_for("binance", "spot")
    limiter = TokenBucket.from_budget(spot.rate_budget, clock=time.clock, sleep=time.sleep)
    klines = spot.weight("ohlcv", 1000)

    async def run() -> None:
        for _ in range(5000):  # 10,000 weight of klines requests
            await limiter.acquire(klines)

    asyncio.run(run())
    # 6000 weight go out as a burst, the other 4000 at 100 weight/s
    assert time.now == pytest.approx(40.0)


def test_a_share_of_the_budget_keeps_headroom() -> None:
    budget = capabilities_for("binance", "linear").rate_budget
    limiter = TokenBucket.from_budget(budget, share=0.5)
    assert limiter.capacity == 1200 and limiter.refill_per_s == pytest.approx(20.0)
    with pytest.raises(ValueError, match="share"):
        TokenBucket.from_budget(budget, share=0)


def test_penalty_blocks_every_request_until_retry_after_has_passed() -> None:
    time = VirtualTime()
    limiter = bucket(100, 10, time)

    async def run() -> float:
        await limiter.acquire(1)
        limiter.penalize(30.0)
        assert limiter.available == 0.0
        return await limiter.acquire(5)

    waited = asyncio.run(run())
    # 30 s of penalty, then an empty bucket refilled at 10/s for the 5 tokens
    assert waited == pytest.approx(30.5)
    assert limiter.penalties == 1


def test_waiters_are_served_in_arrival_order() -> None:
    time = VirtualTime()
    limiter = bucket(10, 1, time)
    granted: list[str] = []

    async def take(name: str, weight: int) -> None:
        await limiter.acquire(weight)
        granted.append(name)

    async def run() -> None:
        await limiter.acquire(10)
        await asyncio.gather(take("heavy", 8), take("light-1", 1), take("light-2", 1))

    asyncio.run(run())
    assert granted == ["heavy", "light-1", "light-2"]
    assert time.now == pytest.approx(10.0)


def test_a_weight_above_capacity_is_refused() -> None:
    limiter = bucket(5, 1, VirtualTime())
    with pytest.raises(ValueError, match="exceeds the bucket capacity"):
        asyncio.run(limiter.acquire(6))
    with pytest.raises(ValueError):
        TokenBucket(0, 1)


def test_retry_after_header_parsing() -> None:
    assert retry_after_s({"Retry-After": "7"}) == 7.0
    assert retry_after_s({"retry-after": "0.5", "X-MBX-USED-WEIGHT-1M": "1200"}) == 0.5
    assert retry_after_s({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert retry_after_s({"Retry-After": "-3"}) is None
    assert retry_after_s(None) is None and retry_after_s({}) is None


def test_retry_policy_backs_off_exponentially_up_to_a_cap() -> None:
    policy = RetryPolicy(max_attempts=6, base_s=0.5, factor=2.0, cap_s=3.0)
    assert [policy.delay(n) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]

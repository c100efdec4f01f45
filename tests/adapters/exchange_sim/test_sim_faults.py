"""REST faults and request weights: each maps to the ccxt exception the research notes observed
(§1.6), and the state the exchange ends in is the one the fault implies."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from ccxt.base.errors import (
    DDoSProtection,
    ExchangeNotAvailable,
    InvalidNonce,
    InvalidOrder,
    OperationFailed,
    RateLimitExceeded,
    RequestTimeout,
)

from colin.adapters.exchange_sim import ExchangeSimulator, FaultRule
from colin.adapters.exchange_sim.faults import FaultSet, RequestInfo

SYMBOL = "BTC/USDT"


@pytest.mark.parametrize(
    ("rule", "exception", "status"),
    [
        (FaultRule.rate_limited("/api/v3/depth", retry_after=7), DDoSProtection, 429),
        (FaultRule.ip_banned("/api/v3/depth"), DDoSProtection, 418),
        (
            FaultRule("error", "/api/v3/depth", status=400, code=-1003, msg="Too many requests."),
            RateLimitExceeded,
            400,
        ),
        (FaultRule.server_error("/api/v3/depth", status=503), OperationFailed, 503),
        (FaultRule.bad_gateway("/api/v3/depth"), ExchangeNotAvailable, 502),
        (FaultRule.timestamp_skew("/api/v3/depth"), InvalidNonce, 400),
    ],
)
def test_error_faults_map_to_the_ccxt_exceptions(
    sim: ExchangeSimulator, ccxt_spot: Any, rule: FaultRule, exception: type, status: int
) -> None:
    sim.faults.add(rule)
    with pytest.raises(exception):
        ccxt_spot.fetch_order_book(SYMBOL)
    assert sim.requests[-1].status == status
    if rule.retry_after is not None:
        assert ccxt_spot.last_response_headers["Retry-After"] == str(rule.retry_after)
    assert ccxt_spot.fetch_order_book(SYMBOL)["bids"]  # one-shot: the next call succeeds
    assert [(r.kind, r.path) for r in sim.fault_log] == [("error", "/api/v3/depth")]


def test_slow_ack_creates_the_order_but_the_client_times_out(
    sim: ExchangeSimulator, ccxt_spot: Any
) -> None:
    ccxt_spot.load_markets()
    ccxt_spot.timeout = 300
    sim.faults.add(FaultRule.slow_ack(1_000, "/api/v3/order", method="POST"))
    with pytest.raises(RequestTimeout):
        ccxt_spot.create_order(SYMBOL, "limit", "buy", 0.01, 60000, {"clientOrderId": "slow-1"})
    ccxt_spot.timeout = 10_000
    found = ccxt_spot.fetch_order(None, SYMBOL, {"origClientOrderId": "slow-1"})
    assert found["status"] == "open" and found["price"] == 60000
    with pytest.raises(InvalidOrder, match=r"Duplicate order sent\."):
        ccxt_spot.create_order(SYMBOL, "limit", "buy", 0.01, 60000, {"clientOrderId": "slow-1"})
    assert [o.client_order_id for o in sim.orders("spot")] == ["slow-1"]


def test_lost_ack_replaced_by_a_5xx_still_creates_the_order(
    sim: ExchangeSimulator, ccxt_spot: Any
) -> None:
    sim.faults.add(FaultRule.slow_ack(0, "/api/v3/order", method="POST", replace_ack=True))
    with pytest.raises(OperationFailed):
        ccxt_spot.create_order(SYMBOL, "market", "buy", 0.01, None, {"clientOrderId": "lost-1"})
    (order,) = sim.orders("spot")
    assert (order.client_order_id, order.status) == ("lost-1", "FILLED")
    assert sim.balances("spot")["BTC"][0] == Decimal("0.11")


def test_stalled_request_is_never_processed(sim: ExchangeSimulator, ccxt_spot: Any) -> None:
    ccxt_spot.load_markets()
    ccxt_spot.timeout = 300
    sim.faults.add(FaultRule.stall(800, "/api/v3/order", method="POST"))
    with pytest.raises(RequestTimeout):
        ccxt_spot.create_order(SYMBOL, "limit", "buy", 0.01, 60000, {"clientOrderId": "stall-1"})
    time.sleep(1.0)
    assert sim.orders("spot") == []


def test_latency_delays_the_reply(sim: ExchangeSimulator, ccxt_spot: Any) -> None:
    sim.faults.add(FaultRule.latency(300, "/api/v3/time"))
    started = time.monotonic()
    assert ccxt_spot.fetch_time() == sim.now_ms()
    assert time.monotonic() - started >= 0.3


def test_partial_fill_forcing_then_the_rest_fills_at_the_next_book(
    sim: ExchangeSimulator, ccxt_spot: Any
) -> None:
    ask = ccxt_spot.fetch_order_book(SYMBOL, 1)["asks"][0][0]
    sim.faults.add(FaultRule.partial_fill(Decimal("0.4"), "/api/v3/order", method="POST"))
    order = ccxt_spot.create_order(SYMBOL, "limit", "buy", 0.05, ask + 30)
    assert order["status"] == "open" and order["filled"] == 0.02
    sim.advance(5_000)
    assert ccxt_spot.fetch_order(order["id"], SYMBOL)["filled"] == 0.05


def test_sticky_probabilistic_rules_are_seeded() -> None:
    request = RequestInfo("GET", "/api/v3/depth", {})

    def pattern(seed: int) -> list[bool]:
        faults = FaultSet(seed)
        faults.add(FaultRule.server_error("/api/v3/*", count=None, probability=0.5))
        return [bool(faults.fire(request, 0)) for _ in range(40)]

    assert pattern(3) == pattern(3)
    assert pattern(3) != pattern(4)
    assert 5 < sum(pattern(3)) < 35
    only_post = FaultSet()
    only_post.add(FaultRule.server_error(method="POST", count=2))
    assert not only_post.fire(request, 0)
    post = RequestInfo("POST", "/fapi/v1/order", {"symbol": "BTCUSDT"})
    assert [bool(only_post.fire(post, 0)) for _ in range(3)] == [True, True, False]
    keyed = FaultSet()
    keyed.add(FaultRule.server_error(predicate=lambda r: r.params.get("symbol") == "ETHUSDT"))
    assert not keyed.fire(post, 0)


def test_request_weight_burst_gets_429_then_418_then_recovers(
    sim: ExchangeSimulator, ccxt_spot: Any
) -> None:
    sim.weights.limit = 50
    sim.weights.window_ms = 2_000
    sim.weights.ban_ms = 1_500
    time.sleep((2_000 - sim.wall.now_ms() % 2_000) / 1000)  # start at a window's beginning
    ccxt_spot.publicGetExchangeInfo()  # weight 20
    assert ccxt_spot.last_response_headers["X-MBX-USED-WEIGHT-1M"] == "20"
    ccxt_spot.publicGetExchangeInfo()
    with pytest.raises(DDoSProtection):
        ccxt_spot.publicGetExchangeInfo()  # 60 > 50
    assert sim.requests[-1].status == 429 and sim.requests[-1].code == -1003
    assert 1 <= int(ccxt_spot.last_response_headers["Retry-After"]) <= 2
    assert ccxt_spot.fetch_time()  # weight 1 still fits
    for _ in range(sim.weights.ban_after - 1):
        with pytest.raises(DDoSProtection):
            ccxt_spot.publicGetExchangeInfo()
    assert sim.requests[-1].status == 418
    with pytest.raises(DDoSProtection):
        ccxt_spot.fetch_time()  # banned: even light requests
    time.sleep(2.1)
    assert ccxt_spot.fetch_time() == sim.now_ms()

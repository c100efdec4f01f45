"""Latency: commands act at their arrival, never on prices the market showed before it."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from colin.matching import LatencyModel, SimulatedVenueConfig
from colin.matching.bar_path import bar_path_points, price_at
from colin.model import (
    AggressorSide,
    Bar,
    CancelOrder,
    LiquiditySide,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderSide,
    OrderType,
    SubmitOrder,
    TradeTick,
)

from .harness import MINUTE, SPOT_ID, STRATEGY, Harness, spot_instrument

BUY, SELL = OrderSide.BUY, OrderSide.SELL
SECOND = 1_000_000_000


def _harness(latency_ns: int = 0, jitter_ns: int = 0, seed: int = 0) -> Harness:
    config = SimulatedVenueConfig(
        latency=LatencyModel(fixed_ns=latency_ns, jitter_ns=jitter_ns, seed=seed)
    )
    return Harness(
        [spot_instrument()], {"USDT": Decimal(100_000), "BTC": Decimal(10)}, config, MINUTE
    )


def test_market_order_with_latency_misses_the_open_and_fills_at_the_next_path_point() -> None:
    h = _harness(latency_ns=5 * SECOND)
    order = h.submit(h.order(BUY, "0.1"))
    h.bar(100, 110, 90, 105)  # points: 0 s 100, 20 s 110, 40 s 90, 60 s 105
    (accepted,) = h.of(OrderAccepted, order)
    (fill,) = h.fills(order)
    assert accepted.ts_event == MINUTE + 5 * SECOND
    assert (fill.ts_event, fill.last_px) == (MINUTE + 20 * SECOND, Decimal("110.00"))


def test_latency_longer_than_a_bar_skips_the_whole_bar() -> None:
    h = _harness(latency_ns=90 * SECOND)
    order = h.submit(h.order(SELL, "0.1"))
    h.bar(100, 110, 90, 105)
    assert h.events == []
    h.bar(105, 106, 80, 81)  # arrival at 30 s into this bar: next point is 40 s (80)
    (fill,) = h.fills(order)
    assert (fill.ts_event, fill.last_px) == (2 * MINUTE + 40 * SECOND, Decimal("80.00"))


def test_limit_arriving_mid_bar_ignores_the_extreme_seen_before_it() -> None:
    h = _harness(latency_ns=25 * SECOND)
    # the high of 110 is at 20 s, before the order arrives at 25 s (price 105 then, falling)
    sell = h.submit(h.order(SELL, "0.1", OrderType.LIMIT, price="108"))
    buy = h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="95"))
    h.bar(100, 110, 90, 100)
    assert h.fills(sell) == []
    (fill,) = h.fills(buy)
    assert fill.last_px == Decimal("95.00")
    assert fill.liquidity_side is LiquiditySide.MAKER
    assert fill.ts_event == MINUTE + 35 * SECOND


def test_cancel_that_arrives_before_the_cross_prevents_the_fill() -> None:
    h = _harness(latency_ns=10 * SECOND)
    order = h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="95"))
    h.venue.cancel_order(
        CancelOrder(
            instrument_id=SPOT_ID,
            strategy_id=STRATEGY,
            client_order_id=order.client_order_id,
            ts_init=MINUTE + 20 * SECOND,
        )
    )
    h.bar(100, 110, 90, 100)  # 95 is crossed at 35 s, the cancel arrives at 30 s
    assert h.kinds(order) == ["OrderAccepted", "OrderCanceled"]
    assert h.of(OrderCanceled, order)[0].ts_event == MINUTE + 30 * SECOND


def test_cancel_that_arrives_after_the_fill_is_rejected() -> None:
    h = _harness(latency_ns=10 * SECOND)
    order = h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="95"))
    h.venue.cancel_order(
        CancelOrder(
            instrument_id=SPOT_ID,
            strategy_id=STRATEGY,
            client_order_id=order.client_order_id,
            ts_init=MINUTE + 30 * SECOND,
        )
    )
    h.bar(100, 110, 90, 100)
    assert h.kinds(order) == ["OrderAccepted", "OrderFilled", "OrderCancelRejected"]
    assert "already closed" in h.of(OrderCancelRejected, order)[0].reason


def test_process_time_leaves_bar_covered_commands_to_the_bar_walk() -> None:
    h = _harness(latency_ns=10 * SECOND)
    order = h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="95"))
    h.bar(100, 101, 99, 100)
    h.venue.cancel_order(
        CancelOrder(
            instrument_id=SPOT_ID,
            strategy_id=STRATEGY,
            client_order_id=order.client_order_id,
            ts_init=h.clock.timestamp_ns() + 20 * SECOND,  # arrives 30 s into the next bar
        )
    )
    # an engine may call process_time before it delivers the bar stamped at the same time
    h.clock.advance_to(h.clock.timestamp_ns() + MINUTE)
    h.venue.process_time(h.clock.timestamp_ns())
    assert h.kinds(order) == ["OrderAccepted"]
    bar = Bar(SPOT_ID, "1m", 100, 110, 90, 100, 10.0, 2 * MINUTE, 3 * MINUTE)
    h.venue.process_bar(bar)  # 95 is crossed at 35 s, after the cancel arrived
    assert h.kinds(order) == ["OrderAccepted", "OrderCanceled"]
    assert h.of(OrderCanceled, order)[0].ts_event == 2 * MINUTE + 30 * SECOND


def test_process_time_applies_commands_in_a_data_less_stretch() -> None:
    h = _harness(latency_ns=10 * SECOND)
    h.bar(100, 101, 99, 100)  # not followed: nothing was in flight
    order = h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="95"))
    h.venue.process_time(h.clock.timestamp_ns() + 10 * SECOND)
    assert h.events == []  # no price known for the instrument: the order waits for data
    h.bar(100, 101, 99, 100)
    assert h.kinds(order) == ["OrderAccepted"]
    sent = h.clock.timestamp_ns()
    h.venue.cancel_order(
        CancelOrder(
            instrument_id=SPOT_ID,
            strategy_id=STRATEGY,
            client_order_id=order.client_order_id,
            ts_init=sent,
        )
    )
    h.venue.process_time(sent + MINUTE)  # the next bar may still come and cover the arrival
    assert h.kinds(order) == ["OrderAccepted"]
    h.venue.process_time(sent + MINUTE + 1)  # it did not: a gap, the cancel acts on its own
    assert h.kinds(order) == ["OrderAccepted", "OrderCanceled"]
    assert h.of(OrderCanceled, order)[0].ts_event == sent + 10 * SECOND


def test_random_latency_is_reproducible_from_its_seed() -> None:
    def arrivals(seed: int) -> list[int]:
        h = _harness(latency_ns=SECOND, jitter_ns=30 * SECOND, seed=seed)
        for _ in range(5):
            h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="50"))
        h.bar(100, 101, 99, 100)
        return [e.ts_event for e in h.of(OrderAccepted)]

    first = arrivals(7)
    assert first == arrivals(7)
    assert first != arrivals(8)
    assert all(MINUTE + SECOND <= ts <= MINUTE + 31 * SECOND for ts in first)


def test_commands_are_processed_in_arrival_order() -> None:
    h = _harness(latency_ns=0)
    h.bar(100, 101, 99, 100)
    late = h.order(BUY, "0.1", OrderType.LIMIT, price="50")
    early = h.order(BUY, "0.1", OrderType.LIMIT, price="51")
    now = h.clock.timestamp_ns()
    h.venue.submit_order(SubmitOrder(order=late, ts_init=now + 20 * SECOND))
    h.venue.submit_order(SubmitOrder(order=early, ts_init=now + 10 * SECOND))
    h.bar(100, 101, 99, 100)
    accepted = h.of(OrderAccepted)
    assert [e.client_order_id for e in accepted] == [early.client_order_id, late.client_order_id]
    assert [e.venue_order_id for e in accepted] == ["SIM-1", "SIM-2"]


# -- property: no fill at a price the market had not reached after the order arrived ----------


@st.composite
def bar_paths(draw: st.DrawFn) -> list[tuple[int, int, int, int]]:
    bars = []
    price = draw(st.integers(50, 150))
    for _ in range(draw(st.integers(1, 5))):
        open_ = price + draw(st.integers(-5, 5))
        close = open_ + draw(st.integers(-10, 10))
        high = max(open_, close) + draw(st.integers(0, 10))
        low = min(open_, close) - draw(st.integers(0, 10))
        bars.append((open_, high, max(low, 1), close))
        price = close
    return bars


ORDER_SHAPES = st.sampled_from(
    [
        (OrderType.MARKET, False, False),
        (OrderType.LIMIT, True, False),
        (OrderType.STOP_MARKET, False, True),
        (OrderType.STOP_LIMIT, True, True),
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    bars=bar_paths(),
    latency_s=st.integers(0, 150),
    path=st.sampled_from(["OHLC", "OLHC", "nearest"]),
    shape=ORDER_SHAPES,
    side=st.sampled_from([BUY, SELL]),
    price_offset=st.integers(-15, 15),
    trigger_offset=st.integers(-15, 15),
)
def test_no_fill_at_a_price_not_reached_after_arrival(
    bars: list[tuple[int, int, int, int]],
    latency_s: int,
    path: str,
    shape: tuple[OrderType, bool, bool],
    side: OrderSide,
    price_offset: int,
    trigger_offset: int,
) -> None:
    order_type, has_price, has_trigger = shape
    h = Harness(
        [spot_instrument(tick_size=Decimal(1), maker_fee=Decimal(0), taker_fee=Decimal(0))],
        {"USDT": Decimal(10**9), "BTC": Decimal(10**6)},
        SimulatedVenueConfig(
            bar_path=path,  # type: ignore[arg-type]
            latency=LatencyModel(fixed_ns=latency_s * SECOND),
            reject_stop_would_trigger=False,
        ),
        MINUTE,
    )
    anchor = bars[0][0]
    order = h.submit(
        h.order(
            side,
            "1",
            order_type,
            price=str(anchor + price_offset) if has_price else None,
            trigger=str(anchor + trigger_offset) if has_trigger else None,
        )
    )
    arrival = MINUTE + latency_s * SECOND
    fed: list[Bar] = [h.bar(*ohlc) for ohlc in bars]
    reached = _prices_reached_after(fed, path, arrival)
    for fill in h.fills(order):
        assert fill.ts_event >= arrival
        assert min(reached) <= fill.last_px <= max(reached), (fill, reached)
        if order.price is not None:
            assert fill.last_px <= order.price if side is BUY else fill.last_px >= order.price


def _prices_reached_after(bars: list[Bar], path: str, arrival: int) -> list[Decimal]:
    reached: list[Decimal] = []
    for bar in bars:
        points = bar_path_points(bar, path)  # type: ignore[arg-type]
        for start, end in zip((points[0], *points[:-1]), points, strict=True):
            if end[0] >= arrival:
                reached.append(Decimal(end[1]))
                if start[0] < arrival:
                    reached.append(Decimal(repr(price_at(start, end, arrival))))
    return reached


@settings(max_examples=150, deadline=None)
@given(
    prints=st.lists(st.tuples(st.integers(1, 20), st.integers(80, 120)), min_size=2, max_size=12),
    latency_s=st.integers(0, 60),
    shape=ORDER_SHAPES,
    side=st.sampled_from([BUY, SELL]),
    price_offset=st.integers(-15, 15),
    trigger_offset=st.integers(-15, 15),
)
def test_no_fill_on_trades_outside_what_traded_around_and_after_arrival(
    prints: list[tuple[int, int]],
    latency_s: int,
    shape: tuple[OrderType, bool, bool],
    side: OrderSide,
    price_offset: int,
    trigger_offset: int,
) -> None:
    order_type, has_price, has_trigger = shape
    h = Harness(
        [spot_instrument(tick_size=Decimal(1), maker_fee=Decimal(0), taker_fee=Decimal(0))],
        {"USDT": Decimal(10**9), "BTC": Decimal(10**6)},
        SimulatedVenueConfig(
            latency=LatencyModel(fixed_ns=latency_s * SECOND), reject_stop_would_trigger=False
        ),
        MINUTE,
    )
    h.venue.process_trade(TradeTick(SPOT_ID, 100.0, 1.0, AggressorSide.BUYER, "0", MINUTE))
    order = h.submit(
        h.order(
            side,
            "1",
            order_type,
            price=str(100 + price_offset) if has_price else None,
            trigger=str(100 + trigger_offset) if has_trigger else None,
        )
    )
    arrival = MINUTE + latency_s * SECOND
    ts = MINUTE
    reference = Decimal(100)  # the last print before the arrival
    after: list[Decimal] = []
    for gap_s, price in prints:
        ts += gap_s * SECOND
        h.clock.advance_to(ts)
        h.venue.process_trade(TradeTick(SPOT_ID, float(price), 1.0, AggressorSide.BUYER, "t", ts))
        if ts < arrival:
            reference = Decimal(price)
        else:
            after.append(Decimal(price))
    reached = [reference, *after]
    for fill in h.fills(order):
        assert fill.ts_event >= arrival
        assert min(reached) <= fill.last_px <= max(reached), (fill, reached)

"""Matching against bars: the documented intrabar path, order types, time in force, volume."""

from __future__ import annotations

from decimal import Decimal

from colin.core.topics import EXEC_PROCESS
from colin.execution.client import ExecutionClient
from colin.matching import SimulatedVenueConfig
from colin.model import (
    LiquiditySide,
    Order,
    OrderAccepted,
    OrderExpired,
    OrderFilled,
    OrderSide,
    OrderTriggered,
    OrderType,
    TimeInForce,
)

from .harness import MINUTE, Harness, spot_instrument

BUY, SELL = OrderSide.BUY, OrderSide.SELL
SECOND = 1_000_000_000


def _harness(**config: object) -> Harness:
    return Harness(
        [spot_instrument()],
        {"USDT": Decimal(100_000), "BTC": Decimal(10)},
        SimulatedVenueConfig.model_validate(config),
        start_ns=MINUTE,
    )


def test_market_order_at_a_close_fills_at_the_next_open(spot: Harness) -> None:
    order = spot.submit(spot.order(BUY, "0.1"))
    assert spot.events == []  # no price known yet: the order waits for the next bar
    spot.bar(100, 110, 90, 105)
    (fill,) = spot.fills(order)
    assert fill.last_px == Decimal("100.00")
    assert fill.ts_event == MINUTE
    assert fill.liquidity_side is LiquiditySide.TAKER
    assert fill.commission == Decimal("0.1") * 100 * Decimal("0.002")
    assert spot.kinds(order) == ["OrderAccepted", "OrderFilled"]


def test_order_is_accepted_on_submit_once_the_venue_knows_a_price(spot: Harness) -> None:
    spot.submit(spot.order(BUY, "0.1", OrderType.LIMIT, price="50"))
    spot.bar(100, 110, 90, 105)  # the venue now follows the instrument
    order = spot.submit(spot.order(BUY, "0.2"))
    (accepted,) = spot.of(OrderAccepted, order)
    assert accepted.ts_event == 2 * MINUTE
    assert spot.fills(order) == []
    spot.bar(104, 106, 103, 105)
    assert spot.fills(order)[0].last_px == Decimal("104.00")


def test_resting_limit_fills_at_its_price_when_the_path_crosses_it(spot: Harness) -> None:
    # nearest: |110-100| == |100-90| -> high first; points 0s:100, 20s:110, 40s:90, 60s:105
    order = spot.submit(spot.order(BUY, "0.1", OrderType.LIMIT, price="95"))
    spot.bar(100, 110, 90, 105)
    (fill,) = spot.fills(order)
    assert fill.last_px == Decimal("95.00")
    assert fill.liquidity_side is LiquiditySide.MAKER
    assert (
        fill.ts_event == MINUTE + 35 * SECOND
    )  # 110 -> 90 between 20 s and 40 s reaches 95 at 35 s
    assert fill.commission == Decimal("0.1") * Decimal("95.00") * Decimal("0.001")


def test_resting_limit_gapped_through_fills_at_the_better_open_as_maker(spot: Harness) -> None:
    order = spot.submit(spot.order(BUY, "0.1", OrderType.LIMIT, price="95"))
    spot.bar(100, 101, 99, 100)
    assert spot.fills(order) == []
    spot.bar(93, 94, 92, 93)
    (fill,) = spot.fills(order)
    assert fill.last_px == Decimal("93.00")
    assert fill.liquidity_side is LiquiditySide.MAKER
    assert fill.ts_event == 2 * MINUTE


def test_marketable_limit_on_arrival_is_a_taker_at_the_market(spot: Harness) -> None:
    order = spot.submit(spot.order(BUY, "0.1", OrderType.LIMIT, price="105"))
    spot.bar(100, 110, 90, 105)
    (fill,) = spot.fills(order)
    assert fill.last_px == Decimal("100.00")
    assert fill.liquidity_side is LiquiditySide.TAKER


def test_limit_not_reached_does_not_fill(spot: Harness) -> None:
    order = spot.submit(spot.order(SELL, "0.1", OrderType.LIMIT, price="110.01"))
    spot.bar(100, 110, 90, 105)
    assert spot.fills(order) == []
    assert spot.venue.open_order_ids() == [order.client_order_id]


def test_stop_market_triggers_on_the_path_and_fills_at_the_trigger(spot: Harness) -> None:
    order = spot.submit(spot.order(BUY, "0.1", OrderType.STOP_MARKET, trigger="105"))
    spot.bar(100, 101, 99, 100)
    assert spot.kinds(order) == ["OrderAccepted"]
    # nearest: low (5 away) before high (10 away): 100 -> 95 -> 110 -> 108
    spot.bar(100, 110, 95, 108)
    (triggered,) = spot.of(OrderTriggered, order)
    (fill,) = spot.fills(order)
    crossing = 2 * MINUTE + 20 * SECOND + round(20 * SECOND * 10 / 15)
    assert triggered.ts_event == fill.ts_event == crossing
    assert fill.last_px == Decimal("105.00")
    assert fill.liquidity_side is LiquiditySide.TAKER


def test_stop_market_gapped_through_fills_at_the_worse_open(spot: Harness) -> None:
    order = spot.submit(spot.order(SELL, "0.1", OrderType.STOP_MARKET, trigger="95"))
    spot.bar(100, 101, 99, 100)
    spot.bar(90, 92, 88, 91)
    (fill,) = spot.fills(order)
    assert fill.last_px == Decimal("90.00")
    assert fill.ts_event == 2 * MINUTE


def test_stop_limit_marketable_at_trigger_fills_at_the_trigger(spot: Harness) -> None:
    order = spot.submit(spot.order(SELL, "0.1", OrderType.STOP_LIMIT, price="94", trigger="95"))
    spot.bar(100, 101, 99, 100)
    spot.bar(100, 101, 90, 92)  # 100 -> 101 -> 90 -> 92
    (fill,) = spot.fills(order)
    assert fill.last_px == Decimal("95.00")
    assert fill.liquidity_side is LiquiditySide.TAKER


def test_stop_limit_rests_at_its_limit_after_triggering(spot: Harness) -> None:
    order = spot.submit(spot.order(BUY, "0.1", OrderType.STOP_LIMIT, price="104", trigger="105"))
    spot.bar(100, 101, 99, 100)
    spot.bar(100, 106, 100, 106)  # triggers at 105, price never comes back to 104
    assert spot.kinds(order) == ["OrderAccepted", "OrderTriggered"]
    spot.bar(106, 107, 103, 104)  # 106 -> 107 -> 103: crosses 104 on the way down
    (fill,) = spot.fills(order)
    assert fill.last_px == Decimal("104.00")
    assert fill.liquidity_side is LiquiditySide.MAKER


def test_path_order_decides_which_extreme_comes_first() -> None:
    times = {}
    for path in ("OHLC", "OLHC"):
        h = _harness(bar_path=path)
        order = h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="92"))
        h.bar(100, 110, 90, 100)
        times[path] = h.fills(order)[0].ts_event - MINUTE
    assert times["OHLC"] == 38 * SECOND  # 110 at 20 s -> 90 at 40 s
    assert times["OLHC"] == 16 * SECOND  # 100 at 0 s -> 90 at 20 s


def test_nearest_path_takes_the_extreme_nearer_the_open_first() -> None:
    h = _harness()
    stop = h.submit(h.order(BUY, "0.1", OrderType.STOP_MARKET, trigger="103"))
    limit = h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="95"))
    h.bar(100, 101, 99, 100)
    h.bar(100, 104, 91, 100)  # high 4 away, low 9 away: high first
    assert h.fills(stop)[0].ts_event < h.fills(limit)[0].ts_event


def test_volume_participation_spreads_a_market_order_over_bars() -> None:
    h = _harness(max_volume_participation=0.5)
    order = h.submit(h.order(BUY, "0.25"))
    for open_ in (100, 101, 102):
        h.bar(open_, open_ + 1, open_ - 1, open_, volume=0.2)
    assert [(f.last_qty, f.last_px) for f in h.fills(order)] == [
        (Decimal("0.100"), Decimal("100.00")),
        (Decimal("0.100"), Decimal("101.00")),
        (Decimal("0.050"), Decimal("102.00")),
    ]


def test_participation_budget_is_shared_by_the_orders_of_a_bar() -> None:
    h = _harness(max_volume_participation=1.0)
    first = h.submit(h.order(BUY, "0.3"))
    second = h.submit(h.order(BUY, "0.3"))
    h.bar(100, 101, 99, 100, volume=0.4)
    assert h.fills(first)[0].last_qty == Decimal("0.3")
    assert h.fills(second)[0].last_qty == Decimal("0.1")


def test_zero_volume_bar_fills_nothing() -> None:
    h = _harness()
    order = h.submit(h.order(BUY, "0.1"))
    h.bar(100, 100, 100, 100, volume=0.0)
    assert h.fills(order) == []
    h.bar(100, 100, 100, 100, volume=1.0)
    assert h.fills(order)[0].last_qty == Decimal("0.1")


def test_unlimited_participation_fills_everything_at_once() -> None:
    h = _harness(max_volume_participation=None)
    order = h.submit(h.order(BUY, "5"))
    h.bar(100, 101, 99, 100, volume=0.01)
    assert h.fills(order)[0].last_qty == Decimal("5")


def test_ioc_fills_what_the_bar_allows_and_expires_the_rest() -> None:
    h = _harness(max_volume_participation=0.5)
    order = h.submit(h.order(BUY, "0.3", tif=TimeInForce.IOC))
    h.bar(100, 101, 99, 100, volume=0.2)
    assert [f.last_qty for f in h.fills(order)] == [Decimal("0.100")]
    assert h.kinds(order) == ["OrderAccepted", "OrderFilled", "OrderExpired"]


def test_fok_fills_all_or_nothing() -> None:
    h = _harness(max_volume_participation=0.5)
    too_big = h.submit(h.order(BUY, "0.3", tif=TimeInForce.FOK))
    fits = h.submit(h.order(BUY, "0.1", tif=TimeInForce.FOK))
    h.bar(100, 101, 99, 100, volume=0.4)
    assert h.kinds(too_big) == ["OrderAccepted", "OrderExpired"]
    assert [f.last_qty for f in h.fills(fits)] == [Decimal("0.1")]


def test_ioc_limit_not_marketable_on_arrival_expires_without_waiting() -> None:
    h = _harness()
    order = h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="95", tif=TimeInForce.IOC))
    h.bar(100, 110, 90, 105)  # the path crosses 95 later, but IOC does not wait
    assert h.kinds(order) == ["OrderAccepted", "OrderExpired"]
    (expired,) = h.of(OrderExpired, order)
    assert expired.ts_event == MINUTE


def test_order_sent_from_a_fill_handler_waits_for_the_next_bar(spot: Harness) -> None:
    follow_ups: list[Order] = []

    def on_event(event: object) -> None:
        spot.events.append(event)  # type: ignore[arg-type]
        if isinstance(event, OrderFilled) and not follow_ups:
            follow_ups.append(spot.submit(spot.order(SELL, "0.1")))

    spot.bus.deregister(EXEC_PROCESS)
    spot.bus.register(EXEC_PROCESS, on_event)
    spot.submit(spot.order(BUY, "0.1"))
    spot.bar(100, 110, 90, 105)  # the buy fills at the open, inside the walk of this bar
    (follow_up,) = follow_ups
    assert spot.fills(follow_up) == []
    spot.bar(106, 107, 104, 105)
    (fill,) = spot.fills(follow_up)
    assert (fill.ts_event, fill.last_px) == (2 * MINUTE, Decimal("106.00"))


def test_venue_conforms_to_the_execution_client_port(spot: Harness) -> None:
    assert isinstance(spot.venue, ExecutionClient)
    assert spot.venue.venue == "SIM"


def test_an_idle_instrument_has_no_stale_price(spot: Harness) -> None:
    spot.submit(spot.order(BUY, "0.1"))
    spot.bar(100, 101, 99, 100)  # fills; nothing is left to follow
    for price in (120, 150, 200):
        spot.bar(price, price + 1, price - 1, price)
    order = spot.submit(spot.order(BUY, "0.1", OrderType.LIMIT, price="150", post_only=True))
    assert spot.kinds(order) == []  # the venue waits for a current price instead of using 100
    spot.bar(200, 201, 199, 200)
    assert spot.kinds(order) == ["OrderAccepted"]

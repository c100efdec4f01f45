"""Matching against trade prints, quotes and the venue's own L2 book."""

from __future__ import annotations

from decimal import Decimal

from colin.core.ids import InstrumentId
from colin.matching import HalfSpreadSlippage, SimulatedVenueConfig
from colin.model import (
    AggressorSide,
    BookDelta,
    BookDeltas,
    BookSide,
    BookSnapshot,
    LiquiditySide,
    OrderRejected,
    OrderSide,
    OrderType,
    QuoteTick,
    TimeInForce,
    TradeTick,
)

from .harness import MINUTE, SPOT_ID, Harness, spot_instrument

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _harness(**config: object) -> Harness:
    return Harness(
        [spot_instrument()],
        {"USDT": Decimal(100_000), "BTC": Decimal(10)},
        SimulatedVenueConfig.model_validate(config),
        start_ns=MINUTE,
    )


def _trade(h: Harness, price: float, size: float, seconds: int) -> None:
    ts = MINUTE + seconds * 1_000_000_000
    h.clock.advance_to(ts)
    h.venue.process_trade(TradeTick(SPOT_ID, price, size, AggressorSide.SELLER, str(ts), ts))


def _book(
    h: Harness,
    bids: list[tuple[float, float]],
    asks: list[tuple[float, float]],
    instrument_id: InstrumentId = SPOT_ID,
) -> None:
    ts = h.clock.timestamp_ns()
    h.venue.process_book(BookSnapshot(instrument_id, bids, asks, 1, ts))


# -- trades ----------------------------------------------------------------------------------


def test_resting_buy_limit_fills_at_its_price_when_a_trade_prints_at_or_below() -> None:
    h = _harness()
    order = h.submit(h.order(BUY, "0.5", OrderType.LIMIT, price="100"))
    _trade(h, 101.0, 1.0, 1)
    _trade(h, 100.5, 1.0, 2)
    assert h.fills(order) == []
    _trade(h, 99.9, 0.2, 3)
    _trade(h, 100.0, 1.0, 4)
    assert [(f.last_qty, f.last_px, f.liquidity_side) for f in h.fills(order)] == [
        (Decimal("0.200"), Decimal("100.00"), LiquiditySide.MAKER),
        (Decimal("0.300"), Decimal("100.00"), LiquiditySide.MAKER),
    ]


def test_market_order_fills_at_the_next_trade_print() -> None:
    h = _harness()
    _trade(h, 100.0, 1.0, 1)
    order = h.submit(h.order(SELL, "0.4"))
    assert h.kinds(order) == ["OrderAccepted"]  # the last print is the market; fills at the next
    _trade(h, 99.5, 0.1, 2)
    _trade(h, 99.0, 5.0, 3)
    assert [(f.last_qty, f.last_px) for f in h.fills(order)] == [
        (Decimal("0.100"), Decimal("99.50")),
        (Decimal("0.300"), Decimal("99.00")),
    ]


def test_trade_participation_limits_each_print() -> None:
    h = _harness(max_volume_participation=0.25)
    _trade(h, 100.0, 1.0, 1)
    order = h.submit(h.order(BUY, "1", OrderType.LIMIT, price="99"))
    _trade(h, 98.0, 2.0, 2)
    assert [f.last_qty for f in h.fills(order)] == [Decimal("0.500")]


def test_stop_market_triggers_on_a_print_and_fills_at_the_print() -> None:
    h = _harness()
    _trade(h, 100.0, 1.0, 1)
    order = h.submit(h.order(SELL, "0.1", OrderType.STOP_MARKET, trigger="98"))
    _trade(h, 99.0, 1.0, 2)
    _trade(h, 97.5, 1.0, 3)
    assert h.kinds(order) == ["OrderAccepted", "OrderTriggered", "OrderFilled"]
    assert h.fills(order)[0].last_px == Decimal("97.50")


# -- book ------------------------------------------------------------------------------------

ASKS = [(100.0, 0.5), (101.0, 1.0), (102.0, 2.0)]
BIDS = [(99.0, 1.0), (98.0, 2.0)]


def test_market_order_walks_the_book_levels() -> None:
    h = _harness()
    _book(h, BIDS, ASKS)
    order = h.submit(h.order(BUY, "1.2"))
    fills = h.fills(order)
    assert [(f.last_qty, f.last_px) for f in fills] == [
        (Decimal("0.500"), Decimal("100.00")),
        (Decimal("0.700"), Decimal("101.00")),
    ]
    vwap = sum(f.last_qty * f.last_px for f in fills) / Decimal("1.2")
    assert vwap == (Decimal("0.5") * 100 + Decimal("0.7") * 101) / Decimal("1.2")
    assert all(f.liquidity_side is LiquiditySide.TAKER for f in fills)


def test_taken_liquidity_is_gone_until_the_book_updates() -> None:
    h = _harness()
    _book(h, BIDS, ASKS)
    h.submit(h.order(BUY, "1.2"))
    second = h.submit(h.order(BUY, "1"))
    assert [(f.last_qty, f.last_px) for f in h.fills(second)] == [
        (Decimal("0.300"), Decimal("101.00")),
        (Decimal("0.700"), Decimal("102.00")),
    ]


def test_depth_limits_a_market_order_and_the_rest_waits_for_liquidity() -> None:
    h = _harness()
    _book(h, BIDS, ASKS)
    order = h.submit(h.order(BUY, "5"))
    assert sum(f.last_qty for f in h.fills(order)) == Decimal("3.5")
    h.venue.process_book(
        BookDeltas(SPOT_ID, [BookDelta(BookSide.ASK, 103.0, 4.0)], 2, 2, h.clock.timestamp_ns())
    )
    assert h.fills(order)[-1].last_qty == Decimal("1.5")
    assert h.fills(order)[-1].last_px == Decimal("103.00")
    assert h.kinds(order)[-1] == "OrderFilled"


def test_ioc_takes_the_depth_and_expires_the_rest_fok_takes_nothing() -> None:
    h = _harness()
    _book(h, BIDS, ASKS)
    ioc = h.submit(h.order(SELL, "5", tif=TimeInForce.IOC))
    assert sum(f.last_qty for f in h.fills(ioc)) == Decimal("3")
    assert h.kinds(ioc)[-1] == "OrderExpired"
    _book(h, BIDS, ASKS)
    fok = h.submit(h.order(SELL, "5", tif=TimeInForce.FOK))
    assert h.kinds(fok) == ["OrderAccepted", "OrderExpired"]


def test_marketable_limit_takes_levels_within_its_price_then_rests_as_maker() -> None:
    h = _harness()
    _book(h, BIDS, ASKS)
    order = h.submit(h.order(BUY, "1", OrderType.LIMIT, price="100.5"))
    (taken,) = h.fills(order)
    assert (taken.last_qty, taken.last_px, taken.liquidity_side) == (
        Decimal("0.500"),
        Decimal("100.00"),
        LiquiditySide.TAKER,
    )
    _book(h, BIDS, [(101.0, 1.0)])
    assert len(h.fills(order)) == 1
    _book(h, BIDS, [(100.2, 0.3), (100.4, 2.0)])  # asks move through the resting bid
    rest = h.fills(order)[1:]
    assert [(f.last_qty, f.last_px, f.liquidity_side) for f in rest] == [
        (Decimal("0.500"), Decimal("100.50"), LiquiditySide.MAKER)
    ]


def test_post_only_that_would_take_is_rejected_and_one_that_rests_is_maker() -> None:
    h = _harness()
    _book(h, BIDS, ASKS)
    taking = h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="100", post_only=True))
    (rejected,) = h.of(OrderRejected, taking)
    assert "post-only" in rejected.reason
    resting = h.submit(h.order(BUY, "0.1", OrderType.LIMIT, price="99.5", post_only=True))
    assert h.kinds(resting) == ["OrderAccepted"]
    _book(h, BIDS, [(99.4, 1.0)])
    (fill,) = h.fills(resting)
    assert (fill.last_px, fill.liquidity_side) == (Decimal("99.50"), LiquiditySide.MAKER)


def test_quotes_act_as_a_one_level_book() -> None:
    h = _harness()
    ts = h.clock.timestamp_ns()
    h.venue.process_quote(QuoteTick(SPOT_ID, 99.0, 100.0, 1.0, 0.3, ts))
    order = h.submit(h.order(BUY, "0.5"))
    assert [(f.last_qty, f.last_px) for f in h.fills(order)] == [
        (Decimal("0.300"), Decimal("100.00"))
    ]
    h.venue.process_quote(QuoteTick(SPOT_ID, 99.5, 100.5, 1.0, 1.0, ts + 1))
    assert h.fills(order)[-1].last_px == Decimal("100.50")
    assert sum(f.last_qty for f in h.fills(order)) == Decimal("0.5")


def test_half_spread_slippage_uses_the_quote_spread() -> None:
    h = _harness(slippage=HalfSpreadSlippage(default_spread_bps=100))
    ts = h.clock.timestamp_ns()
    h.venue.process_quote(QuoteTick(SPOT_ID, 99.0, 100.0, 5.0, 5.0, ts))
    order = h.submit(h.order(BUY, "0.1"))
    # the ask already includes the spread; the model adds half of it (0.5) on top
    assert h.fills(order)[0].last_px == Decimal("100.50")

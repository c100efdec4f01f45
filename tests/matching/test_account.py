"""The venue's account: spot and perpetual balances after round trips equal hand-computed values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from colin.core.errors import DataError, NotFoundError
from colin.core.ids import InstrumentId
from colin.matching import SimulatedVenueConfig
from colin.model import (
    Balance,
    FundingRate,
    OrderExpired,
    OrderRejected,
    OrderSide,
    OrderType,
    QuoteTick,
)

from .harness import MINUTE, Harness, perp_instrument, spot_instrument

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_spot_round_trip_pnl_equals_the_hand_computed_value(spot: Harness) -> None:
    buy = spot.submit(spot.order(BUY, "0.5"))
    spot.bar(100, 101, 99, 100)  # taker buy at the open: 50.00 + fee 0.5 * 100 * 0.002 = 0.10
    sell = spot.submit(spot.order(SELL, "0.5", OrderType.LIMIT, price="110"))
    spot.bar(100, 111, 99, 105)  # maker sell at 110: 55.00 - fee 0.5 * 110 * 0.001 = 0.055
    assert spot.kinds(buy)[-1] == "OrderFilled"
    assert spot.kinds(sell)[-1] == "OrderFilled"
    balances = spot.venue.balances()
    assert balances["USDT"] == Balance("USDT", Decimal("10004.845"), Decimal(0))
    assert balances["BTC"] == Balance("BTC", Decimal(1), Decimal(0))
    pnl = balances["USDT"].total - Decimal(10_000)
    assert pnl == Decimal("0.5") * (110 - 100) - Decimal("0.10") - Decimal("0.055")
    assert spot.venue.position_quantity(spot_instrument().id) == Decimal(1)


def test_spot_orders_lock_quote_for_buys_and_base_for_sells(spot: Harness) -> None:
    spot.submit(spot.order(BUY, "2", OrderType.LIMIT, price="90"))
    spot.submit(spot.order(SELL, "0.4", OrderType.LIMIT, price="120"))
    spot.bar(100, 101, 99, 100)
    balances = spot.venue.balances()
    assert balances["USDT"].locked == 2 * 90 * Decimal("1.002")
    assert balances["BTC"].locked == Decimal("0.4")
    assert balances["BTC"].free == Decimal("0.6")


def test_market_buy_that_becomes_unaffordable_fills_what_it_can_and_expires() -> None:
    h = Harness([spot_instrument()], {"USDT": Decimal(1_000)}, start_ns=MINUTE)
    h.submit(h.order(BUY, "0.01", OrderType.LIMIT, price="1"))
    h.bar(100, 101, 99, 100)  # the venue knows the price: 100
    order = h.submit(h.order(BUY, "9.9"))  # 990 + 1.98 fee at 100: accepted
    h.bar(105, 106, 104, 105)  # but the next open is 105
    (fill,) = h.fills(order)
    assert fill.last_qty == Decimal("9.504")  # floor(999.99 / (105 * 1.002)) in lots
    assert h.kinds(order)[-1] == "OrderExpired"
    assert h.venue.balances()["USDT"].free >= 0


def _perp_harness(leverage: str = "5", cash: str = "10000") -> Harness:
    return Harness(
        [perp_instrument()],
        {"USDT": Decimal(cash)},
        SimulatedVenueConfig(leverage=Decimal(leverage)),
        start_ns=MINUTE,
    )


def test_perp_long_round_trip_with_funding_equals_the_hand_computed_value() -> None:
    h = _perp_harness()
    perp = perp_instrument()
    h.submit(h.order(BUY, "1", instrument_id=perp.id))
    h.bar(100, 101, 99, 100, instrument_id=perp.id)  # taker at 100.0, fee 0.05
    balance = h.venue.balances()["USDT"]
    assert balance == Balance("USDT", Decimal("9999.95"), Decimal(20))  # margin 100 / 5
    assert h.venue.position_quantity(perp.id) == Decimal(1)
    paid = h.venue.process_funding(FundingRate(perp.id, 0.0001, 2 * MINUTE, mark_price=105.0))
    assert paid == Decimal("0.0105")  # a long pays 1 * 105 * 0.0001
    h.submit(h.order(SELL, "1", OrderType.LIMIT, price="110", instrument_id=perp.id))
    h.bar(100, 111, 99, 105, instrument_id=perp.id)  # maker at 110.0, fee 110 * 0.0002
    expected = Decimal(10_000) - Decimal("0.05") - Decimal("0.0105") + 10 - Decimal("0.022")
    assert h.venue.balances()["USDT"] == Balance("USDT", expected, Decimal(0))
    assert h.venue.position_quantity(perp.id) == 0


def test_perp_short_round_trip_and_funding_received() -> None:
    h = _perp_harness(leverage="2")
    perp = perp_instrument()
    h.submit(h.order(SELL, "2", instrument_id=perp.id))
    h.bar(100, 101, 99, 100, instrument_id=perp.id)  # short 2 at 100.0, fee 0.1
    assert h.venue.position_quantity(perp.id) == Decimal(-2)
    assert h.venue.balances()["USDT"].locked == Decimal(100)  # 200 / 2
    paid = h.venue.process_funding(FundingRate(perp.id, 0.0003, 2 * MINUTE))
    assert paid == Decimal("-0.06")  # mark = last price 100: a short receives 2 * 100 * 0.0003
    h.submit(h.order(BUY, "2", instrument_id=perp.id))
    h.bar(90, 91, 89, 90, instrument_id=perp.id)  # cover at 90.0, fee 0.09
    expected = Decimal(10_000) - Decimal("0.1") + Decimal("0.06") + 20 - Decimal("0.09")
    assert h.venue.balances()["USDT"] == Balance("USDT", expected, Decimal(0))


def test_perp_flip_realises_the_closed_part_and_margins_the_new_side() -> None:
    h = _perp_harness(leverage="4")
    perp = perp_instrument()
    h.submit(h.order(BUY, "1", instrument_id=perp.id))
    h.bar(100, 101, 99, 100, instrument_id=perp.id)
    h.submit(h.order(SELL, "3", instrument_id=perp.id))
    h.bar(120, 121, 119, 120, instrument_id=perp.id)
    assert h.venue.position_quantity(perp.id) == Decimal(-2)
    fees = Decimal("0.05") + 3 * 120 * Decimal("0.0005")
    assert h.venue.balances()["USDT"] == Balance(
        "USDT", Decimal(10_000) + 20 - fees, Decimal(2 * 120) / 4
    )


def test_perp_margin_is_checked_at_the_configured_leverage() -> None:
    perp = perp_instrument()
    tight = _perp_harness(leverage="1", cash="150")
    order = tight.submit(tight.order(BUY, "2", OrderType.LIMIT, "100", instrument_id=perp.id))
    tight.bar(101, 102, 100.5, 101, instrument_id=perp.id)
    (rejected,) = tight.of(OrderRejected, order)
    assert rejected.reason == "insufficient balance: the order needs 200.1 USDT, 150 USDT is free"
    loose = _perp_harness(leverage="5", cash="150")
    order = loose.submit(loose.order(BUY, "2", OrderType.LIMIT, "100", instrument_id=perp.id))
    loose.bar(101, 102, 100.5, 101, instrument_id=perp.id)
    assert loose.kinds(order) == ["OrderAccepted"]
    assert loose.venue.balances()["USDT"].locked == Decimal(40) + Decimal("0.1")


def test_reduce_only_fill_is_capped_at_the_position_left() -> None:
    h = _perp_harness()
    perp = perp_instrument()
    h.submit(h.order(BUY, "1", instrument_id=perp.id))
    h.bar(100, 101, 99, 100, instrument_id=perp.id)
    stop = h.submit(
        h.order(
            SELL, "1", OrderType.STOP_MARKET, trigger="90", instrument_id=perp.id, reduce_only=True
        )
    )
    h.submit(h.order(SELL, "0.6", instrument_id=perp.id))
    h.bar(100, 101, 85, 88, instrument_id=perp.id)  # the market sell runs first, then the stop
    assert [f.last_qty for f in h.fills(stop)] == [Decimal("0.4")]
    assert h.of(OrderExpired, stop)
    assert h.venue.position_quantity(perp.id) == 0


def test_construction_rejects_bad_setup() -> None:
    with pytest.raises(ValueError, match="exceeds the max_leverage 20"):
        _perp_harness(leverage="25")
    with pytest.raises(ValueError, match="starting balance of USDT"):
        Harness([spot_instrument()], {"USDT": Decimal(-1)})
    with pytest.raises(ValueError, match="does not belong to venue SIM"):
        Harness([spot_instrument(id=InstrumentId("BTC/USDT.BINANCE"))], {})


def test_position_of_an_unknown_instrument_is_an_error(spot: Harness) -> None:
    with pytest.raises(NotFoundError, match=r"ETH/USDT\.SIM is not traded at SIM"):
        spot.venue.position_quantity(InstrumentId("ETH/USDT.SIM"))


def test_funding_mark_falls_back_to_the_book_mid_and_fails_clearly_without_one() -> None:
    h = _perp_harness()
    perp = perp_instrument()
    ts = h.clock.timestamp_ns()
    h.venue.process_quote(QuoteTick(perp.id, 99.0, 101.0, 5.0, 5.0, ts))
    h.submit(h.order(BUY, "1", instrument_id=perp.id))
    assert h.venue.position_quantity(perp.id) == Decimal(1)
    assert h.venue.process_funding(FundingRate(perp.id, 0.001, ts)) == Decimal("0.1")  # mid 100
    h.venue.process_quote(QuoteTick(perp.id, 99.0, 101.0, 0.0, 5.0, ts + 1))  # no bids left
    with pytest.raises(DataError, match=r"funding at \d+ has no mark price"):
        h.venue.process_funding(FundingRate(perp.id, 0.001, ts + 2))
    assert h.venue.process_funding(FundingRate(perp.id, 0.001, ts + 3, mark_price=100.0))


def test_funding_on_a_flat_or_spot_instrument_pays_nothing(spot: Harness) -> None:
    rate = FundingRate(spot_instrument().id, 0.01, MINUTE, mark_price=100.0)
    assert spot.venue.process_funding(rate) == 0


def test_an_all_in_short_can_always_be_closed_after_an_adverse_move() -> None:
    # cash 200.1 at 1x: short 2 @ 100 locks 200 margin and pays a 0.1 fee, leaving 0 free
    h = _perp_harness(leverage="1", cash="200.1")
    perp = perp_instrument()
    h.submit(h.order(SELL, "2", instrument_id=perp.id))
    h.bar(100, 101, 99, 100, instrument_id=perp.id)
    assert h.venue.balances()["USDT"].free == 0
    cover = h.submit(h.order(BUY, "2", instrument_id=perp.id, reduce_only=True))
    h.bar(105, 106, 104, 105, instrument_id=perp.id)  # 5% against the short
    assert h.kinds(cover)[-1] == "OrderFilled"
    assert h.venue.position_quantity(perp.id) == 0
    # 200.1 - 0.1 open fee - 10 loss - 0.105 close fee
    assert h.venue.balances()["USDT"] == Balance("USDT", Decimal("189.895"), Decimal(0))

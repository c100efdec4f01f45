"""Round trips from fills: opening, adding, partial closes, flips, fees, bars held."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.backtest.trades import build_round_trips, fee_in_settlement, settlement_currency
from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.model.enums import PositionSide
from colin.model.instrument import Instrument
from colin.model.position import Position

from .builders import BTC, ETH, day, fill


def test_long_round_trip_with_fees() -> None:
    trips = build_round_trips(
        [fill("BUY", 1, 100, day(0), fee="0.1"), fill("SELL", 1, 110, day(2), fee="0.11")]
    )
    (trip,) = trips
    assert trip.side is PositionSide.LONG
    assert trip.is_closed
    assert (trip.entry_ts, trip.exit_ts) == (day(0), day(2))
    assert trip.duration_ns == day(2) - day(0)
    assert trip.avg_entry_price == Decimal(100)
    assert trip.avg_exit_price == Decimal(110)
    assert trip.quantity == trip.exit_quantity == Decimal(1)
    assert trip.gross_pnl == Decimal(10)
    assert trip.fees == Decimal("0.21")
    assert trip.net_pnl == Decimal("9.79")
    assert trip.net_return == pytest.approx(0.0979)
    assert trip.fill_count == 2


def test_short_round_trip_gains_when_price_falls() -> None:
    (trip,) = build_round_trips([fill("SELL", 2, 100), fill("BUY", 2, 90, day(1))])
    assert trip.side is PositionSide.SHORT
    assert trip.gross_pnl == Decimal(20)
    assert trip.net_return == pytest.approx(20 / 200)


def test_partial_closes_make_one_trip_with_average_exit() -> None:
    (trip,) = build_round_trips(
        [fill("BUY", 2, 100), fill("SELL", 1, 110, day(1)), fill("SELL", 1, 120, day(2))]
    )
    assert trip.avg_exit_price == Decimal(115)
    assert trip.gross_pnl == Decimal(30)
    assert trip.exit_ts == day(2)
    assert trip.fill_count == 3


def test_adding_after_a_partial_close_keeps_pnl_exact() -> None:
    # bought 2@100 + 1@120 = 320 for 3; sold 1@110 + 2@130 = 370 for 3
    (trip,) = build_round_trips(
        [
            fill("BUY", 2, 100),
            fill("SELL", 1, 110, day(1)),
            fill("BUY", 1, 120, day(2)),
            fill("SELL", 2, 130, day(3)),
        ]
    )
    assert trip.quantity == Decimal(3)
    assert trip.gross_pnl == Decimal(50)  # exact, although 320/3 does not terminate
    assert trip.avg_entry_price * 3 == pytest.approx(Decimal(320))


def test_flip_splits_the_fill_and_its_fee() -> None:
    trips = build_round_trips(
        [
            fill("BUY", 1, 100, day(0), fee="0.1"),
            fill("SELL", 3, 110, day(1), fee="0.33"),
            fill("BUY", 2, 100, day(2), fee="0.2"),
        ]
    )
    first, second = trips
    assert first.side is PositionSide.LONG
    assert (first.gross_pnl, first.fees, first.exit_ts) == (Decimal(10), Decimal("0.21"), day(1))
    assert second.side is PositionSide.SHORT
    assert second.entry_ts == day(1)
    assert second.quantity == Decimal(2)
    assert second.avg_entry_price == Decimal(110)
    assert second.gross_pnl == Decimal(20)
    assert second.fees == Decimal("0.42")
    assert second.net_pnl == Decimal("19.58")


def test_open_trip_reports_realised_part_and_holds_to_the_last_timestamp() -> None:
    timestamps = np.array([day(i) for i in range(10)], dtype=np.int64)
    (trip,) = build_round_trips(
        [fill("BUY", 2, 100, day(1)), fill("SELL", 1, 110, day(3))], timestamps
    )
    assert not trip.is_closed
    assert trip.exit_ts is None and trip.duration_ns is None
    assert trip.exit_quantity == Decimal(1)
    assert trip.gross_pnl == Decimal(10)
    assert trip.bars_held == 8  # timestamps in (day 1, day 9]


def test_bars_held_counts_timestamps_after_entry_up_to_exit() -> None:
    timestamps = np.array([day(i) for i in range(10)], dtype=np.int64)
    (trip,) = build_round_trips(
        [fill("BUY", 1, 100, day(2)), fill("SELL", 1, 100, day(5))], timestamps
    )
    assert trip.bars_held == 3


def test_instruments_are_netted_separately_and_ordered_by_exit() -> None:
    trips = build_round_trips(
        [
            fill("BUY", 1, 100, day(0), instrument=BTC),
            fill("SELL", 1, 10, day(1), instrument=ETH),
            fill("BUY", 1, 8, day(2), instrument=ETH),
            fill("SELL", 1, 90, day(3), instrument=BTC),
        ]
    )
    assert [(trip.instrument_id, trip.gross_pnl) for trip in trips] == [
        (ETH, Decimal(2)),
        (BTC, Decimal(-10)),
    ]


def test_commission_in_base_asset_is_converted_at_the_fill_price() -> None:
    assert fee_in_settlement(fill("BUY", 1, 100, fee="0.001", fee_currency="BTC")) == Decimal("0.1")


def test_commission_in_a_third_currency_is_refused() -> None:
    with pytest.raises(DataError, match="BNB"):
        build_round_trips([fill("BUY", 1, 100, fee="0.01", fee_currency="BNB")])


def test_non_positive_quantity_is_refused() -> None:
    with pytest.raises(DataError, match="must be positive"):
        build_round_trips([fill("BUY", 0, 100)])


def test_settlement_currency_of_spot_and_perpetual() -> None:
    assert settlement_currency("BTC/USDT.BINANCE") == "USDT"
    assert settlement_currency("BTC/USDT:USDT.BINANCE") == "USDT"
    with pytest.raises(DataError, match="inverse"):
        settlement_currency("BTC/USD:BTC.BINANCE")
    with pytest.raises(DataError, match="BASE/QUOTE"):
        settlement_currency("BTCUSDT.BINANCE")


_fills = st.lists(
    st.tuples(
        st.sampled_from(["BUY", "SELL"]),
        st.integers(min_value=1, max_value=50),
        st.integers(min_value=1, max_value=1_000),
        st.integers(min_value=0, max_value=30),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(_fills)
def test_trips_account_for_every_cash_flow_and_fee(raw: list[tuple[str, int, int, int]]) -> None:
    fills = [
        fill(side, qty, px, day(i), fee=Decimal(fee) / 100)
        for i, (side, qty, px, fee) in enumerate(raw)
    ]
    position = sum((f.signed_qty for f in fills), Decimal(0))
    if position:  # close whatever is left so that every trip is closed
        fills.append(fill("SELL" if position > 0 else "BUY", abs(position), 500, day(len(raw))))
    trips = build_round_trips(fills)
    assert all(trip.is_closed for trip in trips)
    cash = sum((-f.signed_qty * f.last_px for f in fills), Decimal(0))
    assert sum((trip.gross_pnl for trip in trips), Decimal(0)) == cash
    assert sum((trip.fees for trip in trips), Decimal(0)) == sum(f.commission for f in fills)
    # an independent implementation (the model's Position) books the same realised PnL
    reference = Position(
        Instrument(id=InstrumentId(BTC), base="BTC", quote="USDT", tick_size=Decimal(1),
                   lot_size=Decimal(1))
    )  # fmt: skip
    for f in fills:
        reference.apply(f)
    assert abs(reference.realized_pnl - cash) < Decimal("1e-12")
    for trip in trips:
        assert trip.quantity == trip.exit_quantity

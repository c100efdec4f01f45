"""ccxt market-data structures decoded into Colin objects and catalog frames."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.adapters.ccxt.decode import (
    bars_from_ohlcv,
    book_deltas,
    book_snapshot,
    funding_from_ccxt,
    funding_to_frame,
    ohlcv_to_frame,
    open_interest_to_frame,
    quote_from_ticker,
    trade_from_ccxt,
    trades_to_frame,
)
from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.model.book import OrderBook
from colin.model.enums import AggressorSide
from colin.persistence.catalog import ParquetCatalog

BTC = InstrumentId("BTC/USDT.BINANCE")
PERP = InstrumentId("BTC/USDT:USDT.BINANCE")
T0 = 1_704_067_200_000  # 2024-01-01 ms
MS = 1_000_000


def test_ohlcv_rows_become_bars_stamped_at_their_close() -> None:
    rows = [[T0, 100.0, 101.5, 99.5, 101.0, 12.5], [T0 + 60_000, "101", "102", "100.5", "101.5", 3]]
    bars = bars_from_ohlcv(rows, BTC, "1m", ts_init=5)
    assert [(b.ts_open, b.ts_event) for b in bars] == [
        (T0 * MS, (T0 + 60_000) * MS),
        ((T0 + 60_000) * MS, (T0 + 120_000) * MS),
    ]
    assert (bars[1].open, bars[1].high, bars[1].low, bars[1].close, bars[1].volume) == (
        101.0,
        102.0,
        100.5,
        101.5,
        3.0,
    )
    assert bars[0].ts_init == 5 and bars[0].timeframe == "1m"


def test_ohlcv_frame_is_in_catalog_schema(tmp_path) -> None:
    rows = [[T0 + i * 60_000, 10.0, 11.0, 9.0, Decimal("10.5"), 1.0] for i in range(3)]
    frame = ohlcv_to_frame(rows)
    assert list(frame.columns) == ["ts_open", "open", "high", "low", "close", "volume"]
    assert frame["ts_open"].dtype == np.int64 and frame["close"].tolist() == [10.5] * 3
    catalog = ParquetCatalog(tmp_path)
    assert catalog.write_bars(BTC, "1m", frame) == 3
    assert ohlcv_to_frame([]).empty and list(ohlcv_to_frame([]).columns) == list(frame.columns)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ([T0, 1, 2, 0.5], "expected \\[ms, open"),
        ([T0, 1, 2, 0.5, 1, -1], "negative volume"),
        ([T0, 1, 0.9, 0.5, 1, 1], "inconsistent candle"),
        ([T0, 0, 2, 0.5, 1, 1], "open: must be positive"),
        ([T0, float("nan"), 2, 0.5, 1, 1], "not a finite number"),
        ([T0, Decimal("sNaN"), 2, 0.5, 1, 1], "not a finite number"),
        ([T0, None, 2, 0.5, 1, 1], "not a number"),
        ([T0, True, 2, 0.5, 1, 1], "not a number"),
        ([T0 + 0.5, 1, 2, 0.5, 1, 1], "integer milliseconds"),
        ([-1, 1, 2, 0.5, 1, 1], "out of range"),
        ([2**70, 1, 2, 0.5, 1, 1], "out of range"),
        ("123456", "expected \\[ms, open"),
    ],
)
def test_bad_ohlcv_rows_raise_a_data_error_naming_the_field(row, message) -> None:
    with pytest.raises(DataError, match=message):
        bars_from_ohlcv([row], BTC, "1m")


def test_trades_decode_with_side_and_id() -> None:
    trades = [
        {"timestamp": T0, "price": 100.5, "amount": 0.25, "side": "buy", "id": "17"},
        {"timestamp": T0 + 1, "price": "100.4", "amount": "1", "side": "sell", "id": 18},
        {"timestamp": T0 + 2, "price": 100.4, "amount": 2, "side": None, "id": None},
    ]
    tick = trade_from_ccxt(trades[0], BTC, ts_init=9)
    assert (tick.price, tick.size, tick.aggressor_side, tick.trade_id, tick.ts_event) == (
        100.5,
        0.25,
        AggressorSide.BUYER,
        "17",
        T0 * MS,
    )
    frame = trades_to_frame(trades)
    assert frame["side"].tolist() == [1, -1, 0]
    assert frame["trade_id"].tolist() == ["17", "18", ""]
    assert (frame["ts_init"] == frame["ts_event"]).all()
    with pytest.raises(DataError, match="side must be"):
        trade_from_ccxt({**trades[0], "side": "BUY"}, BTC)
    with pytest.raises(DataError, match="amount: must be positive"):
        trade_from_ccxt({**trades[0], "amount": 0}, BTC)


def test_order_book_snapshot_keeps_the_best_levels() -> None:
    book = {
        "bids": [[100.0, 1.0], [99.5, 2.0], [99.0, 3.0]],
        "asks": [[100.5, 1.5, 4], [101.0, 0.5, 2]],
        "nonce": 42,
        "timestamp": T0,
    }
    snapshot = book_snapshot(book, BTC, depth=2, ts_init=7)
    assert snapshot.bids == [(100.0, 1.0), (99.5, 2.0)] and snapshot.asks == [
        (100.5, 1.5),
        (101.0, 0.5),
    ]
    assert (snapshot.last_update_id, snapshot.ts_event, snapshot.ts_init) == (42, T0 * MS, 7)
    no_nonce = book_snapshot({**book, "nonce": None, "timestamp": None}, BTC, 5, 11, update_id=3)
    assert (no_nonce.last_update_id, no_nonce.ts_event) == (3, 11)
    with pytest.raises(DataError, match="bids amount: must be positive"):
        book_snapshot({**book, "bids": [[100.0, 0.0]]}, BTC, 5, 0)
    for bad in (float("inf"), float("nan"), -1.0):
        with pytest.raises(DataError, match="asks price"):
            book_snapshot({**book, "asks": [[bad, 1.0]]}, BTC, 5, 0)
        with pytest.raises(DataError, match="bids amount"):
            book_snapshot({**book, "bids": [(100.0, bad)]}, BTC, 5, 0)
    mixed = book_snapshot({**book, "bids": [["100.5", 2], (100.0, Decimal("1.5"))]}, BTC, 5, 0)
    assert mixed.bids == [(100.5, 2.0), (100.0, 1.5)]


levels = st.dictionaries(
    st.integers(1, 60).map(lambda tick: tick * 0.5), st.integers(1, 9).map(float), max_size=12
)


@settings(max_examples=200, deadline=None)
@given(levels, levels, levels, levels, st.integers(1, 8))
def test_deltas_between_snapshots_rebuild_the_newer_one(
    bids_a, asks_a, bids_b, asks_b, depth
) -> None:
    def ccxt_book(bids, asks, nonce):
        return {
            "bids": sorted(([p, s] for p, s in bids.items()), reverse=True),
            "asks": sorted([p + 100, s] for p, s in asks.items()),
            "nonce": nonce,
            "timestamp": T0,
        }

    first = book_snapshot(ccxt_book(bids_a, asks_a, 10), BTC, depth, 1)
    second = book_snapshot(ccxt_book(bids_b, asks_b, 15), BTC, depth, 2)
    book = OrderBook(BTC)
    book.apply_snapshot(first)
    deltas = book_deltas(first, second)
    assert (deltas.first_update_id, deltas.last_update_id) == (11, 15)
    book.apply_deltas(deltas)
    assert book.bids(100) == list(second.bids) and book.asks(100) == list(second.asks)
    assert book.last_update_id == 15


def test_quotes_from_tickers() -> None:
    ticker = {"bid": 100.0, "ask": 100.5, "bidVolume": 2, "askVolume": None, "timestamp": T0}
    quote = quote_from_ticker(ticker, BTC, ts_init=3)
    assert (quote.bid_price, quote.ask_price, quote.bid_size, quote.ask_size) == (
        100.0,
        100.5,
        2.0,
        0.0,
    )
    assert quote.ts_event == T0 * MS
    assert quote_from_ticker({**ticker, "timestamp": None}, BTC, ts_init=3).ts_event == 3
    with pytest.raises(DataError, match="ask: not a number"):
        quote_from_ticker({**ticker, "ask": None}, BTC, 0)


def test_funding_and_open_interest() -> None:
    entries = [
        {"timestamp": T0, "fundingRate": 0.0001, "info": {"markPrice": "42000.5"}},
        {"timestamp": T0 + 8 * 3_600_000, "fundingRate": "-0.00005", "info": {"markPrice": ""}},
    ]
    rate = funding_from_ccxt(entries[0], PERP)
    assert (rate.rate, rate.mark_price, rate.ts_event) == (0.0001, 42000.5, T0 * MS)
    assert funding_from_ccxt(entries[1], PERP).mark_price is None
    frame = funding_to_frame(entries)
    assert frame["rate"].tolist() == [0.0001, -0.00005] and np.isnan(frame["mark_price"][1])
    interest = open_interest_to_frame(
        [
            {"timestamp": T0, "openInterestAmount": 1500.5, "openInterestValue": 6.3e7},
            {"timestamp": T0 + 300_000, "openInterestAmount": None, "openInterestValue": "6.4e7"},
        ]
    )
    assert interest["open_interest"][0] == 1500.5 and np.isnan(interest["open_interest"][1])
    assert interest["open_interest_value"].tolist() == [6.3e7, 6.4e7]
    with pytest.raises(DataError, match="neither amount nor value"):
        open_interest_to_frame([{"timestamp": T0}])


# -- garbage never escapes as anything but DataError ---------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.binary(max_size=4),
)
garbage = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=7),
        st.dictionaries(
            st.sampled_from(
                [
                    "timestamp",
                    "price",
                    "amount",
                    "side",
                    "id",
                    "bids",
                    "asks",
                    "nonce",
                    "bid",
                    "ask",
                    "fundingRate",
                    "info",
                    "markPrice",
                    "openInterestAmount",
                ]
            ),
            inner,
            max_size=8,
        ),
    ),
    max_leaves=20,
)


def _only_data_errors(call) -> None:
    with contextlib.suppress(DataError):
        call()


@settings(max_examples=400, deadline=None)
@given(garbage)
def test_garbage_in_any_decoder_raises_only_data_error(value) -> None:
    _only_data_errors(lambda: bars_from_ohlcv(value, BTC, "1m"))
    _only_data_errors(lambda: bars_from_ohlcv([value], BTC, "1m"))
    _only_data_errors(lambda: ohlcv_to_frame([value]))
    _only_data_errors(lambda: trades_to_frame([value]))
    _only_data_errors(lambda: trade_from_ccxt(value, BTC))
    _only_data_errors(lambda: book_snapshot(value, BTC, 5, 0))
    _only_data_errors(lambda: quote_from_ticker(value, BTC, 0))
    _only_data_errors(lambda: funding_to_frame([value]))
    _only_data_errors(lambda: open_interest_to_frame([value]))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(scalars, st.lists(scalars, min_size=6, max_size=7)), min_size=1, max_size=7)
)
def test_garbage_ohlcv_rows_raise_only_data_error(row) -> None:
    _only_data_errors(lambda: bars_from_ohlcv([row], BTC, "1m"))

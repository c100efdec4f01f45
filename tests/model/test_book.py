from __future__ import annotations

import math

import pytest

from colin.core.errors import DataError
from colin.model import BookDelta, BookDeltas, BookSide, BookSnapshot, OrderBook
from colin.testkit.factories import BTCUSDT


def _book() -> OrderBook:
    book = OrderBook(BTCUSDT)
    book.apply_snapshot(
        BookSnapshot(
            BTCUSDT,
            bids=[(99.0, 1.0), (98.0, 2.0)],
            asks=[(101.0, 1.5), (102.0, 3.0)],
            last_update_id=10,
            ts_event=1,
        )
    )
    return book


def test_snapshot_queries() -> None:
    book = _book()
    assert (book.best_bid_price(), book.best_ask_price()) == (99.0, 101.0)
    assert (book.best_bid_size(), book.best_ask_size()) == (1.0, 1.5)
    assert book.spread() == 2.0
    assert book.mid_price() == 100.0
    assert book.bids(5) == [(99.0, 1.0), (98.0, 2.0)]
    assert book.depth(BookSide.ASK, 2) == 4.5
    vwap, filled = book.vwap_to_size(BookSide.ASK, 2.5)
    assert filled == 2.5
    assert vwap == pytest.approx((1.5 * 101 + 1.0 * 102) / 2.5)
    vwap, filled = book.vwap_to_size(BookSide.BID, 10.0)
    assert filled == 3.0


def test_deltas_update_remove_and_detect_gaps() -> None:
    book = _book()
    book.apply_deltas(
        BookDeltas(
            BTCUSDT,
            [BookDelta(BookSide.BID, 99.0, 0.0), BookDelta(BookSide.ASK, 100.5, 0.2)],
            first_update_id=11,
            last_update_id=12,
            ts_event=2,
        )
    )
    assert book.best_bid_price() == 98.0
    assert book.best_ask_price() == 100.5
    # an old batch already contained in the state is ignored
    book.apply_deltas(BookDeltas(BTCUSDT, [BookDelta(BookSide.BID, 1.0, 1.0)], 5, 9, ts_event=3))
    assert book.bids(10) == [(98.0, 2.0)]
    with pytest.raises(DataError, match="re-sync"):
        book.apply_deltas(
            BookDeltas(BTCUSDT, [], first_update_id=20, last_update_id=21, ts_event=4)
        )


def test_empty_and_crossed_books_are_reported_not_raised() -> None:
    book = OrderBook(BTCUSDT)
    assert book.mid_price() is None
    assert math.isnan(book.vwap_to_size(BookSide.ASK, 1.0)[0])
    book.update_level(BookSide.BID, 101.0, 1.0)
    book.update_level(BookSide.ASK, 100.0, 1.0)
    assert book.is_crossed()

"""Order-flow features on the recorded Binance BTCUSDT capture (hftbacktest, MIT).

The capture is the packaged slice ``colin/sample_data/captures/binance_spot_btcusdt_20240808.gz``
decoded by the Binance capture adapter. Expected numbers below were worked out by hand from the
raw JSON lines (the first REST snapshot, the depth diffs that follow it and the first trades).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import colin.sample_data
from colin.adapters.binance_capture import iter_capture
from colin.core.errors import DataError
from colin.indicators.orderflow.book import BOOK_OUTPUTS, BookFeatures, book_features
from colin.indicators.orderflow.levels import BookLevelRecorder, BookLevels
from colin.indicators.orderflow.ofi import OrderFlowImbalance, order_flow_imbalance
from colin.indicators.orderflow.replay import book_levels_from_frame
from colin.indicators.orderflow.trades import (
    VPIN,
    CumulativeVolumeDelta,
    KyleLambda,
    TradeImbalance,
    cumulative_volume_delta,
    kyle_lambda,
    trade_imbalance,
    trade_sign,
    vpin,
)
from colin.model import BookDeltas, BookSide, BookSnapshot, OrderBook, TradeTick
from colin.persistence.catalog import iter_book_events, sample_catalog

CAPTURE = Path(colin.sample_data.__file__).parent / "captures" / "binance_spot_btcusdt_20240808.gz"
INSTRUMENT = "BTCUSDT.BINANCE"


@pytest.fixture(scope="module")
def replay() -> dict:
    """Replay the capture: book features/OFI streamed after each update, levels recorded."""
    book = OrderBook(INSTRUMENT)
    features, ofi = BookFeatures(depth=3), OrderFlowImbalance(levels=2, window=1)
    recorder = BookLevelRecorder(depth=3)
    streamed: dict[str, list[float]] = {name: [] for name in BOOK_OUTPUTS}
    ofi_values, trades = [], []
    for event in iter_capture(CAPTURE, INSTRUMENT):
        if isinstance(event, BookSnapshot | BookDeltas):
            if isinstance(event, BookSnapshot):
                book.apply_snapshot(event)
            else:
                book.apply_deltas(event)
            features.update(book)
            ofi.update(book)
            recorder.record(book)
            for name in BOOK_OUTPUTS:
                streamed[name].append(getattr(features, name))
            ofi_values.append(list(ofi.levels) if ofi.ready else [np.nan, np.nan])
        elif isinstance(event, TradeTick):
            trades.append(event)
    return {
        "streamed": {k: np.array(v) for k, v in streamed.items()},
        "ofi": np.array(ofi_values),
        "levels": recorder.levels(),
        "trades": trades,
    }


def test_book_features_at_the_first_snapshot_match_hand_values(replay: dict) -> None:
    # snapshot 50093239218: bids 61837.63 x 3.78826, 61837.62 x 0.617, 61837.24 x 0.1061
    #                       asks 61837.64 x 1.54698, 61837.65 x 0.00843, 61837.68 x 0.00016
    first = {name: values[0] for name, values in replay["streamed"].items()}
    assert first["best_bid"] == 61837.63 and first["best_ask"] == 61837.64
    assert first["spread"] == pytest.approx(0.01, abs=1e-9)
    assert first["mid"] == pytest.approx(61837.635, abs=1e-9)
    assert first["microprice"] == pytest.approx(61837.637100449, abs=1e-8)
    assert first["imbalance"] == pytest.approx(2.24128 / 5.33524, rel=1e-12)  # 0.42009
    assert first["imbalance_depth"] == pytest.approx(2.95579 / 6.06693, rel=1e-12)  # 0.48720
    assert first["value"] == first["imbalance_depth"]


def test_ofi_matches_hand_values(replay: dict) -> None:
    ofi = replay["ofi"]
    assert np.isnan(ofi[0]).all()  # no previous state at the snapshot
    # diff 50093239208-224: bid 61837.63 unchanged at 3.78826; ask 61837.64 grows
    # 1.54698 -> 1.6052 at the same price: e = -(1.6052 - 1.54698) = -0.05822
    assert ofi[1, 0] == pytest.approx(-0.05822, abs=1e-12)
    assert ofi[1, 1] == 0.0  # level 2 unchanged on both sides
    assert ofi[2, 0] == 0.0  # the next diff leaves the touch alone
    # diff 50093239238-407: bid 3.78826 -> 0.14298, ask 1.6052 -> 3.48478 at unchanged prices
    assert ofi[3, 0] == pytest.approx((0.14298 - 3.78826) - (3.48478 - 1.6052), abs=1e-12)


def test_trade_features_match_hand_values(replay: dict) -> None:
    first = replay["trades"][:8]  # all seller-initiated
    sizes = [0.02, 0.048, 0.00009, 0.00009, 0.00009, 0.00231, 0.00035, 0.00966]
    assert [t.size for t in first] == sizes
    cvd = CumulativeVolumeDelta()
    for trade in first:
        cvd.handle_trade(trade)
    assert cvd.value == pytest.approx(-0.08059, abs=1e-12)
    bucket = VPIN(bucket_volume=0.05, buckets=1)
    for trade in first[:2]:  # 0.02 + 0.03 of 0.048 fill one all-sell bucket
        bucket.handle_trade(trade)
    assert bucket.value == 1.0
    # prices 61837.63 x5 then 61837.62 x3; window of the last 3 (signed size, price change)
    impact = KyleLambda(window=3)
    for trade in first:
        impact.handle_trade(trade)
    q = -np.array([0.00231, 0.00035, 0.00966])
    dp = np.array([-0.01, 0.0, 0.0])
    assert impact.value == pytest.approx(np.polyfit(q, dp, 1)[0], rel=1e-6)  # about -0.373


def test_streaming_book_features_equal_batch(replay: dict) -> None:
    batch = book_features(replay["levels"])
    assert len(batch.value) == 2227
    for name in BOOK_OUTPUTS:
        np.testing.assert_allclose(
            replay["streamed"][name], getattr(batch, name), rtol=1e-9, atol=1e-12, err_msg=name
        )
    ofi = order_flow_imbalance(replay["levels"], window=1)
    np.testing.assert_allclose(replay["ofi"], ofi.rolling[:, :2], rtol=1e-9, atol=1e-12)


def test_streaming_trade_features_equal_batch(replay: dict) -> None:
    trades = replay["trades"]
    size = np.array([t.size for t in trades])
    sign = np.array([trade_sign(t) for t in trades])
    price = np.array([t.price for t in trades])
    streams = [CumulativeVolumeDelta(), TradeImbalance(50), VPIN(1.0, 10), KyleLambda(100)]
    rows = []
    for trade in trades:
        for feature in streams:
            feature.handle_trade(trade)
        rows.append(
            [f.value if f.ready else np.nan for f in streams] + [streams[1].volume_imbalance]
        )
    table = np.array(rows)
    imbalance = trade_imbalance(size, sign, 50)
    expected = [
        cumulative_volume_delta(size, sign),
        imbalance.count_imbalance,
        vpin(size, sign, 1.0, 10),
        kyle_lambda(price, size, sign, 100),
        imbalance.volume_imbalance,
    ]
    for column, values in enumerate(expected):
        np.testing.assert_allclose(table[:, column], values, rtol=1e-9, atol=1e-12, equal_nan=True)
    assert np.isfinite(expected[2][-1]) and 0.0 <= expected[2][-1] <= 1.0


def test_empty_and_crossed_books_are_not_ready() -> None:
    book = OrderBook(INSTRUMENT)
    features = BookFeatures(depth=5)
    features.update(book)
    assert not features.ready and np.isnan(features.mid)
    book.update_level(BookSide.BID, 100.0, 1.0)
    features.update(book)
    assert not features.ready and np.isnan(features.imbalance)  # one side empty
    book.update_level(BookSide.ASK, 99.0, 1.0)  # crossed
    features.update(book)
    assert not features.ready and np.isnan(features.spread)
    book.update_level(BookSide.ASK, 99.0, 0.0)
    book.update_level(BookSide.ASK, 101.0, 3.0)
    features.update(book)
    assert features.ready and features.imbalance == pytest.approx(-0.5)
    crossed = BookLevels(
        np.array([[100.0], [100.0]]), np.ones((2, 1)), np.array([[101.0], [99.0]]), np.ones((2, 1))
    )
    batch = book_features(crossed)
    assert np.isfinite(batch.mid[0]) and np.isnan(batch.mid[1])


def test_bad_level_arrays_are_refused() -> None:
    with pytest.raises(DataError, match="bid_sizes: negative size at row 0"):
        book_features(
            BookLevels(np.ones((1, 1)), -np.ones((1, 1)), np.ones((1, 1)) * 2, np.ones((1, 1)))
        )
    with pytest.raises(DataError, match="ask_prices: levels not ordered best-first at row 0"):
        book_features(
            BookLevels(
                np.array([[10.0, 9.0]]), np.ones((1, 2)), np.array([[11.0, 10.5]]), np.ones((1, 2))
            )
        )
    with pytest.raises(DataError, match="expected shape"):
        book_features(
            BookLevels(np.ones((2, 2)), np.ones((2, 1)), np.ones((2, 2)), np.ones((2, 2)))
        )
    with pytest.raises(DataError, match="sign: must be -1, 0 or \\+1"):
        cumulative_volume_delta([1.0], [2.0])


def test_levels_rebuilt_from_the_catalog_frame_equal_an_order_book_replay() -> None:
    frame = sample_catalog().read_book("BTC/USDT.BINANCE")
    ts, levels = book_levels_from_frame(frame, depth=10)
    book, recorder, stamps = OrderBook(INSTRUMENT), BookLevelRecorder(10), []
    for event in iter_book_events(frame):
        before = book.update_count
        if isinstance(event, BookSnapshot):
            book.apply_snapshot(event)
        else:
            book.apply_deltas(event)
        if book.update_count != before:
            recorder.record(book)
            stamps.append(event.ts_event)
    expected = recorder.levels()
    assert len(ts) == len(stamps) == 2227
    np.testing.assert_array_equal(ts, stamps)
    for ours, theirs in zip(levels, expected, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def _frame(rows: list[tuple[int, int, int, float, float, int, int]]) -> pd.DataFrame:
    columns = ["ts_event", "kind", "side", "price", "size", "first_update_id", "last_update_id"]
    return pd.DataFrame(rows, columns=columns)


def test_frame_replay_skips_stale_batches_and_refuses_gaps() -> None:
    rows = [
        (1, 0, 1, 100.0, 1.0, 10, 10),
        (1, 0, -1, 101.0, 2.0, 10, 10),  # snapshot @10
        (2, 1, 1, 100.5, 3.0, 8, 10),  # already in the snapshot: skipped
        (3, 1, -1, 101.0, 0.0, 11, 12),
        (3, 1, -1, 102.0, 1.5, 11, 12),  # ask moves up
        (4, 1, 0, np.nan, np.nan, 13, 13),  # an empty batch still counts as an update
    ]
    ts, levels = book_levels_from_frame(_frame(rows), depth=2)
    np.testing.assert_array_equal(ts, [1, 3, 4])
    np.testing.assert_array_equal(levels.bid_prices[:, 0], [100.0, 100.0, 100.0])
    np.testing.assert_array_equal(levels.ask_prices[:, 0], [101.0, 102.0, 102.0])
    assert np.isnan(levels.ask_prices[1, 1])  # one ask level left
    with pytest.raises(DataError, match="gap in update ids at row 2"):
        book_levels_from_frame(_frame([*rows[:2], (5, 1, 1, 99.0, 1.0, 15, 16)]))
    with pytest.raises(DataError, match=r"missing column\(s\) \['size'\]"):
        book_levels_from_frame(_frame(rows).drop(columns="size"))

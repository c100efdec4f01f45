"""Market structure on a hand-labelled real window, plus order blocks and liquidity pools."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from colin.core.errors import DataError
from colin.indicators.structure import MarketStructure, detect_structure


@pytest.fixture(scope="module")
def labelled(bars: pd.DataFrame) -> MarketStructure:
    """Rows 200-229 of the BTC/USDT 1h slice: 2024-05-12 12:00 .. 2024-05-13 17:00 UTC."""
    window = bars.iloc[200:230]
    detector, _ = detect_structure(
        window.ts_open, window.open, window.high, window.low, window.close
    )
    return detector


def test_swings_match_hand_labels(labelled: MarketStructure) -> None:
    # Labelled by reading the 30 bars: a pivot beats the 2 bars on its left and is not beaten
    # by the 2 on its right; it is confirmed 2 bars later.
    highs = [(s.index, s.price, s.confirmed_index) for s in labelled.swings if s.kind == "high"]
    lows = [(s.index, s.price, s.confirmed_index) for s in labelled.swings if s.kind == "low"]
    assert highs == [(4, 61888.00, 6), (12, 61812.00, 14), (21, 63295.48, 23)]
    assert lows == [(5, 61109.67, 7), (9, 60910.58, 11), (15, 60749.21, 17), (18, 60797.79, 20)]


def test_structure_breaks_match_hand_labels(labelled: MarketStructure) -> None:
    # 05-13 05:00 closes at 60858.97 below the 60910.58 swing low: first break, bearish BOS.
    # 05-13 07:00 closes at 62334.37 above the 61812.00 swing high against the bearish trend.
    breaks = [(b.kind, b.direction, b.level, b.swing_index, b.index) for b in labelled.breaks]
    assert breaks == [
        ("bos", "bearish", 60910.58, 9, 17),
        ("choch", "bullish", 61812.00, 12, 19),
    ]
    assert labelled.value == 1.0


def test_fair_value_gaps_and_fills_match_hand_labels(labelled: MarketStructure) -> None:
    gaps = [(g.direction, g.bottom, g.top, g.index, g.state, g.filled_index) for g in labelled.gaps]
    assert gaps == [
        ("bullish", 61313.82, 61346.77, 4, "filled", 5),
        ("bullish", 61420.00, 61483.99, 12, "filled", 13),
        ("bullish", 61016.00, 61460.00, 19, "open", -1),
        ("bullish", 61560.00, 62334.36, 20, "open", -1),
        ("bullish", 62450.00, 62767.18, 21, "filled", 22),
    ]


def test_premium_discount_uses_the_latest_swings(labelled: MarketStructure) -> None:
    # close 62810.51 in the range 60797.79 (swing low 18) .. 63295.48 (swing high 21)
    assert labelled.premium_discount == pytest.approx((62810.51 - 60797.79) / (63295.48 - 60797.79))
    assert labelled.premium_discount > 0.5  # premium


def test_order_blocks_and_pools_match_hand_labels(
    labelled: MarketStructure, bars: pd.DataFrame
) -> None:
    # ATR(14) (TA-Lib's): 363.73 at 05-13 06:00, whose +645.14 body is 1.77 ATR: a bullish
    # displacement; the last bearish candle before it is 05:00 (60802.00 .. 61016.00). 07:00
    # (+830.28, 2.03 ATR) points at the same candle. Price never comes back below 61460.
    [block] = labelled.order_blocks
    assert (block.direction, block.bottom, block.top, block.index) == (
        "bullish",
        60802.00,
        61016.00,
        17,
    )
    assert (block.displacement_index, block.state) == (18, "active")
    # swing lows 60749.21 (15) and 60797.79 (18) are 48.58 apart: not equal within 0.1 ATR
    # (43.26 at 07:00 when the second is confirmed) but equal within 0.15 ATR (64.88)
    assert list(labelled.pools) == []
    window = bars.iloc[200:230]
    wider, _ = detect_structure(
        window.ts_open, window.open, window.high, window.low, window.close, equal_tolerance=0.15
    )
    [pool] = wider.pools
    assert (pool.kind, pool.level, pool.first_index, pool.second_index) == (
        "equal_lows",
        60749.21,
        15,
        18,
    )
    assert (pool.confirmed_index, pool.state) == (20, "intact")


def run(rows: list[tuple[float, float, float, float]], **params: float) -> MarketStructure:
    detector = MarketStructure(**params)  # type: ignore[arg-type]
    for i, (o, h, lo, c) in enumerate(rows):
        detector.update(i * 3_600_000_000_000, o, h, lo, c)
    return detector


def test_order_block_is_the_last_opposing_candle_and_is_tracked() -> None:
    detector = run(
        [
            (100.0, 101.0, 99.0, 100.5),
            (100.5, 101.0, 99.5, 100.0),
            (100.0, 100.8, 99.6, 100.4),
            (100.4, 100.6, 99.5, 99.8),  # last bearish candle before the displacement
            (99.8, 104.0, 99.7, 103.8),  # body 4.0 >= 1.5 x ATR(3) = 3.42
            (103.8, 104.5, 103.0, 104.0),
            (104.0, 104.2, 100.4, 101.0),  # trades back to 100.4 <= 100.6: mitigated
            (101.0, 101.2, 99.0, 99.2),  # closes below 99.5: broken
        ],
        atr_period=3,
    )
    [block] = detector.order_blocks
    assert (block.direction, block.bottom, block.top, block.index) == ("bullish", 99.5, 100.6, 3)
    assert (block.displacement_index, block.mitigated_index, block.broken_index) == (4, 6, 7)
    assert block.state == "broken"


def test_equal_highs_form_a_pool_that_is_swept() -> None:
    highs_lows = [
        (100, 98),
        (101, 99),
        (103, 100),
        (102, 99.5),
        (101, 98.5),
        (102, 99),
        (103.05, 100),
        (102, 99.5),
        (103.5, 100),
    ]
    rows = [((h + lo) / 2, h, lo, (h + lo) / 2) for h, lo in highs_lows]
    detector = run(rows, left=1, right=1, atr_period=3)
    [pool] = [p for p in detector.pools if p.kind == "equal_highs"]
    assert (pool.level, pool.first_index, pool.second_index, pool.confirmed_index) == (
        103.05,
        2,
        6,
        7,
    )
    assert (pool.state, pool.swept_index) == ("swept", 8)


def test_partial_fill_of_a_bearish_gap() -> None:
    rows = [
        (105, 106, 104, 104.5),
        (104.5, 104.6, 101, 101.2),
        (101.2, 102, 100, 100.5),
        (100.5, 103, 100.2, 102.5),
    ]  # gap 102..104, then high 103 fills half of it
    [gap] = run(rows).gaps
    assert (gap.direction, gap.bottom, gap.top) == ("bearish", 102.0, 104.0)
    assert gap.state == "partial" and gap.filled_fraction == pytest.approx(0.5)


def test_batch_refuses_time_going_backwards() -> None:
    with pytest.raises(DataError, match="ts_open: time is not increasing at row 1"):
        detect_structure(np.array([2, 1]), [1, 1], [2, 2], [0.5, 0.5], [1, 1])

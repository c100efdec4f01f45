"""Trades -> bars and bars -> larger bars, checked against independently published bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.core.errors import DataError
from colin.core.time import NANOS_PER_MINUTE
from colin.data.aggregation import resample_bars, trades_to_bars
from colin.persistence.catalog import sample_catalog

BTC = "BTC/USDT.BINANCE"


@pytest.fixture(scope="module")
def catalog():
    return sample_catalog()


def test_15m_bars_resampled_to_1h_equal_binance_1h_bars(catalog) -> None:
    # GeneTrader's 15m and 1h files were downloaded separately from Binance.
    fifteen = catalog.read_bars(BTC, "15m")
    hourly = catalog.read_bars(BTC, "1h")
    resampled = resample_bars(fifteen, "15m", "1h")
    merged = hourly.merge(resampled, on="ts_open", suffixes=("", "_r"))
    assert len(merged) >= len(hourly) - 1
    for column in ("open", "high", "low", "close"):
        assert (merged[column] == merged[f"{column}_r"]).mean() > 0.999
    np.testing.assert_allclose(merged["volume"], merged["volume_r"], rtol=1e-6)
    assert (resampled["bars"] == 4).all()


def test_resample_to_4h_aligns_to_utc_epoch_and_flags_partials(catalog) -> None:
    hourly = catalog.read_bars(BTC, "1h").iloc[2:-1]  # start at 02:00 -> first 4h bar is partial
    flagged = resample_bars(hourly, "1h", "4h", partial="flag")
    assert (flagged["ts_open"] % (4 * 60 * NANOS_PER_MINUTE) == 0).all()
    assert flagged["partial"].iloc[0]
    assert flagged["bars"].iloc[0] == 2
    assert flagged["partial"].iloc[-1] == (flagged["bars"].iloc[-1] < 4)
    dropped = resample_bars(hourly, "1h", "4h")
    assert len(dropped) == len(flagged) - int(flagged["partial"].sum())
    assert "partial" not in dropped.columns


def test_resample_refuses_bad_input(catalog) -> None:
    hourly = catalog.read_bars(BTC, "1h").iloc[:10]
    with pytest.raises(DataError, match="whole multiple"):
        resample_bars(hourly, "1h", "90m")
    with pytest.raises(DataError, match="sorted with unique ts_open"):
        resample_bars(hourly.iloc[::-1], "1h", "4h")
    with pytest.raises(DataError, match="missing column"):
        resample_bars(hourly.drop(columns="low"), "1h", "4h")


def test_trades_to_bars_matches_pandas_and_binance_15m_range(catalog) -> None:
    trades = catalog.read_trades(BTC)
    bars = trades_to_bars(trades, "1m")
    frame = trades.assign(minute=pd.to_datetime(trades["ts_event"], unit="ns").dt.floor("1min"))
    expected = frame.groupby("minute").agg(
        open=("price", "first"),
        high=("price", "max"),
        low=("price", "min"),
        close=("price", "last"),
        volume=("size", "sum"),
        trades=("price", "size"),
    )
    expected = expected.iloc[1:-1]  # the recording starts and ends inside a minute
    assert len(bars) == len(expected)
    for column in ("open", "high", "low", "close", "volume", "trades"):
        np.testing.assert_allclose(bars[column].to_numpy(), expected[column].to_numpy())
    # Independent check: Binance's own 15m bar holding these minutes contains every trade.
    fifteen = catalog.read_bars(BTC, "15m")
    bucket = fifteen[
        fifteen.ts_open
        == (int(trades.ts_event.min()) // (15 * NANOS_PER_MINUTE)) * 15 * NANOS_PER_MINUTE
    ]
    assert len(bucket) == 1
    assert bucket["low"].item() <= bars["low"].min() <= bars["high"].max() <= bucket["high"].item()


def test_trades_to_bars_partial_and_validation() -> None:
    trades = pd.DataFrame(
        {"ts_event": [0, 30 * 10**9, 61 * 10**9], "price": [10.0, 12.0, 11.0], "size": [1, 2, 3]}
    )
    flagged = trades_to_bars(trades, "1m", start_ns=0, partial="flag")
    assert flagged[["open", "high", "low", "close", "volume"]].iloc[0].tolist() == [
        10,
        12,
        10,
        12,
        3,
    ]
    assert flagged["partial"].tolist() == [False, True]
    assert len(trades_to_bars(trades, "1m", 0, end_ns=120 * 10**9)) == 2
    assert trades_to_bars(trades, "1m", partial="flag")["partial"].tolist() == [True, True]
    with pytest.raises(DataError, match="invalid price, first at row 1"):
        trades_to_bars(trades.assign(price=[1.0, np.nan, 2.0]), "1m")
    with pytest.raises(DataError, match="invalid size"):
        trades_to_bars(trades.assign(size=[1.0, -1.0, 2.0]), "1m")
    assert trades_to_bars(trades.iloc[:0], "1m").empty


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**12), st.floats(1, 1e5), st.floats(0, 10)),
        min_size=1,
        max_size=200,
    ),
    st.sampled_from(["1s", "1m", "5m", "1h"]),
)
def test_trades_to_bars_invariants(rows, timeframe: str) -> None:
    trades = pd.DataFrame(rows, columns=["ts_event", "price", "size"])
    bars = trades_to_bars(trades, timeframe, start_ns=0, end_ns=10**13)
    assert bars["ts_open"].is_monotonic_increasing and bars["ts_open"].is_unique
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1)).all()
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()
    assert bars["trades"].sum() == len(trades)
    assert bars["volume"].sum() == pytest.approx(trades["size"].sum())
    ordered = trades.sort_values("ts_event", kind="stable")
    assert bars["open"].iloc[0] == ordered["price"].iloc[0]
    assert bars["close"].iloc[-1] == ordered["price"].iloc[-1]

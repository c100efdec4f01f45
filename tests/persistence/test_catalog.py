"""The Parquet catalog: round trips, range reads, merges, listing, errors and layering."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.core.errors import ConfigError, DataError, NotFoundError
from colin.core.time import NANOS_PER_HOUR
from colin.model import BookDeltas, BookSnapshot, Instrument, InstrumentKind, OrderBook
from colin.persistence.catalog import (
    DataKind,
    LayeredCatalog,
    ParquetCatalog,
    book_events_to_frame,
    default_catalog,
    iter_book_events,
    sample_catalog,
)

BTC = "BTC/USDT.BINANCE"
PERP = "BTC/USDT:USDT.BINANCE"


@pytest.fixture(scope="module")
def sample() -> ParquetCatalog:
    return sample_catalog()


@pytest.fixture
def hourly(sample: ParquetCatalog) -> pd.DataFrame:
    return sample.read_bars(BTC, "1h")


def test_bars_round_trip_exactly(tmp_path: Path, hourly: pd.DataFrame) -> None:
    catalog = ParquetCatalog(tmp_path)
    assert catalog.write_bars(PERP, "1h", hourly) == len(hourly)
    back = catalog.read_bars(PERP, "1h")
    pd.testing.assert_frame_equal(back, hourly)
    assert list(back.dtypes) == [np.int64] + [np.float64] * 5
    assert (tmp_path / "bars/BINANCE/BTC_USDT__USDT/1h/part-2024.parquet").exists()


def test_range_reads_are_half_open(sample: ParquetCatalog, hourly: pd.DataFrame) -> None:
    start, end = int(hourly.ts_open[10]), int(hourly.ts_open[20])
    part = sample.read_bars(BTC, "1h", start, end)
    assert list(part.ts_open) == list(hourly.ts_open[10:20])
    assert len(sample.read_bars(BTC, "1h", start_ns=end)) == len(hourly) - 20
    assert len(sample.read_bars(BTC, "1h", end_ns=start)) == 10
    empty = sample.read_bars(BTC, "1h", 0, 1)
    assert empty.empty and list(empty.columns) == list(hourly.columns)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 5979), st.integers(0, 5979))
def test_range_reads_match_pandas_filter(sample: ParquetCatalog, a: int, b: int) -> None:
    full = sample.read_bars(BTC, "1h")
    start, end = int(full.ts_open[min(a, b)]), int(full.ts_open[max(a, b)])
    expected = full[(full.ts_open >= start) & (full.ts_open < end)].reset_index(drop=True)
    pd.testing.assert_frame_equal(sample.read_bars(BTC, "1h", start, end), expected)


def test_writes_merge_across_years_and_new_rows_win(tmp_path: Path, hourly: pd.DataFrame) -> None:
    catalog = ParquetCatalog(tmp_path)
    older = hourly.iloc[:100].assign(ts_open=hourly.ts_open[:100] - 365 * 24 * NANOS_PER_HOUR)
    catalog.write_bars(BTC, "1h", pd.concat([older, hourly.iloc[:50]]))
    catalog.write_bars(BTC, "1h", hourly.iloc[40:60].assign(volume=1.0))
    back = catalog.read_bars(BTC, "1h")
    assert len(back) == 160 and back.ts_open.is_monotonic_increasing and back.ts_open.is_unique
    assert (back.volume.iloc[140:] == 1.0).all() and (back.volume.iloc[100:140] != 1.0).all()
    assert sorted(p.name for p in (tmp_path / "bars/BINANCE/BTC_USDT/1h").iterdir()) == [
        "part-2023.parquet",
        "part-2024.parquet",
    ]
    (info,) = catalog.list_datasets()
    assert (info.kind, info.instrument_id, info.timeframe, info.rows, info.files) == (
        DataKind.BARS,
        BTC,
        "1h",
        160,
        2,
    )
    assert info.first_ts == int(back.ts_open.iloc[0]) and info.last_ts == int(back.ts_open.iloc[-1])


def test_write_refuses_bad_bars_but_allows_gaps(tmp_path: Path, hourly: pd.DataFrame) -> None:
    catalog = ParquetCatalog(tmp_path)
    bad = hourly.iloc[:10].copy()
    bad.loc[3, "close"] = np.nan
    with pytest.raises(DataError, match=r"refusing to store bars BTC/USDT.BINANCE 1h: 1 nan"):
        catalog.write_bars(BTC, "1h", bad)
    with pytest.raises(DataError, match=r"missing column\(s\) \['volume'\]"):
        catalog.write_bars(BTC, "1h", hourly.drop(columns="volume"))
    assert catalog.write_bars(BTC, "1h", hourly.iloc[[0, 1, 5]]) == 3


def test_not_found_names_what_is_missing_and_available(sample: ParquetCatalog) -> None:
    with pytest.raises(NotFoundError, match=r"no bars BTC/USDT.BINANCE 4h .*has: \['bars 15m'"):
        sample.read_bars(BTC, "4h")
    with pytest.raises(NotFoundError, match=r"bars exist for: \['BTC/USDT.BINANCE', 'ETH"):
        sample.read_bars("SOL/USDT.BINANCE", "1h")
    with pytest.raises(NotFoundError, match=r"instrument DOGE/USDT.BINANCE .*available"):
        sample.instrument("DOGE/USDT.BINANCE")


def test_sample_catalog_content_and_read_only(sample: ParquetCatalog) -> None:
    btc = sample.instrument(BTC)
    assert (btc.tick_size, btc.lot_size, btc.min_notional) == (
        Decimal("0.01"),
        Decimal("0.00001"),
        Decimal("5"),
    )
    assert sample.instrument("ETH/USDT.BINANCE").lot_size == Decimal("0.0001")
    assert btc.taker_fee == Decimal("0.001")
    kinds = {(i.kind, i.instrument_id, i.timeframe) for i in sample.list_datasets()}
    assert {(DataKind.BARS, BTC, "1h"), (DataKind.BARS, "ETH/USDT.BINANCE", "15m")} <= kinds
    assert {(DataKind.TRADES, BTC, None), (DataKind.BOOK, BTC, None)} <= kinds
    with pytest.raises(ConfigError, match="read-only"):
        sample.write_bars(BTC, "1h", sample.read_bars(BTC, "1h").iloc[:1])


def test_book_round_trip_rebuilds_the_same_book(sample: ParquetCatalog, tmp_path: Path) -> None:
    frame = sample.read_book(BTC)
    events = list(iter_book_events(frame))
    assert isinstance(events[0], BookSnapshot) and all(
        isinstance(e, BookDeltas) for e in events[1:]
    )
    book = OrderBook(events[0].instrument_id)
    for event in events:
        (book.apply_snapshot if isinstance(event, BookSnapshot) else book.apply_deltas)(event)
    # an empty delta batch survives the round trip (keeps update ids contiguous)
    empty = BookDeltas(events[1].instrument_id, [], 1, 2, 5, 6)
    again = book_events_to_frame([*events[:3], empty])
    rebuilt = list(iter_book_events(again, BTC))
    assert rebuilt[-1].deltas == [] and rebuilt[-1].last_update_id == 2
    assert [len(e.deltas) for e in rebuilt[1:3]] == [len(e.deltas) for e in events[1:3]]
    copy = ParquetCatalog(tmp_path)
    copy.write_book(BTC, frame)
    pd.testing.assert_frame_equal(copy.read_book(BTC), frame)
    with pytest.raises(DataError, match="pass instrument_id"):
        bare = frame.copy()
        bare.attrs.clear()
        next(iter_book_events(bare))


def test_trades_and_funding_round_trip(tmp_path: Path, sample: ParquetCatalog) -> None:
    catalog = ParquetCatalog(tmp_path)
    trades = sample.read_trades(BTC)
    catalog.write_trades(BTC, trades[["ts_event", "price", "size"]])
    back = catalog.read_trades(BTC)
    assert (back.side == 0).all() and (back.ts_init == back.ts_event).all()
    catalog.write_trades(BTC, trades)  # replaces the same time range
    pd.testing.assert_frame_equal(catalog.read_trades(BTC), trades)
    funding = pd.DataFrame({"ts_event": [0, 8 * NANOS_PER_HOUR], "rate": [1e-4, -2e-5]})
    catalog.write_funding(PERP, funding)
    out = catalog.read_funding(PERP)
    assert out.rate.tolist() == [1e-4, -2e-5] and out.mark_price.isna().all()


def test_instruments_round_trip(tmp_path: Path) -> None:
    catalog = ParquetCatalog(tmp_path)
    perp = Instrument(
        id=PERP,
        base="BTC",
        quote="USDT",
        tick_size=Decimal("0.1"),
        lot_size=Decimal("0.001"),
        kind=InstrumentKind.PERPETUAL,
        max_leverage=Decimal("20"),
        maker_fee=Decimal("-0.0001"),
    )
    catalog.write_instruments([perp])
    assert catalog.instruments() == [perp]
    (tmp_path / "instruments.json").write_text('[{"id": "X/Y.Z"}]')
    with pytest.raises(DataError, match=r"instrument X/Y\.Z lacks field 'base'"):
        catalog.instruments()


def test_default_catalog_layers_user_over_sample(tmp_path: Path, monkeypatch, hourly) -> None:
    monkeypatch.setenv("COLIN_CATALOG", str(tmp_path / "mine"))
    layered = default_catalog()
    assert isinstance(layered, LayeredCatalog) and layered.root == tmp_path / "mine"
    assert len(layered.read_bars(BTC, "1h")) == len(hourly)  # served by the sample
    layered.write_bars(BTC, "1h", hourly.iloc[:5])
    assert len(layered.read_bars(BTC, "1h")) == 5  # the user's dataset shadows the sample
    infos = {(i.instrument_id, i.timeframe): i for i in layered.list_datasets(DataKind.BARS)}
    assert infos[(BTC, "1h")].rows == 5 and infos[(BTC, "15m")].rows == 23_923
    assert [i.id for i in layered.instruments()] == [BTC, "ETH/USDT.BINANCE"]
    with pytest.raises(NotFoundError, match="import data with 'colin data import'"):
        layered.read_trades("ETH/USDT.BINANCE")
    assert default_catalog(tmp_path / "other").root == tmp_path / "other"


def test_catalog_files_ship_in_the_package(sample: ParquetCatalog) -> None:
    root = sample.root
    assert root.parts[-3:] == ("colin", "sample_data", "catalog")
    total = sum(p.stat().st_size for p in root.parent.rglob("*") if p.is_file())
    assert total < 6_000_000
    assert (root.parent / "ATTRIBUTION.md").read_text().count("MIT") >= 3


def test_fill_flags_survive_merges(tmp_path: Path, hourly: pd.DataFrame) -> None:
    catalog = ParquetCatalog(tmp_path)
    catalog.write_bars(BTC, "1h", hourly.iloc[:10].assign(filled=[False] * 9 + [True]))
    catalog.write_bars(BTC, "1h", hourly.iloc[10:20])
    back = catalog.read_bars(BTC, "1h")
    assert back.filled.tolist() == [False] * 9 + [True] + [False] * 10
    catalog.write_bars(BTC, "1h", hourly.iloc[20:25].assign(filled=True))
    assert catalog.read_bars(BTC, "1h").filled.sum() == 6


def test_flags_read_back_across_files_with_different_columns(tmp_path: Path, hourly) -> None:
    catalog = ParquetCatalog(tmp_path)
    older = hourly.iloc[:5].assign(ts_open=hourly.ts_open[:5] - 365 * 24 * NANOS_PER_HOUR)
    catalog.write_bars(BTC, "1h", older)
    catalog.write_bars(BTC, "1h", hourly.iloc[:5].assign(filled=[True] + [False] * 4))
    back = catalog.read_bars(BTC, "1h")
    assert back.filled.tolist() == [False] * 5 + [True] + [False] * 4
    assert back.filled.dtype == bool

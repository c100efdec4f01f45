"""Importers: every supported format from real slices, and clear errors for bad files."""

from __future__ import annotations

import gzip
import logging
import shutil
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.adapters.binance_capture import iter_capture
from colin.core.errors import DataError
from colin.persistence.catalog import DataKind, ParquetCatalog, iter_book_events
from colin.persistence.importers import FileFormat, detect_format, import_file, infer_timeframe
from colin.persistence.importers.timestamps import datetimes_to_ns, epoch_to_ns

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures/data"
SPOT_CAPTURE = (
    Path(__file__).resolve().parents[2]
    / "src/colin/sample_data/captures/binance_spot_btcusdt_20240808.gz"
)


@pytest.fixture
def catalog(tmp_path: Path) -> ParquetCatalog:
    return ParquetCatalog(tmp_path / "catalog")


def _written(result) -> list[tuple[str, str, str | None, int]]:
    return [(k.kind.value, k.instrument_id, k.timeframe, rows) for k, rows in result.written]


def test_freqtrade_feather_infers_instrument_and_timeframe(catalog: ParquetCatalog) -> None:
    result = import_file(catalog, FIXTURES / "BTC_USDT-1h.feather")
    assert result.file_format is FileFormat.FREQTRADE_FEATHER
    assert _written(result) == [("bars", "BTC/USDT.BINANCE", "1h", 300)]
    bars = catalog.read_bars("BTC/USDT.BINANCE", "1h")
    raw = pd.read_feather(FIXTURES / "BTC_USDT-1h.feather")
    assert bars.ts_open.iloc[0] == pd.Timestamp("2024-01-01", tz="UTC").value
    np.testing.assert_array_equal(bars.close.to_numpy(), raw.close.to_numpy())


def test_freqtrade_json_matches_the_same_real_candles(catalog: ParquetCatalog) -> None:
    result = import_file(catalog, FIXTURES / "ETH_USDT-1h.json.gz", venue="binance")
    assert _written(result) == [("bars", "ETH/USDT.BINANCE", "1h", 300)]
    assert catalog.read_bars("ETH/USDT.BINANCE", "1h").high.max() > 2000


def test_cryptodatadownload_csv_with_banner_and_newest_first(catalog: ParquetCatalog) -> None:
    path = FIXTURES / "Coinbase_BTCUSD_1h.csv.gz"
    assert detect_format(path) is FileFormat.CSV_CANDLES
    with pytest.raises(DataError, match="cannot tell the instrument"):
        import_file(catalog, path)
    result = import_file(catalog, path, instrument_id="BTC/USD.COINBASE")
    assert _written(result) == [("bars", "BTC/USD.COINBASE", "1h", 300)]
    bars = catalog.read_bars("BTC/USD.COINBASE", "1h")
    assert bars.ts_open.iloc[-1] == pd.Timestamp("2019-10-17 09:00", tz="UTC").value
    assert bars.volume.iloc[-1] == 61.25  # Volume BTC, not Volume USD
    assert bars.close.iloc[-1] == 8035.88


def test_lean_zips_hour_and_minute(catalog: ParquetCatalog) -> None:
    hour = import_file(
        catalog,
        FIXTURES / "crypto__binance__hour__btcusdt_trade.zip",
        instrument_id="BTC/USDT.BINANCE",
    )
    assert _written(hour) == [("bars", "BTC/USDT.BINANCE", "1h", 120)]
    minute = import_file(
        catalog,
        FIXTURES / "crypto__binance__minute__btcbusd__20221213_trade.zip",
        instrument_id="BTC/BUSD.BINANCE",
    )
    assert _written(minute) == [("bars", "BTC/BUSD.BINANCE", "1m", 1440)]
    bars = catalog.read_bars("BTC/BUSD.BINANCE", "1m")
    assert bars.ts_open.iloc[0] == pd.Timestamp("2022-12-13", tz="UTC").value
    assert bars.open.iloc[0] == 17212.12
    with pytest.raises(DataError, match="contradicts the file's own 1m"):
        import_file(
            catalog,
            FIXTURES / "crypto__binance__minute__btcbusd__20221213_trade.zip",
            instrument_id="BTC/BUSD.BINANCE",
            timeframe="5m",
        )


def test_tardis_and_freqtrade_trades_agree(catalog: ParquetCatalog) -> None:
    tardis = import_file(
        catalog, FIXTURES / "tardis_binance_trades_BTCUSDT.csv.gz", instrument_id="BTC/USDT.TARDIS"
    )
    freqtrade = import_file(catalog, FIXTURES / "BTC_USDT-trades.parquet")
    assert tardis.file_format is FileFormat.TARDIS_TRADES
    assert freqtrade.file_format is FileFormat.FREQTRADE_TRADES
    a = catalog.read_trades("BTC/USDT.TARDIS")
    b = catalog.read_trades("BTC/USDT.BINANCE")
    assert len(a) == len(b) == 500
    np.testing.assert_array_equal(a.price, b.price)
    np.testing.assert_array_equal(a.side, b.side)
    assert set(a.side) == {-1, 1}
    assert (a.ts_event // 1_000_000 == b.ts_event // 1_000_000).all()
    assert (a.ts_init != a.ts_event).any()  # Tardis keeps the local receive time


def test_funding_feather(catalog: ParquetCatalog) -> None:
    result = import_file(catalog, FIXTURES / "BTC_USD_BTC-8h-funding_rate.feather")
    assert _written(result) == [("funding", "BTC/USD:BTC.BINANCE", None, 12)]
    funding = catalog.read_funding("BTC/USD:BTC.BINANCE")
    assert funding.rate.iloc[0] == pytest.approx(0.0002003)
    assert funding.rate.min() < 0


def test_binance_capture_import_replays_cleanly(catalog: ParquetCatalog) -> None:
    with pytest.raises(DataError, match="need a capture reader"):
        import_file(catalog, SPOT_CAPTURE, instrument_id="BTC/USDT.BINANCE")
    seen: list[int] = []
    result = import_file(
        catalog,
        SPOT_CAPTURE,
        instrument_id="BTC/USDT.BINANCE",
        capture_reader=iter_capture,
        on_progress=seen.append,
    )
    assert result.file_format is FileFormat.BINANCE_CAPTURE
    kinds = {kind: rows for kind, _, _, rows in _written(result)}
    assert kinds["trades"] == 5174 and kinds["quotes"] == 16597 and kinds["book"] > 10_000
    assert seen == [10_000, 20_000]
    events = list(iter_book_events(catalog.read_book("BTC/USDT.BINANCE")))
    assert events[0].__class__.__name__ == "BookSnapshot"
    assert all(b.first_update_id == a.last_update_id + 1 for a, b in pairwise(events[1:]))


def _write_csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


HEADER = "timestamp,open,high,low,close,volume\n"
ROWS = [
    "1704067200000,42283.58,42554.57,42261.02,42475.23,1271.68",
    "1704070800000,42475.23,42775.00,42431.65,42613.56,1196.37",
    "1704074400000,42613.57,42638.41,42500.00,42581.10,685.21",
    "1704078000000,42581.09,42586.64,42230.08,42330.49,794.80",
]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([ROWS[0], ROWS[2], ROWS[1], ROWS[3]], r"non_monotonic .*row 2"),
        ([ROWS[0], ROWS[1], ROWS[1], ROWS[2]], r"duplicate .*row 1"),
        ([ROWS[0], ROWS[1].replace("42613.56", ""), ROWS[2]], r"nan .*row 1 .*column\(s\) close"),
        ([ROWS[0], ROWS[1].replace("42775.00", "1.0"), ROWS[2]], r"ohlc_inconsistent .*row 1"),
        ([ROWS[0], ROWS[3]], r"gap .*2 bar\(s\) missing after 2024-01-01T00:00:00Z"),
    ],
)
def test_bad_rows_raise_naming_file_and_row(tmp_path, catalog, rows, message) -> None:
    path = _write_csv(tmp_path / "bad.csv", HEADER + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=rf"bad\.csv: .*{message}"):
        import_file(catalog, path, instrument_id="BTC/USDT.BINANCE", timeframe="1h")
    assert not catalog.list_datasets()  # nothing half-written


def test_bad_rows_are_repaired_and_logged_when_asked(tmp_path, catalog, caplog) -> None:
    rows = [ROWS[0], ROWS[2], ROWS[2], ROWS[1].replace("42613.56", "nan")]
    path = _write_csv(tmp_path / "fix.csv", HEADER + "\n".join(rows) + "\n")
    with caplog.at_level(logging.WARNING):
        result = import_file(
            catalog, path, instrument_id="BTC/USDT.BINANCE", timeframe="1h", policy="fill"
        )
    (report,) = result.reports
    assert report.repairs == [
        "dropped 1 row(s) with nan",
        "sorted out-of-order rows by ts_open",
        "dropped 1 duplicate row(s), kept the last",
        "filled 1 missing bar(s) with zero-volume bars",
    ]
    assert "fix.csv: filled 1 missing bar(s)" in caplog.text
    bars = catalog.read_bars("BTC/USDT.BINANCE", "1h")
    assert bars.filled.tolist() == [False, True, False]
    assert bars.volume.tolist()[1] == 0.0 and bars.close.tolist()[1] == 42475.23


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("BTC_USDT-1h.feather", b"not an arrow file", r"BTC_USDT-1h\.feather: unreadable"),
        ("BTC_USDT-1h.json.gz", b"\x1f\x8b\x08\x00garbage", r"BTC_USDT-1h\.json\.gz: unreadable"),
        ("BTC_USDT-1h.json", b'{"a": 1}', r"expected a JSON list"),
        ("x.csv", b"time,open,high,close,volume\n1,2,3,4,5\n", r"missing column\(s\) \['low'\]"),
        (
            "y.csv",
            HEADER.encode() + b"1704067200000,abc,2,1,1,1\n",
            r"row 0: column open is not a number",
        ),
        ("z.csv", b"when,open,high,low,close\n", r"no time column"),
        ("q.txt", b"hello world\n", r"unknown market-data format .*supported: freqtrade-feather"),
        ("BTC_USDT-8h-mark.json", b"[[1,2,3,4,5,6]]", r"mark candles are not"),
        (
            "w.csv",
            b"date,open,high,low,close,volume\nsoon,1,1,1,1,1\nlater,1,1,1,1,1\n",
            r"row 0: column date is not a date/time",
        ),
        (
            "t.csv",
            b"exchange,symbol,timestamp,local_timestamp,id,side,price,amount\nb,X,1704067200000000,1704067200000000,1,maybe,1,1\n",
            r"column side has 'maybe'",
        ),
    ],
)
def test_unreadable_or_malformed_files_give_clear_errors(tmp_path, catalog, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        import_file(catalog, path, instrument_id="BTC/USDT.BINANCE", timeframe="1h")


def test_missing_file_and_truncated_capture(tmp_path, catalog) -> None:
    with pytest.raises(DataError, match="file not found"):
        import_file(catalog, tmp_path / "nope.feather")
    cut = tmp_path / "cut.gz"
    cut.write_bytes(SPOT_CAPTURE.read_bytes()[:20_000])
    with pytest.raises(DataError, match=r"cut\.gz: cannot read capture"):
        import_file(catalog, cut, instrument_id="BTC/USDT.BINANCE", capture_reader=iter_capture)


def test_reimport_is_idempotent(tmp_path, catalog) -> None:
    copy = tmp_path / "BTC_USDT-1h.feather"
    shutil.copy(FIXTURES / "BTC_USDT-1h.feather", copy)
    import_file(catalog, copy)
    import_file(catalog, copy)
    assert catalog.list_datasets()[0].rows == 300


def test_infer_timeframe() -> None:
    hour = 3_600 * 10**9
    assert infer_timeframe(np.arange(5) * hour) == "1h"
    assert infer_timeframe(np.arange(5) * 24 * hour) == "1d"
    assert infer_timeframe(np.array([0, 15 * 60, 30 * 60, 60 * 60]) * 10**9) == "15m"
    with pytest.raises(DataError, match="too few bars"):
        infer_timeframe(np.array([0]))


@settings(max_examples=100, deadline=None)
@given(
    st.integers(631_152_000, 4_102_444_800),  # 1990 .. 2100 in seconds
    st.sampled_from([("s", 10**9), ("ms", 10**6), ("us", 10**3), ("ns", 1)]),
)
def test_epoch_units_are_inferred_from_magnitude(seconds: int, unit) -> None:
    _, factor = unit
    value = seconds * 10**9 // factor
    assert epoch_to_ns(pd.Series([value]), "f", "t")[0] == value * factor


@settings(max_examples=50, deadline=None)
@given(
    st.datetimes(
        min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
        max_value=pd.Timestamp("2099-12-31").to_pydatetime(),
    )
)
def test_iso_strings_round_trip(moment) -> None:
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    expected = pd.Timestamp(text, tz="UTC").value
    assert datetimes_to_ns(pd.Series([text]), "f", "date")[0] == expected


def test_gzip_csv_is_detected(tmp_path) -> None:
    path = tmp_path / "c.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(HEADER + ROWS[0] + "\n")
    assert detect_format(path) is FileFormat.CSV_CANDLES
    assert DataKind("bars") is DataKind.BARS


def test_funding_takes_mark_prices_from_the_sibling_mark_file(tmp_path, catalog) -> None:
    funding = tmp_path / "BTC_USD_BTC-8h-funding_rate.feather"
    shutil.copy(FIXTURES / "BTC_USD_BTC-8h-funding_rate.feather", funding)
    rates = pd.read_feather(funding)
    marks = rates.iloc[:-2].assign(
        date=rates.date.iloc[:-2] - pd.Timedelta(milliseconds=17),  # venue stamps differ slightly
        open=np.arange(10, dtype=float) + 28_000.0,
    )
    marks.to_feather(tmp_path / "BTC_USD_BTC-8h-mark.feather")
    import_file(catalog, funding)
    out = catalog.read_funding("BTC/USD:BTC.BINANCE")
    assert out.mark_price.iloc[:10].tolist() == list(np.arange(10) + 28_000.0)
    assert out.mark_price.iloc[10:].isna().all()
    assert out.rate.tolist() == rates.open.tolist()

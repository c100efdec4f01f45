"""``colin data``: import, list, check and resample through the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from colin.cli.data import app
from colin.persistence.catalog import ParquetCatalog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures/data"
runner = CliRunner()


@pytest.fixture
def catalog_dir(tmp_path: Path, monkeypatch) -> Path:
    target = tmp_path / "catalog"
    monkeypatch.setenv("COLIN_CATALOG", str(target))
    monkeypatch.setenv("COLUMNS", "200")
    return target


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("import", "list", "check", "resample"):
        assert command in result.output
    assert "--on-bad" in runner.invoke(app, ["import", "--help"]).output


def test_import_list_check_resample(catalog_dir: Path) -> None:
    imported = runner.invoke(app, ["import", str(FIXTURES / "BTC_USDT-1h.feather")])
    assert imported.exit_code == 0, imported.output
    assert "300 rows  bars BTC/USDT.BINANCE 1h" in imported.output
    assert "no instrument definition" not in imported.output  # the sample defines BTC/USDT
    listed = runner.invoke(app, ["list"])
    assert listed.exit_code == 0
    assert "user" in listed.output and "sample" in listed.output
    checked = runner.invoke(app, ["check", "BTC/USDT.BINANCE", "--timeframe", "1h"])
    assert checked.exit_code == 0, checked.output
    assert "ok" in checked.output
    resampled = runner.invoke(app, ["resample", "BTC/USDT.BINANCE", "--from", "1h", "--to", "4h"])
    assert resampled.exit_code == 0, resampled.output
    bars = ParquetCatalog(catalog_dir).read_bars("BTC/USDT.BINANCE", "4h")
    assert len(bars) == 75 and "bars" not in bars.columns


def test_check_reports_gaps_with_exit_code_1(catalog_dir: Path, tmp_path: Path) -> None:
    csv = tmp_path / "gappy.csv"
    csv.write_text(
        "timestamp,open,high,low,close,volume\n"
        "1704067200000,10,11,9,10,1\n1704078000000,10,11,9,10,1\n"
    )
    bad = runner.invoke(
        app, ["import", str(csv), "--instrument", "X/USDT.BINANCE", "--timeframe", "1h"]
    )
    assert bad.exit_code == 2
    assert "gappy.csv" in bad.output and "gap" in bad.output
    ok = runner.invoke(
        app,
        ["import", str(csv), "--instrument", "X/USDT.BINANCE", "-t", "1h", "--on-bad", "drop"],
    )
    assert ok.exit_code == 0 and "left 2 missing bar(s) unfilled" in ok.output
    checked = runner.invoke(app, ["check", "X/USDT.BINANCE"])
    assert checked.exit_code == 1
    assert "2 bar(s) missing after 2024-01-01T00:00:00Z" in checked.output


def test_user_errors_are_one_line_not_tracebacks(catalog_dir: Path, tmp_path: Path) -> None:
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello\n")
    result = runner.invoke(app, ["import", str(unknown)])
    assert result.exit_code == 2
    assert "unknown market-data format" in result.output
    missing = runner.invoke(app, ["resample", "SOL/USDT.BINANCE", "--from", "1h", "--to", "4h"])
    assert missing.exit_code == 2 and "no bars SOL/USDT.BINANCE 1h" in missing.output
    assert runner.invoke(app, ["check", "NOPE/USDT.BINANCE"]).exit_code == 2


def test_capture_import(catalog_dir: Path, tmp_path: Path) -> None:
    capture = tmp_path / "capture.gz"
    shutil.copy(FIXTURES / "binance_usdm_btcusdt_20240808_head.gz", capture)
    result = runner.invoke(app, ["import", str(capture), "--instrument", "BTC/USDT:USDT.BINANCE"])
    assert result.exit_code == 0, result.output
    catalog = ParquetCatalog(catalog_dir)
    assert len(catalog.read_trades("BTC/USDT:USDT.BINANCE")) == 39
    assert len(catalog.read_quotes("BTC/USDT:USDT.BINANCE")) == 241


def test_import_stores_instrument_when_filters_given(catalog_dir: Path, tmp_path: Path) -> None:
    feather = tmp_path / "SOL_USDT-1h.feather"
    shutil.copy(FIXTURES / "BTC_USDT-1h.feather", feather)
    warned = runner.invoke(app, ["import", str(feather)])
    assert (
        warned.exit_code == 0 and "no instrument definition for SOL/USDT.BINANCE" in warned.output
    )
    stored = runner.invoke(
        app,
        [
            "import",
            str(feather),
            "--tick-size",
            "0.01",
            "--lot-size",
            "0.001",
            "--min-notional",
            "5",
        ],
    )
    assert stored.exit_code == 0, stored.output
    instrument = ParquetCatalog(catalog_dir).instrument("SOL/USDT.BINANCE")
    assert (str(instrument.tick_size), str(instrument.lot_size), instrument.quote) == (
        "0.01",
        "0.001",
        "USDT",
    )


def test_resample_trades_into_bars(catalog_dir: Path) -> None:
    result = runner.invoke(app, ["resample", "BTC/USDT.BINANCE", "--from", "trades", "--to", "1m"])
    assert result.exit_code == 0, result.output
    bars = ParquetCatalog(catalog_dir).read_bars("BTC/USDT.BINANCE", "1m")
    assert len(bars) == 2  # 23:54:15..23:57:58: the partial first and last minutes are dropped
    assert (bars.ts_open % 60_000_000_000 == 0).all() and (bars.volume > 0).all()


def test_check_files_before_import(catalog_dir: Path, tmp_path: Path) -> None:
    clean = runner.invoke(app, ["check", "--file", str(FIXTURES / "BTC_USDT-1h.feather")])
    assert clean.exit_code == 0, clean.output
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "timestamp,open,high,low,close,volume\n"
        "1704070800000,10,11,9,10,1\n1704067200000,10,11,9,10,-1\n1704074400000,10,11,9,10,1\n"
    )
    result = runner.invoke(app, ["check", "--file", str(bad), "-t", "1h"])
    assert result.exit_code == 1
    assert "negative_volume" in result.output and "non_monotonic" in result.output
    trades = runner.invoke(
        app, ["check", "--file", str(FIXTURES / "tardis_binance_trades_BTCUSDT.csv.gz")]
    )
    assert trades.exit_code == 2 and "only candle files" in trades.output

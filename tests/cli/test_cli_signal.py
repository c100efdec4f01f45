"""``colin signal``: symbols in three spellings, text and JSON output, continuous runs, errors."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from colin.cli.signal import resolve_symbols, signal
from colin.core.time import parse_time
from colin.persistence.catalog import ParquetCatalog, default_catalog, sample_catalog
from colin.strategy.scorer import load_schema

HOUR = 3_600_000_000_000

runner = CliRunner()
app = typer.Typer()
app.command()(signal)


@pytest.fixture
def catalog_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user catalog, so only the bundled sample is read."""
    target = tmp_path / "catalog"
    monkeypatch.setenv("COLIN_CATALOG", str(target))
    return target


def test_json_for_three_spellings_validates_and_is_written(
    catalog_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "signals.json"
    args = ["ETHUSDT", "BTC/USDT", "BTC/USDT.BINANCE", "--format", "json", "--output", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert [r["symbol"] for r in reports] == ["ETH/USDT.BINANCE", *["BTC/USDT.BINANCE"] * 2]
    schema = load_schema()
    for report in reports:
        jsonschema.validate(report, schema)
        assert report["timestamp"] == "2024-09-06T04:00:00Z"  # close of the last sample bar
        assert report["institutional_factors"]["order_flow"]["available"] is False
    assert reports[1] == reports[2]
    assert json.loads(out.read_text()) == reports


def test_text_report_lists_levels_factors_and_warnings(catalog_dir: Path) -> None:
    # The user catalog holds BTC/USDT 1h up to the bar closing 2024-09-05 15:00 (a SHORT there).
    bars = sample_catalog().read_bars("BTC/USDT.BINANCE", "1h")
    cutoff = parse_time("2024-09-05T15:00:00Z")
    ParquetCatalog(catalog_dir).write_bars(
        "BTC/USDT.BINANCE", "1h", bars[bars.ts_open + HOUR <= cutoff]
    )
    result = runner.invoke(app, ["BTCUSDT"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("BTC/USDT.BINANCE 1h at 2024-09-05T15:00:00Z")
    assert "direction   SHORT (MEDIUM, 71.5/100; long 35.1, short 71.5)" in text
    assert "entry       56,558.01" in text
    assert "stop loss   57,023.76  (above swing high 56909.94 + 0.2%)" in text
    assert "take profit 55,626.51" in text
    assert "size        1.43% of equity" in text
    for name in ("liquidity", "structure", "killzone", "order_flow", "volume_oi"):
        assert f"    {name}" in text
    assert "order_flow  0.20 -> absent" in text
    assert "! order_flow absent" in text
    assert "! liquidity: equal lows at 56187.61 lie before the target" in text


def test_time_horizon_picks_the_bars(catalog_dir: Path) -> None:
    result = runner.invoke(app, ["ETHUSDT", "--time-horizon", "15m", "--format", "json"])
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)
    assert report["timeframe"] == "15m"
    assert report["timestamp"] == "2024-09-06T04:45:00Z"  # last 15m bar opens 04:30


def test_continuous_prints_one_json_line_per_run(catalog_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    args = ["ETHUSDT", "--continuous", "--interval", "0", "--iterations", "3"]
    result = runner.invoke(app, [*args, "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    assert all(json.loads(line)[0]["symbol"] == "ETH/USDT.BINANCE" for line in lines)
    assert json.loads(out.read_text()) == json.loads(lines[-1])


def test_config_weights_and_thresholds_are_used(catalog_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "scorer.yaml"
    config.write_text(
        "weights: {liquidity: 0, structure: 1, killzone: 0, order_flow: 0, volume_oi: 0}\n"
        "thresholds: {low: 10, medium: 20, high: 30}\n"
    )
    result = runner.invoke(app, ["BTCUSDT", "--format", "json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)
    factors = report["institutional_factors"]
    structure = factors["structure"]
    assert structure["effective_weight"] == 1.0
    assert report["long_confidence"] == pytest.approx(100 * structure["long_score"], abs=1e-3)
    assert report["short_confidence"] == pytest.approx(100 * structure["short_score"], abs=1e-3)
    assert report["direction"] == "LONG"  # structure alone: 0.48 long vs 0.31 short
    assert report["confidence_level"] == "HIGH"  # 48 >= the configured high of 30


def test_unknown_symbol_names_it_and_lists_the_known(catalog_dir: Path) -> None:
    result = runner.invoke(app, ["DOGEUSDT"])
    assert result.exit_code == 2
    assert "symbol 'DOGEUSDT': no 1h bars in the catalog" in result.output
    assert "BTCUSDT" in result.output and "ETHUSDT" in result.output


def test_bad_time_horizon_and_bad_config_are_refused(catalog_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["BTCUSDT", "--time-horizon", "hourly"])
    assert result.exit_code == 2
    assert "--time-horizon: invalid timeframe 'hourly'" in result.output
    config = tmp_path / "bad.yaml"
    config.write_text("weights: {liquidity: 0.5}\n")
    result = runner.invoke(app, ["BTCUSDT", "--config", str(config)])
    assert result.exit_code == 2
    assert "invalid scorer config: weights: Value error, factor weights must sum to 1" in (
        result.output.replace("\n", "")
    )


def test_continuous_rereads_the_catalog(catalog_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bar written between two runs is scored by the second run."""
    bars = sample_catalog().read_bars("ETH/USDT.BINANCE", "1h")
    last = bars.iloc[-1]
    newer = {
        "ts_open": int(last.ts_open) + HOUR,
        "open": last.close,
        "high": last.close * 1.01,
        "low": last.close * 0.999,
        "close": last.close * 1.005,
        "volume": float(last.volume),
    }
    pauses: list[float] = []

    def write_a_bar(seconds: float) -> None:
        pauses.append(seconds)
        extended = pd.concat([bars, pd.DataFrame([newer])], ignore_index=True)
        ParquetCatalog(catalog_dir).write_bars("ETH/USDT.BINANCE", "1h", extended)

    monkeypatch.setattr(time, "sleep", write_a_bar)
    args = ["ETHUSDT", "--continuous", "--interval", "7", "--iterations", "2", "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line)[0] for line in result.stdout.strip().splitlines())
    assert pauses == [7.0]
    assert first["timestamp"] == "2024-09-06T04:00:00Z"
    assert second["timestamp"] == "2024-09-06T05:00:00Z"
    assert second["entry_price"] == pytest.approx(newer["close"])


@given(
    st.from_regex(r"[A-Z0-9]{2,6}", fullmatch=True),
    st.from_regex(r"[A-Z]{3,5}", fullmatch=True),
    st.sampled_from(["BINANCE", "BYBIT"]),
)
def test_slash_and_dotted_symbols_parse_without_the_catalog(
    base: str, quote: str, venue: str
) -> None:
    catalog = default_catalog(Path("does-not-exist"))
    assert resolve_symbols([f"{base}/{quote}"], catalog, "1h") == [f"{base}/{quote}.BINANCE"]
    assert resolve_symbols([f"{base.lower()}/{quote}"], catalog, "1h") == [
        f"{base}/{quote}.BINANCE"
    ]
    dotted = f"{base}/{quote}.{venue}"
    assert resolve_symbols([dotted], catalog, "1h") == [dotted]

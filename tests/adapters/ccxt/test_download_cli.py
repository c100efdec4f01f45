"""``colin data download`` through typer's CliRunner, pointed at the simulator (--ccxt-config)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.adapters.conftest import PERP_ID, SPOT_ID
from typer.testing import CliRunner

from colin.cli.data import app
from colin.core.time import NANOS_PER_MINUTE, parse_time
from colin.persistence.catalog import ParquetCatalog

runner = CliRunner()


@pytest.fixture
def sim_config(sim, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "ccxt.json"
    path.write_text(
        json.dumps({"spot": sim.ccxt_config("spot"), "linear": sim.ccxt_config("usdm")})
    )
    return path


def test_download_then_rerun_fetches_nothing(sim_config: Path, tmp_path: Path, btc_bars) -> None:
    catalog = tmp_path / "catalog"
    args = [
        "download", "--exchange", "binance", "--symbols", "BTC/USDT,BTC/USDT:USDT",
        "--timeframe", "1m", "--since", "2024-04-02", "--until", "2024-04-02T03:00",
        "--catalog", str(catalog), "--ccxt-config", str(sim_config),
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "BTC/USDT.BINANCE" in result.output and "180" in result.output
    stored = ParquetCatalog(catalog)
    spot, perp = stored.read_bars(SPOT_ID, "1m"), stored.read_bars(PERP_ID, "1m")
    assert len(spot) == len(perp) == 180
    assert spot["close"].tolist() == btc_bars["close"].head(180).tolist()
    # the perpetual replays the same bars on its own 0.1 tick
    assert perp["close"].tolist() == pytest.approx(btc_bars["close"].head(180).tolist(), abs=0.0501)
    assert {i.id for i in stored.instruments()} == {SPOT_ID, PERP_ID}
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    rows = [line for line in again.output.splitlines() if "BTC/USDT" in line]
    assert len(rows) == 2 and all(" 0 " in line for line in rows)


def test_the_config_can_come_from_the_environment(
    sim_config: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("COLIN_CCXT_CONFIG", str(sim_config))
    catalog = tmp_path / "catalog"
    result = runner.invoke(
        app,
        ["download", "-s", "BTC/USDT", "--since", "2024-04-02", "--until", "2024-04-02T00:10",
         "--catalog", str(catalog)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(ParquetCatalog(catalog).read_bars(SPOT_ID, "1m")) == 10
    assert (parse_time("2024-04-02T00:10") - parse_time("2024-04-02")) // NANOS_PER_MINUTE == 10


def test_user_errors_are_one_line(sim_config: Path, tmp_path: Path) -> None:
    base = ["download", "--catalog", str(tmp_path / "c"), "--ccxt-config", str(sim_config)]
    unknown = runner.invoke(app, [*base, "-s", "NOPE/USDT", "--since", "2024-04-02"])
    assert unknown.exit_code == 2 and "has no market NOPE/USDT" in unknown.output
    venue = runner.invoke(
        app, [*base, "-s", "BTC/USDT", "--since", "2024-04-02", "--exchange", "ftx"]
    )
    assert venue.exit_code == 2 and "no capabilities for ftx" in venue.output
    bad_time = runner.invoke(app, [*base, "-s", "BTC/USDT", "--since", "yesterday"])
    assert bad_time.exit_code == 2 and "--since" in bad_time.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    config = runner.invoke(
        app, ["download", "-s", "BTC/USDT", "--since", "2024-04-02", "--ccxt-config", str(broken)]
    )
    assert config.exit_code == 2 and "--ccxt-config" in config.output


def test_help_documents_download_but_hides_the_test_options() -> None:
    result = runner.invoke(app, ["download", "--help"])
    assert result.exit_code == 0
    assert "--symbols" in result.output and "--since" in result.output and "--kind" in result.output
    assert "--ccxt-config" in result.output  # how a user points it at `colin exchange-sim`
    assert "--page-limit" not in result.output

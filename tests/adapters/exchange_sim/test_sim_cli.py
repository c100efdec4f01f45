"""``colin exchange-sim``: serves the catalog's data to ccxt and prints the configuration."""

from __future__ import annotations

import json
import socket
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from ccxt.binance import binance as sync_binance
from tests.adapters.conftest import funding_frame, interest_frame
from typer.testing import CliRunner, Result

from colin.cli.exchange_sim import exchange_sim, parse_balances, resolve_markets
from colin.cli.main import SUBCOMMANDS
from colin.core.errors import ConfigError
from colin.model.enums import InstrumentKind
from colin.persistence.catalog import default_catalog

app = typer.Typer()
app.command()(exchange_sim)


@pytest.fixture
def sample_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty user catalog, so only the bundled sample is read."""
    monkeypatch.setenv("COLIN_CATALOG", str(tmp_path / "catalog"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_registered_as_a_subcommand() -> None:
    assert SUBCOMMANDS["exchange-sim"] == "colin.cli.exchange_sim:exchange_sim"


def test_serves_the_catalog_to_ccxt(sample_only: None, tmp_path: Path) -> None:
    port = _free_port()
    result: list[Result] = []
    config_out = tmp_path / "sim.json"
    args = ["--port", str(port), "--speed", "60", "--duration", "4", "--start", "2024-04-03"]
    args += ["--config-out", str(config_out)]
    runner = threading.Thread(target=lambda: result.append(CliRunner().invoke(app, args)))
    runner.start()
    client = sync_binance(
        {
            "urls": {"api": {"public": f"http://127.0.0.1:{port}/api/v3"}},
            "options": {"fetchMarkets": {"types": ["spot"]}, "fetchCurrencies": False},
            "timeout": 2000,
        }
    )
    deadline = time.monotonic() + 3
    while True:
        try:
            first = client.fetch_time()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    assert first >= 1712102400000  # 2024-04-03 00:00 UTC, running at 60x
    candles = client.fetch_ohlcv("BTC/USDT", "1m", limit=2)
    assert candles[-1][0] <= client.fetch_time()
    runner.join(15)
    (outcome,) = result
    assert outcome.exit_code == 0, outcome.output
    assert f"http://127.0.0.1:{port}" in outcome.output
    assert '"fapiPrivateV3"' in outcome.output and '"secret": "test-secret"' in outcome.output
    written = json.loads(config_out.read_text())
    assert written["base_url"] == f"http://127.0.0.1:{port}"
    assert written["usdm"]["urls"]["api"]["fapiPrivate"] == f"http://127.0.0.1:{port}/fapi/v1"


def test_perpetual_is_derived_from_its_spot_pair(sample_only: None) -> None:
    instruments, market = resolve_markets(default_catalog(), ["BTC/USDT:USDT"], "1m")
    (perpetual,) = instruments
    assert perpetual.kind is InstrumentKind.PERPETUAL
    assert (perpetual.taker_fee, perpetual.max_leverage) == (Decimal("0.0005"), Decimal(20))
    data = market["BTC/USDT:USDT.BINANCE"]
    assert data.bars is not None and len(data.bars) > 7000
    assert data.book is None  # the sample's L2 capture does not overlap its 1m bars
    assert data.funding is None and data.open_interest is None  # none in the sample
    with pytest.raises(ConfigError, match=r"no instrument DOGE/USDT\.BINANCE"):
        resolve_markets(default_catalog(), ["DOGE/USDT"], "1m")


def test_the_perpetuals_funding_and_open_interest_in_the_catalog_are_served(
    sample_only: None,
) -> None:
    catalog = default_catalog()
    catalog.write_funding("BTC/USDT:USDT.BINANCE", funding_frame())
    catalog.write_open_interest("BTC/USDT:USDT.BINANCE", "5m", interest_frame())
    hourly = interest_frame().iloc[::12]
    catalog.write_open_interest("BTC/USDT:USDT.BINANCE", "1h", hourly)
    _, market = resolve_markets(catalog, ["BTC/USDT", "BTC/USDT:USDT"], "1m")
    perp = market["BTC/USDT:USDT.BINANCE"]
    assert perp.funding is not None and perp.open_interest is not None
    assert perp.funding["rate"].tolist() == pytest.approx(funding_frame()["rate"].tolist())
    assert len(perp.open_interest) == len(interest_frame())  # the finest period is served
    assert market["BTC/USDT.BINANCE"].funding is None  # the spot pair has none


def test_balances_option() -> None:
    assert parse_balances(["spot:USDT=5", "usdm:usdt=7.5"]) == {
        "spot": {"USDT": Decimal(5)},
        "usdm": {"USDT": Decimal("7.5")},
    }
    with pytest.raises(typer.BadParameter):
        parse_balances(["margin:USDT=5"])

"""``colin run``: live-mode refusals, a paper run to the end of its feed, clean SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from colin.cli.main import app
from colin.cli.run import _with_ccxt_config
from colin.node.ccxt_config import load_ccxt_config
from colin.node.config import ColinConfig
from colin.node.live_config import api_credentials

runner = CliRunner()

LIVE_RISK = "  risk:\n    max_order_notional: 1000\n    max_position_notional: 5000\n"
KEYS = {"COLIN_API_KEY": "k", "COLIN_API_SECRET": "s"}


def _config(workdir: Path, trading: str) -> Path:
    path = workdir / "node.yaml"
    path.write_text("trading:\n" + trading)
    return path


def _invoke(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["run", *args], env=env)
    return result.exit_code, result.stderr


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("COLIN_") and ("API_KEY" in name or "API_SECRET" in name):
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("no_keys")
@pytest.mark.parametrize(
    ("trading", "flags", "env", "message"),
    [
        (LIVE_RISK, [], KEYS, "needs the confirmation flag --i-understand-this-is-live"),
        (LIVE_RISK, ["--i-understand-this-is-live"], {}, "needs API keys in the environment"),
        (
            LIVE_RISK,
            ["--i-understand-this-is-live"],
            {"COLIN_API_KEY": "k"},
            "COLIN_BINANCE_API_SECRET",
        ),
        (
            "  risk: {max_order_notional: 1000}\n",
            ["--i-understand-this-is-live"],
            KEYS,
            "risk.max_position_notional or risk.max_position_pct_equity must be set",
        ),
        (
            LIVE_RISK + "    drawdown: {enabled: false}\n",
            ["--i-understand-this-is-live"],
            KEYS,
            "risk.drawdown must be enabled",
        ),
        (
            LIVE_RISK + "    price_band_pct: -1\n",
            ["--i-understand-this-is-live"],
            KEYS,
            "trading.risk.price_band_pct: Input should be greater than 0",
        ),
    ],
)
def test_live_mode_refuses_to_start_with_one_clear_line(
    workdir: Path, trading: str, flags: list[str], env: dict[str, str], message: str
) -> None:
    config = _config(workdir, trading)
    code, stderr = _invoke(["--config", str(config), "--mode", "live", *flags], env)
    assert code == 2
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert not (workdir / "colin.db").exists()  # refused before anything was opened


def test_per_venue_key_names_win_over_the_generic_ones() -> None:
    env = {**KEYS, "COLIN_BINANCE_API_KEY": "bk", "COLIN_BINANCE_API_SECRET": "bs"}
    assert api_credentials("binance", env) == ("bk", "bs")
    assert api_credentials("bybit", env) == ("k", "s")
    assert api_credentials("binance", {"COLIN_BINANCE_API_KEY": "bk"}) is None


def test_paper_run_over_the_catalog_ends_with_its_feed_and_logs_json(workdir: Path) -> None:
    config = _config(
        workdir,
        "  source: catalog\n  clock: event\n  timeframe: 1m\n"
        "  parameters: {fast: 5, slow: 20}\n"
        "  replay: {start: '2024-04-02', end: '2024-04-03'}\n",
    )
    code, stderr = _invoke(["--config", str(config), "--mode", "paper"])
    assert code == 0, stderr
    lines = [json.loads(line) for line in stderr.splitlines()]
    logs = [entry for entry in lines if entry["logger"] == "colin.node.trading"]
    messages = [entry["msg"] for entry in logs]
    assert messages[0] == "node started" and messages[-1] == "node stopped"
    assert {"ts", "level", "logger", "msg"} <= set(logs[0])
    assert logs[0]["mode"] == "paper"
    assert logs[-1]["reason"] == "market data feed ended"
    assert logs[-1]["fills"] > 0
    fills = [entry for entry in logs if entry["msg"] == "fill"]
    assert len(fills) == logs[-1]["fills"]
    assert {"client_order_id", "side", "quantity", "price", "commission"} <= set(fills[0])


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_signal_stops_a_running_node_cleanly(workdir: Path, stop_signal: signal.Signals) -> None:
    config = _config(
        workdir,
        "  source: catalog\n  timeframe: 1m\n  parameters: {fast: 3, slow: 8}\n"
        "  replay: {start: '2024-04-02', speed: 600}\n",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "colin.cli.main", "run", "--config", str(config)],
        cwd=workdir,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 60
        started = False
        while time.monotonic() < deadline and not started:
            line = process.stderr.readline()
            started = '"msg":"node started"' in line
        assert started, "the node did not start"
        time.sleep(1.0)
        process.send_signal(stop_signal)
        _, rest = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, rest
    last = json.loads(rest.strip().splitlines()[-1])
    assert last["msg"] == "node stopped"
    assert last["reason"] == f"signal {stop_signal.name}"
    assert last["open_orders"] == 0


def test_a_ccxt_config_file_points_the_node_at_its_market_entry(tmp_path: Path) -> None:
    sim_file = tmp_path / "sim.json"
    spot = {"urls": {"api": {"public": "http://127.0.0.1:1/api/v3"}}}
    usdm = {"urls": {"api": {"fapiPublic": "http://127.0.0.1:1/fapi/v1"}}, "timeout": 500}
    sim_file.write_text(json.dumps({"base_url": "http://127.0.0.1:1", "spot": spot, "usdm": usdm}))
    own = {"timeout": 9000, "verbose": False}
    config = ColinConfig.model_validate(
        {"trading": {"market_type": "linear", "ccxt_overrides": own}}
    )
    merged = _with_ccxt_config(config, load_ccxt_config(sim_file)).trading.ccxt_overrides
    assert merged == {**usdm, "verbose": False}  # the file wins, the rest of the config stays
    spot_config = ColinConfig.model_validate({"trading": {"market_type": "spot"}})
    assert _with_ccxt_config(spot_config, load_ccxt_config(sim_file)).trading.ccxt_overrides == spot


def test_a_broken_ccxt_config_file_is_refused_with_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "sim.json"
    broken.write_text("[1, 2]")
    code, stderr = _invoke(["--mode", "paper", "--ccxt-config", str(broken)])
    assert code == 2
    assert stderr.startswith("error: --ccxt-config") and "expected a JSON object" in stderr

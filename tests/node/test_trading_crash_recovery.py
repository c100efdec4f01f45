"""Crash recovery: SIGKILL a live node at random moments, restart it, lose and double nothing.

``colin run --mode live`` runs in a subprocess against the local exchange simulator (in this
process, driven at 60x), through the real ccxt client, with its journal in SQLite. It trades the
order-heavy :class:`~tests.node.test_trading_live.ChurnStrategy`. Each trial starts the node and
kills it with SIGKILL at a seeded random moment — during start-up and recovery, or while it
trades. A last run ends with SIGTERM. Then the exchange's ground truth must match the node's
journal exactly: every order the exchange received is journaled once, with the exchange's status
and filled quantity; every journaled order the exchange never received was denied or rejected;
nothing is left open; the node's final balances are the exchange's, and its last reconciliation
found nothing to correct. It runs for spot BTC/USDT (balances) and for the USD-M perpetual
(position and wallet).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.adapters.ccxt.exec_node import venue_status
from tests.adapters.conftest import PERP_ID, perpetual_instrument
from tests.node.test_trading_live import CHURN_RISK, SIM_START_MS, SPOT, SimDriver

from colin.adapters.exchange_sim import ExchangeSimulator, SimMarketData
from colin.core.ids import ClientOrderId, InstrumentId
from colin.model.enums import OrderStatus
from colin.model.instrument import Instrument
from colin.persistence.catalog import sample_catalog
from colin.persistence.replay import rebuild_from_journal
from colin.persistence.sql import SqlJournal, create_store

pytestmark = pytest.mark.slow

TRIALS = int(os.environ.get("NODE_CRASH_TRIALS", "20"))
SEED = int(os.environ.get("NODE_CRASH_SEED", "6"))
REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 60.0
SIM_SPEED = 300.0  # a 1m bar every 0.2 s: about 20 order requests per second


class NodeProcess:
    """``colin run`` in a subprocess, its JSON log lines collected by a reader thread."""

    def __init__(self, config: Path, workdir: Path) -> None:
        env = {
            **os.environ,
            "COLIN_API_KEY": "test-key",
            "COLIN_API_SECRET": "test-secret",
            "PYTHONPATH": str(REPO),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "colin.cli.main",
                "run",
                "--config",
                str(config),
                "--mode",
                "live",
                "--i-understand-this-is-live",
            ],
            cwd=workdir,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.logs: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self._started = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.raw.append(line)
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            self.logs.append(entry)
            if entry.get("msg") == "node started":
                self._started.set()

    def wait_started(self) -> None:
        if not self._started.wait(START_TIMEOUT_S):
            self.process.kill()
            pytest.fail("the node did not start:\n" + "".join(self.raw[-30:]))

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT_S)
        self._reader.join(STOP_TIMEOUT_S)

    def terminate(self) -> dict[str, Any]:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(STOP_TIMEOUT_S)
        self._reader.join(STOP_TIMEOUT_S)
        assert code == 0, "".join(self.raw[-30:])
        stopped = [e for e in self.logs if e.get("msg") == "node stopped"]
        assert stopped, "".join(self.raw[-30:])
        return stopped[-1]


@dataclass(frozen=True)
class Market:
    """One account of the simulator the node trades."""

    name: str  # the simulator's account: spot | usdm
    market_type: str  # ccxt: spot | linear
    instrument_id: InstrumentId
    quantity: str
    balances: tuple[str, ...]  # assets compared with the node's final balances

    def instrument(self) -> Instrument:
        if self.instrument_id == SPOT:
            return sample_catalog().instrument(SPOT)
        return perpetual_instrument()


SPOT_MARKET = Market("spot", "spot", SPOT, "0.001", ("USDT", "BTC"))
PERP_MARKET = Market("usdm", "linear", PERP_ID, "0.002", ("USDT",))


def _simulator() -> ExchangeSimulator:
    catalog = sample_catalog()
    data = SimMarketData(bars=catalog.read_bars(SPOT, "1m"), timeframe="1m")
    return ExchangeSimulator(
        instruments=[catalog.instrument(SPOT), perpetual_instrument()],
        market={SPOT: data, PERP_ID: data},
        balances={
            "spot": {"USDT": Decimal(10000), "BTC": Decimal("0.1")},
            "usdm": {"USDT": Decimal(10000)},
        },
        seed=0,
        clock="stepped",
        start_ms=SIM_START_MS,
    )


def _write_config(sim: ExchangeSimulator, market: Market, workdir: Path) -> Path:
    ccxt_config = sim.ccxt_config(market.name)  # type: ignore[arg-type]
    ccxt_config.pop("apiKey")
    ccxt_config.pop("secret")
    trading = {
        "mode": "live",
        "market_type": market.market_type,
        "strategy": "tests.node.test_trading_live:ChurnStrategy",
        "parameters": {"quantity": market.quantity},
        "instruments": [str(market.instrument_id)],
        "timeframe": "1m",
        "risk": CHURN_RISK,
        "reconcile": {"interval_s": 1.0, "ack_grace_s": 2.0},
        "stale_feed": {"enabled": False},
        "ccxt_overrides": {**ccxt_config, "timeout": 10_000},
        "store_url": f"sqlite:///{workdir / 'node.db'}",
    }
    path = workdir / "node.yaml"
    path.write_text(yaml.safe_dump({"trading": trading}))
    return path


@pytest.mark.parametrize("market", [SPOT_MARKET, PERP_MARKET], ids=["spot", "usdm"])
def test_sigkill_at_random_moments_loses_and_doubles_no_order(
    market: Market, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    sim = _simulator()
    sim.start_in_thread()
    try:
        config = _write_config(sim, market, tmp_path)
        with SimDriver(sim, speed=SIM_SPEED):
            kills = []
            for _ in range(TRIALS):
                node = NodeProcess(config, tmp_path)
                if rng.random() < 0.25:
                    delay = rng.uniform(0.3, 2.5)  # often during start-up, replay or reconcile
                else:
                    node.wait_started()
                    delay = rng.uniform(0.05, 2.0)  # while it trades
                time.sleep(delay)
                kills.append(node.process.poll() is None)
                node.kill()
            last = NodeProcess(config, tmp_path)
            last.wait_started()
            time.sleep(2.0)
            stopped = last.terminate()
        venue_orders = sim.orders(market.name)  # type: ignore[arg-type]
        venue_balances = sim.wallet(market.name)  # type: ignore[arg-type]
        venue_positions = sim.positions()
    finally:
        sim.stop_thread()

    assert sum(kills) == TRIALS  # every kill hit a running node
    store = create_store(f"sqlite:///{tmp_path / 'node.db'}")
    journal = SqlJournal(store, "node.COLIN.live")
    instruments = {market.instrument_id: market.instrument()}
    orders, _ = rebuild_from_journal(journal.entries(), instruments, strict=False)
    store.close()

    venue = {ClientOrderId(o.client_order_id): o for o in venue_orders}
    assert len(venue) == len(venue_orders)  # no client order id twice at the exchange
    lost = set(venue) - set(orders)
    assert not lost, f"orders at the exchange missing from the journal: {sorted(lost)}"
    for client_order_id, snapshot in venue.items():
        order = orders[client_order_id]
        assert order.status is venue_status(snapshot.status), client_order_id
        assert order.filled_qty == Decimal(snapshot.executed_qty), client_order_id
    never_sent = set(orders) - set(venue)
    unsent = {c: orders[c].status for c in never_sent}
    assert set(unsent.values()) <= {OrderStatus.DENIED, OrderStatus.REJECTED}, {
        c: (s, [type(e).__name__ for e in orders[c].events])
        for c, s in unsent.items()
        if s not in (OrderStatus.DENIED, OrderStatus.REJECTED)
    }
    assert not [o for o in orders.values() if o.is_open]
    assert not [o for o in venue_orders if o.status in ("NEW", "PARTIALLY_FILLED")]
    for asset in market.balances:
        assert Decimal(stopped["balances"][asset]) == venue_balances[asset], asset
    if market.name == "usdm":
        amount = venue_positions.get("BTCUSDT", (Decimal(0), Decimal(0)))[0]
        node_amount = stopped["positions"].get(str(PERP_ID), "0")
        assert Decimal(node_amount) == amount
    assert stopped["account_mismatches"] == 0
    assert stopped["open_orders"] == 0
    assert len(venue) >= 5 * TRIALS  # it was an order-heavy session

"""A silent market-data feed moves the risk engine to REDUCING, then HALTED, and back."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.node.test_trading_live import SimDriver, spot_simulator

from colin.core.ids import InstrumentId
from colin.model.data import Bar
from colin.model.enums import TradingState
from colin.node.config import ColinConfig
from colin.node.feeds import MarketDataSink
from colin.node.launch import build_trading_node
from colin.node.live_config import StaleFeedConfig, TradingNodeConfig
from colin.node.staleness import OWNER, StaleFeedMonitor
from colin.node.trading import TradingNode
from colin.persistence.catalog import sample_catalog
from colin.persistence.sql import create_store
from colin.risk.events import TradingStateChanged

INSTRUMENT = InstrumentId("BTC/USDT.BINANCE")
MINUTE = 60 * 10**9


def _bar(i: int) -> Bar:
    ts_open = 1_712_016_000 * 10**9 + i * MINUTE
    return Bar(INSTRUMENT, "1m", 100.0, 101.0, 99.0, 100.5, 10.0, ts_open, ts_open + MINUTE)


class _StallingFeed:
    """Two bars, a silence, two more bars, a short wait, then the end."""

    def __init__(self, pause_s: float) -> None:
        self.pause_s = pause_s
        self.last = time.monotonic()

    async def run(self, sink: MarketDataSink) -> None:
        for i in range(2):
            sink.handle_bar(_bar(i))
        self.last = time.monotonic()
        await asyncio.sleep(self.pause_s)
        for i in range(2, 4):
            sink.handle_bar(_bar(i))
        self.last = time.monotonic()
        await asyncio.sleep(0.35)  # one stale check (every 0.25 s) sees fresh data

    def silence_s(self) -> float:
        return time.monotonic() - self.last

    async def close(self) -> None:
        return None


def test_silence_tightens_the_trading_state_and_fresh_data_releases_it(tmp_path: Path) -> None:
    config = TradingNodeConfig.model_validate(
        {
            "mode": "paper",
            "stale_feed": {"reducing_after_s": 0.5, "halted_after_s": 1.0},
            "parameters": {"fast": 2, "slow": 3},
        }
    )
    node = TradingNode(
        config,
        [sample_catalog().instrument(INSTRUMENT)],
        _StallingFeed(pause_s=1.8),
        create_store(f"sqlite:///{tmp_path / 'node.db'}"),
    )
    assert asyncio.run(asyncio.wait_for(node.run(install_signal_handlers=False), 30)) == 0
    changes = [e for e in node.risk_events if isinstance(e, TradingStateChanged)]
    assert [(c.previous, c.state) for c in changes] == [
        (TradingState.ACTIVE, TradingState.REDUCING),
        (TradingState.REDUCING, TradingState.HALTED),
        (TradingState.HALTED, TradingState.ACTIVE),
    ]
    assert "no market data for" in changes[0].reason
    assert node.risk_engine.trading_state is TradingState.ACTIVE


class _Risk:
    def __init__(self) -> None:
        self.calls: list[tuple[str, TradingState | None, str]] = []

    def set_rule_state(self, state: TradingState, reason: str, owner: str) -> None:
        self.calls.append(("set", state, owner))

    def release_rule_state(self, owner: str, reason: str) -> None:
        self.calls.append(("release", None, owner))


def test_monitor_levels_follow_the_silence() -> None:
    risk = _Risk()
    monitor = StaleFeedMonitor(StaleFeedConfig(reducing_after_s=5, halted_after_s=20), risk)
    for silence, expected in [
        (1, TradingState.ACTIVE),
        (4.9, TradingState.ACTIVE),
        (5.0, TradingState.REDUCING),
        (10, TradingState.REDUCING),
        (21, TradingState.HALTED),
        (30, TradingState.HALTED),
        (0.1, TradingState.ACTIVE),
        (0.2, TradingState.ACTIVE),
        (25, TradingState.HALTED),
    ]:
        assert monitor.check(silence) is expected, silence
    assert risk.calls == [
        ("set", TradingState.REDUCING, OWNER),
        ("set", TradingState.HALTED, OWNER),
        ("release", None, OWNER),
        ("set", TradingState.HALTED, OWNER),
    ]


def test_a_state_set_by_the_operator_is_not_released_by_fresh_data(tmp_path: Path) -> None:
    config = TradingNodeConfig.model_validate(
        {"stale_feed": {"reducing_after_s": 0.2, "halted_after_s": 0.5}}
    )
    node = TradingNode(
        config,
        [sample_catalog().instrument(INSTRUMENT)],
        _StallingFeed(pause_s=0.4),
        create_store(f"sqlite:///{tmp_path / 'node.db'}"),
    )
    node.risk_engine.set_trading_state(TradingState.HALTED, "operator halt")
    asyncio.run(asyncio.wait_for(node.run(install_signal_handlers=False), 30))
    assert node.risk_engine.trading_state is TradingState.HALTED
    assert node.risk_engine.states.owner != OWNER


def test_a_stalled_exchange_feed_halts_trading_and_resuming_releases_it(tmp_path: Path) -> None:
    """The simulator's market stops moving (nothing on the ccxt streams), then moves again."""
    sim = spot_simulator()
    sim.start_in_thread()
    try:
        overrides = {**sim.ccxt_config("spot"), "timeout": 10_000}
        config = ColinConfig.model_validate(
            {
                "database_url": f"sqlite:///{tmp_path / 'node.db'}",
                "trading": {
                    "mode": "paper",
                    "parameters": {"fast": 2, "slow": 3},
                    "stale_feed": {"reducing_after_s": 0.8, "halted_after_s": 1.6},
                    "ccxt_overrides": overrides,
                },
            }
        )

        async def main() -> TradingNode:
            node = await build_trading_node(config, {})
            run = asyncio.create_task(node.run(install_signal_handlers=False))
            for drive_s in (1.5, 0.0, 1.0):  # flowing, stalled, flowing again
                if drive_s:
                    with SimDriver(sim):
                        await asyncio.sleep(drive_s)
                else:
                    await asyncio.sleep(2.5)
            node.request_stop("test over")
            await asyncio.wait_for(run, 30)
            return node

        node = asyncio.run(main())
    finally:
        sim.stop_thread()
    changes = [e for e in node.risk_events if isinstance(e, TradingStateChanged)]
    assert [(c.previous, c.state) for c in changes] == [
        (TradingState.ACTIVE, TradingState.REDUCING),
        (TradingState.REDUCING, TradingState.HALTED),
        (TradingState.HALTED, TradingState.ACTIVE),
    ]

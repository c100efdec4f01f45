"""Paper trading over recorded data: the node reproduces the backtest, fill for fill."""

from __future__ import annotations

import asyncio
import logging
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest
from tests.node.test_trading_live import SimDriver, spot_simulator

from colin.backtest.engine import BacktestEngine
from colin.core.ids import InstrumentId
from colin.model.book import BookDeltas, BookSnapshot
from colin.model.data import Bar, TradeTick
from colin.model.enums import OrderSide
from colin.model.events import OrderFilled
from colin.node.backtest import build_engine
from colin.node.config import BacktestRunConfig, ColinConfig
from colin.node.feeds import CatalogReplayFeed, MarketDataSink, MarketFeed
from colin.node.launch import build_trading_node
from colin.node.live_config import TradingNodeConfig
from colin.node.trading import TradingNode
from colin.persistence.catalog import default_catalog
from colin.persistence.replay import rebuild_from_journal
from colin.persistence.sql import SqlJournal, create_store

INSTRUMENT = "BTC/USDT.BINANCE"
START, END = "2024-04-02", "2024-04-04"
PARAMS = {"fast": 5, "slow": 20}
LATENCY = {"fixed_ns": 350_000_000, "jitter_ns": 400_000_000, "seed": 7}
RISK = {"drawdown": {"enabled": False}}


def _fill_rows(fills: list[OrderFilled]) -> list[tuple[object, ...]]:
    return [
        (f.side, f.last_qty, f.last_px, f.commission, f.liquidity_side, f.ts_event) for f in fills
    ]


def _paper_node(tmp_path: Path, **overrides: object) -> TradingNode:
    config = TradingNodeConfig.model_validate(
        {
            "mode": "paper",
            "source": "catalog",
            "clock": "event",
            "instruments": [INSTRUMENT],
            "timeframe": "1m",
            "strategy": "sma_cross",
            "parameters": PARAMS,
            "venue": {"latency": LATENCY},
            "risk": RISK,
            "stale_feed": {"enabled": False},
            **overrides,
        }
    )
    catalog = default_catalog(tmp_path / "catalog")
    feed = CatalogReplayFeed(
        catalog,
        config.instruments,
        config.timeframe,
        config.data,
        start_ns=1_712_016_000 * 10**9,
        end_ns=1_712_188_800 * 10**9,
    )
    store = create_store(f"sqlite:///{tmp_path / 'node.db'}")
    return TradingNode(config, [catalog.instrument(INSTRUMENT)], feed, store)


def test_paper_node_over_recorded_bars_makes_the_backtest_trades(tmp_path: Path) -> None:
    engine = build_engine(
        BacktestRunConfig.model_validate(
            {
                "strategy": "sma_cross",
                "parameters": PARAMS,
                "instruments": [INSTRUMENT],
                "timeframe": "1m",
                "start": START,
                "end": END,
                "venue": {"latency": LATENCY},
                "risk": RISK,
            }
        ),
        default_catalog(tmp_path / "catalog"),
    )
    backtest = engine.run()
    node = _paper_node(tmp_path)
    assert asyncio.run(asyncio.wait_for(node.run(install_signal_handlers=False), 120)) == 0

    assert len(backtest.fills) > 20
    assert _fill_rows(node.fills) == _fill_rows(backtest.fills)
    assert node.portfolio.balances() == engine.portfolio.balances()
    assert node.stop_reason == "market data feed ended"


def test_paper_fills_positions_and_journal_agree(tmp_path: Path) -> None:
    node = _paper_node(tmp_path)
    asyncio.run(asyncio.wait_for(node.run(install_signal_handlers=False), 120))

    bought = sum(f.last_qty for f in node.fills if f.side is OrderSide.BUY)
    sold = sum(f.last_qty for f in node.fills if f.side is OrderSide.SELL)
    assert node.fills and bought - sold == node.portfolio.balances().get("BTC", 0)
    assert node.paper_venue is not None
    venue_balances = node.paper_venue.balances()
    for currency, amount in node.portfolio.balances().items():
        assert venue_balances[currency].total == amount
    # the journal (write-ahead, in SQLite) rebuilds the same orders
    store = create_store(f"sqlite:///{tmp_path / 'node.db'}")
    journal = SqlJournal(store, node.journal.stream)
    instruments = {i.id: i for i in node.cache.instruments()}
    orders, positions = rebuild_from_journal(journal.entries(), instruments)
    assert {o.client_order_id: o.status for o in node.cache.orders()} == {
        cid: o.status for cid, o in orders.items()
    }
    assert positions[InstrumentId(INSTRUMENT)].quantity == bought - sold
    store.close()


class _BrokenFeed:
    async def run(self, sink: MarketDataSink) -> None:
        raise ConnectionError("exchange unreachable")

    def silence_s(self) -> float:
        return 0.0

    async def close(self) -> None:
        return None


def test_a_failing_feed_stops_the_node_cleanly_with_status_1(tmp_path: Path) -> None:
    node = _paper_node(tmp_path)
    node.feed = _BrokenFeed()
    assert asyncio.run(asyncio.wait_for(node.run(install_signal_handlers=False), 30)) == 1
    assert node.stop_reason == "market data feed failed"


class _RecordingSink:
    """Pass events on to the node, keeping the bars."""

    def __init__(self, node: TradingNode) -> None:
        self.node = node
        self.bars: list[Bar] = []

    def handle_bar(self, bar: Bar) -> None:
        self.bars.append(bar)
        self.node.handle_bar(bar)

    def handle_trade(self, trade: TradeTick) -> None:
        self.node.handle_trade(trade)

    def handle_book(self, event: BookSnapshot | BookDeltas) -> None:
        self.node.handle_book(event)


class _RecordingFeed:
    def __init__(self, feed: MarketFeed, node_sink: _RecordingSink) -> None:
        self.feed = feed
        self.sink = node_sink

    async def run(self, sink: MarketDataSink) -> None:
        await self.feed.run(self.sink)

    def silence_s(self) -> float:
        return self.feed.silence_s()

    async def close(self) -> None:
        await self.feed.close()


def test_paper_node_on_the_simulators_ccxt_feed_trades_like_a_backtest_of_its_bars(
    tmp_path: Path,
) -> None:
    """Bars come from the exchange simulator over ccxt's kline stream; a backtest of exactly the
    bars the node received, with the same latency model, makes the same fills."""
    sim = spot_simulator()
    sim.start_in_thread()
    try:
        ccxt_config = {**sim.ccxt_config("spot"), "timeout": 10_000}
        ccxt_config.pop("apiKey")
        ccxt_config.pop("secret")
        config = ColinConfig.model_validate(
            {
                "database_url": f"sqlite:///{tmp_path / 'node.db'}",
                "trading": {
                    "mode": "paper",
                    "clock": "event",
                    "instruments": [INSTRUMENT],
                    "timeframe": "1m",
                    "parameters": {"fast": 3, "slow": 8},
                    "venue": {"latency": LATENCY},
                    "risk": RISK,
                    "stale_feed": {"enabled": False},
                    "ccxt_overrides": ccxt_config,
                },
            }
        )

        async def main() -> tuple[TradingNode, list[Bar]]:
            node = await build_trading_node(config, {})
            recorder = _RecordingSink(node)
            node.feed = _RecordingFeed(node.feed, recorder)

            async def stop_later() -> None:
                while len(recorder.bars) < 150:
                    await asyncio.sleep(0.05)
                node.request_stop("enough bars")

            stopper = asyncio.create_task(stop_later())
            await asyncio.wait_for(node.run(install_signal_handlers=False), 120)
            await stopper
            return node, recorder.bars

        with SimDriver(sim, speed=1200.0):
            node, bars = asyncio.run(main())
    finally:
        sim.stop_thread()

    steps = {b.ts_event - prev.ts_event for prev, b in pairwise(bars)}
    assert steps == {60 * 10**9}  # every closed bar once, in order
    engine = BacktestEngine(
        starting_balances=config.trading.starting_balances,
        venue_config=config.trading.venue,
        risk_config=config.trading.risk,
    )
    instrument = node.cache.instrument_or_raise(InstrumentId(INSTRUMENT))
    engine.add_instrument(instrument)
    engine.add_bars(
        INSTRUMENT,
        "1m",
        pd.DataFrame(
            {
                "ts_open": [b.ts_open for b in bars],
                **{k: [getattr(b, k) for b in bars] for k in ("open", "high", "low", "close")},
                "volume": [b.volume for b in bars],
            }
        ),
    )
    engine.add_strategy(node.strategies[0].__class__(node.strategies[0].params))
    result = engine.run()
    assert len(result.fills) >= 4
    assert _fill_rows(node.fills) == _fill_rows(result.fills)
    assert node.portfolio.balances() == engine.portfolio.balances()
    assert node.paper_venue is not None
    venue_balances = node.paper_venue.balances()
    for currency, amount in node.portfolio.balances().items():
        assert venue_balances[currency].total == amount


def test_replayed_bars_on_the_system_clock_get_a_warning_naming_the_fix(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # 2024 bars on the 2026 system clock: orders would wait for market data that never comes
    node = _paper_node(tmp_path, clock="live")
    with caplog.at_level(logging.WARNING, logger="colin.node.staleness"):
        asyncio.run(asyncio.wait_for(node.run(install_signal_handlers=False), 60))
    (warning,) = [r for r in caplog.records if "behind the system clock" in r.getMessage()]
    assert "trading.clock: event" in warning.getMessage()
    assert warning.__dict__["instrument_id"] == INSTRUMENT


def test_the_event_clock_takes_replayed_bars_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    node = _paper_node(tmp_path)
    with caplog.at_level(logging.WARNING, logger="colin.node.staleness"):
        asyncio.run(asyncio.wait_for(node.run(install_signal_handlers=False), 60))
    assert not [r for r in caplog.records if "behind the system clock" in r.getMessage()]
    assert node.fills  # and it trades

"""Paper trading over recorded data: the node reproduces the backtest, fill for fill."""

from __future__ import annotations

import asyncio
from pathlib import Path

from colin.core.ids import InstrumentId
from colin.model.enums import OrderSide
from colin.model.events import OrderFilled
from colin.node.backtest import build_engine
from colin.node.config import BacktestRunConfig
from colin.node.feeds import CatalogReplayFeed, MarketDataSink
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

    async def close(self) -> None:
        return None


def test_a_failing_feed_stops_the_node_cleanly_with_status_1(tmp_path: Path) -> None:
    node = _paper_node(tmp_path)
    node.feed = _BrokenFeed()
    assert asyncio.run(asyncio.wait_for(node.run(install_signal_handlers=False), 30)) == 1
    assert node.stop_reason == "market data feed failed"

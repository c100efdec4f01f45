"""Assemble a :class:`~colin.node.trading.TradingNode` from the node configuration.

This is the composition root of ``colin run``: it opens the SQL store, chooses the market-data
feed (the Parquet catalog or the exchange through ccxt), loads the instruments from the same
place, and in live mode connects the ccxt execution client with keys from the environment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from colin.core.errors import ConfigError
from colin.node.config import ColinConfig
from colin.node.feeds import CatalogReplayFeed
from colin.node.trading import TradingNode
from colin.persistence.catalog import default_catalog
from colin.persistence.sql import create_store
from colin.strategy.strategy import Strategy


async def build_trading_node(
    config: ColinConfig,
    environ: Mapping[str, str],
    strategies: Sequence[Strategy] | None = None,
) -> TradingNode:
    """Build the node ``config.trading`` describes (not started).

    Parameters
    ----------
    config
        The whole node config (``trading`` section, plus ``catalog`` and ``database_url``).
    environ
        Where live API keys are read.
    strategies
        Strategies to run instead of the configured one (tests, embedding).

    Raises
    ------
    ConfigError
        If the configuration cannot be assembled (unknown instrument, missing keys, ...).
    """
    trading = config.trading
    store = create_store(trading.store_url or config.database_url)
    try:
        if trading.source == "catalog":
            catalog = default_catalog(config.catalog)
            instruments = [catalog.instrument(i) for i in trading.instruments]
            replay = trading.replay
            feed = CatalogReplayFeed(
                catalog,
                trading.instruments,
                trading.timeframe,
                trading.data,
                start_ns=replay.start_ns,
                end_ns=replay.end_ns,
                speed=replay.speed,
            )
            return TradingNode(trading, instruments, feed, store, strategies=strategies)
        raise ConfigError("the exchange feed is not available in this build")
    except BaseException:
        store.close()
        raise

"""Assemble a :class:`~colin.node.trading.TradingNode` from the node configuration.

This is the composition root of ``colin run``: it opens the SQL store, chooses the market-data
feed (the Parquet catalog, or the exchange through ccxt), loads the instruments from the same
place, and in live mode connects a second ccxt exchange, with the keys from the environment, for
the execution client. Market data and orders use separate connections, so a market-data
reconnect never disturbs the user-data streams.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ccxt

from colin.adapters.ccxt.capabilities import capabilities_for
from colin.adapters.ccxt.exchange_factory import create_exchange
from colin.adapters.ccxt.symbols import instrument_from_market, to_ccxt_symbol
from colin.core.errors import ConfigError, VenueUnavailableError
from colin.core.ids import InstrumentId
from colin.model.instrument import Instrument
from colin.node.config import ColinConfig
from colin.node.exchange_feed import ExchangeFeed
from colin.node.feeds import CatalogReplayFeed
from colin.node.live_config import TradingNodeConfig, api_credentials
from colin.node.trading import TradingNode
from colin.persistence.catalog import default_catalog
from colin.persistence.sql import create_store
from colin.strategy.strategy import Strategy

JOURNAL_CHECKPOINT_INTERVAL_S = 1.0
"""How often the journal's SQLite log is checkpointed, off the order path."""


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
    VenueUnavailableError
        If the exchange's markets cannot be loaded.
    """
    trading = config.trading
    store = create_store(
        trading.store_url or config.database_url,
        durability=trading.store_durability,
        checkpoint_interval_s=JOURNAL_CHECKPOINT_INTERVAL_S,
    )
    opened: list[Any] = []
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
        capabilities = capabilities_for(trading.exchange, trading.market_type)
        data_exchange = _exchange(trading, None)
        opened.append(data_exchange)
        instruments = await _instruments(data_exchange, trading, capabilities.venue)
        exchange_feed = ExchangeFeed(
            data_exchange, capabilities, trading.instruments, trading.timeframe, trading.data
        )
        order_exchange = None
        if trading.mode == "live":
            credentials = api_credentials(trading.exchange, environ)
            if credentials is None:
                raise ConfigError(f"live mode needs the API keys of {trading.exchange}")
            order_exchange = _exchange(trading, credentials)
            opened.append(order_exchange)
        return TradingNode(
            trading, instruments, exchange_feed, store, order_exchange, strategies=strategies
        )
    except BaseException:
        for exchange in opened:
            await exchange.close()
        store.close()
        raise


def _exchange(config: TradingNodeConfig, credentials: tuple[str, str] | None) -> Any:
    key, secret = credentials if credentials is not None else (None, None)
    return create_exchange(
        config.exchange,
        config.market_type,
        api_key=key,
        secret=secret,
        testnet=config.testnet,
        overrides=config.ccxt_overrides,
    )


async def _instruments(exchange: Any, config: TradingNodeConfig, venue: str) -> list[Instrument]:
    """The configured instruments, from the exchange's markets."""
    try:
        await exchange.load_markets()
    except ccxt.BaseError as exc:
        raise VenueUnavailableError(
            f"cannot load the markets of {config.exchange}: {type(exc).__name__}: {exc}"
        ) from None
    instruments = []
    for instrument_id in config.instruments:
        iid = InstrumentId(instrument_id)
        if iid.venue != venue:
            raise ConfigError(f"instrument {iid} is not on {venue} ({config.exchange})")
        symbol = to_ccxt_symbol(iid)
        if symbol not in exchange.markets:
            raise ConfigError(f"{config.exchange} {config.market_type} has no market {symbol}")
        market = exchange.market(symbol)
        instruments.append(instrument_from_market(market, venue, exchange.precisionMode))
    return instruments
